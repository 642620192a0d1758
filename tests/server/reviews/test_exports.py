import csv
import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from server.accounts.models import Role
from server.reviews import exports
from tests import factories

from . import dossier_rows as rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(api):
    enterprise = factories.enterprise(name="揭阳市榕城区粤缆电线厂")
    inspection = rows.full(factories.inspection(enterprise_obj=enterprise))
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445200", full_name="李监管")
    client = api(supervisor)
    client.post("/api/v1/findings/", {"inspection": str(inspection.pk), "item_code": "mark-1", "severity": "major",
                "description": "包装未标注厂址"}, format="json")
    assert client.post(f"/api/v1/dossiers/{inspection.pk}/review/", {"decision": "approve", "comment": "同意归档"},
                       format="json").status_code == 201
    return inspection, client


def pdf_bytes(client, inspection) -> bytes:
    assert any(Path(path).is_file() for path, _ in exports.CJK_FONT_CANDIDATES), (
        "no embeddable CJK TrueType font: apt-get install fonts-wqy-zenhei")
    response = client.get(f"/api/v1/dossiers/{inspection.pk}/export.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content


def test_pdf_embeds_a_cjk_font_and_reads_as_chinese(ctx):
    pypdf = pytest.importorskip("pypdf")
    inspection, client = ctx
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes(client, inspection)))
    text = "".join(page.extract_text() for page in reader.pages)
    for expected in ("现场检查笔录", "揭阳市榕城区粤缆电线厂", "不符合", "不合格", "聚氯乙烯绝缘电线", "包装未标注厂址",
                     "同意归档", "张三"):
        assert expected in text, expected
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            if descriptor is not None:
                descriptor = descriptor.get_object()
                fonts.add((str(font["/BaseFont"]), "/FontFile2" in descriptor))
    assert fonts and all(embedded for _, embedded in fonts), fonts
    images = sum(len(page.images) for page in reader.pages)
    assert images >= 2  # the two photo thumbnails


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_pdf_page_renders_with_ink(ctx, tmp_path):
    from PIL import Image

    inspection, client = ctx
    path = tmp_path / "dossier.pdf"
    path.write_bytes(pdf_bytes(client, inspection))
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")], check=True)
    page = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    dark = sum(page.histogram()[:128])
    assert dark > 2000  # text and table lines were drawn, not an empty page
    artifacts = Path(__file__).resolve().parents[2] / "artifacts"
    artifacts.mkdir(exist_ok=True)
    shutil.copy(next(tmp_path.glob("page*.png")), artifacts / "dossier-pdf-page1.png")


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="sha256sum is not installed")
def test_zip_manifest_verifies_with_sha256sum(ctx, tmp_path):
    inspection, client = ctx
    response = client.get(f"/api/v1/dossiers/{inspection.pk}/export.zip")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path)
    assert "SHA256SUMS" in names and "dossier.json" in names and "dossier.pdf" in names
    assert len([n for n in names if n.startswith("photos/")]) == 2
    listed = [line.split("  ", 1)[1] for line in (tmp_path / "SHA256SUMS").read_text().splitlines()]
    assert sorted(listed) == sorted(n for n in names if n != "SHA256SUMS")
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    body = json.loads((tmp_path / "dossier.json").read_text())
    assert body["status"] == "approved" and body["review"]["decision"] == "approve"
    assert [f["description"] for f in body["findings"]] == ["包装未标注厂址"]
    # a changed file no longer verifies
    (tmp_path / "dossier.json").write_text("{}")
    assert subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, capture_output=True).returncode != 0


