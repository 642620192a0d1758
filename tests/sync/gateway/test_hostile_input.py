"""Hostile input at the gateway (issue 14): deep JSON, lone surrogates, wrong Content-Type, query
parameters out of range, garbage read parameters, and docs the store itself would fail on. Each is
a 4xx naming the limit, parameter or field (a doc refused alone inside _bulk_docs, the rest of its
batch stored), never a 5xx, and nothing refused reaches the store or the index."""
from __future__ import annotations

import itertools
import json
import uuid

import pytest

from server.accounts.models import Role
from sync import store
from sync.gateway import inputs
from sync.gateway.models import IndexedDoc, LocalDoc
from tests import factories
from tests.sync.gateway.conftest import SyncClient, answer, body_of, photo, quicktest, with_revisions

pytestmark = pytest.mark.django_db

SURROGATE = "\\ud800"  # as it appears in JSON text: a lone high surrogate


@pytest.fixture
def field(sync_store):
    inspector = factories.user(Role.INSPECTOR)
    inspection = factories.inspection(inspectors=[inspector])
    return inspector, inspection


def in_store(doc_id: str) -> bool:
    return store.session().get(store.db_url(doc_id), timeout=10).status_code == 200


def deep(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


def store_answers() -> bool:
    return store.ping() is None and store.session().get(store.db_url("_all_docs"), timeout=10).status_code == 200


# --- JSON depth ---------------------------------------------------------------------------------

DEEP_BODIES = [
    ("post", "_bulk_docs", lambda d: b'{"docs": [{"_id": "x", "a": ' + d + b"}]}"),
    ("post", "_revs_diff", lambda d: b'{"x": ' + d + b"}"),
    ("put", "_local/deep", lambda d: b'{"a": ' + d + b"}"),
    ("post", "_bulk_get", lambda d: b'{"docs": ' + d + b"}"),
    ("post", "_all_docs", lambda d: b'{"keys": ' + d + b"}"),
    ("post", "_changes?filter=_doc_ids", lambda d: b'{"doc_ids": ' + d + b"}"),
]


@pytest.mark.parametrize("levels", [inputs.MAX_BODY_DEPTH + 1, 5_000])
def test_deep_json_is_a_400_naming_the_depth_limit(field, levels):
    inspector, _ = field
    client = SyncClient(inspector)
    for method, path, wrap in DEEP_BODIES:
        body = wrap(deep(levels))
        if method == "put":
            response = client.client.put(f"/sync/field/{path}", data=body, content_type="application/json",
                                         **client.headers)
        else:
            response = client.post(path, body)
        assert response.status_code == 400, (path, response.content)
        assert str(inputs.MAX_BODY_DEPTH) in body_of(response)["reason"]
    assert not LocalDoc.objects.exists() and not IndexedDoc.objects.filter(doc_id="x").exists()


def test_a_local_doc_nested_too_deep_is_a_400(field):
    inspector, _ = field
    client = SyncClient(inspector)
    body = b'{"history": ' + deep(inputs.MAX_DOC_DEPTH + 1) + b"}"
    response = client.client.put("/sync/field/_local/cp", data=body, content_type="application/json", **client.headers)
    assert response.status_code == 400 and str(inputs.MAX_DOC_DEPTH) in body_of(response)["reason"]
    assert not LocalDoc.objects.exists()


def test_deep_json_with_a_huge_integer_is_refused_without_recursion(field):
    """A big integer sends the body to the standard parser: the depth is checked before it runs."""
    inspector, _ = field
    body = b'{"x": ' + b"[" * 5_000 + b"123456789012345678901234567890" + b"]" * 5_000 + b"}"
    response = SyncClient(inspector).post("_revs_diff", body)
    assert response.status_code == 400 and str(inputs.MAX_BODY_DEPTH) in body_of(response)["reason"]


def test_a_doc_nested_too_deep_is_refused_alone(field):
    inspector, inspection = field
    deep_doc = answer(inspection, inspector, item_code="cert-1")
    nested: list = []
    deep_doc["extra"] = nested
    for _ in range(inputs.MAX_DOC_DEPTH + 5):
        nested.append([])
        nested = nested[0]
    good = answer(inspection, inspector, item_code="cert-2")
    response = SyncClient(inspector).push([deep_doc, good])
    assert response.status_code == 201
    (refused,) = body_of(response)
    assert refused["id"] == deep_doc["_id"] and refused["error"] == "forbidden"
    assert str(inputs.MAX_DOC_DEPTH) in refused["reason"]
    assert in_store(good["_id"]) and not in_store(deep_doc["_id"])
    assert not IndexedDoc.objects.filter(doc_id=deep_doc["_id"]).exists()


# --- lone surrogates ------------------------------------------------------------------------------

def test_lone_surrogate_id_in_bulk_docs_is_refused_alone(field):
    inspector, inspection = field
    good = answer(inspection, inspector)
    bad_id = json.dumps(answer(inspection, inspector, item_code="cert-1"))
    bad_id = bad_id.replace('"_id": "answer:', f'"_id": "answer{SURROGATE}:', 1)
    bad_body = json.dumps(answer(inspection, inspector, item_code="cert-3")).replace('"note": ""', f'"note": "{SURROGATE}"')
    raw = '{"new_edits": false, "docs": [' + bad_id + ", " + json.dumps(good) + ", " + bad_body + "]}"
    response = SyncClient(inspector).post("_bulk_docs", raw.encode())
    assert response.status_code == 201, response.content
    refused = body_of(response)
    assert [r["error"] for r in refused] == ["forbidden", "forbidden"]
    assert refused[0]["reason"].startswith("_id:") and refused[1]["reason"].startswith("note:")
    assert in_store(good["_id"])
    assert set(IndexedDoc.objects.values_list("doc_id", flat=True)) >= {good["_id"]}
    assert not IndexedDoc.objects.filter(doc_id__contains="cert-1").exists()
    assert not IndexedDoc.objects.filter(doc_id__endswith="cert-3").exists()


def test_lone_surrogates_in_reads_are_answered_per_id(field):
    inspector, inspection = field
    client = SyncClient(inspector)
    good = answer(inspection, inspector)
    assert client.push([good]).status_code == 201
    revs_diff = client.post("_revs_diff", f'{{"x{SURROGATE}": ["1-abc"], "{good["_id"]}": ["{good["_rev"]}"]}}'.encode())
    assert revs_diff.status_code == 200
    assert body_of(revs_diff) == {"x\ud800": {"missing": ["1-abc"]}}
    bulk_get = client.post("_bulk_get", f'{{"docs": [{{"id": "x{SURROGATE}"}}, {{"id": "{good["_id"]}"}}]}}'.encode())
    assert bulk_get.status_code == 200
    results = body_of(bulk_get)["results"]
    assert results[0]["docs"][0]["error"]["error"] == "not_found"
    assert results[1]["docs"][0]["ok"]["_id"] == good["_id"]
    all_docs = client.post("_all_docs", f'{{"keys": ["x{SURROGATE}", "{good["_id"]}"]}}'.encode())
    assert all_docs.status_code == 200
    rows = body_of(all_docs)["rows"]
    assert rows[0]["error"] == "not_found" and rows[1]["id"] == good["_id"]
    changes = client.post("_changes?filter=_doc_ids", f'{{"doc_ids": ["x{SURROGATE}", "{good["_id"]}"]}}'.encode())
    assert changes.status_code == 200 and [r["id"] for r in body_of(changes)["results"]] == [good["_id"]]
    local = client.client.put("/sync/field/_local/cp", data=f'{{"session_id": "{SURROGATE}"}}'.encode(),
                              content_type="application/json", **client.headers)
    assert local.status_code == 400 and "session_id" in body_of(local)["reason"]


# --- Content-Type ---------------------------------------------------------------------------------

def test_a_body_that_is_not_declared_json_is_a_415(field):
    inspector, inspection = field
    client = SyncClient(inspector)
    doc = answer(inspection, inspector)
    for content_type, path in itertools.product(
            ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""],
            ("_bulk_docs", "_revs_diff", "_bulk_get", "_all_docs")):
        response = client.client.generic("POST", f"/sync/field/{path}", json.dumps({"docs": [doc]}).encode(),
                                         content_type=content_type, **client.headers)
        assert response.status_code == 415, (path, response.content)
        assert "Content-Type" in body_of(response)["reason"]
    put = client.client.generic("PUT", f"/sync/field/{doc['_id']}", json.dumps(doc).encode(), content_type="text/plain",
                                **client.headers)
    assert put.status_code == 415 and not in_store(doc["_id"])


