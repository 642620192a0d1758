"""Statistics (contract §13) against hand-counted records: every figure, county sums equal the city,
each figure equals the count of the records it lists, XLSX 附件11/附件12, liaisons 附件7, roles."""
import datetime as dt
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from server.accounts.models import Role
from server.enforcement import services as case_services
from server.enforcement.models import EnforcementCase
from server.inspections.models import Inspection
from server.registry.models import CccCertificate
from server.reviews.models import CertificationAudit, Finding, RectificationOrder
from server.selfinspections.models import SelfInspection
from server.statistics.figures import FIGURES
from tests import factories
from tests.server.reviews import dossier_rows as rows

pytestmark = pytest.mark.django_db
CODE = "jieyang-2019"
URL = f"/api/v1/statistics/campaign/{CODE}/"


def inspection(enterprise, category, day, status=None):
    domain = "production" if "producer" in enterprise.roles else "distribution"
    insp = factories.inspection(enterprise_obj=enterprise, category=category, domain=domain)
    Inspection.objects.filter(pk=insp.pk).update(scheduled_for=dt.date.fromisoformat(day))
    if status:
        rows.set_status(insp, status)
    return insp


def build_world():
    """Hand-counted: see EXPECTED."""
    admin = factories.user(Role.ADMIN)
    a = factories.enterprise("445202", name="A 电缆厂", roles=["producer"], product_categories=["wire-cable"])
    b = factories.enterprise("445202", name="B 五金店", roles=["seller", "user"],
                             product_categories=["wire-cable", "grinding-wheel"])
    c = factories.enterprise("445203", name="C 纸品厂", roles=["producer", "seller"],
                             product_categories=["food-paper-packaging"])
    i1 = inspection(a, "wire-cable", "2019-09-10", "submitted")
    i2 = inspection(a, "wire-cable", "2019-09-12")
    i3 = inspection(b, "grinding-wheel", "2019-09-15", "approved")
    i4 = inspection(a, "wire-cable", "2018-01-01", "approved")   # before the campaign: not counted
    i5 = inspection(c, "food-paper-packaging", "2019-09-05", "submitted")
    Finding.objects.create(inspection=i1, item_code="mark-1", severity="major", description="d", created_by=admin)
    Finding.objects.create(inspection=i4, item_code="mark-1", severity="major", description="d", created_by=admin)
    Finding.objects.create(inspection=i5, item_code="mark-1", severity="minor", description="d", created_by=admin)
    rows.quicktest(i1, verdict="pass")
    rows.quicktest(i1, verdict="fail")
    rows.quicktest(i1, verdict="")     # inputs refused: not a test done
    rows.quicktest(i2, verdict="fail")
    rows.quicktest(i4, verdict="fail")
    rows.sample(i1, "JY-445202-000001-1")
    rows.sample(i3, "JY-445202-000002-1")
    order = RectificationOrder.objects.create(inspection=i1, requirements="r", deadline="2019-10-01", issued_by=admin,
                                              status="closed", result="rectified")
    order.findings.set(Finding.objects.filter(inspection=i1))
    SelfInspection.objects.create(enterprise=a, product_category="wire-cable", campaign_id=campaign_id(),
                                  submitted_on="2019-07-10", problems=1, status="rectified", submitted_by=admin)
    SelfInspection.objects.create(enterprise=b, product_category="grinding-wheel", submitted_on="2019-07-05",
                                  problems=0, status="clean", submitted_by=admin)
    SelfInspection.objects.create(enterprise=b, product_category="wire-cable", submitted_on="2018-07-05",
                                  problems=2, status="rectifying", submitted_by=admin)   # not in the campaign
    k1, _ = case_services.case_open(actor=admin, source="complaint", enterprise=a.pk, product_category="wire-cable",
                                    reason="举报", opened_on="2019-09-20")
    case_services.case_update(actor=admin, case=k1, status="closed", outcome="transferred", transferred_to="公安")
    case_services.case_open(actor=admin, source="province-referral", enterprise=b.pk, product_category="grinding-wheel",
                            reason="交办", referral_number="粤交1", referral_deadline="2019-10-30", opened_on="2019-10-01")
    k3, _ = case_services.case_open(actor=admin, source="cross-region", enterprise=c.pk,
                                    product_category="food-paper-packaging", reason="外地移送", opened_on="2019-09-06")
    case_services.case_update(actor=admin, case=k3, status="closed", outcome="penalized")
    case_services.case_open(actor=admin, source="complaint", enterprise=c.pk, product_category="food-paper-packaging",
                            reason="去年", opened_on="2018-03-01")   # no campaign covers it: not counted
    certifier = factories.user(Role.CERTIFIER)
    for enterprise, number, category, result, day in (
        (a, "2019010105000001", "wire-cable", "suspended", "2019-09-01"),
        (c, "2019010105000002", "food-paper-packaging", "revoked", "2019-10-01"),
        (c, "2019010105000003", "food-paper-packaging", "suspended", "2018-10-01"),   # before the campaign
    ):
        cert = CccCertificate.objects.create(enterprise=enterprise, number=number, product_category=category,
                                             certification_body=certifier.certification_body, status=result)
        CertificationAudit.objects.create(certificate=cert, enterprise=enterprise, product_category=category,
                                          result=result, audit_date=day, certificate_status_before="valid",
                                          certificate_status_after=result, created_by=certifier)
    return {"a": a, "b": b, "c": c}


