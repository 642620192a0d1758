"""Who may announce, execute and read draws; exclusion rules; not enough inspectors; bad input."""
import json

import pytest

from server.accounts.models import Role
from server.draws.models import Draw, InspectorUnavailability, PopulationEntry, Selection
from server.inspections.models import Inspection
from tests import factories

from .helpers import SCHEDULED, announce_body, expected_inspectors, h, inspectors, producers

pytestmark = pytest.mark.django_db


def _county_draw(api, jurisdiction="445202", n=3, staff=3, **overrides):
    producers(jurisdiction, n)
    people = inspectors(jurisdiction, staff)
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction=jurisdiction)
    response = api(supervisor).post("/api/v1/draws/", announce_body(jurisdiction=jurisdiction, **overrides),
                                    format="json")
    assert response.status_code == 201, response.content
    return response.json(), supervisor, people


@pytest.mark.parametrize("role, jurisdiction, target, expected", [
    (Role.ADMIN, None, "445202", 201),
    (Role.SUPERVISOR, "445200", "445202", 201),
    (Role.SUPERVISOR, "445200", "445200", 201),
    (Role.SUPERVISOR, "445202", "445202", 201),
    (Role.SUPERVISOR, "445202", "445203", 403),   # a county supervisor cannot draw another county
    (Role.SUPERVISOR, "445202", "445200", 403),   # nor the whole city
    (Role.INSPECTOR, "445202", "445202", 403),
    (Role.CERTIFIER, None, "445202", 403),
    (Role.ENTERPRISE, None, "445202", 403),
])
def test_announce_matrix(api, role, jurisdiction, target, expected):
    producers("445202", 2)
    caller = factories.user(role, jurisdiction=jurisdiction)
    response = api(caller).post("/api/v1/draws/", announce_body(jurisdiction=target), format="json")
    assert response.status_code == expected, response.content
    assert Draw.objects.count() == (1 if expected == 201 else 0)
    assert api().post("/api/v1/draws/", announce_body(), format="json").status_code in (401, 403)


@pytest.mark.parametrize("role, jurisdiction, expected", [
    (Role.ADMIN, None, 200),
    (Role.SUPERVISOR, "445200", 200),
    (Role.SUPERVISOR, "445202", 200),
    (Role.SUPERVISOR, "445203", 404),
    (Role.INSPECTOR, "445202", 403),
    (Role.CERTIFIER, None, 403),
    (Role.ENTERPRISE, None, 403),
])
def test_execute_matrix(api, role, jurisdiction, expected):
    draw, _, _ = _county_draw(api)
    caller = factories.user(role, jurisdiction=jurisdiction)
    response = api(caller).post(f"/api/v1/draws/{draw['id']}/execute/", {"beacon": "42"}, format="json")
    assert response.status_code == expected, response.content
    assert Inspection.objects.count() == (3 if expected == 200 else 0)


def test_county_supervisor_cannot_execute_a_city_draw_it_can_see(api):
    producers("445202", 2)
    inspectors("445202", 2)
    city = factories.user(Role.SUPERVISOR, jurisdiction="445200")
    draw = api(city).post("/api/v1/draws/", announce_body(), format="json").json()
    county = factories.user(Role.SUPERVISOR, jurisdiction="445202")
    assert api(county).get(f"/api/v1/draws/{draw['id']}/").status_code == 200
    assert api(county).post(f"/api/v1/draws/{draw['id']}/execute/", {"beacon": "1"}, format="json").status_code == 403
    assert Draw.objects.get().status == "announced"


@pytest.mark.parametrize("role, jurisdiction, sees", [
    (Role.ADMIN, None, {"a", "b", "city"}),
    (Role.SUPERVISOR, "445200", {"a", "b", "city"}),
    (Role.SUPERVISOR, "445202", {"a", "city"}),
    (Role.INSPECTOR, "445203", {"b", "city"}),
])
def test_list_scope(api, role, jurisdiction, sees):
    producers("445202", 1)
    producers("445203", 1)
    admin = factories.user(Role.ADMIN)
    ids = {
        "a": api(admin).post("/api/v1/draws/", announce_body(jurisdiction="445202"), format="json").json()["id"],
        "b": api(admin).post("/api/v1/draws/", announce_body(jurisdiction="445203"), format="json").json()["id"],
        "city": api(admin).post("/api/v1/draws/", announce_body(), format="json").json()["id"],
    }
    caller = factories.user(role, jurisdiction=jurisdiction)
    listed = {d["id"] for d in api(caller).get("/api/v1/draws/").json()}
    assert listed == {ids[name] for name in sees}
    for name, pk in ids.items():
        assert api(caller).get(f"/api/v1/draws/{pk}/").status_code == (200 if name in sees else 404)


