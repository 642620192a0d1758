"""The case file as a Chinese PDF (案件材料): 立案 → 调查 → 处理 → 结案, with every progress report
(一案一报) and the audit trail. Uses the same embedded CJK TrueType font as the dossier PDF."""
from __future__ import annotations

import io
import json
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone

from server.registry.choices import ProductCategory
from server.reviews.exports import _register_font, local_time

from .models import CaseOutcome, CaseStatus, EnforcementCase
from .selectors import audit_trail_of_case


def _d(value) -> str:
    return value.isoformat() if value else "—"


def case_pdf(*, case: EnforcementCase) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _register_font()
    base = ParagraphStyle("base", fontName=font, fontSize=9.5, leading=14, wordWrap="CJK")
    small = ParagraphStyle("small", parent=base, fontSize=8, leading=11)
    title = ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=1, spaceAfter=4)
    h2 = ParagraphStyle("h2", parent=base, fontSize=12.5, leading=18, spaceBefore=8, spaceAfter=4)

    def p(text: Any, style=base) -> Paragraph:
        return Paragraph(escape(str(text if text not in (None, "") else "—")).replace("\n", "<br/>"), style)

    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    head_grid = TableStyle([*grid.getCommands(), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))])
    enterprise = case.enterprise
    reports = list(case.reports.select_related("reported_by").order_by("reported_at", "id"))
    category = ProductCategory(case.product_category).label if case.product_category in ProductCategory.values else "—"
    story: list = [p("案件材料", title), p(f"案件编号：#{case.pk}　立案号：{case.case_number or '—'}", small),
                   Spacer(1, 3 * mm)]

    story.append(p("一、立案", h2))
    head = [
        ["当事企业", enterprise.name if enterprise else "—", "统一社会信用代码", enterprise.credit_code if enterprise else "—"],
        ["地址", enterprise.address if enterprise else "—", "承办辖区",
         f"{case.jurisdiction.name}（{case.jurisdiction_id}）" if case.jurisdiction_id else "—"],
        ["案件来源", case.get_source_display(), "产品类别", category],
        ["交办函编号", case.referral_number or "—", "交办期限", _d(case.referral_deadline)],
        ["登记日期", _d(case.opened_on), "立案号", case.case_number or "—"],
        ["挂牌督办", f"是（督办单位：{case.supervising_office}）" if case.major else "否", "专项行动",
         case.campaign.title if case.campaign_id else "—"],
    ]
    story.append(Table([[p(c) for c in row] for row in head], colWidths=[24 * mm, 62 * mm, 30 * mm, 64 * mm], style=grid))
    story.append(Spacer(1, 2 * mm))
    story.append(p(f"移送（登记）理由：{case.reason}"))
    story.append(p(case.report, small))

    def report_table(rows):
        table = [[p("日期"), p("报告时状态"), p("报告内容"), p("报告人"), p("下次报告期限")]]
        for r in rows:
            table.append([p(_d(r.reported_on)), p(CaseStatus(r.status).label), p(r.summary),
                          p(r.reported_by.full_name or r.reported_by.username), p(_d(r.due_after))])
        return Table(table, colWidths=[22 * mm, 20 * mm, 88 * mm, 24 * mm, 26 * mm], style=head_grid, repeatRows=1)

    story.append(p("二、调查（案件进展报告，一案一报）", h2))
    during = [r for r in reports if r.status != CaseStatus.CLOSED]
    story.append(report_table(during) if during else p("尚无进展报告"))
    if case.status != CaseStatus.CLOSED:
        story.append(p(f"下次报告期限：{_d(case.report_due)}"
                       + ("（已逾期）" if case.report_due and case.report_due < timezone.localdate() else "")))

    story.append(p("三、处理", h2))
    if case.status == CaseStatus.CLOSED:
        outcome = CaseOutcome(case.outcome).label
        story.append(p(f"处理结果：{outcome}"
                       + (f"，移送 {case.transferred_to}" if case.outcome == CaseOutcome.TRANSFERRED else "")))
        story.append(p(f"结果说明：{case.outcome_note or '—'}"))
    else:
        story.append(p(f"案件处理中（{case.get_status_display()}）"))

    story.append(p("四、结案", h2))
    closing = [r for r in reports if r.status == CaseStatus.CLOSED]
    if case.status == CaseStatus.CLOSED:
        story.append(p(f"结案日期：{_d(case.closed_on)}"))
        if closing:
            story.append(report_table(closing))
    else:
        story.append(p("尚未结案"))

    trail = list(audit_trail_of_case(case=case))
    if trail:
        story.append(p("附：操作记录", h2))
        rows = [[p("时间"), p("操作人"), p("动作"), p("内容")]]
        for event in trail:
            change = json.dumps(event.to_value, ensure_ascii=False) if event.to_value is not None else ""
            rows.append([p(local_time(event.at.isoformat()), small), p(event.actor.username if event.actor else "—", small),
                         p(event.get_action_display(), small), p(f"{change} {event.reason}".strip(), small)])
        story.append(Table(rows, colWidths=[28 * mm, 22 * mm, 26 * mm, 104 * mm], style=head_grid, repeatRows=1))

    out = io.BytesIO()

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawRightString(A4[0] - 15 * mm, 10 * mm, f"案件材料 #{case.pk} 第 {doc.page} 页")
        canvas.restoreState()

    SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm,
                      title=f"案件材料 #{case.pk}", author="fieldinspect").build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
