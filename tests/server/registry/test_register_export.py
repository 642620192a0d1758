import csv
import io

import pytest
from openpyxl import load_workbook

from server.accounts.models import Role
from tests import factories

pytestmark = pytest.mark.django_db


def test_register_exports_what_the_caller_may_see(api):
    mine = factories.enterprise("445202", name="榕城电缆厂")
    factories.enterprise("445281", name="普宁砂轮厂")
    admin = factories.user(Role.ADMIN)
    api(admin).post(f"/api/v1/enterprises/{mine.id}/licences/", {"number": "(粤)XK06-001-00123",
                                                                "product_category": "wire-cable"}, format="json")
    county = factories.user(Role.SUPERVISOR, jurisdiction="445202")

    response = api(county).get("/api/v1/enterprises/export.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["企业名称", "统一社会信用代码"]
    assert [r[0] for r in rows[1:]] == ["榕城电缆厂"]
    assert rows[1][1] == mine.credit_code and "(粤)XK06-001-00123" in rows[1]

    response = api(admin).get("/api/v1/enterprises/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert names == ["普宁砂轮厂", "榕城电缆厂"]
    assert sheet.title == "企业信息库"


def test_register_export_needs_sign_in(api):
    assert api().get("/api/v1/enterprises/export.csv").status_code in (401, 403)