def test_dossier_list_csv_and_xlsx_with_filters(ctx):
    inspection, client = ctx
    other = factories.inspection(enterprise_obj=factories.enterprise(jurisdiction="445281"), category="grinding-wheel")
    response = client.get("/api/v1/dossiers/export.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0][:2] == ["检查编号", "企业名称"]
    assert {r[0] for r in table[1:]} == {str(inspection.pk), str(other.pk)}
    filtered = client.get("/api/v1/dossiers/export.csv?jurisdiction=445281").content.decode("utf-8-sig")
    assert [r[0] for r in list(csv.reader(io.StringIO(filtered)))[1:]] == [str(other.pk)]
    failing = client.get("/api/v1/dossiers/export.csv?verdict=fail").content.decode("utf-8-sig")
    assert [r[0] for r in list(csv.reader(io.StringIO(failing)))[1:]] == [str(inspection.pk)]
    by_status = client.get("/api/v1/dossiers/export.csv?status=approved").content.decode("utf-8-sig")
    assert [r[0] for r in list(csv.reader(io.StringIO(by_status)))[1:]] == [str(inspection.pk)]

    from openpyxl import load_workbook

    xlsx = client.get("/api/v1/dossiers/export.xlsx?product_category=grinding-wheel")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.values)
    assert values[0][0] == "检查编号" and [v[0] for v in values[1:]] == [str(other.pk)]
    assert values[1][6] == "砂轮"


def test_exports_are_scoped(api, ctx):
    inspection, _ = ctx
    outside = api(factories.user(Role.SUPERVISOR, jurisdiction="445224"))
    assert outside.get(f"/api/v1/dossiers/{inspection.pk}/export.pdf").status_code == 404
    assert outside.get(f"/api/v1/dossiers/{inspection.pk}/export.zip").status_code == 404
    table = outside.get("/api/v1/dossiers/export.csv").content.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(table)))) == 1
    certifier = api(factories.user(Role.CERTIFIER))
    assert certifier.get("/api/v1/dossiers/export.csv").status_code == 403


SIGNATURE_READS = []


def fake_reader(*, doc_id, name):
    SIGNATURE_READS.append((doc_id, name))
    return rows.png_signature()


def test_signature_is_drawn_from_the_closeout_attachment(ctx, settings):
    pypdf = pytest.importorskip("pypdf")
    inspection, client = ctx
    from server.dossiers.models import Closeout

    Closeout.objects.filter(inspection=inspection).update(has_signature=True)
    settings.FIELD_ATTACHMENT_READER = f"{__name__}.fake_reader"
    SIGNATURE_READS.clear()
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes(client, inspection)))
    assert SIGNATURE_READS == [(f"closeout:{inspection.pk}", "signature")]
    assert sum(len(page.images) for page in reader.pages) == 3  # two thumbnails and the signature
    with zipfile.ZipFile(io.BytesIO(client.get(f"/api/v1/dossiers/{inspection.pk}/export.zip").content)) as archive:
        assert archive.read("signature.png") == rows.png_signature()


def test_answer_text():
    item = {"kind": "choice", "options": [{"value": "ccc", "label": "强制性产品认证（CCC）"}]}
    assert exports.answer_text(item=item, value="ccc") == "强制性产品认证（CCC）"
    assert exports.answer_text(item={"kind": "boolean"}, value=False) == "不符合"
    assert exports.answer_text(item={"kind": "number", "unit": "mm²"}, value=2.5) == "2.5 mm²"
    assert exports.answer_text(item=None, value=None) == "—"


def test_missing_font_is_a_503_naming_the_package(ctx, monkeypatch):
    inspection, client = ctx

    def no_font():
        raise exports.FontMissing("没有可嵌入的中文 TrueType 字体：请安装 fonts-wqy-zenhei")

    monkeypatch.setattr(exports, "_register_font", no_font)
    response = client.get(f"/api/v1/dossiers/{inspection.pk}/export.pdf")
    assert response.status_code == 503 and "fonts-wqy-zenhei" in response.json()["detail"]


def test_unknown_list_filter_names_the_field(ctx):
    _, client = ctx
    for query, field in (("verdict=maybe", "verdict"), ("status=nonsense", "status")):
        response = client.get(f"/api/v1/dossiers/export.csv?{query}")
        assert response.status_code == 400 and response.json()["field"] == field
