"""Cases (contract §12): sources, 交办函, progress reports (一案一报) and report_due, the overdue and
major lists, transfer to the judicial authorities, the case file PDF, role × jurisdiction."""
import datetime as dt
import io
import json

import pytest
from django.test import Client
from django.utils import timezone

from server.accounts.models import Role
from server.enforcement import report_rules
from server.enforcement.models import CaseReport, EnforcementCase
from server.reviews.models import AuditEvent
from tests import factories
from tests.server.reviews import dossier_rows as rows

pytestmark = pytest.mark.django_db
URL = "/api/v1/enforcement-cases/"


def today():
    return timezone.localdate()


@pytest.fixture
def world(api):
    e202 = factories.enterprise("445202", name="榕城电缆厂")
    e203 = factories.enterprise("445203", name="揭东纸品厂")
    sup202 = factories.user(Role.SUPERVISOR, jurisdiction="445202")
    sup203 = factories.user(Role.SUPERVISOR, jurisdiction="445203")
    city = factories.user(Role.SUPERVISOR, jurisdiction="445200")
    return {"e202": e202, "e203": e203, "c202": api(sup202), "c203": api(sup203), "city": api(city),
            "sup202": sup202, "api": api}


def referral(enterprise, **extra):
    return {"source": "province-referral", "enterprise": enterprise.pk, "product_category": "wire-cable",
            "reason": "省局交办：涉嫌生产“打折”电缆", "referral_number": "粤市监交〔2019〕8号",
            "referral_deadline": (today() + dt.timedelta(days=10)).isoformat(), **extra}


def test_province_referral_opens_with_its_letter_and_first_due_date(world):
    client = world["c202"]
    first = client.post(URL, referral(world["e202"]), format="json")
    assert first.status_code == 201, first.content
    case = first.json()
    assert (case["source"], case["referral_number"], case["jurisdiction"], case["status"]) == (
        "province-referral", "粤市监交〔2019〕8号", "445202", "referred")
    # the first report is due 15 days after opening, capped by the letter's deadline (10 days)
    assert case["report_due"] == (today() + dt.timedelta(days=10)).isoformat()
    assert case["campaign"] is None or isinstance(case["campaign"], str)
    again = client.post(URL, referral(world["e202"]), format="json")
    assert again.status_code == 200 and again.json()["id"] == case["id"]
    changed = client.post(URL, referral(world["e202"], reason="别的"), format="json")
    assert changed.status_code == 409
    missing = client.post(URL, referral(world["e202"], referral_number=""), format="json")
    assert missing.status_code == 400 and missing.json()["field"] == "referral_number"
    no_deadline = client.post(URL, {**referral(world["e202"]), "referral_deadline": None}, format="json")
    assert no_deadline.status_code == 400 and no_deadline.json()["field"] == "referral_deadline"
    assert EnforcementCase.objects.count() == 1
    trail = AuditEvent.objects.filter(subject=f"case:{case['id']}")
    assert [e.action for e in trail] == ["case_referred"]