def campaign_id():
    from server.campaigns.models import Campaign

    return Campaign.objects.get(code=CODE).pk


def figures(register, self_insp, insp, qt, samples, rect, cases, certs):
    return {"register": dict(zip(("producers", "sellers", "users"), register)),
            "self_inspections": dict(zip(("submitted", "with_problems", "rectified"), self_insp)),
            "inspections": dict(zip(("planned", "done", "with_problems"), insp)),
            "quick_tests": dict(zip(("done", "failed"), qt)), "samples": samples,
            "rectification_orders": dict(zip(("issued", "closed"), rect)),
            "cases": dict(zip(("opened", "closed", "transferred"), cases)),
            "certificates": dict(zip(("suspended", "revoked"), certs))}


EXPECTED = [
    {"jurisdiction": "445202", "product_category": "wire-cable",
     **figures((1, 1, 1), (1, 1, 1), (2, 1, 2), (3, 2), 1, (1, 1), (1, 1, 1), (1, 0))},
    {"jurisdiction": "445202", "product_category": "grinding-wheel",
     **figures((0, 1, 1), (1, 0, 0), (1, 1, 0), (0, 0), 1, (0, 0), (1, 0, 0), (0, 0))},
    {"jurisdiction": "445203", "product_category": "food-paper-packaging",
     **figures((1, 1, 0), (0, 0, 0), (1, 1, 1), (0, 0), 0, (0, 0), (1, 1, 0), (0, 1))},
]


def value(row, key):
    section, _, name = key.partition(".")
    return row[section][name] if name else row[section]


@pytest.fixture
def world(api):
    built = build_world()
    built["admin"] = api(factories.user(Role.ADMIN))
    built["api"] = api
    return built


def test_every_figure_against_the_hand_count(world):
    body = world["admin"].get(URL).json()
    assert body["jurisdiction"] == "445200" and (body["starts"], body["ends"]) == ("2019-05-01", "2019-10-31")
    assert body["rows"] == EXPECTED
    for figure in FIGURES:
        assert value(body["total"], figure.key) == sum(value(r, figure.key) for r in EXPECTED), figure.key


def test_county_sums_equal_the_city_and_each_figure_its_records(world):
    admin = world["admin"]
    city = admin.get(URL).json()
    counties = [admin.get(f"{URL}?jurisdiction={code}").json() for code in ("445202", "445203", "445222", "445224", "445281")]
    assert [r for c in counties for r in c["rows"]] == city["rows"]
    for figure in FIGURES:
        assert sum(value(c["total"], figure.key) for c in counties) == value(city["total"], figure.key)
        # the city's figure and its list
        listed = admin.get(f"{URL}records/?figure={figure.key}&jurisdiction=445200").json()
        assert listed["count"] == len(listed["records"]) == value(city["total"], figure.key), figure.key
        for row in city["rows"]:
            listed = admin.get(f"{URL}records/?figure={figure.key}&jurisdiction={row['jurisdiction']}"
                               f"&product_category={row['product_category']}").json()
            assert listed["count"] == value(row, figure.key), (figure.key, row["jurisdiction"], row["product_category"])
            assert all(r["jurisdiction"] == row["jurisdiction"] and r["product_category"] == row["product_category"]
                       for r in listed["records"])
    cases = admin.get(f"{URL}records/?figure=cases.transferred&jurisdiction=445202").json()["records"]
    assert [r["id"] for r in cases] == list(EnforcementCase.objects.filter(outcome="transferred").values_list("pk", flat=True))
    for bad in ("figure=nope", "figure=cases.opened&jurisdiction=12", "figure=cases.opened&product_category=toys"):
        response = admin.get(f"{URL}records/?{bad}")
        assert response.status_code == 400 and response.json()["field"] in ("figure", "jurisdiction", "product_category")
    assert admin.get("/api/v1/statistics/campaign/none-such/").status_code == 400


def test_supervisors_see_their_jurisdiction(world):
    api = world["api"]
    county = api(factories.user(Role.SUPERVISOR, jurisdiction="445202"))
    body = county.get(URL).json()
    assert body["jurisdiction"] == "445202" and body["rows"] == EXPECTED[:2]
    assert county.get(f"{URL}?jurisdiction=445203").status_code == 403
    assert county.get(f"{URL}?jurisdiction=445200").status_code == 403
    assert county.get(f"{URL}records/?figure=cases.opened&jurisdiction=445203").status_code == 403
    assert county.get(f"{URL}export.xlsx?jurisdiction=445203").status_code == 403
    city = api(factories.user(Role.SUPERVISOR, jurisdiction="445200"))
    assert city.get(URL).json()["rows"] == EXPECTED
    for role in (Role.INSPECTOR, Role.CERTIFIER, Role.ENTERPRISE):
        client = api(factories.user(role))
        assert client.get(URL).status_code == 403
        assert client.get(f"{URL}export.xlsx").status_code == 403
        assert client.get(f"{URL}records/?figure=cases.opened").status_code == 403
    assert api(factories.user(Role.ENTERPRISE, enterprise=world["a"])).get(URL).status_code == 403
    assert api().get(URL).status_code == 401


