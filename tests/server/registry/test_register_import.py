"""Register survey import (contract §9): XLSX and CSV, English or Chinese headers, dry run, every
faulty row reported, nothing stored on any fault, idempotent re-import, jurisdiction scope."""
from __future__ import annotations

import io

import pytest

from server.accounts.models import Role
from server.registry.models import CccCertificate, Enterprise, ProductionLicence, RegisterEntry
from tests import factories
from tests.server.registry import sheets

pytestmark = pytest.mark.django_db

URL = "/api/v1/enterprises/import/"


def post(client, data: bytes, *, kind="producers", name="register.csv", dry_run=None):
    body = {"file": sheets.upload(data, name), "kind": kind}
    if dry_run is not None:
        body["dry_run"] = "true" if dry_run else "false"
    return client.post(URL, body, format="multipart")


@pytest.fixture
def admin(api):
    return api(factories.user(Role.ADMIN))


def test_csv_import_creates_then_reimport_changes_nothing(admin):
    rows = [sheets.producer_row(1, licence="(粤)XK06-001-00001", certificate="2019010105000001"),
            sheets.producer_row(2), sheets.producer_row(2, category="grinding-wheel")]
    data = sheets.csv_bytes(rows)
    first = post(admin, data)
    assert first.status_code == 200, first.data
    assert (first.data["created"], first.data["updated"], first.data["unchanged"], first.data["rows"]) == (2, 1, 0, 3)
    assert first.data["errors"] == []
    two = Enterprise.objects.get(name="揭阳市测试企业2有限公司")
    assert two.roles == ["producer"] and two.product_categories == ["wire-cable", "grinding-wheel"]
    assert two.contact == "联系人2" and two.phone == "13800000002"
    one = Enterprise.objects.get(name="揭阳市测试企业1有限公司")
    assert ProductionLicence.objects.get(number="(粤)XK06-001-00001").enterprise == one
    assert CccCertificate.objects.get(number="2019010105000001").product_category == "wire-cable"
    before = list(Enterprise.objects.values_list("id", "updated_at"))
    again = post(admin, data)
    assert again.status_code == 200
    assert (again.data["created"], again.data["updated"], again.data["unchanged"], again.data["rows"]) == (0, 0, 3, 3)
    assert list(Enterprise.objects.values_list("id", "updated_at")) == before


def test_xlsx_with_chinese_headers_and_category_names(admin):
    rows = [sheets.producer_row(1, category="电线电缆"), sheets.producer_row(3, category="危险化学品包装物、容器")]
    response = post(admin, sheets.xlsx_bytes(rows, headers=sheets.ZH), name="附件8.xlsx")
    assert response.status_code == 200, response.data
    assert response.data["created"] == 2
    assert Enterprise.objects.get(name="揭阳市测试企业3有限公司").product_categories == ["hazchem-packaging"]


def test_csv_with_bom_and_chinese_headers(admin):
    response = post(admin, sheets.csv_bytes([sheets.producer_row(4)], headers=sheets.ZH, bom=True))
    assert response.status_code == 200, response.data
    assert Enterprise.objects.filter(name="揭阳市测试企业4有限公司").exists()


def test_kind_adds_role_and_category_to_an_existing_enterprise(admin):
    enterprise = factories.enterprise(roles=["producer"], product_categories=["wire-cable"])
    row = [enterprise.name, enterprise.credit_code, enterprise.address, "445202", "grinding-wheel", "", "", "超市", "", ""]
    response = post(admin, sheets.csv_bytes([row]), kind="sellers")
    assert response.status_code == 200, response.data
    assert response.data["updated"] == 1
    enterprise.refresh_from_db()
    assert enterprise.roles == ["producer", "seller"]
    assert enterprise.product_categories == ["wire-cable", "grinding-wheel"]
    entry = RegisterEntry.objects.get(enterprise=enterprise)
    assert (entry.role, entry.product_category, entry.channel) == ("seller", "grinding-wheel", "supermarket")


def test_every_faulty_row_reported_and_nothing_stored(admin):
    good = sheets.producer_row(1)
    bad_code = sheets.producer_row(2)
    bad_code[1] = bad_code[1][:-1] + ("0" if bad_code[1][-1] != "0" else "1")
    bad_category = sheets.producer_row(3, category="toys")
    bad_jurisdiction = sheets.producer_row(4)
    bad_jurisdiction[3] = "999999"
    missing_name = sheets.producer_row(5)
    missing_name[0] = ""
    response = post(admin, sheets.csv_bytes([good, bad_code, bad_category, bad_jurisdiction, missing_name]))
    assert response.status_code == 400
    got = {(e["row"], e["field"]) for e in response.data["errors"]}
    assert got == {(3, "credit_code"), (4, "product_category"), (5, "jurisdiction"), (6, "name")}
    assert all(e["message"] for e in response.data["errors"])
    assert not Enterprise.objects.exists()


