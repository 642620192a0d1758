"""The gateway as source and as target of CouchDB 3's replicator, request by request.

No CouchDB can run here, so these tests replay what couch_replicator sends and check what it needs
back, as read from its source (couch_replicator_api_wrap / _worker / _changes_reader / _auth_session,
couch_httpd_multipart): the cookie-session probe at the host root, the db info keys, 404 checkpoints
with "not_found", `_ensure_full_commit` with a stable instance_start_time, `_bulk_docs` answered
201, docs with attachments written as `multipart/related` PUTs (new_edits=false), and documents read
with `open_revs` and `Accept: multipart/mixed`. The multipart answers are read back with Python's
own MIME parser, not the gateway's."""
from __future__ import annotations

import base64
import email
import email.policy
import gzip
import hashlib
import json
import uuid

import pytest

from server.accounts.models import Role
from sync import publisher, store
from tests import factories
from tests.sync.gateway.conftest import SyncClient, answer, body_of, jpeg_bytes, photo, rev, with_revisions

pytestmark = pytest.mark.django_db

REPLICATOR = {"HTTP_USER_AGENT": "CouchDB-Replicator/3.4.2", "HTTP_ACCEPT": "application/json"}


@pytest.fixture
def field(sync_store):
    inspector = factories.user(Role.INSPECTOR)
    inspection = factories.inspection(inspectors=[inspector])
    publisher.publish_all_pending(full=True)
    return inspector, inspection


def related_body(doc: dict, files: dict[str, bytes], *, gzip_names: tuple[str, ...] = ()) -> tuple[bytes, str]:
    """A PUT body laid out as couch_httpd_multipart:encode_multipart_stream/5 lays it out."""
    boundary = uuid.uuid4().hex
    doc = json.loads(json.dumps(doc))
    sent: dict[str, bytes] = {}
    for name, data in files.items():
        att = doc["_attachments"][name]
        att.pop("data", None)
        att.update(follows=True, length=len(data), revpos=1,
                   digest="md5-" + base64.b64encode(hashlib.md5(data).digest()).decode())
        sent[name] = data
        if name in gzip_names:
            sent[name] = gzip.compress(data)
            att.update(encoding="gzip", encoded_length=len(sent[name]))
    out = b"--" + boundary.encode() + b"\r\nContent-Type: application/json\r\n\r\n" + json.dumps(doc).encode()
    for name, data in sent.items():
        att = doc["_attachments"][name]
        out += (f"\r\n--{boundary}\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n"
                f"Content-Type: {att['content_type']}\r\nContent-Length: {len(data)}\r\n"
                + ("Content-Encoding: gzip\r\n" if name in gzip_names else "") + "\r\n").encode() + data
    out += b"\r\n--" + boundary.encode() + b"--"
    return out, f'multipart/related; boundary="{boundary}"'


def stored_attachment(doc_id: str, name: str) -> bytes:
    response = store.session().get(store.db_url(doc_id, name), timeout=10)
    assert response.status_code == 200
    return response.content


def test_as_target_a_replication_from_couchdb_is_accepted(field):
    inspector, inspection = field
    client = SyncClient(inspector)

    session = client.client.post("/_session", data="name=x&password=y", content_type="application/x-www-form-urlencoded")
    assert session.status_code == 404 and session.json()["error"] == "not_found"  # → Basic auth

    info = body_of(client.get("", **REPLICATOR))
    assert "update_seq" in info and "instance_start_time" in info
    assert client.put("", {}).status_code == 412  # create_target: any answer but 401/403 is fine
    missing = client.get("_local/0a1b2c", **REPLICATOR)
    assert missing.status_code == 404 and body_of(missing)["error"] == "not_found"

    plain = answer(inspection, inspector)
    image = jpeg_bytes((64, 48))
    with_photo = photo(inspection, inspector, data=image)
    signed = photo(inspection, inspector, data=jpeg_bytes((20, 20)))
    diff = body_of(client.post("_revs_diff", {d["_id"]: [d["_rev"]] for d in (plain, with_photo, signed)}))
    assert set(diff) == {plain["_id"], with_photo["_id"], signed["_id"]}

    written = client.post("_bulk_docs", {"new_edits": False, "docs": [plain]}, HTTP_X_COUCH_FULL_COMMIT="false")
    assert written.status_code == 201 and body_of(written) == []

    body, content_type = related_body(with_photo, {"image": image})
    put = client.client.put(f"/sync/field/{with_photo['_id']}?new_edits=false", data=body, content_type=content_type,
                            **client.headers)
    assert put.status_code == 201, put.content
    assert body_of(put)["rev"] == with_photo["_rev"]
    assert stored_attachment(with_photo["_id"], "image") == image

    gz_image = jpeg_bytes((20, 20))
    body, content_type = related_body(signed, {"image": gz_image}, gzip_names=("image",))
    put = client.client.put(f"/sync/field/{signed['_id']}?new_edits=false", data=body, content_type=content_type,
                            **client.headers)
    assert put.status_code == 201, put.content
    assert stored_attachment(signed["_id"], "image") == gz_image

    body, content_type = related_body(with_photo, {"image": image})
    retry = client.client.put(f"/sync/field/{with_photo['_id']}?new_edits=false", data=body,
                              content_type=content_type, **client.headers)
    assert retry.status_code == 201  # the replicator may skip _revs_diff: re-writes are harmless

    stranger = photo(inspection, inspector, data=image, author="someone-else")
    body, content_type = related_body(stranger, {"image": image})
    refused = client.client.put(f"/sync/field/{stranger['_id']}?new_edits=false", data=body,
                                content_type=content_type, **client.headers)
    assert refused.status_code == 403 and "author" in body_of(refused)["reason"]

    commit = client.post("_ensure_full_commit", b"")
    assert commit.status_code == 201 and body_of(commit)["instance_start_time"] == info["instance_start_time"]
    log = {"_id": "_local/0a1b2c", "_revisions": {"start": 0, "ids": []}, "session_id": "s1", "source_last_seq": "7-g1",
           "replication_id_version": 4, "history": [{"session_id": "s1", "recorded_seq": "7-g1"}]}
    first = client.put("_local/0a1b2c", log, HTTP_X_COUCH_FULL_COMMIT="false")
    assert first.status_code == 201 and body_of(first)["rev"]
    second = client.put("_local/0a1b2c", dict(log, _rev=body_of(first)["rev"], source_last_seq="9-g1"))
    assert second.status_code == 201
    assert body_of(client.get("_local/0a1b2c"))["source_last_seq"] == "9-g1"