def test_xlsx_sheets_with_chinese_headers_and_numbers(world):
    response = world["admin"].get(f"{URL}export.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["附件11", "附件12"]
    s11, s12 = book["附件11"], book["附件12"]
    headers = [c.value for c in s11[2]]
    assert headers[:6] == ["辖区代码", "辖区", "产品类别", "生产企业数", "销售者数", "经营性用户数"]
    first = [c.value for c in s11[3]]
    assert first[:3] == ["445202", "榕城区", "电线电缆"]
    assert first[3:] == [1, 1, 1, 1, 1, 1, 2, 1, 2, 3, 2, 1] and all(isinstance(v, int) for v in first[3:])
    total = [c.value for c in s11[s11.max_row]]
    assert total[:3] == ["445200", "揭阳市 合计", "全部"] and total[3] == 2
    assert [c.value for c in s12[2]][3:] == ["责令改正数", "整改结案数", "立案查处数", "结案数", "移送司法机关数", "暂停证书数", "撤销证书数"]
    assert [c.value for c in s12[s12.max_row]][3:] == [1, 1, 3, 2, 1, 1, 1]


def test_liaisons_attachment_7(world):
    api = world["api"]
    county = api(factories.user(Role.SUPERVISOR, jurisdiction="445202"))
    body = {"campaign": CODE, "jurisdiction": "445202", "name": "王联络", "department": "质量监督股", "position": "股长",
            "phone": "0663-8888888", "mobile": "13800000000", "email": "wang@example.cn"}
    assert county.post("/api/v1/statistics/liaisons/", body, format="json").status_code == 201
    assert county.post("/api/v1/statistics/liaisons/", body, format="json").status_code == 200
    changed = county.post("/api/v1/statistics/liaisons/", {**body, "mobile": "13900000000"}, format="json")
    assert changed.status_code == 200 and changed.json()["mobile"] == "13900000000"
    assert county.post("/api/v1/statistics/liaisons/", {**body, "jurisdiction": "445203"}, format="json").status_code == 403
    for field, junk in (("name", ""), ("mobile", ""), ("email", "not-mail"), ("jurisdiction", "12"), ("campaign", "x"),
                        ("name", "a\x00b")):
        response = county.post("/api/v1/statistics/liaisons/", {**body, field: junk}, format="json")
        assert response.status_code == 400 and response.json()["field"] == field, (field, response.content)
    listed = county.get(f"/api/v1/statistics/liaisons/?campaign={CODE}").json()
    assert [(x["jurisdiction"], x["name"], x["mobile"]) for x in listed] == [("445202", "王联络", "13900000000")]
    assert api(factories.user(Role.SUPERVISOR, jurisdiction="445203")).get(
        f"/api/v1/statistics/liaisons/?campaign={CODE}").json() == []
    assert api(factories.user(Role.INSPECTOR)).get(f"/api/v1/statistics/liaisons/?campaign={CODE}").status_code == 403
    sheet = load_workbook(io.BytesIO(county.get(f"/api/v1/statistics/liaisons/export.xlsx?campaign={CODE}").content))["附件7"]
    assert [c.value for c in sheet[2]] == ["单位", "科室", "姓名", "职务", "办公电话", "手机", "电子邮箱"]
    assert [c.value for c in sheet[3]] == ["榕城区", "质量监督股", "王联络", "股长", "0663-8888888", "13900000000",
                                          "wang@example.cn"]


def test_the_page_links_each_number_to_its_records(world):
    import re

    client = Client()
    client.force_login(factories.user(Role.SUPERVISOR, jurisdiction="445200"))
    html = client.get(f"/ui/statistics/campaign/{CODE}/").content.decode()
    links = re.findall(r'<a href="([^"]+)" data-figure="([^"]+)">(\d+)</a>', html)
    assert len(links) >= len(FIGURES) * 4
    for href, figure, number in links:
        page = client.get(href.replace("&amp;", "&")).content.decode()
        count = re.search(r'<span id="record-count">(\d+)</span>', page).group(1)
        assert count == number and page.count("data-record=") == int(number), (href, figure)
    main = client.get("/ui/statistics/").content.decode()
    assert 'id="campaign-statistics"' in main and "<svg" in main
    other = Client()
    other.force_login(factories.user(Role.SUPERVISOR, jurisdiction="445202"))
    assert other.get(f"/ui/statistics/campaign/{CODE}/?jurisdiction=445203").status_code == 403
