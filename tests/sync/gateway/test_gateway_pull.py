"""Pulling through the access index: who sees what, _changes options, longpoll, _bulk_get,
_all_docs, document and attachment reads, re-sequencing when an inspection is assigned later."""
from __future__ import annotations

import base64
import json
import time

import pytest

from server.accounts.models import Role
from server.inspections.services import inspection_set_inspectors
from sync import publisher
from tests import factories
from tests.sync.gateway.conftest import SyncClient, answer, body_of, jpeg_bytes, photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(sync_store):
    """Two counties: 榕城区 (445202) with inspections A (alice, bob) and B (carol); 揭东区 (445203) with C (dave)."""
    world = factories.two_counties()
    alice, bob, carol, dave, a, b, c = (world[k] for k in ("alice", "bob", "carol", "dave", "a", "b", "c"))
    publisher.publish_all_pending(full=True)
    docs = {
        "a": answer(a, alice), "b": answer(b, carol), "c": answer(c, dave),
    }
    SyncClient(alice).push([docs["a"]])
    SyncClient(carol).push([docs["b"]])
    SyncClient(dave).push([docs["c"]])
    return {"alice": alice, "bob": bob, "carol": carol, "dave": dave, "a": a, "b": b, "c": c, "docs": docs}


def ids_seen(user) -> set[str]:
    return {entry["id"] for entry in SyncClient(user).changes()["results"]}


def test_each_user_pulls_exactly_what_they_may_see(world):
    checklist_ids = {f"checklist:{cat}:1" for cat in (
        "wire-cable", "food-paper-packaging", "explosion-proof-electrical", "grinding-wheel", "hazardous-chemical",
        "hazchem-packaging")}
    a, b, c, docs = world["a"], world["b"], world["c"], world["docs"]
    expected_a = checklist_ids | {f"inspection:{a.pk}", docs["a"]["_id"]}
    assert ids_seen(world["alice"]) == expected_a
    assert ids_seen(world["bob"]) == expected_a  # whoever wrote it
    assert ids_seen(world["carol"]) == checklist_ids | {f"inspection:{b.pk}", docs["b"]["_id"]}
    assert ids_seen(world["dave"]) == checklist_ids | {f"inspection:{c.pk}", docs["c"]["_id"]}
    county = factories.user(Role.SUPERVISOR, jurisdiction="445202")
    city = factories.user(Role.SUPERVISOR, jurisdiction="445200")
    assert ids_seen(county) == expected_a | {f"inspection:{b.pk}", docs["b"]["_id"]}
    assert ids_seen(city) == ids_seen(county) | {f"inspection:{c.pk}", docs["c"]["_id"]}
    certifier = factories.user(Role.CERTIFIER)
    assert SyncClient(certifier).get("_changes").status_code == 403


def test_reads_of_invisible_docs_are_not_found(world):
    alice, docs = world["alice"], world["docs"]
    client = SyncClient(alice)
    assert client.get(docs["b"]["_id"]).status_code == 404
    assert client.get(docs["a"]["_id"]).status_code == 200
    got = body_of(client.post("_bulk_get?revs=true", {"docs": [
        {"id": docs["a"]["_id"], "rev": docs["a"]["_rev"]}, {"id": docs["b"]["_id"], "rev": docs["b"]["_rev"]}]}))
    assert got["results"][0]["docs"][0]["ok"]["_rev"] == docs["a"]["_rev"]
    assert got["results"][1]["docs"][0]["error"]["error"] == "not_found"
    rows = body_of(client.post("_all_docs?include_docs=true", {"keys": [docs["a"]["_id"], docs["c"]["_id"]]}))["rows"]
    assert rows[0]["doc"]["_id"] == docs["a"]["_id"]
    assert rows[1] == {"key": docs["c"]["_id"], "error": "not_found"}
    listing = body_of(client.get("_all_docs"))["rows"]
    assert docs["a"]["_id"] in {row["id"] for row in listing}
    assert docs["b"]["_id"] not in {row.get("id") for row in listing}


def test_changes_since_limit_and_last_seq(world):
    client = SyncClient(world["alice"])
    everything = client.changes()
    seqs = [entry["seq"] for entry in everything["results"]]
    assert seqs == sorted(seqs) and len(seqs) == 8
    first = client.changes(limit=3)
    assert [e["seq"] for e in first["results"]] == seqs[:3] and first["last_seq"] == seqs[2]
    rest = client.changes(since=first["last_seq"])
    assert [e["seq"] for e in rest["results"]] == seqs[3:]
    assert client.changes(since=everything["last_seq"])["results"] == []
    assert client.changes(since="now")["results"] == []
    only = client.post("_changes?filter=_doc_ids", {"doc_ids": [world["docs"]["a"]["_id"]]})
    assert [e["id"] for e in body_of(only)["results"]] == [world["docs"]["a"]["_id"]]


