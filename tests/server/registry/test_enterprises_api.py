import pytest

from server.accounts.models import Role
from server.registry.models import Enterprise
from tests import factories

pytestmark = pytest.mark.django_db


def body(**overrides):
    data = {
        "name": "揭阳市某某电缆有限公司",
        "credit_code": factories.make_credit_code(jurisdiction="445202", seed=7),
        "address": "揭阳市榕城区某路 8 号",
        "jurisdiction": "445202",
        "roles": ["producer"],
        "product_categories": ["wire-cable"],
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "role, jurisdiction, target, expected",
    [
        (Role.ADMIN, None, "445202", 201),
        (Role.SUPERVISOR, "445200", "445202", 201),
        (Role.SUPERVISOR, "445200", "445281", 201),
        (Role.SUPERVISOR, "445202", "445202", 201),
        (Role.SUPERVISOR, "445202", "445281", 403),
        (Role.SUPERVISOR, "445281", "445202", 403),
        (Role.INSPECTOR, "445202", "445202", 403),
        (Role.CERTIFIER, None, "445202", 403),
    ],
)
def test_create_matrix(api, role, jurisdiction, target, expected):
    actor = factories.user(role, jurisdiction=jurisdiction)
    response = api(actor).post("/api/v1/enterprises/", body(jurisdiction=target), format="json")
    assert response.status_code == expected, response.content
    assert Enterprise.objects.exists() == (expected == 201)


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"credit_code": "91350100M000100Y44"}, "credit_code"),
        ({"credit_code": "short"}, "credit_code"),
        ({"jurisdiction": "123456"}, "jurisdiction"),
        ({"roles": ["smuggler"]}, "roles"),
        ({"roles": []}, "roles"),
        ({"product_categories": ["toys"]}, "product_categories"),
        ({"name": ""}, "name"),
        ({"latitude": 91.0, "longitude": 116.0}, "latitude"),
        ({"latitude": 23.5}, "longitude"),
    ],
)
def test_bad_input_names_the_field(api, overrides, field):
    admin = factories.user(Role.ADMIN)
    response = api(admin).post("/api/v1/enterprises/", body(**overrides), format="json")
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert not Enterprise.objects.exists()


def test_malformed_json_is_400(api):
    admin = factories.user(Role.ADMIN)
    response = api(admin).generic("POST", "/api/v1/enterprises/", "{not json", content_type="application/json")
    assert response.status_code == 400 and "detail" in response.json()
    response = api(admin).generic("POST", "/api/v1/enterprises/", "[1, 2]", content_type="application/json")
    assert response.status_code == 400


def test_duplicate_credit_code_keeps_the_first(api):
    admin = factories.user(Role.ADMIN)
    assert api(admin).post("/api/v1/enterprises/", body(), format="json").status_code == 201
    again = api(admin).post("/api/v1/enterprises/", body(name="另一家"), format="json")
    assert again.status_code == 400 and again.json()["field"] == "credit_code"
    assert list(Enterprise.objects.values_list("name", flat=True)) == ["揭阳市某某电缆有限公司"]


def test_list_and_detail_are_scoped(api):
    mine = factories.enterprise("445202")
    other = factories.enterprise("445281")
    county = factories.user(Role.SUPERVISOR, jurisdiction="445202")
    city = factories.user(Role.SUPERVISOR, jurisdiction="445200")
    inspector = factories.user(Role.INSPECTOR, jurisdiction="445202")
    assert {e["id"] for e in api(county).get("/api/v1/enterprises/").json()} == {mine.id}
    assert {e["id"] for e in api(city).get("/api/v1/enterprises/").json()} == {mine.id, other.id}
    assert {e["id"] for e in api(inspector).get("/api/v1/enterprises/").json()} == {mine.id}
    assert api(county).get(f"/api/v1/enterprises/{other.id}/").status_code == 404
    assert api(county).patch(f"/api/v1/enterprises/{other.id}/", {"name": "x"}, format="json").status_code == 404
    assert api(inspector).patch(f"/api/v1/enterprises/{mine.id}/", {"name": "x"}, format="json").status_code == 403
    ok = api(county).patch(f"/api/v1/enterprises/{mine.id}/", {"address": "新地址"}, format="json")
    assert ok.status_code == 200 and ok.json()["address"] == "新地址"
    # a county supervisor cannot move an enterprise out of their county
    moved = api(county).patch(f"/api/v1/enterprises/{mine.id}/", {"jurisdiction": "445281"}, format="json")
    assert moved.status_code == 403
    mine.refresh_from_db()
    assert mine.jurisdiction_id == "445202"


def test_licences_and_certificates(api):
    county = factories.user(Role.SUPERVISOR, jurisdiction="445202")
    company = factories.enterprise("445202")
    url = f"/api/v1/enterprises/{company.id}/"
    ok = api(county).post(url + "licences/", {"number": "(粤)XK06-001-00123", "product_category": "wire-cable"}, format="json")
    assert ok.status_code == 201
    retry = api(county).post(url + "licences/", {"number": "(粤)XK06-001-00123", "product_category": "wire-cable"}, format="json")
    assert retry.status_code == 201 and retry.json()["id"] == ok.json()["id"]
    bad = api(county).post(url + "licences/", {"number": "XK06-1-123", "product_category": "wire-cable"}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "number"
    body_ = factories.CertificationBodyFactory()
    cert = api(county).post(url + "certificates/", {"number": "2019010105123456", "product_category": "wire-cable",
                                                   "certification_body": body_.code}, format="json")
    assert cert.status_code == 201 and cert.json()["status"] == "valid"
    bad = api(county).post(url + "certificates/", {"number": "20190101", "product_category": "wire-cable"}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "number"
    bad = api(county).post(url + "certificates/", {"number": "2019010105123457", "product_category": "toys"}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "product_category"
    detail = api(county).get(url).json()
    assert [lic["number"] for lic in detail["licences"]] == ["(粤)XK06-001-00123"]
    assert [c["number"] for c in detail["certificates"]] == ["2019010105123456"]
    # a certifier sees the enterprise through its body's certificate, and nothing else
    certifier = factories.user(Role.CERTIFIER, certification_body=body_)
    factories.enterprise("445202")
    assert [e["id"] for e in api(certifier).get("/api/v1/enterprises/").json()] == [company.id]