def test_an_empty_body_needs_no_content_type(field):
    inspector, _ = field
    client = SyncClient(inspector)
    response = client.client.generic("POST", "/sync/field/_ensure_full_commit", b"", content_type="", **client.headers)
    assert response.status_code == 201
    assert client.client.generic("POST", "/sync/field/_changes", b"", content_type="", **client.headers).status_code == 200


# --- query parameters -----------------------------------------------------------------------------

CHANGES_OUT_OF_RANGE = [
    ("limit=99999999999999999999", "limit"),
    ("limit=2147483648", "limit"),
    ("timeout=99999999999", "timeout"),
    ("heartbeat=99999999999", "heartbeat"),
    ("since=99999999999999999999", "since"),
    ("since=-1", "since"),
    ("limit=1e3", "limit"),
    ("limit=%EF%BC%91", "limit"),  # a full-width digit one: int() would take it
    ("feed=longpoll&timeout=-5", "timeout"),
    ("conflicts=2", "conflicts"),
]


def test_changes_parameters_out_of_range_are_400_naming_them(field):
    inspector, _ = field
    client = SyncClient(inspector)
    for query, named in CHANGES_OUT_OF_RANGE:
        response = client.get(f"_changes?{query}")
        assert response.status_code == 400, (query, response.content)
        assert body_of(response)["reason"].startswith(named), query


