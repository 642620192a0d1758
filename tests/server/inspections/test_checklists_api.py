import pytest

import checklists
from server.accounts.models import Role
from tests import factories

pytestmark = pytest.mark.django_db

CATEGORIES = ["food-paper-packaging", "wire-cable", "explosion-proof-electrical", "grinding-wheel",
              "hazardous-chemical", "hazchem-packaging"]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR, Role.INSPECTOR, Role.CERTIFIER])
def test_every_category_is_served_in_full(api, role):
    client = api(factories.user(role))
    listing = client.get("/api/v1/checklists/").json()
    assert {c["category"] for c in listing} == set(CATEGORIES)
    for summary in listing:
        assert summary["id"] == f"checklist:{summary['category']}:{summary['version']}"
        doc = client.get(f"/api/v1/checklists/{summary['id']}/").json()
        assert doc == checklists.get(summary["id"])
        assert doc["type"] == "checklist" and doc["_id"] == summary["id"] and doc["title"] == summary["title"]
        codes = [item["code"] for section in doc["sections"] for item in section["items"]]
        assert len(codes) == len(set(codes)) and codes


def test_unknown_checklist_is_404(api):
    assert api(factories.user()).get("/api/v1/checklists/checklist:wire-cable:999/").status_code == 404


def test_anonymous_cannot_read_checklists(api):
    assert api().get("/api/v1/checklists/").status_code in (401, 403)


CABLE = {"material": "copper", "coated": False, "conductor_class": 2, "cross_section_mm2": 2.5,
         "length_m": 100, "measured_ohm": 0.7, "temperature_c": 20}


def test_evaluate_conductor_resistance(api):
    client = api(factories.user(Role.INSPECTOR))
    ok = client.post("/api/v1/quicktests/evaluate/", {"method": "conductor-resistance", "inputs": CABLE}, format="json")
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert set(body) >= {"verdict", "result", "limit", "basis"}
    assert body == checklists.engine.evaluate(method="conductor-resistance", inputs=CABLE)
    # 2.5 mm² class 2 plain copper: max 7.41 Ω/km; 0.7 Ω over 100 m at 20 °C is 7.0 Ω/km → pass
    assert body["verdict"] == "pass"
    under_sized = dict(CABLE, measured_ohm=0.80)  # 8.0 Ω/km: the "打折" cable
    assert client.post("/api/v1/quicktests/evaluate/", {"method": "conductor-resistance", "inputs": under_sized},
                       format="json").json()["verdict"] == "fail"


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"method": "astrology", "inputs": {}}, "method"),
        ({"inputs": CABLE}, "method"),
        ({"method": "conductor-resistance"}, "inputs"),
        ({"method": "conductor-resistance", "inputs": "x"}, "inputs"),
        ({"method": "conductor-resistance", "inputs": {k: v for k, v in CABLE.items() if k != "length_m"}}, "inputs.length_m"),
        ({"method": "conductor-resistance", "inputs": dict(CABLE, measured_ohm="lots")}, "inputs.measured_ohm"),
    ],
)
def test_evaluate_bad_input_names_the_field(api, payload, field):
    response = api(factories.user()).post("/api/v1/quicktests/evaluate/", payload, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
