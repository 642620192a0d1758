"""Printable A4 sheets of QR seal labels (PNG via Pillow, PDF via reportlab).

Each label is a QR code holding the label code (QR alphanumeric mode, error correction
M, 4-module quiet zone) with the readable code printed under it, on a 4 × 6 grid with
light cut lines. The PDF uses reportlab's built-in CID font ``STSong-Light`` for Chinese
text, so no font files are needed. The PNG needs a CJK TrueType/OpenType font for a
Chinese title: one is looked up in ``$MEDIA_CJK_FONT`` and the usual font folders; without
one a title the fallback font cannot draw is left off (the codes are ASCII and always drawn).
"""

from __future__ import annotations

import io
import logging
import math
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import qrcode
import qrcode.constants
from PIL import Image, ImageDraw, ImageFont

from .labels import parse_label_code

logger = logging.getLogger(__name__)

PAGE_W_MM = 210.0
PAGE_H_MM = 297.0
MARGIN_MM = 10.0
TITLE_BAND_MM = 14.0
FOOTER_BAND_MM = 8.0
COLUMNS = 4
ROWS = 6
LABELS_PER_PAGE = COLUMNS * ROWS
QR_SIDE_MM = 30.0
QR_TOP_PAD_MM = 2.5
CODE_GAP_MM = 1.5
PNG_DPI = 150
MAX_CODES = 4800  # 200 pages
MAX_TITLE_CHARS = 80
QR_BORDER = 4

GRID_TOP_MM = MARGIN_MM + TITLE_BAND_MM
GRID_W_MM = PAGE_W_MM - 2 * MARGIN_MM
GRID_H_MM = PAGE_H_MM - 2 * MARGIN_MM - TITLE_BAND_MM - FOOTER_BAND_MM
CELL_W_MM = GRID_W_MM / COLUMNS
CELL_H_MM = GRID_H_MM / ROWS

FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", str(Path.home() / ".fonts"))
CJK_FONT_HINTS = (
    "cjk", "wqy", "zenhei", "microhei", "droidsansfallback", "sourcehan", "notosanssc",
    "notoserifsc", "simsun", "simhei", "msyh", "uming", "ukai", "arphic", "fangsong", "kaiti",
)


# ---------------------------------------------------------------------------- inputs


def _validated(codes: object, title: object) -> tuple[list[str], str]:
    if not isinstance(codes, (list, tuple)):
        raise ValueError("codes: expected a list of label codes")
    if not codes:
        raise ValueError("codes: at least one label code is needed")
    if len(codes) > MAX_CODES:
        raise ValueError(f"codes: at most {MAX_CODES} codes per sheet, got {len(codes)}")
    canonical: list[str] = []
    seen: set[str] = set()
    for index, code in enumerate(codes):
        try:
            value = str(parse_label_code(code)["code"])
        except ValueError as exc:
            raise ValueError(f"codes[{index}]: {exc}") from None
        if value in seen:
            raise ValueError(f"codes[{index}]: {value} appears more than once")
        seen.add(value)
        canonical.append(value)
    if not isinstance(title, str):
        raise ValueError("title: expected a string")
    title = " ".join(title.split())
    if len(title) > MAX_TITLE_CHARS:
        raise ValueError(f"title: at most {MAX_TITLE_CHARS} characters, got {len(title)}")
    return canonical, title


def qr_matrix(code: str) -> list[list[bool]]:
    """The QR module matrix (quiet zone included) printed for ``code``."""
    qr = qrcode.QRCode(version=None, error_correction=qrcode.constants.ERROR_CORRECT_M, border=QR_BORDER)
    qr.add_data(code)
    qr.make(fit=True)
    return [[bool(v) for v in row] for row in qr.get_matrix()]


def _pages(codes: list[str]) -> list[list[str]]:
    return [codes[i : i + LABELS_PER_PAGE] for i in range(0, len(codes), LABELS_PER_PAGE)]


def _cell_origin_mm(slot: int) -> tuple[float, float]:
    """Top-left corner (x, y from the top of the page) of grid slot ``slot``."""
    row, col = divmod(slot, COLUMNS)
    return MARGIN_MM + col * CELL_W_MM, GRID_TOP_MM + row * CELL_H_MM


# ---------------------------------------------------------------------------- PNG


@dataclass(frozen=True)
class QrBox:
    """Where a QR code sits on a PNG page: top-left pixel, pixels per module, modules per side."""

    code: str
    left: int
    top: int
    module_px: int
    modules: int


def _px(mm: float) -> int:
    return int(round(mm * PNG_DPI / 25.4))


