import io

import pypdf
import pytest
import qrcode
import qrcode.constants
from PIL import Image

from media.label_sheets import LABELS_PER_PAGE, png_layout, render_label_pages_png
from media.labels import make_label_code, make_label_codes, render_label_sheet_pdf, render_label_sheet_png

TITLE = "2019年揭阳市电线电缆产品质量监督抽查 抽样封条"


def codes(n, first=1):
    return make_label_codes(jurisdiction="445202", first_serial=first, count=n)


def reference_matrix(code):
    """Regenerate the QR independently of media.label_sheets."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(code)
    qr.make(fit=True)
    return qr.get_matrix()


def sampled_matrix(img, box):
    half = box.module_px // 2
    return [
        [img.getpixel((box.left + c * box.module_px + half, box.top + r * box.module_px + half)) < 128
         for c in range(box.modules)]
        for r in range(box.modules)
    ]


@pytest.mark.parametrize("count, pages", [(1, 1), (24, 1), (25, 2), (49, 3)])
def test_pdf_page_count(count, pages):
    pdf = pypdf.PdfReader(io.BytesIO(render_label_sheet_pdf(codes=codes(count), title=TITLE)))
    assert len(pdf.pages) == pages


def test_pdf_holds_every_code_and_the_chinese_title():
    batch = codes(30)
    data = render_label_sheet_pdf(codes=batch, title=TITLE)
    pdf = pypdf.PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    for code in batch:
        assert code in text
    assert "揭阳市电线电缆" in text
    assert pdf.metadata.title == TITLE
    fonts = {str(ref.get_object()["/BaseFont"]) for ref in pdf.pages[0]["/Resources"]["/Font"].values()}
    assert any(name.startswith("/STSong-Light") for name in fonts), fonts
    assert render_label_sheet_pdf(codes=batch, title=TITLE) == data  # deterministic


def test_png_qr_codes_match_their_labels():
    batch = codes(LABELS_PER_PAGE, first=777)
    img = Image.open(io.BytesIO(render_label_sheet_png(codes=batch, title="Seal labels"))).convert("L")
    assert img.size == (1240, 1754)  # A4 at 150 dpi
    boxes = png_layout(codes=batch)
    assert [b.code for b in boxes] == batch
    for box in boxes:
        assert sampled_matrix(img, box) == reference_matrix(box.code), box.code
    # Labels differ, so their QR codes do too (guards against drawing one code everywhere).
    assert sampled_matrix(img, boxes[0]) != sampled_matrix(img, boxes[1])


def test_png_with_chinese_title_still_renders_codes():
    batch = codes(3)
    img = Image.open(io.BytesIO(render_label_sheet_png(codes=batch, title=TITLE))).convert("L")
    for box in png_layout(codes=batch):
        assert sampled_matrix(img, box) == reference_matrix(box.code)


def test_png_pages_and_single_page_limit():
    pages = render_label_pages_png(codes=codes(30), title="x")
    assert len(pages) == 2
    assert all(Image.open(io.BytesIO(p)).format == "PNG" for p in pages)
    with pytest.raises(ValueError, match="^codes: a PNG sheet holds at most 24"):
        render_label_sheet_png(codes=codes(25), title="x")


def test_lowercase_codes_are_printed_canonical():
    code = make_label_code(jurisdiction="445202", serial=1)
    text = pypdf.PdfReader(io.BytesIO(render_label_sheet_pdf(codes=[code.lower()], title=""))).pages[0].extract_text()
    assert code in text


@pytest.mark.parametrize(
    "bad_codes, title, message",
    [
        ([], "t", r"^codes: at least one"),
        ("JY-445202-000001-X", "t", r"^codes: expected a list"),
        (codes(3) + ["JY-445202-000123-2"], "t", r"^codes\[3\]: label_code: check character"),
        (codes(2) + codes(1), "t", r"^codes\[2\]: .* more than once"),
        (codes(1), None, r"^title:"),
        (codes(1), "长" * 81, r"^title: at most 80"),
    ],
)
@pytest.mark.parametrize("render", [render_label_sheet_pdf, render_label_sheet_png])
def test_bad_input_names_the_field(render, bad_codes, title, message):
    with pytest.raises(ValueError, match=message):
        render(codes=bad_codes, title=title)
