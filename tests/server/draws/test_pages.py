"""Supervisor pages under /ui/draws/ through Django's test client (the browser test drives them in
Chromium): who may open them, the preview, and the streamed progress of announce and execute."""
import json

import pytest

from server.accounts.models import Role
from server.draws.models import Draw
from server.inspections.models import Inspection
from tests import factories

from .helpers import inspectors, producers

pytestmark = pytest.mark.django_db


def _lines(response) -> list[dict]:
    return [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines() if line]


def _signed_in(client, role, jurisdiction=None):
    user = factories.user(role, jurisdiction=jurisdiction)
    client.force_login(user)
    return user


@pytest.mark.parametrize("role, jurisdiction, expected", [
    (Role.SUPERVISOR, "445202", 200), (Role.ADMIN, None, 200), (Role.INSPECTOR, "445202", 403),
    (Role.ENTERPRISE, None, 403), (Role.CERTIFIER, None, 403),
])
def test_who_may_open_the_pages(client, role, jurisdiction, expected):
    _signed_in(client, role, jurisdiction)
    assert client.get("/ui/draws/").status_code == expected
    assert client.get("/ui/draws/new/").status_code == expected


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/ui/draws/")
    assert response.status_code == 302 and "/ui/login/" in response["Location"]
    assert client.post("/ui/draws/announce/", {}).status_code == 302


def test_preview_announce_execute_with_progress(client):
    producers("445202", 6)
    producers("445203", 3)
    inspectors("445202", 2)
    inspectors("445203", 2)
    _signed_in(client, Role.SUPERVISOR, "445200")
    form = {"jurisdiction": "445200", "product_category": "wire-cable", "population": "licensed-producers",
            "percent": "10", "inspectors_per_inspection": "2", "scheduled_for": "2019-09-16", "campaign": ""}
    page = client.get("/ui/draws/new/", {**form, "preview": "1"}).content.decode()
    assert 'id="preview-count">9<' in page and 'id="preview-k">8<' in page  # 445202: 5 of 6; 445203: all 3
    assert Draw.objects.count() == 0
    bad = client.get("/ui/draws/new/", {**form, "percent": "abc", "preview": "1"}).content.decode()
    assert "percent" in bad and 'id="preview-error"' in bad
    lines = _lines(client.post("/ui/draws/announce/", {**form, "idempotency_key": "x1"}))
    assert [line["stage"] for line in lines[:-1]][0] == "population" and lines[-1]["ok"] is True
    draw = Draw.objects.get()
    assert lines[-1]["url"] == f"/ui/draws/{draw.pk}/"
    assert _lines(client.post("/ui/draws/announce/", {**form, "idempotency_key": "x1"}))[-1]["ok"] is True
    assert Draw.objects.count() == 1  # the same key: no second draw
    detail = client.get(f"/ui/draws/{draw.pk}/").content.decode()
    assert 'id="execute-form"' in detail
    lines = _lines(client.post(f"/ui/draws/{draw.pk}/execute/", {"beacon": "12345", "beacon_source": "体彩"}))
    assert {"select", "inspectors", "inspections", "done"} <= {line.get("stage") for line in lines}
    assert lines[-1]["ok"] is True and Inspection.objects.count() == 8
    again = _lines(client.post(f"/ui/draws/{draw.pk}/execute/", {"beacon": "12345"}))
    assert again[-1]["ok"] is False and again[-1]["status"] == 409
    detail = client.get(f"/ui/draws/{draw.pk}/").content.decode()
    assert detail.count('class="selected"') == 8 and 'id="execute-form"' not in detail


def test_county_supervisor_cannot_announce_or_execute_elsewhere(client):
    producers("445203", 2)
    inspectors("445203", 2)
    _signed_in(client, Role.SUPERVISOR, "445202")
    form = {"jurisdiction": "445203", "product_category": "wire-cable", "population": "producers",
            "percent": "10", "scheduled_for": "2019-09-16"}
    lines = _lines(client.post("/ui/draws/announce/", form))
    assert lines[-1]["ok"] is False and lines[-1]["status"] == 403 and Draw.objects.count() == 0
    other = factories.user(Role.SUPERVISOR, jurisdiction="445203")
    client.force_login(other)
    assert _lines(client.post("/ui/draws/announce/", form))[-1]["ok"] is True
    pk = Draw.objects.get().pk
    client.force_login(factories.user(Role.SUPERVISOR, jurisdiction="445202"))
    assert client.post(f"/ui/draws/{pk}/execute/", {"beacon": "1"}).status_code == 404
    assert client.get(f"/ui/draws/{pk}/").status_code == 404
    assert Draw.objects.get().status == "announced"
    bad = _lines(client.post("/ui/draws/announce/", {**form, "scheduled_for": "2019-02-30"}))
    assert bad[-1]["ok"] is False and "scheduled_for" in bad[-1]["error"]