@pytest.mark.parametrize("role", [Role.CERTIFIER, Role.ENTERPRISE])
def test_list_refused_to_other_roles(api, role):
    assert api(factories.user(role)).get("/api/v1/draws/").status_code == 403
    assert api().get("/api/v1/draws/").status_code in (401, 403)


def test_not_enough_inspectors_is_400_and_nothing_is_created(api):
    draw, supervisor, _ = _county_draw(api, staff=1)
    response = api(supervisor).post(f"/api/v1/draws/{draw['id']}/execute/", {"beacon": "7"}, format="json")
    assert response.status_code == 400 and response.json()["field"] == "inspectors_per_inspection"
    assert Inspection.objects.count() == 0 and Selection.objects.count() == 0
    stored = Draw.objects.get()
    assert (stored.status, stored.seed, stored.beacon) == ("announced", "", "")
    # with one more inspector the same draw executes
    inspectors("445202", 1)
    assert api(supervisor).post(f"/api/v1/draws/{draw['id']}/execute/", {"beacon": "7"}, format="json").status_code == 200
    assert Inspection.objects.count() == 3


def test_unavailable_inspectors_are_excluded_and_listed(api):
    draw, supervisor, people = _county_draw(api, staff=4)
    away, training, back = people[0], people[1], people[2]
    client = api(supervisor)
    assert client.post("/api/v1/inspector-unavailability/", {
        "inspector": away.username, "starts": "2019-09-10", "ends": "2019-09-20", "kind": "leave"},
        format="json").status_code == 201
    assert client.post("/api/v1/inspector-unavailability/", {
        "inspector": training.username, "starts": "2019-09-16", "ends": "2019-09-16", "kind": "training"},
        format="json").status_code == 201
    assert client.post("/api/v1/inspector-unavailability/", {   # ends the day before: still eligible
        "inspector": back.username, "starts": "2019-09-01", "ends": "2019-09-15", "kind": "leave"},
        format="json").status_code == 201
    result = client.post(f"/api/v1/draws/{draw['id']}/execute/", {"beacon": "b"}, format="json").json()
    for s in result["selected"]:
        assert sorted(s["excluded"], key=lambda x: x["username"]) == sorted([
            {"username": away.username, "reason": "unavailable:leave"},
            {"username": training.username, "reason": "unavailable:training"}], key=lambda x: x["username"])
        eligible = {people[2].username, people[3].username}
        assert set(s["eligible"]) == eligible
        assert s["inspectors"] == expected_inspectors(result["seed"], s["credit_code"], eligible, 2)


def test_avoidance_of_the_previous_draws_inspectors(api):
    """回避: with 5 inspectors and m = 2, the two who inspected an enterprise in its previous draw of
    the category are avoided (3 others remain ≥ m); with 3 inspectors only 1 would remain, so the
    rule is waived for that enterprise and recorded as such."""
    producers("445202", 1)
    people = inspectors("445202", 5)
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445202")
    client = api(supervisor)
    first = client.post("/api/v1/draws/", announce_body(jurisdiction="445202"), format="json").json()
    done = client.post(f"/api/v1/draws/{first['id']}/execute/", {"beacon": "one"}, format="json").json()
    [before] = done["selected"]
    second = client.post("/api/v1/draws/", announce_body(jurisdiction="445202"), format="json").json()
    result = client.post(f"/api/v1/draws/{second['id']}/execute/", {"beacon": "two"}, format="json").json()
    [now] = result["selected"]
    assert sorted(now["excluded"], key=lambda x: x["username"]) == [
        {"username": name, "reason": "avoidance"} for name in sorted(before["inspectors"])]
    assert set(now["eligible"]) == {u.username for u in people} - set(before["inspectors"])
    assert not set(now["inspectors"]) & set(before["inspectors"])
    assert now["avoidance_waived"] is False
    # a draw of another category does not count as "previous"
    third = client.post("/api/v1/draws/", announce_body(jurisdiction="445202", product_category="grinding-wheel",
                                                         population="producers"), format="json").json()
    # leave 3 candidates (the second draw's 2 and one of the first's): avoiding the 2 previous would
    # leave 1 < m, so the rule is waived
    others = [u for u in people if u.username not in now["inspectors"]][1:]
    for u in others:
        u.is_active = False
        u.save()
    fourth = client.post("/api/v1/draws/", announce_body(jurisdiction="445202"), format="json").json()
    result = client.post(f"/api/v1/draws/{fourth['id']}/execute/", {"beacon": "four"}, format="json").json()
    [waived] = result["selected"]
    assert waived["avoidance_waived"] is True and waived["excluded"] == []
    assert set(waived["eligible"]) == {u.username for u in people} - {u.username for u in others}
    assert len(waived["eligible"]) == 3
    assert third["population"] and Draw.objects.get(pk=third["id"]).status == "announced"


