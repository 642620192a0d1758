"""The gateway's HTTP behaviour: CouchDB-shaped 4xx for any bad input (never a 5xx), request size
limit, CORS with credentials for configured origins, database info, per-user _local docs."""
from __future__ import annotations

import pytest

from server.accounts.models import Role
from tests import factories
from tests.sync.gateway.conftest import SyncClient, answer, body_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def inspector(sync_store):
    return factories.user(Role.INSPECTOR)


@pytest.mark.parametrize(
    "path, body",
    [
        ("_bulk_docs", b"{not json"),
        ("_bulk_docs", b"[1, 2]"),
        ("_bulk_docs", b'{"docs": "x"}'),
        ("_bulk_docs", b'{"docs": [], "new_edits": "no"}'),
        ("_bulk_docs", b""),
        ("_revs_diff", b'{"a": "1-x"}'),
        ("_revs_diff", b"\xff\xfe"),
        ("_bulk_get", b'{"docs": [{"rev": "1-a"}]}'),
        ("_bulk_get", b'{"docs": 3}'),
        ("_all_docs", b'{"keys": [1]}'),
        ("_changes?filter=_doc_ids", b'{"doc_ids": "x"}'),
        ("_changes?filter=_view", b"{}"),
    ],
)
def test_malformed_requests_are_400_json(inspector, path, body):
    response = SyncClient(inspector).post(path, body)
    assert response.status_code == 400, response.content
    assert body_of(response)["error"] == "bad_request"


@pytest.mark.parametrize("query", ["since=abc", "limit=-1", "limit=x", "feed=eventsource", "style=leaf",
                                   "heartbeat=soon", "include_docs=maybe"])
def test_bad_changes_parameters_are_400(inspector, query):
    response = SyncClient(inspector).get(f"_changes?{query}")
    assert response.status_code == 400
    assert body_of(response)["error"] == "bad_request"


def test_bad_docs_in_a_batch_do_not_fail_the_batch(inspector):
    inspection = factories.inspection(inspectors=[inspector])
    good = answer(inspection, inspector)
    response = SyncClient(inspector).push([good, 5, {"_id": 7}, {"_id": "photo:x"}, dict(good, _rev="banana", _id="y")])
    assert response.status_code == 201
    errors = body_of(response)
    assert [e["error"] for e in errors] == ["bad_request", "forbidden", "bad_request", "bad_request"]


