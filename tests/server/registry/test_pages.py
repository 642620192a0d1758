"""The supervisor pages of issue 10 (register, unqualified list and notices, self-inspection
coverage, campaign deadlines), through Django's test client: roles, content, exports."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from server.accounts.models import Role
from server.registry.models import Enterprise, UnqualifiedNotice
from server.registry.services import unqualified_product_create
from tests import factories
from tests.server.registry import sheets

pytestmark = pytest.mark.django_db

PAGES = ["/ui/register/", "/ui/unqualified/", "/ui/self-inspections/", "/ui/campaign/"]


@pytest.fixture
def supervisor_client(client):
    user = factories.user(Role.SUPERVISOR, jurisdiction="445202")
    client.force_login(user)
    return client


@pytest.mark.parametrize("path", PAGES)
def test_pages_render_for_supervisors_and_refuse_others(client, supervisor_client, path):
    assert supervisor_client.get(path).status_code == 200
    for role in (Role.INSPECTOR, Role.ENTERPRISE, Role.CERTIFIER):
        other = type(client)()
        other.force_login(factories.user(role))
        assert other.get(path).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get("/ui/register/")
    assert response.status_code == 302 and "/ui/login/" in response["Location"]


def test_register_dry_run_then_confirm_without_uploading_twice(supervisor_client, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    data = sheets.csv_bytes([sheets.producer_row(1), sheets.producer_row(2)], headers=sheets.ZH, bom=True)
    preview = supervisor_client.post("/ui/register/import/", {"kind": "producers", "file": sheets.upload(data)})
    html = preview.content.decode()
    assert "预检通过" in html and "将新增 2 行" in html
    assert not Enterprise.objects.exists()
    staged = preview.context["staged"]
    done = supervisor_client.post("/ui/register/import/", {"kind": "producers", "mode": "confirm", "staged": staged})
    assert "已导入" in done.content.decode()
    assert Enterprise.objects.count() == 2
    replay = supervisor_client.post("/ui/register/import/", {"kind": "producers", "mode": "confirm", "staged": staged})
    assert "预检文件已失效" in replay.content.decode()
    assert Enterprise.objects.count() == 2


def test_register_preview_lists_row_errors(supervisor_client):
    rows = [sheets.producer_row(1), sheets.producer_row(2, jurisdiction="445203")]
    response = supervisor_client.post("/ui/register/import/", {"kind": "producers",
                                                               "file": sheets.upload(sheets.csv_bytes(rows))})
    html = response.content.decode()
    assert "1 处错误" in html and "不在您的辖区" in html
    assert not Enterprise.objects.exists()


def test_unqualified_list_notice_and_exports(supervisor_client):
    unqualified_product_create(actor=factories.user(Role.ADMIN), product_category="wire-cable", product_name="电线",
                               model="BV 2.5", manufacturer="某电缆厂")
    factories.enterprise("445202", roles=["seller"], product_categories=["wire-cable"])
    response = supervisor_client.post("/ui/unqualified/notices/", {"jurisdiction": "445202",
                                                                   "product_categories": ["wire-cable"]}, follow=True)
    html = response.content.decode()
    assert "已向 1 家" in html and "打印通知书" in html
    notice = UnqualifiedNotice.objects.get()
    xlsx = supervisor_client.get(f"/ui/unqualified/notices/{notice.pk}/recipients.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[1]][:2] == ["企业名称", "统一社会信用代码"] and sheet.max_row == 2
    csv = supervisor_client.get("/ui/unqualified/export.csv").content.decode("utf-8-sig")
    assert csv.splitlines()[1].startswith("电线电缆,电线,BV 2.5")


def test_coverage_and_campaign_pages_show_missing_enterprises(supervisor_client):
    missing = factories.enterprise("445202", roles=["producer"], product_categories=["wire-cable"], name="未提交自查的电缆厂")
    html = supervisor_client.get("/ui/self-inspections/?campaign=jieyang-2019").content.decode()
    assert missing.name in html
    csv = supervisor_client.get("/ui/self-inspections/export.csv?campaign=jieyang-2019").content.decode("utf-8-sig")
    assert missing.name in csv
    campaign = supervisor_client.get("/ui/campaign/?campaign=jieyang-2019").content.decode()
    assert "企业自查报告汇总上报" in campaign and "2019-08-25" in campaign
    assert "1 家生产企业未提交自查报告" in campaign and "尚无销售企业、经营性用户" in campaign


def test_disposal_reports_show_with_their_exemption_and_export(supervisor_client, api):
    prod = unqualified_product_create(actor=factories.user(Role.ADMIN), product_category="wire-cable", product_name="电线",
                                      model="BV 2.5", manufacturer="某电缆厂")
    seller = factories.enterprise("445202", roles=["seller"], product_categories=["wire-cable"], name="榕城区五金商行")
    api(factories.user(Role.ADMIN)).post("/api/v1/disposal-reports/", {
        "enterprise": seller.pk, "unqualified_product": prod.pk, "action": "destroyed", "reported_on": "2019-07-02",
        "harm_caused": False}, format="json")
    html = supervisor_client.get("/ui/unqualified/").content.decode()
    assert "榕城区五金商行" in html and "可免予行政处罚" in html
    sheet = load_workbook(io.BytesIO(supervisor_client.get("/ui/unqualified/disposal-reports.xlsx").content)).active
    assert sheet["A2"].value == "榕城区五金商行" and sheet["H2"].value == "可免予行政处罚"