def test_changes_parameters_at_their_limits_are_taken(field):
    inspector, _ = field
    client = SyncClient(inspector)
    assert client.get(f"_changes?limit={inputs.MAX_INT}&since={inputs.MAX_SEQ}").status_code == 200
    assert client.get("_changes?feed=longpoll&timeout=99999&since=0&limit=1").status_code == 200


GARBAGE_READ_PARAMETERS = [
    "open_revs=garbage", "open_revs=[1,2]", 'open_revs=["banana"]', "open_revs=%5B", "attachments=sometimes",
    "revs=maybe", "rev=banana", 'atts_since=["x"]', "conflicts=7", "open_revs=" + "%5B" * 3000,
]


def test_garbage_read_parameters_are_400(field):
    inspector, inspection = field
    client = SyncClient(inspector)
    doc = answer(inspection, inspector)
    assert client.push([doc]).status_code == 201
    for query, method, accept in itertools.product(GARBAGE_READ_PARAMETERS, ["GET", "HEAD"],
                                                   ["multipart/mixed", "application/json"]):
        response = client.client.generic(method, f"/sync/field/{doc['_id']}?{query}", HTTP_ACCEPT=accept,
                                         **client.headers)
        assert response.status_code == 400, (query, method, response.content)
        if method == "GET":
            assert body_of(response)["reason"].split(":")[0] in query
    assert store_answers()


def test_valid_read_parameters_still_work(field):
    inspector, inspection = field
    client = SyncClient(inspector)
    doc = answer(inspection, inspector)
    assert client.push([doc]).status_code == 201
    response = client.get(f'{doc["_id"]}?revs=true&open_revs=["{doc["_rev"]}"]&latest=true&attachments=false&x=y',
                          HTTP_ACCEPT="multipart/mixed")
    assert response.status_code == 200 and response["Content-Type"].startswith("multipart/mixed")
    single = body_of(client.get(f'{doc["_id"]}?rev={doc["_rev"]}&revs=true&unknown=1'))
    assert single["_rev"] == doc["_rev"] and "_revisions" in single
    assert client.get(f"{doc['_id']}/image?rev=banana").status_code == 400
    assert client.get("_all_docs?limit=99999999999999999999").status_code == 400
    assert client.get("_all_docs?keys=[1").status_code == 400
    assert client.post("_bulk_get?revs=perhaps", {"docs": [{"id": doc["_id"]}]}).status_code == 400


