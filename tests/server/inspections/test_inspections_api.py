import pytest

from server.accounts.models import Role
from server.dossiers.models import Dossier
from server.inspections.models import Inspection
from tests import factories

pytestmark = pytest.mark.django_db


def body(company, people, **overrides):
    data = {
        "enterprise": company.id,
        "product_category": "wire-cable",
        "domain": "production",
        "inspectors": [u.username for u in people],
        "scheduled_for": "2019-07-15",
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
        (Role.INSPECTOR, "445200", "445202", 403),
        (Role.CERTIFIER, None, "445202", 403),
    ],
)
def test_create_matrix(api, role, jurisdiction, target, expected):
    actor = factories.user(role, jurisdiction=jurisdiction)
    company = factories.enterprise(target)
    inspector = factories.user(Role.INSPECTOR, jurisdiction=target)
    response = api(actor).post("/api/v1/inspections/", body(company, [inspector]), format="json")
    assert response.status_code == expected, response.content
    assert Inspection.objects.exists() == (expected == 201)
    if expected == 201:
        data = response.json()
        assert data["checklist"].startswith("checklist:wire-cable:")
        assert data["status"] == "assigned" and data["inspectors"] == [inspector.username]
        assert Dossier.objects.get(inspection_id=data["id"]).status == "assigned"


def test_explicit_checklist_must_exist_and_fit(api):
    admin = factories.user(Role.ADMIN)
    company = factories.enterprise()
    inspector = factories.user(Role.INSPECTOR)
    response = api(admin).post("/api/v1/inspections/", body(company, [inspector], checklist="checklist:wire-cable:999"), format="json")
    assert response.status_code == 400 and response.json()["field"] == "checklist"
    import checklists

    paper = checklists.latest_for("food-paper-packaging")["_id"]
    response = api(admin).post("/api/v1/inspections/", body(company, [inspector], checklist=paper), format="json")
    assert response.status_code == 400 and response.json()["field"] == "checklist"
    cable = checklists.latest_for("wire-cable")["_id"]
    response = api(admin).post("/api/v1/inspections/", body(company, [inspector], checklist=cable), format="json")
    assert response.status_code == 201 and response.json()["checklist"] == cable


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"product_category": "toys"}, "product_category"),
        ({"domain": "space"}, "domain"),
        ({"scheduled_for": "2019-13-01"}, "scheduled_for"),
        ({"inspectors": []}, "inspectors"),
        ({"inspectors": ["ghost"]}, "inspectors"),
        ({"enterprise": 999999}, "enterprise"),
        ({"enterprise": "abc"}, "enterprise"),
    ],
)
def test_bad_input_names_the_field(api, overrides, field):
    admin = factories.user(Role.ADMIN)
    company = factories.enterprise()
    inspector = factories.user(Role.INSPECTOR)
    response = api(admin).post("/api/v1/inspections/", body(company, [inspector], **overrides), format="json")
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert not Inspection.objects.exists()


def test_inspectors_must_cover_the_enterprise_and_be_active_inspectors(api):
    admin = factories.user(Role.ADMIN)
    company = factories.enterprise("445202")
    outside = factories.user(Role.INSPECTOR, jurisdiction="445281")
    city_inspector = factories.user(Role.INSPECTOR, jurisdiction="445200")
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445202")
    inactive = factories.user(Role.INSPECTOR, jurisdiction="445202", is_active=False)
    for bad in (outside, supervisor, inactive):
        response = api(admin).post("/api/v1/inspections/", body(company, [bad]), format="json")
        assert response.status_code == 400 and response.json()["field"] == "inspectors", bad.username
    ok = api(admin).post("/api/v1/inspections/", body(company, [city_inspector]), format="json")
    assert ok.status_code == 201


def test_domain_needs_the_matching_enterprise_role(api):
    admin = factories.user(Role.ADMIN)
    shop = factories.enterprise("445202", roles=["seller"])
    inspector = factories.user(Role.INSPECTOR)
    response = api(admin).post("/api/v1/inspections/", body(shop, [inspector], domain="production"), format="json")
    assert response.status_code == 400 and response.json()["field"] == "domain"
    response = api(admin).post("/api/v1/inspections/", body(shop, [inspector], domain="distribution"), format="json")
    assert response.status_code == 201


def test_list_and_detail_scoping(api):
    rongcheng = factories.enterprise("445202")
    puning = factories.enterprise("445281")
    a = factories.user(Role.INSPECTOR, jurisdiction="445202")
    b = factories.user(Role.INSPECTOR, jurisdiction="445202")
    c = factories.user(Role.INSPECTOR, jurisdiction="445281")
    ia = factories.inspection(enterprise_obj=rongcheng, inspectors=[a])
    ib = factories.inspection(enterprise_obj=rongcheng, inspectors=[b])
    ic = factories.inspection(enterprise_obj=puning, inspectors=[c])

    def ids(user):
        response = api(user).get("/api/v1/inspections/")
        assert response.status_code == 200
        return {i["id"] for i in response.json()}

    assert ids(a) == {str(ia.id)}
    assert ids(factories.user(Role.SUPERVISOR, jurisdiction="445202")) == {str(ia.id), str(ib.id)}
    assert ids(factories.user(Role.SUPERVISOR, jurisdiction="445281")) == {str(ic.id)}
    assert ids(factories.user(Role.SUPERVISOR, jurisdiction="445200")) == {str(ia.id), str(ib.id), str(ic.id)}
    assert ids(factories.user(Role.ADMIN)) == {str(ia.id), str(ib.id), str(ic.id)}
    certifier = factories.user(Role.CERTIFIER)
    assert api(certifier).get("/api/v1/inspections/").status_code == 403
    assert api(a).get(f"/api/v1/inspections/{ib.id}/").status_code == 404
    assert api(a).get(f"/api/v1/inspections/{ia.id}/").status_code == 200
    assert api(a).get("/api/v1/inspections/not-a-uuid/").status_code == 404
    supervisor_rc = factories.user(Role.SUPERVISOR, jurisdiction="445202")
    assert api(supervisor_rc).get(f"/api/v1/inspections/{ic.id}/").status_code == 404


def test_reassigning_inspectors(api):
    company = factories.enterprise("445202")
    a = factories.user(Role.INSPECTOR, jurisdiction="445202")
    b = factories.user(Role.INSPECTOR, jurisdiction="445202")
    inspection = factories.inspection(enterprise_obj=company, inspectors=[a])
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445202")
    response = api(supervisor).patch(f"/api/v1/inspections/{inspection.id}/", {"inspectors": [a.username, b.username]}, format="json")
    assert response.status_code == 200 and response.json()["inspectors"] == sorted([a.username, b.username])
    assert api(a).patch(f"/api/v1/inspections/{inspection.id}/", {"inspectors": [a.username]}, format="json").status_code == 403
    other = factories.user(Role.SUPERVISOR, jurisdiction="445281")
    assert api(other).patch(f"/api/v1/inspections/{inspection.id}/", {"inspectors": [a.username]}, format="json").status_code == 404
