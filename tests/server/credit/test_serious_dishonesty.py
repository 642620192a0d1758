"""The serious-dishonesty list (contract §12): entries with basis and date, removal with a reason in
the audit trail, public without sign-in (JSON and Chinese HTML) showing nothing else."""
import json

import pytest
from django.test import Client

from server.accounts.models import Role
from server.credit.models import SeriousDishonesty
from server.reviews.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/api/v1/credit/serious-dishonesty/"


@pytest.fixture
def listed(api):
    enterprise = factories.enterprise("445202", name="揭阳市失信电缆厂", address="揭阳市榕城区秘密路9号")
    supervisor = api(factories.user(Role.SUPERVISOR, jurisdiction="445202"))
    response = supervisor.post(URL, {"enterprise": enterprise.pk, "basis": "生产销售“打折”电缆，货值金额较大",
                                     "decided_on": "2019-10-08"}, format="json")
    assert response.status_code == 201, response.content
    return enterprise, supervisor, response.json()


def test_entering_and_removing_with_the_audit_trail(listed, api):
    enterprise, supervisor, entry = listed
    assert (entry["basis"], entry["decided_on"], entry["removed_at"]) == ("生产销售“打折”电缆，货值金额较大", "2019-10-08", None)
    again = supervisor.post(URL, {"enterprise": enterprise.pk, "basis": "生产销售“打折”电缆，货值金额较大",
                                  "decided_on": "2019-10-08"}, format="json")
    assert again.status_code == 200 and again.json()["id"] == entry["id"]
    assert supervisor.post(URL, {"enterprise": enterprise.pk, "basis": "别的", "decided_on": "2019-10-08"},
                           format="json").status_code == 409
    remove = f"{URL}{entry['id']}/remove/"
    no_reason = supervisor.post(remove, {}, format="json")
    assert no_reason.status_code == 400 and no_reason.json()["field"] == "reason"
    removed = supervisor.post(remove, {"reason": "已完成信用修复"}, format="json")
    assert removed.status_code == 200 and removed.json()["removal_reason"] == "已完成信用修复"
    assert supervisor.post(remove, {"reason": "已完成信用修复"}, format="json").status_code == 200
    assert supervisor.post(remove, {"reason": "另一理由"}, format="json").status_code == 409
    trail = AuditEvent.objects.filter(subject=f"enterprise:{enterprise.pk}").order_by("id")
    assert [(e.action, e.reason) for e in trail] == [
        ("dishonesty_listed", "生产销售“打折”电缆，货值金额较大"), ("dishonesty_removed", "已完成信用修复")]
    assert [t["action"] for t in removed.json()["trail"]] == ["dishonesty_listed", "dishonesty_removed"]
    # listed again later: a new entry, the old one kept
    relisted = supervisor.post(URL, {"enterprise": enterprise.pk, "basis": "再次违法", "decided_on": "2019-10-20"},
                               format="json")
    assert relisted.status_code == 201 and SeriousDishonesty.objects.count() == 2


def test_who_may_list(listed, api):
    enterprise, _, entry = listed
    body = {"enterprise": enterprise.pk, "basis": "b", "decided_on": "2019-10-01"}
    assert api(factories.user(Role.SUPERVISOR, jurisdiction="445203")).post(URL, body, format="json").status_code == 403
    assert api(factories.user(Role.SUPERVISOR, jurisdiction="445203")).post(
        f"{URL}{entry['id']}/remove/", {"reason": "r"}, format="json").status_code == 404
    assert api(factories.user(Role.SUPERVISOR, jurisdiction="445203")).get(URL).json() == []
    for role in (Role.INSPECTOR, Role.CERTIFIER, Role.ENTERPRISE):
        client = api(factories.user(role))
        assert client.post(URL, body, format="json").status_code == 403
        assert client.get(URL).status_code == 403
    assert api(factories.user(Role.ENTERPRISE, enterprise=enterprise)).get(URL).status_code == 403
    assert api().post(URL, body, format="json").status_code == 401
    admin = api(factories.user(Role.ADMIN))
    assert admin.post(URL, {**body, "enterprise": factories.enterprise("445281").pk}, format="json").status_code == 201
    for field, junk in (("enterprise", "x"), ("enterprise", 2**70), ("decided_on", "2019-02-30"), ("decided_on", "2999-01-01"),
                        ("basis", ""), ("basis", "\x00"), ("enterprise", 99999999)):
        response = admin.post(URL, {**body, field: junk}, format="json")
        assert response.status_code == 400 and response.json()["field"] == field, (field, junk, response.content)
    deep = admin.post(URL, "[" * 5000 + "]" * 5000, content_type="application/json")
    assert deep.status_code == 400
    lone = admin.post(URL, json.dumps({**body, "basis": "\ud800"}), content_type="application/json")
    assert lone.status_code == 400 and lone.json()["field"] == "basis"


def test_public_page_without_sign_in_shows_nothing_else(listed):
    enterprise, supervisor, entry = listed
    other = factories.enterprise("445203", name="揭东守信纸品厂")
    removed = supervisor.post(URL, {"enterprise": factories.enterprise("445202", name="已修复企业").pk, "basis": "x",
                                    "decided_on": "2019-09-01"}, format="json").json()
    supervisor.post(f"{URL}{removed['id']}/remove/", {"reason": "修复"}, format="json")
    client = Client()
    data = client.get("/public/serious-dishonesty/?format=json")
    assert data.status_code == 200
    body = data.json()
    assert body["count"] == 1
    assert body["results"] == [{
        "enterprise_name": "揭阳市失信电缆厂", "credit_code": enterprise.credit_code, "jurisdiction": "445202",
        "jurisdiction_name": "榕城区", "basis": "生产销售“打折”电缆，货值金额较大", "decided_on": "2019-10-08"}]
    accept = client.get("/public/serious-dishonesty/", HTTP_ACCEPT="application/json")
    assert accept.json() == body
    page = client.get("/public/serious-dishonesty/")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    assert "严重质量失信企业名单" in html and "揭阳市失信电缆厂" in html and enterprise.credit_code in html
    for secret in ("秘密路", "已修复企业", other.name, supervisor_username(supervisor), "修复"):
        assert secret not in html and secret not in json.dumps(body, ensure_ascii=False), secret
    assert client.post("/public/serious-dishonesty/").status_code == 405


def supervisor_username(client) -> str:
    from rest_framework.authtoken.models import Token

    key = client._credentials["HTTP_AUTHORIZATION"].split()[1]
    return Token.objects.get(key=key).user.username