def test_a_body_over_the_limit_is_413(inspector, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = SyncClient(inspector).post("_bulk_docs", {"docs": [{"_id": "x" * 2000}]})
    assert response.status_code == 413
    assert "1000" in body_of(response)["reason"]


def test_unknown_endpoints_and_methods(inspector):
    client = SyncClient(inspector)
    assert client.get("_design/x").status_code == 404
    assert client.get("_compact").status_code == 400
    assert client.get("_bulk_docs").status_code == 405
    assert client.post("photo:1/image", {}).status_code == 405
    assert client.put("", {}).status_code == 412


def test_database_info(inspector):
    info = body_of(SyncClient(inspector).get(""))
    assert info["db_name"] == "field" and info["instance_start_time"] == "0"
    assert isinstance(info["update_seq"], int)
    head = SyncClient(inspector).client.head("/sync/field/", **SyncClient(inspector).headers)
    assert head.status_code == 200 and head.content == b""
    full_commit = SyncClient(inspector).post("_ensure_full_commit", b"")
    assert full_commit.status_code == 201 and body_of(full_commit)["ok"] is True


def test_cors_for_configured_origins_only(inspector, settings):
    settings.SYNC_CORS_ORIGINS = ["https://tablet.example"]
    client = SyncClient(inspector)
    preflight = client.client.options("/sync/field/_bulk_docs", HTTP_ORIGIN="https://tablet.example",
                                      HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
                                      HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type")
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "https://tablet.example"
    assert preflight["Access-Control-Allow-Credentials"] == "true"
    assert "POST" in preflight["Access-Control-Allow-Methods"]
    assert "authorization" in preflight["Access-Control-Allow-Headers"]
    allowed = client.get("", HTTP_ORIGIN="https://tablet.example")
    assert allowed["Access-Control-Allow-Origin"] == "https://tablet.example"
    refused = client.get("_changes", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in refused
    unauthorised = SyncClient().get("", HTTP_ORIGIN="https://tablet.example")
    assert unauthorised.status_code == 401
    assert unauthorised["Access-Control-Allow-Origin"] == "https://tablet.example"


def test_local_docs_are_per_user_with_revisions(inspector):
    other = factories.user(Role.INSPECTOR)
    mine, theirs = SyncClient(inspector), SyncClient(other)
    created = body_of(mine.put("_local/rep1", {"last_seq": 5, "history": []}))
    assert created == {"ok": True, "id": "_local/rep1", "rev": "0-1"}
    assert theirs.get("_local/rep1").status_code == 404
    assert mine.put("_local/rep1", {"_rev": "0-7", "last_seq": 6}).status_code == 409
    updated = body_of(mine.put("_local/rep1", {"_rev": "0-1", "last_seq": 6}))
    assert updated["rev"] == "0-2"
    got = body_of(mine.get("_local/rep1"))
    assert got == {"_id": "_local/rep1", "_rev": "0-2", "last_seq": 6}
    assert mine.delete("_local/rep1").status_code == 200
    assert mine.get("_local/rep1").status_code == 404
    assert mine.put("_local/big", {"x": "y" * 300_000}).status_code == 413


def test_nul_characters_in_ids_and_credentials_are_client_errors_never_5xx(sync_store):
    """PostgreSQL cannot hold or even compare a string with a NUL character: such ids are refused
    or simply not found, and such credentials are a 401 (this used to answer 503 on PostgreSQL)."""
    import base64

    from tests.sync.gateway.conftest import SyncClient, answer

    user = factories.user(Role.INSPECTOR)
    inspection = factories.inspection(inspectors=[user])
    client = SyncClient(user)
    bad = answer(inspection, user)
    bad["_id"] = "answer:\x00x"
    good = answer(inspection, user, item_code="cert-4", value=False)
    pushed = client.post("_bulk_docs", {"docs": [bad, good], "new_edits": False})
    assert pushed.status_code == 201
    assert [(r["id"], r["error"]) for r in body_of(pushed)] == [(bad["_id"], "forbidden")]
    assert "NUL" in body_of(pushed)[0]["reason"]
    diff = client.post("_revs_diff", {"a\x00b": ["1-abc"], good["_id"]: [good["_rev"]]})
    assert diff.status_code == 200 and body_of(diff) == {"a\x00b": {"missing": ["1-abc"]}}
    got = client.post("_bulk_get", {"docs": [{"id": "a\x00b", "rev": "1-abc"}]})
    assert got.status_code == 200 and body_of(got)["results"][0]["docs"][0]["error"]["error"] == "not_found"
    assert client.get("a%00b").status_code == 400  # refused before the gateway (server.api.nul_guard)
    assert client.post("_changes?filter=_doc_ids", {"doc_ids": ["a\x00b"]}).status_code == 200
    assert client.put("_local/a%00b", {"x": 1}).status_code == 400
    for header in ("Basic " + base64.b64encode(b"ab\x00c:pw").decode(), "Token ab\x00c"):
        assert SyncClient().client.get("/sync/field/", HTTP_AUTHORIZATION=header).status_code == 401


def test_a_doc_holding_a_nul_character_is_refused_alone_naming_where(sync_store):
    """The dossier (PostgreSQL JSON) could never take it, so the gateway does not store it."""
    from tests.sync.gateway.conftest import SyncClient, answer

    user = factories.user(Role.INSPECTOR)
    inspection = factories.inspection(inspectors=[user])
    bad = answer(inspection, user, note="line\x00break")
    good = answer(inspection, user, item_code="cert-4", value=False)
    result = body_of(SyncClient(user).push([bad, good]))
    assert [(r["id"], r["error"]) for r in result] == [(bad["_id"], "forbidden")]
    assert result[0]["reason"].startswith("note:")
