"""Exports: the dossier as a PDF on-site inspection record (现场检查笔录), the dossier's originals as a
ZIP with a SHA256SUMS manifest, and the dossier list as CSV and XLSX.

Chinese in the PDF uses an embedded TrueType CJK font (reportlab embeds TrueType outlines only):
WenQuanYi Zen Hei from Debian's fonts-wqy-zenhei, or the file named by FIELDINSPECT_CJK_FONT.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import os
import zipfile
from pathlib import Path
from typing import Any, Callable
from xml.sax.saxutils import escape

import checklists
from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.module_loading import import_string

from server.api import tables
from server.dossiers.models import Blob, CustodyState, Dossier, Photo
from server.registry.choices import Domain, ProductCategory

from .models import CertificationAudit

log = logging.getLogger(__name__)

CJK_FONT_NAME = "FieldInspectCJK"
CJK_FONT_CANDIDATES = [
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
]


class FontMissing(RuntimeError):
    pass


# --- tables -----------------------------------------------------------------------------------------

LIST_COLUMNS = [
    ("id", "检查编号"), ("enterprise", "企业名称"), ("credit_code", "统一社会信用代码"), ("jurisdiction", "辖区代码"),
    ("jurisdiction_name", "辖区"), ("product_category", "产品类别代码"), ("product_category_label", "产品类别"),
    ("domain", "领域"), ("scheduled_for", "计划日期"), ("status", "状态代码"), ("status_label", "状态"),
    ("required", "必填项"), ("answered", "已答"), ("missing", "缺项数"), ("quicktests_failed", "快检不合格"),
    ("findings", "问题数"), ("conflicts", "冲突数"), ("flags", "提示数"),
]


def dossier_list_csv(*, rows: list[dict[str, Any]]) -> bytes:
    return tables.csv_bytes(columns=LIST_COLUMNS, rows=rows)


def dossier_list_xlsx(*, rows: list[dict[str, Any]]) -> bytes:
    return tables.xlsx_bytes(columns=LIST_COLUMNS, rows=rows, title="检查档案",
                             widths=[38, 30, 22, 10, 10, 22, 16, 8, 12, 12, 10, 8, 8, 8, 10, 8, 8, 8])


# --- fields a reader sees ---------------------------------------------------------------------------


def method_title(method: str | None) -> str:
    try:
        return checklists.engine.methods().get(method or "", {}).get("title") or (method or "—")
    except Exception:  # an engine problem must not break an export
        return method or "—"


def local_time(value: str | None) -> str:
    """An ISO 8601 timestamp as local "YYYY-MM-DD HH:MM"."""
    if not value:
        return "—"
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d %H:%M")


def _item_index(checklist_id: str) -> dict[str, dict]:
    doc = checklists.get(checklist_id) or {}
    return {item["code"]: item for section in doc.get("sections", []) for item in section.get("items", [])}


def answer_text(*, item: dict | None, value: Any) -> str:
    if value is None:
        return "—"
    kind = (item or {}).get("kind")
    if isinstance(value, bool):
        return "符合" if value else "不符合"
    if kind == "choice":
        for option in item.get("options", []):
            if option.get("value") == value:
                return str(option.get("label", value))
    if kind == "number" and item.get("unit"):
        return f"{value} {item['unit']}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


CUSTODY_LABELS = dict(CustodyState.choices)
VERDICT_LABELS = {"pass": "合格", "fail": "不合格", "invalid": "无效", None: "未判定", "": "未判定"}


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        if "value" in value:
            unit = value.get("unit", "")
            return f"{_fmt(value['value'])} {unit}".strip()
        return "，".join(f"{k}={_fmt(v)}" for k, v in value.items())
    return str(value)


# --- PDF --------------------------------------------------------------------------------------------


def _register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if CJK_FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return CJK_FONT_NAME
    candidates = list(CJK_FONT_CANDIDATES)
    if os.environ.get("FIELDINSPECT_CJK_FONT"):
        candidates.insert(0, (os.environ["FIELDINSPECT_CJK_FONT"], 0))
    for path, index in candidates:
        if Path(path).is_file():
            pdfmetrics.registerFont(TTFont(CJK_FONT_NAME, path, subfontIndex=index))
            return CJK_FONT_NAME
    raise FontMissing(
        "没有可嵌入的中文 TrueType 字体：请安装 fonts-wqy-zenhei（apt-get install fonts-wqy-zenhei）"
        "或用 FIELDINSPECT_CJK_FONT 指定 .ttf/.ttc 文件"
    )


def _read_storage(path: str) -> bytes | None:
    if not path:
        return None
    try:
        with default_storage.open(path, "rb") as handle:
            return handle.read()
    except (OSError, ValueError):
        return None


def _attachment_reader() -> Callable[..., bytes | None] | None:
    """Field attachments (the closeout signature) live in the sync store; server never imports sync,
    so the reader is named by settings.FIELD_ATTACHMENT_READER (sync.resolutions.read_attachment)."""
    path = getattr(settings, "FIELD_ATTACHMENT_READER", "")
    if not path:
        return None
    try:
        return import_string(path)
    except ImportError:
        return None


def signature_png(*, body: dict) -> bytes | None:
    closeout = body.get("closeout") or {}
    if not closeout.get("has_signature") or not closeout.get("id"):
        return None
    reader = _attachment_reader()
    if reader is None:
        return None
    try:
        return reader(doc_id=closeout["id"], name="signature")
    except Exception as exc:  # the store being down must not break the export
        log.warning("signature of %s unavailable: %s", closeout.get("id"), exc)
        return None


def dossier_pdf(*, dossier: Dossier, body: dict) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _register_font()
    base = ParagraphStyle("base", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    small = ParagraphStyle("small", parent=base, fontSize=8, leading=11)
    title = ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=1, spaceAfter=4)
    h2 = ParagraphStyle("h2", parent=base, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4)

    def p(text: Any, style=base) -> Paragraph:
        return Paragraph(escape(str(text if text is not None else "—")).replace("\n", "<br/>"), style)

    grid = TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
    ])
    inspection = dossier.inspection
    enterprise = inspection.enterprise
    items = _item_index(inspection.checklist_id)
    story: list = [p("现场检查笔录", title), p(f"检查编号：{inspection.pk}", small), Spacer(1, 3 * mm)]

    inspectors = ", ".join(
        f"{u.full_name or u.username}（{u.username}）" for u in inspection.inspectors.all().order_by("username")
    )
    closeout = body.get("closeout") or {}
    head = [
        ["被检查单位", enterprise.name, "统一社会信用代码", enterprise.credit_code],
        ["地址", enterprise.address, "辖区", f"{enterprise.jurisdiction.name}（{enterprise.jurisdiction_id}）"],
        ["产品类别", ProductCategory(inspection.product_category).label, "检查环节", Domain(inspection.domain).label],
        ["检查日期", inspection.scheduled_for.isoformat(), "完成时间", local_time(closeout.get("finished_at"))],
        ["检查人员", inspectors, "检查表", inspection.checklist_id],
        ["档案状态", dossier.get_status_display(), "导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")],
    ]
    story.append(Table(
        [[p(c) for c in row] for row in head], colWidths=[24 * mm, 62 * mm, 30 * mm, 64 * mm],
        style=TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]),
    ))

    flags = (body.get("review") or {}).get("flags") or body.get("flags") or []
    if flags:
        story.append(p("提示", h2))
        for flag in flags:
            story.append(p(f"【提示】{flag.get('label')}：证书 {flag.get('certificate')}"))

    story.append(p("一、检查项目及结果", h2))
    rows = [[p("序号"), p("检查项目"), p("检查结果"), p("判定依据"), p("备注")]]
    for index, answer in enumerate(body.get("answers") or [], 1):
        item = items.get(answer.get("item_code"))
        result = answer_text(item=item, value=answer.get("value"))
        if answer.get("conflict"):
            result += "（存在冲突，待处理）"
        rows.append([
            p(index), p(f"{answer.get('item_code')} {(item or {}).get('prompt', '')}"), p(result),
            p((item or {}).get("basis", "")), p(answer.get("note") or ""),
        ])
    if len(rows) == 1:
        rows.append([p("—"), p("无"), p(""), p(""), p("")])
    story.append(Table(rows, colWidths=[10 * mm, 70 * mm, 30 * mm, 40 * mm, 30 * mm], style=grid, repeatRows=1))

    story.append(p("二、现场快速检测", h2))
    rows = [[p("检查项"), p("方法"), p("结果"), p("限值"), p("结论"), p("依据")]]
    verdict_rows = []
    for test in body.get("quicktests") or []:
        verdict = test.get("verdict")
        rows.append([
            p(test.get("item_code")), p(method_title(test.get("method"))), p(_fmt(test.get("result"))), p(_fmt(test.get("limit"))),
            p(VERDICT_LABELS.get(verdict, verdict)), p(test.get("basis") or test.get("error") or ""),
        ])
        verdict_rows.append((len(rows) - 1, verdict))
    if len(rows) == 1:
        rows.append([p("无"), p(""), p(""), p(""), p(""), p("")])
    table = Table(rows, colWidths=[24 * mm, 32 * mm, 30 * mm, 30 * mm, 16 * mm, 48 * mm], style=grid, repeatRows=1)
    for row, verdict in verdict_rows:
        colour = {"pass": "#d8f0d8", "fail": "#f8d0d0"}.get(verdict)
        if colour:
            table.setStyle(TableStyle([("BACKGROUND", (4, row), (4, row), colors.HexColor(colour))]))
    story.append(table)

    story.append(p("三、现场照片", h2))
    photo_cells: list = []
    photos = {ph.doc_id: ph for ph in Photo.objects.filter(inspection=inspection)}
    for photo in body.get("photos") or []:
        row = photos.get(photo.get("id"))
        data = _read_storage(row.thumbnail_path) if row is not None else None
        label = p(f"{photo.get('item_code') or ''} {local_time(photo.get('taken_at'))} {photo.get('caption') or ''}", small)
        if data:
            image = Image(io.BytesIO(data))
            scale = min(40 * mm / image.imageWidth, 32 * mm / image.imageHeight)
            image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
            photo_cells.append([image, label])
        else:
            photo_cells.append([p("（缩略图未生成）", small), label])
    if photo_cells:
        grid_rows = [photo_cells[i:i + 4] for i in range(0, len(photo_cells), 4)]
        for row in grid_rows:
            while len(row) < 4:
                row.append("")
        story.append(Table(grid_rows, colWidths=[45 * mm] * 4, hAlign="LEFT",
                           style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")])))
    else:
        story.append(p("无"))

    story.append(p("四、抽样", h2))
    rows = [[p("封样标签"), p("产品"), p("型号/批次"), p("数量"), p("流转状态")]]
    for sample in body.get("samples") or []:
        product = sample.get("product") or {}
        custody = sample.get("custody_state")
        if not custody and isinstance(sample.get("custody"), dict):
            custody = sample["custody"].get("state")
        custody = CUSTODY_LABELS.get(custody, custody)
        rows.append([
            p(sample.get("label_code")), p(f"{product.get('name', '')} {product.get('brand', '')}".strip()),
            p(f"{product.get('model', '')} / {product.get('batch', '')}"),
            p(f"{_fmt(sample.get('quantity'))} {sample.get('unit') or ''}"), p(custody or "—"),
        ])
    if len(rows) == 1:
        rows.append([p("无"), p(""), p(""), p(""), p("")])
    story.append(Table(rows, colWidths=[40 * mm, 50 * mm, 40 * mm, 20 * mm, 30 * mm], style=grid, repeatRows=1))

    findings = body.get("findings") or []
    story.append(p("五、发现的问题", h2))
    if findings:
        rows = [[p("检查项"), p("严重程度"), p("问题描述")]]
        rows += [[p(f.get("item_code")), p(f.get("severity_label") or f.get("severity")), p(f.get("description"))] for f in findings]
        story.append(Table(rows, colWidths=[30 * mm, 20 * mm, 130 * mm], style=grid, repeatRows=1))
    else:
        story.append(p("未发现问题"))

    story.append(p("六、现场负责人意见及签名", h2))
    representative = closeout.get("representative") or {}
    story.append(p(f"检查小结：{closeout.get('summary') or '—'}"))
    story.append(p(f"被检查单位负责人：{representative.get('name', '—')}　职务：{representative.get('title', '—')}"))
    signature = signature_png(body=body)
    if signature:
        try:
            image = Image(io.BytesIO(signature))
            scale = min(50 * mm / image.imageWidth, 20 * mm / image.imageHeight)
            image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
            story.append(Table([[p("签名："), image]], colWidths=[15 * mm, 60 * mm], hAlign="LEFT"))
        except Exception:  # an unreadable image must not break the record
            story.append(p("签名：（签名图片无法读取）"))
    else:
        story.append(p("签名：" + ("已签名（签名图片不可用）" if closeout.get("has_signature") else "未签名")))
    story.append(Spacer(1, 4 * mm))
    story.append(p(f"检查人员（签名）：{inspectors}"))

    story.append(p("七、审核", h2))
    review = body.get("review") or {}
    if review.get("decision"):
        label = {"approve": "通过", "return": "退回"}.get(review["decision"], review["decision"])
        story.append(p(f"审核结论：{label}　审核人：{review.get('reviewer_name') or review.get('reviewer')}　"
                       f"时间：{local_time(review.get('reviewed_at'))}"))
        if review.get("comment"):
            story.append(p(f"审核意见：{review['comment']}"))
    else:
        story.append(p("尚未审核"))
    audits = body.get("audits") or []
    if audits:
        story.append(p("认证机构审查", h2))
        for audit in audits:
            story.append(p(f"{audit.get('date')} 证书 {audit.get('certificate')}：{audit.get('result_label')}。{audit.get('findings') or ''}"))

    out = io.BytesIO()

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawRightString(A4[0] - 15 * mm, 10 * mm, f"现场检查笔录 第 {doc.page} 页")
        canvas.restoreState()

    document = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm,
        title=f"现场检查笔录 {enterprise.name}", author="fieldinspect",
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


# --- ZIP of the originals ---------------------------------------------------------------------------


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


_EXT = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}


def dossier_zip(*, dossier: Dossier, body: dict) -> bytes:
    """dossier.json, dossier.pdf, the original photos, the signature and certification-audit reports,
    with SHA256SUMS (`sha256sum -c` format) over every other file."""
    files: list[tuple[str, bytes]] = []
    files.append(("dossier.json", json.dumps(body, ensure_ascii=False, indent=2, default=str).encode("utf-8")))
    try:
        files.append(("dossier.pdf", dossier_pdf(dossier=dossier, body=body)))
    except FontMissing as exc:
        log.warning("zip export without PDF: %s", exc)
    photos = Photo.objects.filter(inspection=dossier.inspection).select_related("blob")
    for photo in photos.order_by("doc_id"):
        blob: Blob | None = photo.blob
        data = _read_storage(blob.path) if blob is not None else None
        if data is not None:
            ext = _EXT.get(blob.mime or photo.mime, "")
            files.append((f"photos/{_safe(photo.doc_id)}{ext}", data))
    signature = signature_png(body=body)
    if signature:
        files.append(("signature.png", signature))
    for audit in CertificationAudit.objects.filter(enterprise_id=dossier.inspection.enterprise_id).exclude(report=""):
        data = _read_storage(audit.report.name)
        if data is not None:
            files.append((f"certification-audits/{audit.pk}-{_safe(audit.report_name or 'report')}", data))
    manifest = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in files)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
        archive.writestr("SHA256SUMS", manifest)
    return out.getvalue()
