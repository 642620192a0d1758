"""Real PouchDB tablets (tests/support/tablet.py) replicating through the Django gateway
(pytest-django's live_server) into a real pouchdb-server (the sync_store fixture): push and pull,
attachments, live sync, resuming after an interrupted replication, refused documents, isolation
between inspectors and counties, read-only supervisors, and two tablets editing one document."""
from __future__ import annotations

import base64
import hashlib
import io
import time
import uuid
from collections.abc import Iterator

import pytest
from PIL import Image

from server.accounts.models import Role
from sync import publisher, store
from tests import factories
from tests.support.tablet import Tablet

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AUTH_PASSWORD = factories.PASSWORD


def jpeg(seed: int, size=(48, 32)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (seed % 256, 80, 160)).save(buffer, "JPEG")
    return buffer.getvalue()


def answer_doc(inspection, user, item_code: str, value, device: str = "tablet-1") -> dict:
    return {
        "_id": f"answer:{inspection.pk}:{item_code}", "type": "answer", "inspection_id": str(inspection.pk),
        "item_code": item_code, "value": value, "note": "", "answered_at": "2019-07-01T09:30:00+08:00",
        "author": user.username, "device_id": device,
    }


def photo_doc(inspection, user, data: bytes) -> dict:
    return {
        "_id": f"photo:{uuid.uuid4()}", "type": "photo", "inspection_id": str(inspection.pk), "item_code": "mark-1",
        "taken_at": "2019-07-01T09:31:00+08:00", "sha256": hashlib.sha256(data).hexdigest(), "caption": "",
        "author": user.username, "device_id": "tablet-1",
        "_attachments": {"image": {"content_type": "image/jpeg", "data": base64.b64encode(data).decode()}},
    }


def store_get(doc_id: str, **params) -> dict | None:
    response = store.session().get(store.db_url(doc_id), params=params, timeout=10)
    return response.json() if response.status_code == 200 else None


@pytest.fixture
def world(gateway):
    people_and_inspections = factories.two_counties()
    publisher.publish_all_pending(full=True)
    return people_and_inspections


@pytest.fixture
def tablets() -> Iterator[callable]:
    started: list[Tablet] = []

    def start(name: str) -> Tablet:
        tablet = Tablet.start(name=name)
        started.append(tablet)
        return tablet

    yield start
    for tablet in started:
        tablet.close()


def auth(user) -> tuple[str, str]:
    return (user.username, AUTH_PASSWORD)


def test_push_then_pull_with_attachments(world, gateway, tablets):
    alice, bob, a = world["alice"], world["bob"], world["a"]
    tablet_a, tablet_b = tablets("alice-tablet"), tablets("bob-tablet")
    image = jpeg(1, (320, 240))
    docs = [answer_doc(a, alice, "cert-2", True), answer_doc(a, alice, "mark-4", 2.5), photo_doc(a, alice, image)]
    tablet_a.bulk_docs(docs)
    pushed = tablet_a.push(gateway, auth=auth(alice))
    assert pushed["error"] is None, pushed
    assert pushed["result"]["docs_written"] == 3 and pushed["result"]["doc_write_failures"] == 0
    assert store_get(docs[0]["_id"])["value"] is True

    pulled = tablet_b.pull(gateway, auth=auth(bob))
    assert pulled["error"] is None, pulled
    ids = set(tablet_b.doc_ids())
    assert {d["_id"] for d in docs} | {f"inspection:{a.pk}", "checklist:wire-cable:1"} <= ids
    assert tablet_b.get_attachment(docs[2]["_id"], "image") == image
    assert tablet_b.get(f"inspection:{a.pk}")["inspectors"] == sorted([alice.username, bob.username])


