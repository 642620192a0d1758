"""GET /api/v1/dossiers/ and /api/v1/dossiers/{id}/ (contract §6), scoped by role and jurisdiction."""
from __future__ import annotations

import hashlib

import pytest

from server.dossiers.services import process_pending_photos
from tests import factories
from tests.media import media_factories as mf
from tests.server.dossiers import field_docs as fd

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_dirs")]

KEYS = {"inspection", "status", "completeness", "answers", "photos", "quicktests", "samples", "conflicts",
        "findings", "audits", "review"}


@pytest.fixture
def inspection():
    return factories.inspection(inspectors=[factories.user("inspector", jurisdiction="445202")])


def test_detail_has_the_contract_fields(api, inspection):
    author = inspection.inspectors.first().username
    data = mf.jpeg(width=64, height=64, exif=mf.make_exif(taken="2019:07:01 10:00:00"))
    photo = fd.photo(inspection, author=author, data=data, item_code="cert-2")
    qt = fd.quicktest(inspection, author=author)
    fd.fold(fd.answer(inspection, "cert-2", True, author=author), photo, qt)
    process_pending_photos(limit=5, fetch_attachment=lambda *, doc_id, max_bytes: data)
    client = api(factories.user("admin"))
    body = client.get(f"/api/v1/dossiers/{inspection.pk}/").json()
    assert KEYS <= set(body)
    assert body["status"] == "in_progress"
    assert set(body["completeness"]) >= {"required", "answered", "missing"}
    [answer] = body["answers"]
    assert {"item_code", "value", "author", "answered_at", "conflict"} <= set(answer) and answer["conflict"] is False
    [p] = body["photos"]
    assert p["id"] == photo["_id"] and p["sha256"] == hashlib.sha256(data).hexdigest() and p["verified"] is True
    assert {"item_code", "taken_at", "exif", "thumbnail_url", "original_url", "flags"} <= set(p)
    [q] = body["quicktests"]
    assert q["id"] == qt["_id"] and q["verdict"] in ("pass", "fail", "invalid") and q["basis"]
    assert body["findings"] == [] or isinstance(body["findings"], list)
    # Thumbnails and originals are served to those who may see the dossier.
    assert client.get(p["original_url"]).getvalue() == data
    assert client.get(p["thumbnail_url"]).status_code == 200
    outsider = api(factories.user("supervisor", jurisdiction="445281"))
    assert outsider.get(p["original_url"]).status_code == 404
    assert api().get(p["thumbnail_url"]).status_code in (401, 403)


def test_conflict_shows_in_answers_and_conflicts(api, inspection):
    author = inspection.inspectors.first().username
    winner = fd.answer(inspection, "cert-2", True, author=author, _rev="2-b")
    loser = dict(winner, _rev="2-a", value=False)
    fd.fold(dict(winner, _conflicts=["2-a"]), conflicts={winner["_id"]: [loser]})
    body = api(factories.user("admin")).get(f"/api/v1/dossiers/{inspection.pk}/").json()
    assert body["answers"][0]["conflict"] is True
    [conflict] = body["conflicts"]
    assert conflict["doc_id"] == winner["_id"] and {r["rev"] for r in conflict["revisions"]} == {"2-a", "2-b"}


def test_scoping_by_role_and_jurisdiction(api, inspection):
    url = f"/api/v1/dossiers/{inspection.pk}/"
    assert api(factories.user("supervisor", jurisdiction="445200")).get(url).status_code == 200
    assert api(inspection.inspectors.first()).get(url).status_code == 200
    assert api(factories.user("supervisor", jurisdiction="445281")).get(url).status_code in (403, 404)
    assert api(factories.user("inspector")).get(url).status_code in (403, 404)
    assert api(factories.user("certifier")).get(url).status_code in (403, 404)
    assert api(factories.user("supervisor", jurisdiction="445281")).get("/api/v1/dossiers/").json() == []


def test_list_filters(api, inspection):
    other = factories.inspection(enterprise_obj=factories.enterprise(jurisdiction="445281"), category="grinding-wheel")
    fd.fold(fd.answer(inspection, "cert-2", True, author=inspection.inspectors.first().username))
    client = api(factories.user("admin"))
    ids = lambda r: {d["inspection"]["id"] for d in r.json()}  # noqa: E731
    assert ids(client.get("/api/v1/dossiers/")) == {str(inspection.pk), str(other.pk)}
    assert ids(client.get("/api/v1/dossiers/?status=in_progress")) == {str(inspection.pk)}
    assert ids(client.get("/api/v1/dossiers/?jurisdiction=445281")) == {str(other.pk)}
    assert ids(client.get("/api/v1/dossiers/?product_category=wire-cable")) == {str(inspection.pk)}
    for query, field in [("status=nope", "status"), ("jurisdiction=123", "jurisdiction"), ("product_category=x", "product_category")]:
        response = client.get(f"/api/v1/dossiers/?{query}")
        assert response.status_code == 400 and response.json()["field"] == field