def test_mixed_file_with_one_bad_row_in_a_later_chunk_stores_nothing(admin, monkeypatch):
    from server.registry.imports import runner

    monkeypatch.setattr(runner, "CHUNK_ROWS", 2)
    rows = [sheets.producer_row(n) for n in range(1, 6)]
    rows[4][4] = "玩具"
    response = post(admin, sheets.csv_bytes(rows))
    assert response.status_code == 400
    assert [(e["row"], e["field"]) for e in response.data["errors"]] == [(6, "product_category")]
    assert not Enterprise.objects.exists()


def test_dry_run_answers_counts_without_storing(admin):
    response = post(admin, sheets.csv_bytes([sheets.producer_row(1), sheets.producer_row(2)]), dry_run=True)
    assert response.status_code == 200
    assert response.data["created"] == 2 and response.data["dry_run"] is True
    assert not Enterprise.objects.exists()


def test_same_enterprise_with_different_names_in_two_rows_is_a_row_error(admin):
    a = sheets.producer_row(1)
    b = sheets.producer_row(1, category="grinding-wheel")
    b[0] = "另一个名字有限公司"
    response = post(admin, sheets.csv_bytes([a, b]))
    assert response.status_code == 400
    assert [(e["row"], e["field"]) for e in response.data["errors"]] == [(3, "credit_code")]


def test_sellers_need_a_channel_and_producers_only_carry_licences(admin):
    no_channel = sheets.producer_row(1)
    licence_on_seller = sheets.producer_row(2, channel="网店", licence="(粤)XK06-001-00002")
    response = post(admin, sheets.csv_bytes([no_channel, licence_on_seller]), kind="sellers")
    assert response.status_code == 400
    assert {(e["row"], e["field"]) for e in response.data["errors"]} == {(2, "channel"), (3, "licence")}


def test_licence_held_by_another_enterprise_is_a_row_error(admin):
    other = factories.enterprise()
    ProductionLicence.objects.create(enterprise=other, number="(粤)XK06-001-00009", product_category="wire-cable")
    response = post(admin, sheets.csv_bytes([sheets.producer_row(1, licence="(粤)XK06-001-00009")]))
    assert response.status_code == 400
    assert response.data["errors"][0]["field"] == "licence"
    assert Enterprise.objects.count() == 1


def test_a_county_supervisor_cannot_import_another_countys_rows(api):
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445202")
    rows = [sheets.producer_row(1, jurisdiction="445202"), sheets.producer_row(2, jurisdiction="445203")]
    response = post(api(supervisor), sheets.csv_bytes(rows))
    assert response.status_code == 400
    assert [(e["row"], e["field"]) for e in response.data["errors"]] == [(3, "jurisdiction")]
    assert not Enterprise.objects.exists()
    ok = post(api(supervisor), sheets.csv_bytes(rows[:1]))
    assert ok.status_code == 200 and ok.data["created"] == 1


def test_a_county_supervisor_cannot_move_another_countys_enterprise(api):
    theirs = factories.enterprise("445203")
    row = [theirs.name, theirs.credit_code, theirs.address, "445202", "wire-cable", "", "", "", "", ""]
    response = post(api(factories.user(Role.SUPERVISOR, jurisdiction="445202")), sheets.csv_bytes([row]))
    assert response.status_code == 400
    assert response.data["errors"][0]["field"] == "credit_code"
    theirs.refresh_from_db()
    assert theirs.jurisdiction_id == "445203"


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.CERTIFIER, Role.ENTERPRISE])
def test_other_roles_may_not_import(api, role):
    response = post(api(factories.user(role)), sheets.csv_bytes([sheets.producer_row(1)]))
    assert response.status_code == 403
    assert Enterprise.objects.count() == (1 if role == Role.ENTERPRISE else 0)


def test_anonymous_is_401(api):
    assert post(api(), sheets.csv_bytes([sheets.producer_row(1)])).status_code in (401, 403)