def png_layout(*, codes: list[str]) -> list[QrBox]:
    """QR positions of one PNG page (for tests and for anyone cropping single labels)."""
    boxes = []
    for slot, code in enumerate(codes[:LABELS_PER_PAGE]):
        modules = len(qr_matrix(code))
        module_px = max(1, _px(QR_SIDE_MM) // modules)
        side = module_px * modules
        x_mm, y_mm = _cell_origin_mm(slot)
        left = _px(x_mm + CELL_W_MM / 2) - side // 2
        top = _px(y_mm + QR_TOP_PAD_MM)
        boxes.append(QrBox(code=code, left=left, top=top, module_px=module_px, modules=modules))
    return boxes


def _font_candidates() -> list[Path]:
    found = []
    env = os.environ.get("MEDIA_CJK_FONT")
    if env:
        found.append(Path(env))
    for folder in FONT_DIRS:
        root = Path(folder)
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() in (".ttf", ".ttc", ".otf") and any(h in path.name.lower() for h in CJK_FONT_HINTS):
                found.append(path)
    return found


def _covers(font: ImageFont.FreeTypeFont | ImageFont.ImageFont, text: str) -> bool:
    """Whether ``font`` has a glyph for every non-blank character (missing ones draw as .notdef)."""
    try:
        notdef = font.getmask(chr(0x10FFFD))
        notdef_key = (notdef.size, bytes(notdef))
        for ch in set(text):
            if ch.isspace():
                continue
            mask = font.getmask(ch)
            if mask.size == (0, 0) or (mask.size, bytes(mask)) == notdef_key:
                return False
    except Exception:
        return False
    return True


@lru_cache(maxsize=4)
def _cjk_font_path() -> str | None:
    for path in _font_candidates():
        try:
            font = ImageFont.truetype(str(path), 24)
        except OSError:
            continue
        if _covers(font, "封条抽样检查中"):
            return str(path)
    return None


@lru_cache(maxsize=1)
def _latin_font_path() -> str | None:
    for folder in FONT_DIRS:
        root = Path(folder)
        if root.is_dir():
            for name in ("DejaVuSans-Bold.ttf", "DejaVuSans.ttf", "LiberationSans-Bold.ttf"):
                hits = sorted(root.rglob(name))
                if hits:
                    return str(hits[0])
    return None


def _font(size_px: int, text: str) -> ImageFont.FreeTypeFont | ImageFont.ImageFont | None:
    """A font able to draw ``text``, or None."""
    paths = [p for p in (_cjk_font_path(), _latin_font_path()) if p]
    for path in paths:
        try:
            font = ImageFont.truetype(path, size_px)
        except OSError:
            continue
        if _covers(font, text):
            return font
    font = ImageFont.load_default(size=size_px)
    return font if _covers(font, text) else None


def _draw_centered(draw: ImageDraw.ImageDraw, *, text: str, center_x: int, top: int, size_px: int, max_width: int) -> bool:
    size = size_px
    while size >= 8:
        font = _font(size, text)
        if font is None:
            return False
        left, _, right, _ = draw.textbbox((0, 0), text, font=font)
        if right - left <= max_width or size == 8:
            draw.text((center_x - (right - left) // 2 - left, top), text, fill="black", font=font)
            return True
        size -= 2
    return False


def _render_png_page(codes: list[str], title: str, page_no: int, page_count: int) -> bytes:
    width, height = _px(PAGE_W_MM), _px(PAGE_H_MM)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    if title and not _draw_centered(
        draw, text=title, center_x=width // 2, top=_px(MARGIN_MM + 2), size_px=_px(6), max_width=_px(GRID_W_MM)
    ):
        logger.warning("label sheet PNG: no font can draw the title %r; install a CJK font (e.g. fonts-noto-cjk)", title)
    for slot, box in enumerate(png_layout(codes=codes)):
        x_mm, y_mm = _cell_origin_mm(slot)
        draw.rectangle(
            (_px(x_mm), _px(y_mm), _px(x_mm + CELL_W_MM), _px(y_mm + CELL_H_MM)), outline=200, width=1
        )
        for r, row in enumerate(qr_matrix(box.code)):
            for c, dark in enumerate(row):
                if dark:
                    x0 = box.left + c * box.module_px
                    y0 = box.top + r * box.module_px
                    draw.rectangle((x0, y0, x0 + box.module_px - 1, y0 + box.module_px - 1), fill=0)
        side = box.module_px * box.modules
        _draw_centered(
            draw,
            text=box.code,
            center_x=box.left + side // 2,
            top=box.top + side + _px(CODE_GAP_MM),
            size_px=_px(3.4),
            max_width=_px(CELL_W_MM - 2),
        )
    footer = f"{page_no}/{page_count}   {codes[0]} .. {codes[-1]}"
    _draw_centered(
        draw, text=footer, center_x=width // 2, top=_px(PAGE_H_MM - MARGIN_MM - FOOTER_BAND_MM + 2),
        size_px=_px(3), max_width=_px(GRID_W_MM),
    )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True, dpi=(PNG_DPI, PNG_DPI))
    return out.getvalue()


def render_label_pages_png(*, codes: list[str], title: str) -> list[bytes]:
    """One PNG (A4 at 150 dpi, grayscale) per page of 24 labels."""
    codes, title = _validated(codes, title)
    pages = _pages(codes)
    return [_render_png_page(page, title, i + 1, len(pages)) for i, page in enumerate(pages)]


def render_label_sheet_png(*, codes: list[str], title: str) -> bytes:
    """A single A4 page (PNG, 150 dpi) of at most 24 labels."""
    if isinstance(codes, (list, tuple)) and len(codes) > LABELS_PER_PAGE:
        raise ValueError(
            f"codes: a PNG sheet holds at most {LABELS_PER_PAGE} labels, got {len(codes)}; "
            "use render_label_sheet_pdf or render_label_pages_png"
        )
    return render_label_pages_png(codes=codes, title=title)[0]


# ---------------------------------------------------------------------------- PDF

PDF_CJK_FONT = "STSong-Light"
PDF_CODE_FONT = "Courier-Bold"


@lru_cache(maxsize=1)
def _register_pdf_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(PDF_CJK_FONT))


def render_label_sheet_pdf(*, codes: list[str], title: str) -> bytes:
    """A4 PDF, 24 labels per page, ``ceil(len(codes) / 24)`` pages. Output is deterministic."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfgen import canvas

    codes, title = _validated(codes, title)
    _register_pdf_fonts()
    pages = _pages(codes)
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=1, pageCompression=1)
    pdf.setTitle(title or "QR seal labels")
    pdf.setSubject("抽样封条二维码标签")
    pdf.setCreator("fieldinspect media.label_sheets")
    page_h = A4[1]

    def y_pt(y_mm_from_top: float) -> float:
        return page_h - y_mm_from_top * mm

    for page_no, page in enumerate(pages, start=1):
        if title:
            size = 16.0
            while size > 8 and pdfmetrics.stringWidth(title, PDF_CJK_FONT, size) > GRID_W_MM * mm:
                size -= 1
            pdf.setFont(PDF_CJK_FONT, size)
            pdf.drawCentredString(PAGE_W_MM / 2 * mm, y_pt(MARGIN_MM + 8), title)
        for slot, code in enumerate(page):
            x_mm, y_mm = _cell_origin_mm(slot)
            pdf.setStrokeGray(0.75)
            pdf.setLineWidth(0.3)
            pdf.setDash(2, 2)
            pdf.rect(x_mm * mm, y_pt(y_mm + CELL_H_MM), CELL_W_MM * mm, CELL_H_MM * mm, stroke=1, fill=0)
            pdf.setDash()
            matrix = qr_matrix(code)
            module = QR_SIDE_MM * mm / len(matrix)
            left = (x_mm + CELL_W_MM / 2 - QR_SIDE_MM / 2) * mm
            top = y_pt(y_mm + QR_TOP_PAD_MM)
            pdf.setFillGray(0)
            for r, row in enumerate(matrix):
                c = 0
                while c < len(row):  # one rectangle per horizontal run of dark modules
                    if not row[c]:
                        c += 1
                        continue
                    start = c
                    while c < len(row) and row[c]:
                        c += 1
                    pdf.rect(left + start * module, top - (r + 1) * module, (c - start) * module, module, stroke=0, fill=1)
            pdf.setFont(PDF_CODE_FONT, 9)
            pdf.drawCentredString(
                (x_mm + CELL_W_MM / 2) * mm, y_pt(y_mm + QR_TOP_PAD_MM + QR_SIDE_MM + CODE_GAP_MM + 2.5), code
            )
        pdf.setFont(PDF_CJK_FONT, 8)
        pdf.setFillGray(0.3)
        pdf.drawCentredString(
            PAGE_W_MM / 2 * mm,
            y_pt(PAGE_H_MM - MARGIN_MM - 2),
            f"第 {page_no} / {len(pages)} 页    {page[0]} – {page[-1]}",
        )
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def page_count_for(count: int) -> int:
    """Number of sheet pages needed for ``count`` labels."""
    return max(1, math.ceil(count / LABELS_PER_PAGE))