def test_announce_retry_with_the_same_key_is_not_a_duplicate(api):
    producers("445202", 2)
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445202")
    body = announce_body(jurisdiction="445202", idempotency_key="k-1")
    first = api(supervisor).post("/api/v1/draws/", body, format="json").json()
    second = api(supervisor).post("/api/v1/draws/", body, format="json").json()
    assert first["id"] == second["id"] and Draw.objects.count() == 1
    assert PopulationEntry.objects.count() == 2


def test_population_is_frozen_at_announcement(api):
    draw, supervisor, _ = _county_draw(api)
    producers("445202", 5)   # registered after the announcement
    result = api(supervisor).post(f"/api/v1/draws/{draw['id']}/execute/", {"beacon": "x"}, format="json").json()
    assert {s["credit_code"] for s in result["selected"]} == {p["credit_code"] for p in draw["population"]}
    assert h(draw["population_sha256"] + ":x") == result["seed"]


def test_campaign_resolved_or_named(api):
    producers("445202", 1)
    admin = factories.user(Role.ADMIN)
    body = announce_body(jurisdiction="445202")
    body.pop("campaign")
    assert api(admin).post("/api/v1/draws/", body, format="json").json()["campaign"] == "jieyang-2019"
    body["scheduled_for"] = "2030-01-01"
    assert api(admin).post("/api/v1/draws/", body, format="json").json()["campaign"] is None
    response = api(admin).post("/api/v1/draws/", announce_body(campaign="nope"), format="json")
    assert response.status_code == 400 and response.json()["field"] == "campaign"