def test_put_and_delete_check_their_parameters(field):
    inspector, inspection = field
    client = SyncClient(inspector)
    doc = answer(inspection, inspector)
    assert client.put(f"{doc['_id']}?new_edits=perhaps", doc).status_code == 400
    assert client.put(f"{doc['_id']}?rev=banana", doc).status_code == 400
    assert client.delete(f"{doc['_id']}?rev=banana").status_code == 400
    assert not in_store(doc["_id"])


def test_too_many_items_are_refused(field):
    inspector, _ = field
    client = SyncClient(inspector)
    keys = [f"k{i}" for i in range(inputs.MAX_ITEMS + 1)]
    response = client.post("_all_docs", {"keys": keys})
    assert response.status_code == 400 and str(inputs.MAX_ITEMS) in body_of(response)["reason"]
    response = client.post("_revs_diff", {"x": [f"1-{i}" for i in range(inputs.MAX_REVS + 1)]})
    assert response.status_code == 400 and str(inputs.MAX_REVS) in body_of(response)["reason"]


def test_long_or_broken_local_ids_are_400(field):
    inspector, _ = field
    client = SyncClient(inspector)
    assert client.put("_local/" + "x" * 300, {"a": 1}).status_code == 400
    assert client.get("_local/" + "x" * 300).status_code == 400


# --- docs the store would fail on -------------------------------------------------------------------

def _bad_docs(inspection, inspector):
    """(doc, field named in the reason) pairs: each malformed for the store itself."""
    def base(**extra):
        doc = answer(inspection, inspector, item_code="cert-1")
        doc.update(extra)
        return doc

    deletion = {"_id": f"answer:{inspection.pk}:cert-1", "_deleted": True}
    with_revisions(deletion, uuid.uuid4().hex)
    yield base(_x=1), "_x"
    yield base(_deleted_conflicts=5), "_deleted_conflicts"
    yield base(_conflicts=["zz"]), "_conflicts"
    yield base(_rev_tree=[{"pos": "x"}]), "_rev_tree"
    yield base(_revisions={"start": "x", "ids": 5}), "_revisions"
    yield base(_revisions={"start": 5, "ids": ["abc"]}), "_revisions"
    yield base(_deleted="yes"), "_deleted"
    yield dict(deletion, _attachments={"image": {"data": 5}}), "_attachments.image"
    yield dict(deletion, _attachments={"image": {"content_type": "image/png", "data": "!!!!"}}), "_attachments.image"
    yield dict(deletion, _attachments={"image": {"stub": "yes"}}), "_attachments.image"
    yield dict(deletion, _attachments=5), "_attachments"
    yield dict(deletion, _attachments={"_x": {"stub": True}}), "_attachments._x"
    yield dict(deletion, _id="_local/x"), "_id"


def test_a_doc_the_store_would_fail_on_is_refused_alone(field):
    inspector, inspection = field
    client = SyncClient(inspector)
    bad_docs = list(_bad_docs(inspection, inspector))
    assert len(bad_docs) == 13
    for bad, named in bad_docs:
        good = quicktest(inspection, inspector)
        response = client.push([bad, good])
        assert response.status_code == 201, response.content
        (refused,) = body_of(response)
        assert refused["error"] in ("forbidden", "bad_request")
        assert refused["reason"].startswith(named), refused
        assert in_store(good["_id"]) and IndexedDoc.objects.filter(doc_id=good["_id"]).exists()
        assert not IndexedDoc.objects.filter(doc_id=bad["_id"]).exists()
        assert store_answers()  # the store was not stalled by the doc


def test_a_valid_photo_and_a_stub_on_update_still_pass(field):
    inspector, inspection = field
    client = SyncClient(inspector)
    doc = photo(inspection, inspector)
    assert client.push([doc]).status_code == 201 and in_store(doc["_id"])
    stored = store.session().get(store.db_url(doc["_id"]), timeout=10).json()["_attachments"]["image"]
    assert stored["stub"] is True
    update = dict(doc, caption="改", _attachments={"image": stored})
    with_revisions(update, uuid.uuid4().hex, doc["_revisions"]["ids"][0])
    assert body_of(client.push([update])) == []
