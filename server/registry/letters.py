"""The printable notice letter (PDF, Chinese, CJK font embedded as in dossier PDFs): one
recipient's copy of an unqualified-product notice, with the list as it was sent (plan 三(三)2)."""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import timezone

from .choices import ProductCategory
from .models import NoticeRecipient

BODY = (
    "根据《揭阳市2019年重点工业产品质量安全专项整治行动方案》三(三)2 的要求，现将近年来监督抽查不合格产品名单"
    "（见下表）发送给你单位。请你单位对所购进、销售、使用的产品进行检查，重点检查：产品是否存在无厂名厂址的情况；"
    "是否有购进、销售近年监督抽查发现的同一型号不合格且未整改产品；是否存在生产许可、强制性认证标识等质量标志不规范"
    "情况。对不符合法律法规要求的产品进行妥善处置，并将处置结果及时报告当地市场监管部门。"
)
EXEMPTION = (
    "对事先如实向市场监管部门报告不合格商品处置情况及数据，或在被检查或被举报前已主动停止销售不合格商品，"
    "并且未造成危害的，可免予行政处罚。"
)


def notice_letter_pdf(*, copy: NoticeRecipient) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from server.reviews.exports import _register_font

    font = _register_font()
    base = ParagraphStyle("base", fontName=font, fontSize=11, leading=18, wordWrap="CJK", firstLineIndent=22)
    plain = ParagraphStyle("plain", parent=base, firstLineIndent=0)
    cell = ParagraphStyle("cell", parent=plain, fontSize=8.5, leading=11)
    title = ParagraphStyle("title", parent=plain, fontSize=17, leading=26, alignment=1, spaceAfter=10)
    right = ParagraphStyle("right", parent=plain, alignment=2)

    def p(text, style=base):
        return Paragraph(escape(str(text or "—")), style)

    notice = copy.notice
    bureau = f"{notice.jurisdiction.name}市场监督管理局"
    categories = dict(ProductCategory.choices)
    story = [
        p("关于排查处置监督抽查不合格产品的通知", title),
        p(f"{copy.enterprise.name}：", plain),
        Spacer(1, 4),
        p(BODY),
        p(EXEMPTION),
        Spacer(1, 6),
        p(f"不合格产品名单（共 {len(copy.products)} 项，截至发送之日）：", plain),
        Spacer(1, 4),
    ]
    rows = [[p(h, cell) for h in ("序号", "产品类别", "产品名称", "型号规格", "商标", "生产企业", "批次", "抽查轮次")]]
    for index, item in enumerate(copy.products, start=1):
        rows.append([p(index, cell), p(categories.get(item.get("product_category"), item.get("product_category")), cell),
                     p(item.get("product_name"), cell), p(item.get("model"), cell), p(item.get("brand"), cell),
                     p(item.get("manufacturer"), cell), p(item.get("batch"), cell), p(item.get("found_in"), cell)])
    if len(rows) == 1:
        rows.append([p("名单中暂无未整改的不合格产品", cell)] + [p("", cell)] * 7)
    table = Table(rows, colWidths=[10 * mm, 20 * mm, 28 * mm, 22 * mm, 16 * mm, 32 * mm, 18 * mm, 34 * mm], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))]))
    story += [table, Spacer(1, 12), p("处置结果请通过企业账号提交处置报告，或书面报告当地市场监管部门。"), Spacer(1, 18),
              p(bureau, right), p(timezone.localtime(notice.sent_at).strftime("%Y年%m月%d日"), right),
              Spacer(1, 8), p(f"通知编号：{notice.pk}-{copy.enterprise_id}", ParagraphStyle("small", parent=plain, fontSize=8))]
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=18 * mm,
                                 bottomMargin=15 * mm, title=f"不合格产品名单通知 {copy.enterprise.name}", author=bureau)
    document.build(story)
    return out.getvalue()