def test_longpoll_waits_for_a_visible_change(world, settings):
    settings.SYNC_LONGPOLL_INTERVAL_S = 0.05
    alice, bob = world["alice"], world["bob"]
    since = SyncClient(alice).changes()["last_seq"]
    start = time.monotonic()
    response = SyncClient(alice).get(f"_changes?feed=longpoll&since={since}&timeout=300&heartbeat=100")
    assert body_of(response)["results"] == []
    assert time.monotonic() - start >= 0.25

    # Writes arrive while the feed waits: pushed from inside the wait loop (same thread, same DB).
    from sync.gateway import changes as changes_module

    real_sleep = changes_module.time.sleep
    calls = {"n": 0}

    def sleep_then_write(seconds):
        real_sleep(seconds)
        calls["n"] += 1
        if calls["n"] == 4:
            SyncClient(world["carol"]).push([answer(world["b"], world["carol"], item_code="cert-4", value=True)])
            SyncClient(bob).push([answer(world["a"], bob, item_code="cert-4", value=False)])

    changes_module.time.sleep = sleep_then_write
    try:
        response = SyncClient(alice).get(f"_changes?feed=longpoll&since={since}&timeout=10000&heartbeat=100")
        raw = b"".join(response.streaming_content)
    finally:
        changes_module.time.sleep = real_sleep
    result = body_of(type("R", (), {"streaming": False, "content": raw})())
    assert [e["id"] for e in result["results"]] == [f"answer:{world['a'].pk}:cert-4"]
    assert raw.startswith(b"\n")  # a heartbeat was sent while waiting


def test_a_feed_with_heartbeats_waits_past_a_minute_by_default_and_one_without_does_not(rf, settings):
    """CouchDB keeps a heartbeat feed open indefinitely; we bound it at SYNC_FEED_MAX_WAIT_S (a live
    tablet renews its longpoll every five minutes, not every minute). Without heartbeats, 60 s."""
    from sync.gateway.inputs import MAX_TIMEOUT_MS, changes_query

    settings.SYNC_FEED_MAX_WAIT_S = 300

    def query(params):
        return changes_query(rf.get("/sync/field/_changes", params), None)

    assert query({"feed": "longpoll", "heartbeat": "10000"}).timeout_ms == 300_000
    assert query({"feed": "longpoll", "heartbeat": "10000", "timeout": "999999"}).timeout_ms == 300_000
    assert query({"feed": "longpoll", "heartbeat": "10000", "timeout": "2000"}).timeout_ms == 2000
    assert query({"feed": "longpoll"}).timeout_ms == MAX_TIMEOUT_MS == 60_000
    assert query({"feed": "longpoll", "timeout": "999999"}).timeout_ms == 60_000


def test_a_heartbeat_feed_without_timeout_answers_at_the_configured_bound(world, settings):
    settings.SYNC_LONGPOLL_INTERVAL_S = 0.05
    settings.SYNC_FEED_MAX_WAIT_S = 0.4
    since = SyncClient(world["alice"]).changes()["last_seq"]
    start = time.monotonic()
    response = SyncClient(world["alice"]).get(f"_changes?feed=longpoll&since={since}&heartbeat=100")
    raw = b"".join(response.streaming_content)
    elapsed = time.monotonic() - start
    assert 0.35 <= elapsed < 5
    result = body_of(type("R", (), {"streaming": False, "content": raw})())
    assert result == {"results": [], "last_seq": since}
    assert raw.startswith(b"\n")  # heartbeats meanwhile


def test_continuous_feed_lists_changes_then_last_seq(world):
    response = SyncClient(world["alice"]).get("_changes?feed=continuous&timeout=200")
    lines = [line for line in b"".join(response.streaming_content).split(b"\n") if line.strip()]
    import json

    parsed = [json.loads(line) for line in lines]
    assert [p["id"] for p in parsed[:-1]][-1] == world["docs"]["a"]["_id"]
    assert "last_seq" in parsed[-1]