def test_unavailability_api_scope(api):
    inspector = factories.user(Role.INSPECTOR, jurisdiction="445203")
    period = {"inspector": inspector.username, "starts": "2019-09-01", "ends": "2019-09-02", "kind": "leave"}
    assert api(factories.user(Role.SUPERVISOR, jurisdiction="445202")).post(
        "/api/v1/inspector-unavailability/", period, format="json").status_code == 403
    assert api(inspector).post("/api/v1/inspector-unavailability/", period, format="json").status_code == 403
    owner = api(factories.user(Role.SUPERVISOR, jurisdiction="445203"))
    created = owner.post("/api/v1/inspector-unavailability/", period, format="json")
    assert created.status_code == 201
    assert owner.post("/api/v1/inspector-unavailability/", period, format="json").status_code == 200  # retry
    assert InspectorUnavailability.objects.count() == 1
    assert [p["inspector"] for p in api(inspector).get("/api/v1/inspector-unavailability/").json()] == [inspector.username]
    assert api(factories.user(Role.SUPERVISOR, jurisdiction="445202")).get(
        "/api/v1/inspector-unavailability/").json() == []
    bad = owner.post("/api/v1/inspector-unavailability/", {**period, "ends": "2019-08-01"}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "ends"
    pk = created.json()["id"]
    assert api(factories.user(Role.SUPERVISOR, jurisdiction="445202")).delete(
        f"/api/v1/inspector-unavailability/{pk}/").status_code == 403
    assert owner.delete(f"/api/v1/inspector-unavailability/{pk}/").status_code == 204
    assert InspectorUnavailability.objects.count() == 0


def test_preview_shows_the_population_without_storing(api):
    producers("445202", 3)
    producers("445203", 2)
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445200")
    body = api(supervisor).get("/api/v1/draws/preview/?jurisdiction=445200&product_category=wire-cable"
                               "&population=licensed-producers").json()
    assert body["count"] == 5 and body["counties"] == {"445202": 3, "445203": 2}
    assert Draw.objects.count() == 0
    county = factories.user(Role.SUPERVISOR, jurisdiction="445202")
    assert api(county).get("/api/v1/draws/preview/?jurisdiction=445203&product_category=wire-cable"
                           "&population=producers").status_code == 403
    assert api(county).get("/api/v1/draws/preview/?jurisdiction=%00").status_code == 400


JUNK = [None, 0, -1, True, "", "x" * 5000, [], ["a", 1], [2**70], {}, {"a": {"b": []}}, 1e308, 2**70,
        "2019-02-30", "\x00", "a\x00b", "\ud800", "a\udfffb"]


class _Deep(str):
    """A body of 5000 nested arrays, sent as raw JSON text."""


def _deep(n=5000):
    return _Deep("[" * n + "]" * n)


def test_junk_is_a_4xx_naming_the_field(api):
    draw, supervisor, _ = _county_draw(api)
    raw = api(supervisor)

    class client:  # JSON encoded with ASCII escapes, so lone surrogates reach the server as sent
        @staticmethod
        def post(url, body, format=None):
            data = body if isinstance(body, _Deep) else json.dumps(body)
            return raw.post(url, data=data, content_type="application/json")

        get = staticmethod(raw.get)
    good = announce_body(jurisdiction="445202")
    for body in JUNK[1:] + ["not json", _deep()]:
        response = client.post("/api/v1/draws/", body, format="json")
        assert 400 <= response.status_code < 500, (body, response.content)
    for field in list(good) + ["idempotency_key"]:
        for junk in JUNK:
            response = client.post("/api/v1/draws/", {**good, field: junk}, format="json")
            assert response.status_code < 500, (field, junk, response.content)
            if response.status_code == 400:
                assert response.json().get("field") == field, (field, junk, response.content)
    url = f"/api/v1/draws/{draw['id']}/execute/"
    bad_text = [None, 0, -1, True, "", "x" * 5000, [], ["a", 1], {}, 1e308, 2**70, "\x00", "a\x00b", "\ud800",
                "a\udfffb"]
    for field in ("beacon", "beacon_source"):
        for junk in bad_text:
            if field == "beacon_source" and junk in (None, ""):
                continue
            response = client.post(url, {"beacon": "ok", field: junk}, format="json")
            assert response.status_code == 400, (field, junk, response.content)
            assert response.json()["field"] == field
    assert Draw.objects.get(pk=draw["id"]).status == "announced"
    for junk in JUNK:
        response = client.post("/api/v1/inspector-unavailability/", {
            "inspector": junk, "starts": junk, "ends": junk, "kind": junk, "note": junk}, format="json")
        assert 400 <= response.status_code < 500
    for query in ("status=%00", "jurisdiction=" + "9" * 300, "product_category=%ED%A0%80"):
        assert 400 <= client.get(f"/api/v1/draws/?{query}").status_code < 500
    assert client.get("/api/v1/draws/99999999999999999999/").status_code == 404


@pytest.mark.parametrize("role, jurisdiction, read, write", [
    (Role.ADMIN, None, 200, 201),
    (Role.SUPERVISOR, "445200", 200, 201),
    (Role.SUPERVISOR, "445203", 200, 403),
    (Role.INSPECTOR, "445202", 200, 403),
    (Role.CERTIFIER, None, 403, 403),
    (Role.ENTERPRISE, None, 403, 403),
])
def test_roster_and_preview_matrix(api, role, jurisdiction, read, write):
    target = factories.user(Role.INSPECTOR, jurisdiction="445202")
    caller = factories.user(role, jurisdiction=jurisdiction)
    client = api(caller)
    assert client.get("/api/v1/inspector-unavailability/").status_code == read
    period = {"inspector": target.username, "starts": "2019-09-01", "ends": "2019-09-02", "kind": "other"}
    assert client.post("/api/v1/inspector-unavailability/", period, format="json").status_code == write
    if write != 201:
        assert not InspectorUnavailability.objects.exists()
    preview = client.get("/api/v1/draws/preview/?jurisdiction=445202&product_category=wire-cable&population=producers")
    expected = 200 if role == Role.ADMIN or (role == Role.SUPERVISOR and jurisdiction == "445200") else 403
    assert preview.status_code == expected


def test_deep_json_and_non_objects_to_every_write(api):
    draw, supervisor, _ = _county_draw(api)
    raw = api(supervisor)
    deep = "[" * 5000 + "]" * 5000
    for url in ("/api/v1/draws/", f"/api/v1/draws/{draw['id']}/execute/", "/api/v1/inspector-unavailability/"):
        for body in (deep, '{"beacon": ' + deep + "}", "[]", "1", '"x"', "null", "{", "\xff"):
            response = raw.post(url, data=body, content_type="application/json")
            assert 400 <= response.status_code < 500, (url, body[:20], response.content[:200])
    assert Draw.objects.get().status == "announced"