@pytest.mark.parametrize("mutate, named", [
    (lambda body: body.replace(b"Content-Length", b"X-Length", 1)[: len(body) - 40] + body[-40:], "image"),
    (lambda body: body[: body.rindex(b"--")], "结束分隔符"),
])
def test_a_broken_multipart_put_is_a_400_naming_what_is_wrong(field, mutate, named):
    inspector, inspection = field
    doc = photo(inspection, inspector)
    body, content_type = related_body(doc, {"image": jpeg_bytes()})
    client = SyncClient(inspector)
    response = client.client.put(f"/sync/field/{doc['_id']}?new_edits=false", data=mutate(body),
                                 content_type=content_type, **client.headers)
    assert response.status_code == 400 and named in body_of(response)["reason"]
    assert store.session().get(store.db_url(doc["_id"]), timeout=10).status_code == 404


def parse_mixed(response) -> list[email.message.Message]:
    raw = b"Content-Type: " + response["Content-Type"].encode() + b"\r\n\r\n" + response.content
    message = email.message_from_bytes(raw, policy=email.policy.HTTP)
    assert message.get_content_type() == "multipart/mixed"
    return list(message.iter_parts())


def test_as_source_couchdb_reads_docs_and_attachment_bodies(field):
    inspector, inspection = field
    client = SyncClient(inspector)
    image = jpeg_bytes((80, 60))
    plain, with_photo = answer(inspection, inspector), photo(inspection, inspector, data=image)
    assert body_of(client.push([plain, with_photo])) == []

    changes = client.changes(feed="normal", style="all_docs", since="0", timeout="10000")
    revs = {row["id"]: row["changes"][0]["rev"] for row in changes["results"]}
    assert revs[plain["_id"]] == plain["_rev"] and revs[with_photo["_id"]] == with_photo["_rev"]

    wanted = [{"id": plain["_id"], "rev": plain["_rev"]}, {"id": with_photo["_id"], "rev": with_photo["_rev"]}]
    got = body_of(client.post("_bulk_get?latest=true&revs=true&attachments=false", {"docs": wanted}))
    assert [result["id"] for result in got["results"]] == [plain["_id"], with_photo["_id"]]
    stub = got["results"][1]["docs"][0]["ok"]["_attachments"]["image"]
    assert stub.get("stub") is True  # → the replicator fetches this one again with open_revs

    missing_rev = rev(1)
    response = client.get(f"{with_photo['_id']}?revs=true&open_revs={json.dumps([with_photo['_rev'], missing_rev])}"
                          f"&latest=true", HTTP_ACCEPT="multipart/mixed")
    assert response.status_code == 200 and response["Content-Type"].startswith("multipart/mixed")
    parts = parse_mixed(response)
    assert len(parts) == 2
    (found,) = [part for part in parts if part.get_content_type() == "multipart/related"]
    (absent,) = [part for part in parts if part is not found]
    doc_part, image_part = list(found.iter_parts())
    assert doc_part["Content-Type"] == "application/json"  # no parameters: the replicator matches it exactly
    doc = json.loads(doc_part.get_payload(decode=True))
    assert doc["_id"] == with_photo["_id"] and doc["_revisions"]["ids"] == with_photo["_revisions"]["ids"]
    assert doc["_attachments"]["image"]["follows"] is True and doc["_attachments"]["image"]["length"] == len(image)
    assert image_part.get_payload(decode=True) == image
    assert absent["Content-Type"] == 'application/json; error="true"'
    assert json.loads(absent.get_payload(decode=True)) == {"missing": missing_rev}

    response = client.get(f"{plain['_id']}?revs=true&open_revs={json.dumps([plain['_rev']])}&latest=true",
                          HTTP_ACCEPT="multipart/mixed")
    (only,) = parse_mixed(response)
    assert only["Content-Type"] == "application/json"
    assert json.loads(only.get_payload(decode=True))["_rev"] == plain["_rev"]

    other = factories.user(Role.INSPECTOR)
    hidden = SyncClient(other).get(f"{plain['_id']}?revs=true&open_revs={json.dumps([plain['_rev']])}",
                                   HTTP_ACCEPT="multipart/mixed")
    assert hidden.status_code == 404 and body_of(hidden)["error"] == "not_found"


def test_a_continuous_feed_ends_with_last_seq(field):
    inspector, inspection = field
    client = SyncClient(inspector)
    assert body_of(client.push([answer(inspection, inspector)])) == []
    response = client.get("_changes?feed=continuous&style=all_docs&since=0&timeout=300")
    lines = [json.loads(line) for line in b"".join(response.streaming_content).splitlines() if line.strip()]
    assert any("changes" in line for line in lines)
    assert "last_seq" in lines[-1] and "changes" not in lines[-1]