@pytest.mark.parametrize("data, name, status, field", [
    (b"%PDF-1.4 not a sheet\x00\x01", "x.csv", 415, "file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", 415, "file"),
    (b"PK\x03\x04garbage", "broken.xlsx", 415, "file"),
    ("名称,地址\n某,某\n".encode("gbk"), "gbk.csv", 415, "file"),
    (b"", "empty.csv", 400, "file"),
    (b"name,credit_code\n", "headers-only.csv", 400, "headers"),
    (b"foo,bar\n1,2\n", "wrong.csv", 400, "headers"),
    (sheets.csv_bytes([]), "no-rows.csv", 400, "file"),
])
def test_malformed_files_are_4xx_naming_what_is_wrong(admin, data, name, status, field):
    response = post(admin, data, name=name)
    assert response.status_code == status, response.data
    assert response.data["field"] == field and response.data["detail"]
    assert not Enterprise.objects.exists()


def test_an_empty_workbook_and_a_workbook_of_headers_only_are_400(admin):
    from openpyxl import Workbook

    out = io.BytesIO()
    Workbook().save(out)
    empty = post(admin, out.getvalue(), name="empty.xlsx")
    assert empty.status_code == 400 and empty.data["field"] in ("file", "headers")
    headers_only = post(admin, sheets.xlsx_bytes([], headers=sheets.ZH), name="h.xlsx")
    assert headers_only.status_code == 400 and "没有数据行" in headers_only.data["detail"]
    assert not Enterprise.objects.exists()


def test_blank_rows_keep_sheet_row_numbers(admin):
    bad = sheets.producer_row(2)
    bad[4] = "玩具"
    data = sheets.xlsx_bytes([sheets.producer_row(1), [None] * 10, bad], headers=sheets.ZH)
    response = post(admin, data, name="gaps.xlsx")
    assert [(e["row"], e["field"]) for e in response.data["errors"]] == [(4, "product_category")]


def test_a_zip_that_is_not_a_workbook_is_415(admin):
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    response = post(admin, out.getvalue(), name="a.xlsx")
    assert response.status_code == 415 and response.data["field"] == "file"


def test_a_50_mb_file_is_413_and_nothing_stored(admin):
    data = sheets.csv_bytes([sheets.producer_row(1)]) + b"x" * (50 * 1024 * 1024)
    response = post(admin, data)
    assert response.status_code == 413
    assert response.data["field"] == "file"
    assert not Enterprise.objects.exists()


@pytest.mark.parametrize("field, value", [("kind", "toys"), ("dry_run", "maybe"), ("progress_key", "../../etc")])
def test_bad_form_fields_are_400_naming_the_field(admin, field, value):
    body = {"file": sheets.upload(sheets.csv_bytes([sheets.producer_row(1)])), "kind": "producers", field: value}
    response = admin.post(URL, body, format="multipart")
    assert response.status_code == 400
    assert response.data["field"] == field


def test_lone_surrogates_and_huge_cells_are_row_errors(admin):
    row = sheets.producer_row(1)
    row[2] = "地" * 5000
    response = post(admin, sheets.csv_bytes([row]))
    assert response.status_code == 400
    assert response.data["errors"][0]["field"] == "address"


@pytest.mark.parametrize("kind", ["producers", "sellers", "users"])
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_template_imports_as_it_is(api, kind, fmt):
    admin = api(factories.user(Role.ADMIN))
    template = admin.get(f"/api/v1/enterprises/import/template.{fmt}?kind={kind}")
    assert template.status_code == 200
    data = b"".join(template.streaming_content) if template.streaming else template.content
    if fmt == "csv":
        assert data.startswith(b"\xef\xbb\xbf") and "企业名称".encode() in data
    response = post(admin, data, kind=kind, name=f"t.{fmt}")
    assert response.status_code == 200, response.data
    assert response.data["created"] == 1


def test_progress_of_an_import_is_readable_by_its_owner_only(api, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    user = factories.user(Role.ADMIN)
    body = {"file": sheets.upload(sheets.csv_bytes([sheets.producer_row(1)])), "kind": "producers",
            "progress_key": "abcdef123456"}
    assert api(user).post(URL, body, format="multipart").status_code == 200
    progress = api(user).get("/api/v1/imports/progress/abcdef123456/")
    assert progress.status_code == 200
    assert progress.data["state"] == "done" and progress.data["rows"] == 1
    assert progress.data["result"]["created"] == 1
    assert api(factories.user(Role.ADMIN)).get("/api/v1/imports/progress/abcdef123456/").status_code == 404


def test_the_register_export_carries_channel_contact_and_phone(admin):
    row = sheets.producer_row(7, channel="网店")
    assert post(admin, sheets.csv_bytes([row], headers=sheets.ZH), kind="sellers").status_code == 200
    text = admin.get("/api/v1/enterprises/export.csv").content.decode("utf-8-sig")
    header, line = text.splitlines()[:2]
    assert "销售渠道" in header and "联系人" in header
    assert "网店" in line and "联系人7" in line and "13800000007" in line