def test_refused_docs_come_back_alone_and_the_rest_is_stored(world, gateway, tablets):
    alice, a, b = world["alice"], world["a"], world["b"]
    tablet = tablets("alice-tablet")
    good = answer_doc(a, alice, "cert-2", True)
    wrong_value = answer_doc(a, alice, "cert-4", "maybe")
    not_mine = answer_doc(b, alice, "cert-2", True)
    forged = dict(answer_doc(a, alice, "mark-1", True), author="someone-else")
    tablet.bulk_docs([good, wrong_value, not_mine, forged])
    result = tablet.push(gateway, auth=auth(alice))
    assert result["result"]["docs_written"] == 1
    assert result["result"]["doc_write_failures"] == 3
    reasons = {d.get("id"): d for d in result["denied"]}
    assert set(reasons) == {wrong_value["_id"], not_mine["_id"], forged["_id"]}
    assert store_get(good["_id"]) is not None
    assert all(store_get(doc_id) is None for doc_id in reasons)


def test_isolation_between_inspectors_counties_and_read_only_supervisors(world, gateway, tablets):
    alice, carol, dave, a = world["alice"], world["carol"], world["dave"], world["a"]
    mine = answer_doc(a, alice, "cert-2", True)
    tablet_a = tablets("alice-tablet")
    tablet_a.put(mine)
    assert tablet_a.push(gateway, auth=auth(alice))["result"]["docs_written"] == 1

    for user, name in ((carol, "carol-tablet"), (dave, "dave-tablet")):
        tablet = tablets(name)
        assert tablet.pull(gateway, auth=auth(user))["error"] is None
        ids = set(tablet.doc_ids())
        assert mine["_id"] not in ids and f"inspection:{a.pk}" not in ids
        assert "checklist:wire-cable:1" in ids

    county = factories.user(Role.SUPERVISOR, jurisdiction="445202")
    elsewhere = factories.user(Role.SUPERVISOR, jurisdiction="445203")
    sup_tablet = tablets("county-supervisor")
    assert sup_tablet.pull(gateway, auth=auth(county))["error"] is None
    assert {mine["_id"], f"inspection:{a.pk}", f"inspection:{world['b'].pk}"} <= set(sup_tablet.doc_ids())
    assert f"inspection:{world['c'].pk}" not in set(sup_tablet.doc_ids())
    other = tablets("other-supervisor")
    other.pull(gateway, auth=auth(elsewhere))
    assert mine["_id"] not in set(other.doc_ids())

    edited = sup_tablet.get(mine["_id"])
    edited["value"] = False
    sup_tablet.put(edited)
    pushed = sup_tablet.push(gateway, auth=auth(county))
    assert pushed["result"]["docs_written"] == 0 and pushed["result"]["doc_write_failures"] == 1, pushed
    assert store_get(mine["_id"])["value"] is True


def test_live_sync_delivers_a_colleagues_doc(world, gateway, tablets):
    alice, bob, a = world["alice"], world["bob"], world["a"]
    tablet_a, tablet_b = tablets("alice-tablet"), tablets("bob-tablet")
    rep = tablet_a.live_sync_start(gateway, auth=auth(alice))
    try:
        tablet_a.wait_for_doc(f"inspection:{a.pk}", timeout=15)
        doc = answer_doc(a, bob, "cert-4", False, device="tablet-2")
        tablet_b.put(doc)
        assert tablet_b.push(gateway, auth=auth(bob))["result"]["docs_written"] == 1
        got = tablet_a.wait_for_doc(doc["_id"], timeout=15)
        assert got["author"] == bob.username
        mine = answer_doc(a, alice, "mark-2", True)
        tablet_a.put(mine)
        for _ in range(100):
            if store_get(mine["_id"]) is not None:
                break
            time.sleep(0.1)
        assert store_get(mine["_id"]) is not None
    finally:
        tablet_a.live_sync_stop(rep)


