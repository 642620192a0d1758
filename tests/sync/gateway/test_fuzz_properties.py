"""Property-based tests (hypothesis) over every gateway endpoint and the field-doc checks, with a
small budget for CI (tests/fuzz/fuzz_gateway.py is the long run against a live server).

Properties:
- no request, however malformed, gets a 5xx;
- a refused request (4xx) changes nothing in the store;
- the access index and the store agree after every request: every stored doc has its index row with
  the store's winning revision, and no index row names a revision the store lacks (so nothing
  refused was stored, and nothing stored was left out);
- the JSON parser answers any bytes with a value or a 400, and refuses exactly the bodies nested
  deeper than the limit;
- the field-doc checks never raise, whatever a doc holds."""
from __future__ import annotations

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from server.accounts.models import Role
from sync import store
from sync.gateway import inputs
from sync.gateway.access import access_for
from sync.gateway.http import GatewayError
from sync.gateway.models import IndexedDoc
from sync.gateway.validation import refusal
from tests import factories
from tests.support import hostile
from tests.sync.gateway.conftest import SyncClient, body_of

pytestmark = pytest.mark.django_db

BUDGET = settings(max_examples=25, deadline=None, derandomize=False, database=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                         HealthCheck.data_too_large])


@pytest.fixture
def field(sync_store):
    inspector = factories.user(Role.INSPECTOR)
    inspection = factories.inspection(inspectors=[inspector])
    ctx = hostile.Context(username=inspector.username, inspection_id=str(inspection.pk))
    client = SyncClient(inspector)
    seed = hostile.valid_field_doc(random.Random(1), ctx)
    assert client.push([seed]).status_code == 201
    ctx.known.append((seed["_id"], seed["_rev"]))
    return client, ctx


def send(client: SyncClient, request: hostile.HostileRequest):
    path = f"/sync/field/{request.url_path()}"
    if request.query:
        path += "?" + request.query_string()
    extra = dict(client.headers)
    if "Accept" in request.headers:
        extra["HTTP_ACCEPT"] = request.headers["Accept"]
    return client.client.generic(request.method, path, request.body or b"",
                                 content_type=request.headers.get("Content-Type", ""), **extra)


def store_state() -> tuple[object, dict[str, str]]:
    info = store.session().get(store.db_url(), timeout=10).json()
    rows = store.session().get(store.db_url("_all_docs"), timeout=30).json()["rows"]
    return info["update_seq"], {row["id"]: row["value"]["rev"] for row in rows}


def assert_index_matches_store(stored: dict[str, str]) -> None:
    indexed = {doc_id: rev for doc_id, rev in IndexedDoc.objects.filter(deleted=False).values_list("doc_id", "winning_rev")}
    assert indexed == stored


def check(client, request: hostile.HostileRequest):
    before_seq, _ = store_state()
    response = send(client, request)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code < 500, (request.describe(), response.status_code, response.content[:500])
    after_seq, stored = store_state()
    if response.status_code >= 400:
        assert after_seq == before_seq, f"a refused request changed the store: {request.describe()}"
        if request.method != "HEAD":
            assert json.loads(content)["reason"], request.describe()
    assert_index_matches_store(stored)
    return response


@BUDGET
@given(rnd=st.randoms(use_true_random=False))
def test_any_request_to_any_endpoint(field, rnd):
    client, ctx = field
    check(client, hostile.hostile_request(rnd, ctx))


@BUDGET
@given(rnd=st.randoms(use_true_random=False))
def test_bulk_docs_with_mutated_field_docs(field, rnd):
    """Batches of valid docs with random changes: each doc stored or refused alone, never a 5xx."""
    client, ctx = field
    docs = [hostile.mutate(rnd, hostile.valid_field_doc(rnd, ctx)) if rnd.random() < 0.7
            else hostile.valid_field_doc(rnd, ctx) for _ in range(rnd.randint(1, 4))]
    raw = hostile.encode({"docs": docs, "new_edits": rnd.random() < 0.3})
    request = hostile.HostileRequest("POST", "_bulk_docs", [], {"Content-Type": "application/json"}, raw, "_bulk_docs")
    _, before = store_state()
    response = check(client, request)
    if response.status_code == 201:
        _, after = store_state()
        ids = [doc.get("_id") for doc in docs if isinstance(doc, dict)]
        for item in json.loads(response.content):
            doc_id = item.get("id")
            if item.get("error") in ("forbidden", "bad_request") and isinstance(doc_id, str) and ids.count(doc_id) == 1:
                assert after.get(doc_id) == before.get(doc_id), (item, request.describe())


@BUDGET
@given(rnd=st.randoms(use_true_random=False), endpoint=st.sampled_from(hostile.ENDPOINTS))
def test_every_endpoint_with_hostile_query_parameters(field, rnd, endpoint):
    client, ctx = field
    request = hostile.hostile_request(rnd, ctx, endpoint=endpoint)
    request.query = [(name, rnd.choice(hostile.QUERY_VALUES)) for name in rnd.sample(hostile.PARAMS, 3)]
    check(client, request)


@settings(max_examples=300, deadline=None, database=None)
@given(raw=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_the_parser_answers_any_bytes_with_a_value_or_a_400(raw):
    try:
        inputs.parse_json(raw)
    except GatewayError as exc:
        assert exc.status == 400 and exc.reason


@settings(max_examples=60, deadline=None, database=None)
@given(levels=st.integers(min_value=1, max_value=3_000), inner=st.sampled_from([b"1", b"10000000000000000000000", b'"\\ud800"']),
       kind=st.sampled_from(["list", "object"]))
def test_the_parser_refuses_exactly_what_is_nested_too_deep(levels, inner, kind):
    opener, closer = (b"[", b"]") if kind == "list" else (b'{"k":', b"}")
    raw = opener * levels + inner + closer * levels
    if levels > inputs.MAX_BODY_DEPTH:
        with pytest.raises(GatewayError) as refused:
            inputs.parse_json(raw)
        assert refused.value.status == 400 and str(inputs.MAX_BODY_DEPTH) in refused.value.reason
    else:
        assert inputs.depth_of(inputs.parse_json(raw), limit=inputs.MAX_BODY_DEPTH) == levels


@BUDGET
@given(rnd=st.randoms(use_true_random=False))
def test_field_doc_checks_never_raise(field, rnd):
    _, ctx = field
    from django.contrib.auth import get_user_model

    access = access_for(user=get_user_model().objects.get(username=ctx.username))
    for _ in range(20):
        doc = hostile.valid_field_doc(rnd, ctx)
        for _ in range(rnd.randint(0, 3)):
            doc = hostile.mutate(rnd, doc)
        if not isinstance(doc, dict) or not isinstance(doc.get("_id"), str) or not doc["_id"]:
            continue
        shape = inputs.doc_shape_problem(doc)
        assert shape is None or (shape[0] in ("forbidden", "bad_request") and shape[1])
        if shape is None and inputs.text_problem(doc) is None:
            reason = refusal(doc=doc, access=access, existing=None)
            assert reason is None or isinstance(reason, str)


def test_valid_docs_pass_every_check(field):
    client, ctx = field
    rnd = random.Random(7)
    docs = [hostile.valid_field_doc(rnd, ctx) for _ in range(12)]
    docs = list({doc["_id"]: doc for doc in docs}.values())
    response = client.post("_bulk_docs", {"docs": docs, "new_edits": False})
    assert response.status_code == 201 and body_of(response) == []
