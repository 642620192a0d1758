"""Contract §11's arithmetic: hand-computed k per county (N = 0, 1, 4, 5, 6, 17; percent 1 and 100)
and a real draw through the API checked by the independent implementation in helpers.py."""
import pytest

from server.accounts.models import Role
from server.dossiers.models import Dossier
from server.inspections.models import Inspection
from tests import factories

from .helpers import (
    announce_body, county, expected_hash, expected_inspectors, expected_k, expected_selection, h, inspectors, producers,
)

pytestmark = pytest.mark.django_db

# (N, percent) -> k, computed by hand from §11: N < 5 -> N; else max(5, ceil(percent * N / 100)).
HAND = {
    (0, 1): 0, (0, 100): 0, (1, 1): 1, (1, 100): 1, (4, 1): 4, (4, 100): 4,
    (5, 1): 5, (5, 100): 5, (6, 1): 5, (6, 100): 6, (17, 1): 5, (17, 100): 17,
    (17, 30): 6,   # 30 * 17 / 100 = 5.1 -> 6
    (17, 29): 5,   # 4.93 -> 5
    (200, 3): 6,   # exactly 6
    (201, 3): 7,   # 6.03 -> 7
}


def test_hand_computed_k_agrees_with_the_independent_formula():
    for (n, percent), k in HAND.items():
        assert expected_k(n, percent) == k, (n, percent)


def test_the_projects_k_agrees_with_the_hand_table():
    from server.draws import rules

    for (n, percent), k in HAND.items():
        assert rules.k_for(n=n, percent=percent) == k, (n, percent)


def _register():
    """Six counties with 0, 1, 4, 5, 6 and 17 licensed wire-cable producers, three inspectors each,
    two city inspectors, and noise that must stay out of the population."""
    sizes = {"445224": 0, "445222": 1, "445281": 4, "445203": 5, "445202": 6, county("445299"): 17}
    register = {code: producers(code, n) for code, n in sizes.items()}
    staff = {code: inspectors(code, 3) for code in sizes}
    city = inspectors("445200", 2)
    producers("445202", 2, licensed=False)                       # unlicensed producers
    suspended = factories.enterprise("445203")
    factories.ccc_certificate(suspended, status="suspended")      # suspended CCC: does not count
    revoked = factories.enterprise("445203")
    factories.ccc_certificate(revoked, status="revoked")          # revoked CCC: does not count
    ccc_only = factories.enterprise("445203")
    factories.ccc_certificate(ccc_only)                           # valid CCC: counts
    register["445203"].append(ccc_only)
    sellers = factories.enterprise("445202", roles=["seller"])    # licence but not a producer
    factories.licence(sellers)
    other_category = factories.enterprise("445202", product_categories=["grinding-wheel"])
    factories.licence(other_category, "grinding-wheel")
    factories.user(Role.INSPECTOR, jurisdiction="445202", is_active=False)  # inactive: never eligible
    return register, staff, city


@pytest.mark.parametrize("percent", [1, 100])
def test_a_real_draw_follows_the_contract(api, percent):
    register, staff, city = _register()
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445200")
    client = api(supervisor)
    response = client.post("/api/v1/draws/", announce_body(percent=percent), format="json")
    assert response.status_code == 201, response.content
    draw = response.json()
    assert draw["status"] == "announced" and draw["announced_by"] == supervisor.username
    codes = {e.credit_code for entries in register.values() for e in entries}
    assert {p["credit_code"] for p in draw["population"]} == codes
    assert draw["population_sha256"] == expected_hash(codes)
    by_code = {p["credit_code"]: p for p in draw["population"]}
    assert all(by_code[e.credit_code]["jurisdiction"] == jur for jur, es in register.items() for e in es)

    beacon = "2019-09-10 福彩3D 第2019246期 开奖号码 5 8 3"
    response = client.post(f"/api/v1/draws/{draw['id']}/execute/", {"beacon": beacon, "beacon_source": "中国福利彩票"},
                           format="json")
    assert response.status_code == 200, response.content
    result = response.json()
    seed = h(draw["population_sha256"] + ":" + beacon)
    assert result["status"] == "drawn" and result["seed"] == seed
    selected = {s["credit_code"]: s for s in result["selected"]}
    for jur, entries in register.items():
        county_codes = {e.credit_code for e in entries}
        expected = expected_selection(seed, county_codes, percent)
        assert {c for c in selected if c in county_codes} == expected
        assert len(expected) == expected_k(len(entries), percent)
        for code in expected:
            eligible = {u.username for u in staff[jur] + city}
            assert set(selected[code]["eligible"]) == eligible
            assert selected[code]["inspectors"] == expected_inspectors(seed, code, eligible, 2)
            assert selected[code]["excluded"] == []
    # 0 + 1 + 4 + 5 + 5|6 (5 licensed + 1 CCC = 6 in 445203) ... counted independently:
    assert len(selected) == sum(expected_k(len(es), percent) for es in register.values())
    # one inspection per selection, with its dossier, the drawn inspectors, the draw's schedule
    assert Inspection.objects.count() == len(selected) == Dossier.objects.count()
    for s in result["selected"]:
        inspection = Inspection.objects.get(pk=s["inspection"])
        assert inspection.enterprise.credit_code == s["credit_code"]
        assert sorted(u.username for u in inspection.inspectors.all()) == sorted(s["inspectors"])
        assert (inspection.product_category, inspection.domain, inspection.scheduled_for.isoformat()) == (
            "wire-cable", "production", "2019-09-16")
    # executing again: 409, nothing more created
    again = client.post(f"/api/v1/draws/{draw['id']}/execute/", {"beacon": "other"}, format="json")
    assert again.status_code == 409
    assert Inspection.objects.count() == len(selected)


def test_population_kinds_by_role_and_category(api):
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445202")
    producer = factories.enterprise("445202", roles=["producer"], product_categories=["wire-cable"])
    seller = factories.enterprise("445202", roles=["seller"], product_categories=["wire-cable"])
    user = factories.enterprise("445202", roles=["user"], product_categories=["wire-cable", "grinding-wheel"])
    both = factories.enterprise("445202", roles=["seller", "user"], product_categories=["grinding-wheel"])
    elsewhere = factories.enterprise("445203", roles=["seller"], product_categories=["wire-cable"])
    expired = factories.enterprise("445202", roles=["producer"], product_categories=["wire-cable"])
    import datetime as dt

    factories.licence(expired, valid_until=dt.date(2000, 1, 1))
    client = api(supervisor)

    def population(kind, category="wire-cable"):
        body = announce_body(jurisdiction="445202", population=kind, product_category=category, domain=None)
        response = client.post("/api/v1/draws/", body, format="json")
        assert response.status_code == 201, response.content
        return {p["credit_code"] for p in response.json()["population"]}

    assert population("producers") == {producer.credit_code, expired.credit_code}
    assert population("licensed-producers") == set()
    assert population("sellers") == {seller.credit_code}
    assert population("users") == {user.credit_code}
    assert population("users", "grinding-wheel") == {user.credit_code, both.credit_code}
    assert elsewhere.credit_code not in population("sellers")
    # the domain follows the population; a contradicting one is refused naming the field
    response = client.post("/api/v1/draws/", announce_body(jurisdiction="445202", population="sellers"), format="json")
    assert response.status_code == 400 and response.json()["field"] == "domain"