def test_an_inspection_assigned_later_brings_its_earlier_docs(world, django_capture_on_commit_callbacks):
    carol, a = world["carol"], world["a"]
    checkpoint = SyncClient(carol).changes()["last_seq"]
    assert world["docs"]["a"]["_id"] not in ids_seen(carol)
    admin = factories.user(Role.ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        inspection_set_inspectors(actor=admin, inspection=a, inspectors=[world["alice"].username, carol.username])
    after = SyncClient(carol).changes(since=checkpoint)
    got = {e["id"] for e in after["results"]}
    assert {world["docs"]["a"]["_id"], f"inspection:{a.pk}"} <= got
    status, doc = 200, body_of(SyncClient(carol).get(f"inspection:{a.pk}"))
    assert carol.username in doc["inspectors"]


def test_attachments_come_back_through_document_and_attachment_reads(world):
    alice, a = world["alice"], world["a"]
    data = jpeg_bytes((64, 48))
    doc = photo(a, alice, data=data)
    assert body_of(SyncClient(alice).push([doc])) == []
    client = SyncClient(alice)
    raw = client.get(f"{doc['_id']}/image")
    assert raw.status_code == 200 and b"".join(raw.streaming_content) == data
    assert raw["Content-Type"] == "image/jpeg"
    inline = body_of(client.get(f"{doc['_id']}?attachments=true&revs=true", HTTP_ACCEPT="application/json"))
    assert base64.b64decode(inline["_attachments"]["image"]["data"]) == data
    opened = body_of(client.get(f'{doc["_id"]}?open_revs=["{doc["_rev"]}"]&revs=true', HTTP_ACCEPT="application/json"))
    assert opened[0]["ok"]["_rev"] == doc["_rev"]
    bulk = body_of(client.post("_bulk_get?revs=true&attachments=true", {"docs": [{"id": doc["_id"], "rev": doc["_rev"]}]}))
    assert base64.b64decode(bulk["results"][0]["docs"][0]["ok"]["_attachments"]["image"]["data"]) == data
    assert SyncClient(world["carol"]).get(f"{doc['_id']}/image").status_code == 404


def test_latest_with_an_unknown_revision_does_not_stall_the_store(world):
    """pouchdb-server stalls a database on _bulk_get?latest=true for a revision it does not
    hold; the gateway does not forward `latest` (our _changes lists current leaves anyway)."""
    alice, doc = world["alice"], world["docs"]["a"]
    client = SyncClient(alice)
    got = body_of(client.post("_bulk_get?revs=true&latest=true", {"docs": [{"id": doc["_id"], "rev": "9-" + "f" * 32}]}))
    assert "missing" in got["results"][0]["docs"][0] or "error" in got["results"][0]["docs"][0]
    opened = client.get(f'{doc["_id"]}?open_revs=["9-{"f" * 32}"]&latest=true', HTTP_ACCEPT="application/json")
    assert opened.status_code == 200
    again = body_of(client.post("_bulk_get?revs=true&latest=true", {"docs": [{"id": doc["_id"], "rev": doc["_rev"]}]}))
    assert again["results"][0]["docs"][0]["ok"]["_rev"] == doc["_rev"]


def test_a_waiting_longpoll_delivers_an_inspection_assigned_meanwhile(world, settings, monkeypatch,
                                                                      django_capture_on_commit_callbacks):
    settings.SYNC_LONGPOLL_INTERVAL_S = 0.05
    carol, a = world["carol"], world["a"]
    since = SyncClient(carol).changes()["last_seq"]
    from sync.gateway import changes as changes_module

    real_sleep = changes_module.time.sleep
    calls = {"n": 0}

    def sleep_then_assign(seconds):
        real_sleep(seconds)
        calls["n"] += 1
        if calls["n"] == 3:
            with django_capture_on_commit_callbacks(execute=True):
                inspection_set_inspectors(actor=factories.user(Role.ADMIN), inspection=a,
                                          inspectors=[world["alice"].username, carol.username])

    monkeypatch.setattr(changes_module.time, "sleep", sleep_then_assign)
    response = SyncClient(carol).get(f"_changes?feed=longpoll&since={since}&timeout=5000")
    result = json.loads(b"".join(response.streaming_content))
    got = {entry["id"] for entry in result["results"]}
    assert {world["docs"]["a"]["_id"], f"inspection:{a.pk}"} <= got


def test_many_scopes_are_queried_in_chunks(world, monkeypatch):
    """A supervisor of many inspections: the scope list is split so no query exceeds the
    database's parameter limit, and the merged feed stays ordered and complete."""
    from sync.gateway import access as access_module

    city = factories.user(Role.SUPERVISOR, jurisdiction="445200")
    whole = SyncClient(city).changes()
    monkeypatch.setattr(access_module, "SCOPE_CHUNK", 1)
    chunked = SyncClient(city).changes()
    assert chunked == whole
    page = SyncClient(city).changes(limit=4)
    assert [e["seq"] for e in page["results"]] == [e["seq"] for e in whole["results"][:4]]


@pytest.mark.django_db(transaction=True)
def test_waiting_feeds_end_on_request(gateway, settings):
    """end_waiting_feeds() answers every waiting longpoll at once (graceful stop; the e2e harness
    uses it so that no longpoll outlives its test)."""
    import threading

    import requests

    from sync.gateway.changes import end_waiting_feeds

    settings.SYNC_LONGPOLL_INTERVAL_S = 0.05
    inspector = factories.user(Role.INSPECTOR)
    answers: list = []

    def wait():
        answers.append(requests.get(f"{gateway}/_changes?feed=longpoll&since=now&timeout=60000",
                                    auth=(inspector.username, factories.PASSWORD), timeout=30).json())

    thread = threading.Thread(target=wait)
    thread.start()
    from sync.gateway.changes import waiting_feeds

    deadline = time.monotonic() + 20  # the first request checks the password (argon2): slow on a busy machine
    while waiting_feeds() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    start = time.monotonic()
    assert end_waiting_feeds()
    thread.join(5)
    assert time.monotonic() - start < 2 and answers and answers[0]["results"] == []
