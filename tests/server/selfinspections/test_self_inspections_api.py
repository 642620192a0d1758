"""Self-inspection reports (contract §10): who may submit, status and late, scoping, coverage."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from server.accounts.models import Role
from server.registry.models import CccCertificate
from server.selfinspections.models import SelfInspection
from server.selfinspections.services import refresh_overdue
from server.selfinspections.status_rule import status_on
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/self-inspections/"
OK = [{"topic": "原材料进货查验", "result": "ok", "description": ""}]
PROBLEM = [{"topic": "出厂检验", "result": "problem", "description": "未按批次检验"}]


def body(ent, **kw):
    return {"enterprise": ent.pk, "product_category": "wire-cable", "campaign": "jieyang-2019",
            "submitted_on": "2019-08-20", "items": OK, **kw}


def test_clean_report_by_the_counties_supervisor(api):
    enterprise = factories.enterprise("445202")
    response = api(factories.user(Role.SUPERVISOR, jurisdiction="445202")).post(URL, body(enterprise), format="json")
    assert response.status_code == 201, response.data
    assert response.data["status"] == "clean" and response.data["late"] is False
    assert response.data["campaign"] == "jieyang-2019"


def test_late_after_the_campaign_deadline_and_campaign_found_by_date(api):
    enterprise = factories.enterprise("445202")
    response = api(factories.user(Role.ADMIN)).post(URL, body(enterprise, campaign=None, submitted_on="2019-08-26"),
                                                    format="json")
    assert response.status_code == 201, response.data
    assert response.data["late"] is True and response.data["campaign"] == "jieyang-2019"


@pytest.mark.parametrize("rect, expected", [
    ({"measures": "补做检验", "deadline": "2019-09-30", "completed_on": "2019-09-10"}, "rectified"),
    ({"measures": "补做检验", "deadline": "2019-09-30", "completed_on": "2019-10-02"}, "overdue"),
    ({"measures": "补做检验", "deadline": "2019-09-30"}, "overdue"),  # the deadline is long past today
    ({"measures": "补做检验", "deadline": "2999-09-30"}, "rectifying"),
])
def test_status_from_the_rectification(api, rect, expected):
    enterprise = factories.enterprise("445202")
    response = api(factories.user(Role.ADMIN)).post(URL, body(enterprise, items=PROBLEM, rectification=rect,
                                                              submitted_on="2019-08-20"), format="json")
    assert response.status_code == 201, response.data
    assert response.data["status"] == expected and response.data["problems"] == 1


def test_status_rule_dates():
    d = dt.date(2019, 9, 30)
    assert status_on(problems=1, deadline=d, completed_on=None, today=d) == "rectifying"
    assert status_on(problems=1, deadline=d, completed_on=None, today=d + dt.timedelta(days=1)) == "overdue"
    assert status_on(problems=1, deadline=d, completed_on=d, today=d + dt.timedelta(days=9)) == "rectified"
    assert status_on(problems=0, deadline=None, completed_on=None, today=d) == "clean"


def test_overdue_is_kept_current_in_the_stored_column(api):
    enterprise = factories.enterprise("445202")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = api(factories.user(Role.ADMIN)).post(URL, body(enterprise, items=PROBLEM, submitted_on=None, rectification={
        "measures": "m", "deadline": tomorrow.isoformat()}), format="json")
    assert response.data["status"] == "rectifying"
    assert refresh_overdue(today=tomorrow) == 0
    assert refresh_overdue(today=tomorrow + dt.timedelta(days=1)) == 1
    assert SelfInspection.objects.get().status == "overdue"


def test_problems_need_a_rectification_deadline(api):
    response = api(factories.user(Role.ADMIN)).post(URL, body(factories.enterprise(), items=PROBLEM), format="json")
    assert response.status_code == 400 and response.data["field"] == "rectification.deadline"


def test_a_retry_is_not_a_second_report_and_a_different_one_is_409(api):
    client = api(factories.user(Role.ADMIN))
    enterprise = factories.enterprise()
    assert client.post(URL, body(enterprise), format="json").status_code == 201
    again = client.post(URL, body(enterprise), format="json")
    assert again.status_code == 200
    assert SelfInspection.objects.count() == 1
    other = client.post(URL, body(enterprise, items=PROBLEM, rectification={"deadline": "2999-01-01"}), format="json")
    assert other.status_code == 409


def test_supervisor_of_another_county_is_refused(api):
    response = api(factories.user(Role.SUPERVISOR, jurisdiction="445203")).post(URL, body(factories.enterprise("445202")),
                                                                                format="json")
    assert response.status_code == 403
    assert not SelfInspection.objects.exists()


def test_certifier_only_for_enterprises_holding_its_certificate(api):
    certifier = factories.user(Role.CERTIFIER)
    holder, other = factories.enterprise(), factories.enterprise()
    CccCertificate.objects.create(enterprise=holder, number="2019010105000001", product_category="wire-cable",
                                  certification_body=certifier.certification_body)
    client = api(certifier)
    assert client.post(URL, body(holder), format="json").status_code == 201
    assert client.post(URL, body(other), format="json").status_code == 403
    assert [r["enterprise"] for r in client.get(URL).data] == [holder.pk]


def test_enterprise_account_reports_for_itself_only_and_sees_only_its_own(api):
    account = factories.user(Role.ENTERPRISE)
    own, other = account.enterprise, factories.enterprise()
    today = timezone.localdate().isoformat()
    client = api(account)
    mine = client.post(URL, body(own, submitted_on=today, campaign=None), format="json")
    assert mine.status_code == 201, mine.data
    assert client.post(URL, body(other, submitted_on=today), format="json").status_code == 403
    backdated = client.post(URL, body(own, submitted_on="2019-08-01"), format="json")
    assert backdated.status_code == 400 and backdated.data["field"] == "submitted_on"
    api(factories.user(Role.ADMIN)).post(URL, body(other), format="json")
    assert [r["enterprise"] for r in client.get(URL).data] == [own.pk]


def test_inspectors_may_neither_submit_nor_list(api):
    inspector = factories.user(Role.INSPECTOR)
    assert api(inspector).post(URL, body(factories.enterprise()), format="json").status_code == 403
    assert api(inspector).get(URL).data == []


@pytest.mark.parametrize("patch, field", [
    ({"enterprise": "x"}, "enterprise"), ({"enterprise": 10**30}, "enterprise"), ({"enterprise": 999999}, "enterprise"),
    ({"product_category": "toys"}, "product_category"), ({"items": []}, "items"),
    ({"items": [{"topic": "t", "result": "bad"}]}, "items"), ({"submitted_on": "2019-13-01"}, "submitted_on"),
    ({"submitted_on": "2999-01-01"}, "submitted_on"), ({"campaign": "nope"}, "campaign"),
    ({"items": [{"topic": "\ud800", "result": "ok"}]}, "items"),
])
def test_malformed_input_is_400_naming_the_field(api, patch, field):
    raw = json.dumps(body(factories.enterprise(), **patch))  # ASCII-escaped, as a client sends a lone surrogate
    response = api(factories.user(Role.ADMIN)).post(URL, raw, content_type="application/json")
    assert response.status_code == 400, response.data
    assert response.data["field"].startswith(field)


def test_coverage_per_county(api):
    a1 = factories.enterprise("445202", roles=["producer"], product_categories=["wire-cable"])
    a2 = factories.enterprise("445202", roles=["producer"], product_categories=["wire-cable"])
    factories.enterprise("445202", roles=["seller"], product_categories=["wire-cable"])  # not a producer
    b1 = factories.enterprise("445203", roles=["producer"], product_categories=["grinding-wheel"])
    admin = api(factories.user(Role.ADMIN))
    assert admin.post(URL, body(a1), format="json").status_code == 201
    admin.post(URL, body(b1, product_category="grinding-wheel", items=PROBLEM,
                         rectification={"deadline": "2019-09-01"}), format="json")
    supervisor = api(factories.user(Role.SUPERVISOR, jurisdiction="445200"))
    rows = supervisor.get("/api/v1/self-inspections/coverage/?campaign=jieyang-2019&jurisdiction=445200").data
    by = {r["jurisdiction"]: r for r in rows}
    assert set(by) == {"445202", "445203", "445222", "445224", "445281"}
    assert {k: by["445202"][k] for k in ("producers", "submitted", "missing", "overdue")} == {
        "producers": 2, "submitted": 1, "missing": [a2.pk], "overdue": 0}
    assert {k: by["445203"][k] for k in ("producers", "submitted", "missing", "overdue")} == {
        "producers": 1, "submitted": 1, "missing": [], "overdue": 1}
    county = api(factories.user(Role.SUPERVISOR, jurisdiction="445202"))
    assert [r["jurisdiction"] for r in county.get("/api/v1/self-inspections/coverage/?campaign=jieyang-2019").data] == ["445202"]
    refused = county.get("/api/v1/self-inspections/coverage/?jurisdiction=445203")
    assert refused.status_code == 400 and refused.data["field"] == "jurisdiction"
    assert api(factories.user(Role.ENTERPRISE)).get("/api/v1/self-inspections/coverage/").status_code == 403