@pytest.mark.parametrize("source", ["sampling", "complaint", "cross-region"])
def test_other_sources_name_the_enterprise(world, source):
    body = {"source": source, "enterprise": world["e202"].pk, "product_category": "grinding-wheel",
            "reason": "线索", "client_key": f"k-{source}"}
    response = world["c202"].post(URL, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["report_due"] == report_rules.first_due(opened_on=today(), major=False).isoformat()
    assert world["c202"].post(URL, body, format="json").status_code == 200
    assert world["c202"].post(URL, {**body, "reason": "另一条"}, format="json").status_code == 409


def test_reports_move_report_due_and_close_with_a_transfer(world):
    client = world["c202"]
    case = client.post(URL, referral(world["e202"]), format="json").json()
    reports = f"{URL}{case['id']}/reports/"
    first = client.post(reports, {"summary": "已调取生产记录", "status": "referred", "client_key": "r1"}, format="json")
    assert first.status_code == 201, first.content
    # the next due date: 30 days on, capped by the letter's deadline while it is ahead
    assert first.json()["case_report_due"] == (today() + dt.timedelta(days=10)).isoformat()
    # a retried report is not a duplicate: the same key, or (without one) the same report again
    assert client.post(reports, {"summary": "已调取生产记录", "status": "referred", "client_key": "r1"},
                       format="json").status_code == 200
    assert client.post(reports, {"summary": "别的", "status": "referred", "client_key": "r1"},
                       format="json").status_code == 409
    second = client.post(reports, {"summary": "立案调查", "status": "filed", "case_number": "揭市监立〔2019〕3号"},
                         format="json")
    assert second.status_code == 201 and second.json()["case_status"] == "filed"
    assert client.post(reports, {"summary": "立案调查", "status": "filed"}, format="json").status_code == 200
    assert CaseReport.objects.filter(case_id=case["id"]).count() == 2
    no_authority = client.post(reports, {"summary": "涉嫌犯罪", "status": "closed", "outcome": "transferred"},
                               format="json")
    assert no_authority.status_code == 400 and no_authority.json()["field"] == "transferred_to"
    closing = client.post(reports, {"summary": "涉嫌生产销售伪劣产品罪，移送公安", "status": "closed",
                                    "outcome": "transferred", "transferred_to": "揭阳市公安局榕城分局"}, format="json")
    assert closing.status_code == 201 and closing.json()["case_report_due"] is None
    detail = client.get(f"{URL}{case['id']}/").json()
    assert (detail["status"], detail["outcome"], detail["transferred_to"], detail["report_due"]) == (
        "closed", "transferred", "揭阳市公安局榕城分局", None)
    assert [r["status"] for r in detail["reports"]] == ["referred", "filed", "closed"]
    actions = [e["action"] for e in detail["trail"]]
    assert actions == ["case_referred", "case_report", "case_status", "case_report", "case_status", "case_report"]
    assert client.post(reports, {"summary": "again", "status": "closed", "outcome": "penalized"},
                       format="json").status_code == 409


def test_overdue_and_major_lists(world):
    client, city = world["c202"], world["city"]
    old = client.post(URL, {"source": "complaint", "enterprise": world["e202"].pk, "product_category": "wire-cable",
                            "reason": "举报", "opened_on": (today() - dt.timedelta(days=20)).isoformat()},
                      format="json").json()
    fresh = client.post(URL, {"source": "complaint", "enterprise": world["e202"].pk, "product_category": "wire-cable",
                              "reason": "另一举报"}, format="json").json()
    other = world["c203"].post(URL, {"source": "cross-region", "enterprise": world["e203"].pk,
                                     "product_category": "food-paper-packaging", "reason": "外市移送",
                                     "opened_on": (today() - dt.timedelta(days=40)).isoformat(), "major": True,
                                     "supervising_office": "揭阳市市场监督管理局执法监督科"}, format="json").json()
    assert old["overdue"] and not fresh["overdue"] and other["overdue"]
    assert [c["id"] for c in client.get(f"{URL}?overdue=true").json()] == [old["id"]]
    assert {c["id"] for c in city.get(f"{URL}?overdue=true").json()} == {old["id"], other["id"]}
    majors = city.get(f"{URL}?major=true").json()
    assert [(c["id"], c["supervising_office"]) for c in majors] == [(other["id"], "揭阳市市场监督管理局执法监督科")]
    assert client.get(f"{URL}?major=true").json() == []  # the county sees its own only
    # a report clears the overdue state
    client.post(f"{URL}{old['id']}/reports/", {"summary": "已约谈企业", "status": "referred"}, format="json")
    assert client.get(f"{URL}?overdue=true").json() == []
    # 挂牌督办 later: needs the office; the first major report is due the next day
    no_office = client.post(f"{URL}{fresh['id']}/major/", {"major": True}, format="json")
    assert no_office.status_code == 400 and no_office.json()["field"] == "supervising_office"
    made = client.post(f"{URL}{fresh['id']}/major/", {"major": True, "supervising_office": "市局执法监督科"}, format="json")
    assert made.status_code == 200 and made.json()["report_due"] == (today() + dt.timedelta(days=1)).isoformat()
    assert {c["id"] for c in city.get(f"{URL}?major=true").json()} == {other["id"], fresh["id"]}
    for bad in ("overdue=maybe", "status=open", "source=x", "jurisdiction=12", "enterprise=abc"):
        response = city.get(f"{URL}?{bad}")
        assert response.status_code == 400 and response.json()["field"] == bad.split("=")[0]


def test_case_from_an_inspection_keeps_its_dossier_trail(world):
    inspection = rows.submitted(factories.inspection(enterprise_obj=world["e202"]))
    client = world["c202"]
    finding = client.post("/api/v1/findings/", {"inspection": str(inspection.pk), "item_code": "mark-1",
                                                "severity": "critical", "description": "以铝充铜"}, format="json").json()
    case = client.post(URL, {"inspection": str(inspection.pk), "findings": [finding["id"]], "reason": "涉嫌以次充好"},
                       format="json")
    assert case.status_code == 201 and case.json()["source"] == "inspection"
    assert case.json()["enterprise"] == world["e202"].pk and case.json()["product_category"] == "wire-cable"
    client.post(f"{URL}{case.json()['id']}/reports/", {"summary": "调查中", "status": "referred"}, format="json")
    trail = client.get(f"/api/v1/dossiers/{inspection.pk}/audit-trail/").json()
    assert [e["action"] for e in trail][-2:] == ["case_referred", "case_report"]
    listed = client.get(f"{URL}?inspection={inspection.pk}").json()
    assert [c["id"] for c in listed] == [case.json()["id"]]


def test_role_and_jurisdiction_boundaries(world):
    api = world["api"]
    case = world["c202"].post(URL, referral(world["e202"]), format="json").json()
    detail, reports = f"{URL}{case['id']}/", f"{URL}{case['id']}/reports/"
    other = world["c203"]
    assert other.get(detail).status_code == 404
    assert other.post(reports, {"summary": "x", "status": "referred"}, format="json").status_code == 404
    assert other.get(f"{detail}export.pdf").status_code == 404
    assert other.get(URL).json() == []
    assert other.post(URL, referral(world["e202"], referral_number="另一函"), format="json").status_code == 403
    inspector = api(factories.user(Role.INSPECTOR, jurisdiction="445202"))
    assert inspector.get(detail).status_code == 404  # not assigned to any inspection of it
    assert inspector.post(URL, referral(world["e202"], referral_number="x"), format="json").status_code == 403
    for role in (Role.CERTIFIER, Role.ENTERPRISE):
        client = api(factories.user(role))
        assert client.get(URL).status_code == 403
        assert client.get(detail).status_code == 403
        assert client.post(reports, {"summary": "x", "status": "referred"}, format="json").status_code == 403
    own = api(factories.user(Role.ENTERPRISE, enterprise=world["e202"]))
    assert own.get(detail).status_code == 403
    assert api().get(URL).status_code == 401
    admin = api(factories.user(Role.ADMIN))
    assert admin.get(detail).status_code == 200
    assert world["city"].post(reports, {"summary": "市局督办意见", "status": "referred"}, format="json").status_code == 201


JUNK = [None, 0, -1, True, "", "x" * 25000, [], ["a", 1], [2**70], {}, {"a": {"b": []}}, 1e308, 2**70, "2019-02-30",
        "\x00", "a\x00b", "\ud800"]


def test_malformed_input_is_a_4xx_naming_the_field(world):
    client = world["c202"]
    case = client.post(URL, referral(world["e202"]), format="json").json()
    good = {**referral(world["e202"], referral_number="junk-test"), "summary": "s", "status": "referred",
            "major": True, "supervising_office": "o", "stage": "investigating", "note": "n"}
    endpoints = [
        (URL, list(referral(world["e202"])) + ["major", "supervising_office", "opened_on", "client_key", "findings",
                                               "inspection", "campaign"]),
        (f"{URL}{case['id']}/reports/", ["summary", "status", "client_key", "case_number", "outcome", "transferred_to"]),
        (f"{URL}{case['id']}/status/", ["status", "case_number", "outcome", "transferred_to", "note"]),
        (f"{URL}{case['id']}/major/", ["major", "supervising_office", "note"]),
    ]
    def post(url, body):  # json.dumps escapes a lone surrogate as the JSON text \ud800
        return client.post(url, json.dumps(body), content_type="application/json")

    for url, fields in endpoints:
        for body in JUNK[1:] + ["not json"]:
            response = post(url, body)
            assert 400 <= response.status_code < 500, (url, body, response.content)
        for field in fields:
            for junk in JUNK:
                payload = {k: good[k] for k in fields if k in good}
                payload[field] = junk
                response = post(url, payload)
                assert response.status_code < 500, (url, field, junk, response.content)
                if response.status_code == 400:
                    assert response.json().get("field") or response.json().get("detail")
    deep = "[" * 5000 + "]" * 5000
    response = client.post(URL, deep, content_type="application/json")
    assert 400 <= response.status_code < 500
    assert EnforcementCase.objects.filter(referral_number="junk-test").count() <= 1


def test_case_file_pdf_reads_as_chinese(world):
    pypdf = pytest.importorskip("pypdf")
    client = world["c202"]
    case = client.post(URL, referral(world["e202"], major=True, supervising_office="市局执法监督科"),
                       format="json").json()
    client.post(f"{URL}{case['id']}/reports/", {"summary": "已现场检查并封存产品", "status": "referred"}, format="json")
    client.post(f"{URL}{case['id']}/reports/", {"summary": "处以罚款", "status": "closed", "outcome": "penalized"},
                format="json")
    response = client.get(f"{URL}{case['id']}/export.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    for expected in ("案件材料", "一、立案", "二、调查", "三、处理", "四、结案", "榕城电缆厂", "粤市监交〔2019〕8号",
                     "已现场检查并封存产品", "行政处罚", "市局执法监督科"):
        assert expected in text, expected
    assert text.index("一、立案") < text.index("二、调查") < text.index("三、处理") < text.index("四、结案")


def test_case_pages(world):
    client = Client()
    client.force_login(world["sup202"])
    case = world["c202"].post(URL, {"source": "complaint", "enterprise": world["e202"].pk,
                                    "product_category": "wire-cable", "reason": "举报线索",
                                    "opened_on": (today() - dt.timedelta(days=30)).isoformat()}, format="json").json()
    page = client.get("/ui/cases/?view=overdue").content.decode()
    assert f'data-case="{case["id"]}"' in page and "逾期" in page
    detail = client.get(f"/ui/cases/{case['id']}/").content.decode()
    assert "提交进展报告" in detail and "举报线索" in detail
    key = "page-key-1"
    for _ in range(2):  # a double submit of the same form is one report
        response = client.post(f"/ui/cases/{case['id']}/reports/", {"summary": "已约谈", "status": "referred",
                                                                   "client_key": key})
        assert response.status_code == 302
    assert CaseReport.objects.filter(case_id=case["id"]).count() == 1
    assert f'data-case="{case["id"]}"' not in client.get("/ui/cases/?view=overdue").content.decode()
    other = Client()
    other.force_login(factories.user(Role.SUPERVISOR, jurisdiction="445203"))
    assert other.get(f"/ui/cases/{case['id']}/").status_code == 404