def test_an_interrupted_push_resumes_from_its_checkpoint(world, gateway, tablets):
    alice, a = world["alice"], world["a"]
    tablet = tablets("alice-tablet")
    docs = [dict(photo_doc(a, alice, jpeg(i)), caption=f"#{i}") for i in range(240)]
    for doc in docs:
        doc.pop("_attachments")
    tablet.bulk_docs(docs)
    rep = tablet.replication_start(direction="to", url=gateway, auth=auth(alice),
                                   options={"batch_size": 40}, cancel_after_docs=80)
    first = tablet.replication_wait(rep, timeout=30)
    written_first = sum(1 for d in docs if store_get(d["_id"]) is not None)
    assert 80 <= written_first < 240, first
    second = tablet.push(gateway, auth=auth(alice), options={"batch_size": 40})
    assert second["error"] is None
    assert second["result"]["docs_read"] <= 240 - 80  # started from the checkpoint, not from zero
    assert all(store_get(d["_id"]) is not None for d in docs)


def test_two_tablets_editing_one_document_keep_both_revisions(world, gateway, tablets):
    alice, bob, a = world["alice"], world["bob"], world["a"]
    tablet_a, tablet_b = tablets("alice-tablet"), tablets("bob-tablet")
    base = answer_doc(a, alice, "cert-2", True)
    tablet_a.put(base)
    tablet_a.push(gateway, auth=auth(alice))
    tablet_b.pull(gateway, auth=auth(bob))
    doc_a = tablet_a.get(base["_id"])
    doc_b = tablet_b.get(base["_id"])
    tablet_a.put(dict(doc_a, value=False, note="甲"))
    tablet_b.put(dict(doc_b, value=False, note="乙", author=bob.username, device_id="tablet-2"))
    assert tablet_a.push(gateway, auth=auth(alice))["result"]["docs_written"] == 1
    assert tablet_b.push(gateway, auth=auth(bob))["result"]["docs_written"] == 1
    stored = store_get(base["_id"], conflicts="true")
    assert len(stored["_conflicts"]) == 1
    tablet_a.pull(gateway, auth=auth(alice))
    local = tablet_a.get(base["_id"], conflicts=True)
    assert len(local.get("_conflicts", [])) == 1
    assert {local["_rev"], local["_conflicts"][0]} == {stored["_rev"], stored["_conflicts"][0]}


def test_token_authentication_replicates_too(world, gateway, tablets):
    from rest_framework.authtoken.models import Token

    alice, a = world["alice"], world["a"]
    token, _ = Token.objects.get_or_create(user=alice)
    tablet = tablets("alice-tablet")
    tablet.put(answer_doc(a, alice, "cert-2", True))
    result = tablet.sync(gateway, headers={"Authorization": f"Token {token.key}"})
    assert result["error"] is None, result
    assert result["result"]["push"]["docs_written"] == 1
    assert f"inspection:{a.pk}" in set(tablet.doc_ids())


def test_an_interrupted_pull_resumes_from_its_checkpoint(world, gateway, tablets):
    alice, bob, a = world["alice"], world["bob"], world["a"]
    writer, reader = tablets("alice-tablet"), tablets("bob-tablet")
    docs = [dict(photo_doc(a, alice, jpeg(i)), caption=f"#{i}") for i in range(200)]
    for doc in docs:
        doc.pop("_attachments")
    writer.bulk_docs(docs)
    assert writer.push(gateway, auth=auth(alice))["result"]["docs_written"] == 200
    rep = reader.replication_start(direction="from", url=gateway, auth=auth(bob),
                                   options={"batch_size": 40}, cancel_after_docs=80)
    reader.replication_wait(rep, timeout=30)
    first = len([i for i in reader.doc_ids() if i.startswith("photo:")])
    assert 0 < first < 200
    again = reader.pull(gateway, auth=auth(bob), options={"batch_size": 40})
    assert again["error"] is None
    # Resumed from the checkpoint (written per batch of 40): not everything again.
    assert again["result"]["docs_read"] <= 200 + 7 - first + 40
    assert len([i for i in reader.doc_ids() if i.startswith("photo:")]) == 200
