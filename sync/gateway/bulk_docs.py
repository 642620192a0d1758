"""POST _bulk_docs (with and without new_edits=false) and POST _revs_diff.

Each doc is checked alone (validation.refusal); a refused doc comes back as
{"id", "error": "forbidden", "reason"} and the rest of the batch goes to the store in one request.
When nothing is refused the original body is forwarded as is (no re-serialisation). The index is
updated in one transaction from what the store accepted; for replicated docs (new_edits=false) it is
written while the store works and committed once the store has answered (see
_store_and_index_replicated)."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.db import transaction

from . import inputs
from .access import Access, known_revisions, rows_for
from .http import GatewayError, bad_request, dumps, json_response, read_body
from .index import Revision, record, revisions_chain
from .sqlite_lock import write_promptly
from .upstream import call, json_of, unavailable
from sync import store
from .validation import field_scope, inspection_of, refusal


def _doc_id(doc) -> str | None:
    if isinstance(doc, dict):
        doc_id = doc.get("_id")
        if isinstance(doc_id, str) and doc_id:
            return doc_id
    return None


def bulk_docs(request, access: Access):
    inputs.check_content_type(request)
    raw = read_body(request)
    body = inputs.parse_json(raw)
    if not isinstance(body, dict):
        raise bad_request("request body: 必须是 JSON 对象 {\"docs\": [...]}")
    docs = body.get("docs")
    if not isinstance(docs, list):
        raise bad_request("docs: 必须是文档数组 (expected a list of documents)")
    new_edits = body.get("new_edits", True)
    if not isinstance(new_edits, bool):
        raise bad_request("new_edits: 必须是 true 或 false")
    if set(body) - {"docs", "new_edits"}:
        raw = None  # other members (all_or_nothing, …) are not forwarded: the docs are sent re-serialised
    return json_response(store_docs(access=access, docs=docs, new_edits=new_edits, raw=raw), status=201)


def store_docs(*, access: Access, docs: list, new_edits: bool, raw: bytes | None = None) -> list[dict]:
    """Check, store and index a batch; returns the _bulk_docs answer (refused docs included)."""
    results: list[dict | None] = [None] * len(docs)
    ids = [_doc_id(doc) for doc in docs]
    existing = rows_for(doc_ids=[doc_id for doc_id in ids if doc_id])
    if not access.read_only:  # which of the named inspections are the user's: one query
        access.prefetch_writable([inspection_of(doc) for doc in docs if isinstance(doc, dict)]
                                 + [row.scope for row in existing.values()])
    # PostgreSQL cannot hold a NUL character, and no database or encoder takes a lone surrogate: look
    # for either only when the body may hold one at all.
    may_hold_bad_text = inputs.may_hold_bad_text(raw)
    accepted: list[int] = []
    for position, (doc, doc_id) in enumerate(zip(docs, ids)):
        if not isinstance(doc, dict):
            results[position] = {"id": None, "error": "bad_request", "reason": "文档必须是 JSON 对象"}
            continue
        if doc_id is None:
            results[position] = {"id": doc.get("_id"), "error": "forbidden", "reason": "_id: 必填字符串 (required)"}
            continue
        if may_hold_bad_text and (where := inputs.text_problem(doc)) is not None:
            results[position] = {"id": doc_id, "error": "forbidden",
                                 "reason": inputs.describe_text_problem(where)}
            continue
        shape = inputs.doc_shape_problem(doc)
        if shape is not None:
            results[position] = {"id": doc_id, "error": shape[0], "reason": shape[1]}
            continue
        if not new_edits and doc.get("_rev") is None:
            results[position] = {"id": doc_id, "error": "bad_request", "reason": "_rev: new_edits=false 时必填"}
            continue
        reason = refusal(doc=doc, access=access, existing=existing.get(doc_id))
        if reason is not None:
            results[position] = {"id": doc_id, "error": "forbidden", "reason": reason}
            continue
        accepted.append(position)

    if not accepted:
        return [item for item in results if item is not None]
    if new_edits:
        # One store call per round of distinct ids (a second doc of one id waits for the first):
        # answers are then matched to docs by id, never by their order in the store's answer.
        rounds: list[list[int]] = []
        seen: dict[str, int] = {}
        for position in accepted:
            occurrence = seen.get(ids[position], 0)
            seen[ids[position]] = occurrence + 1
            if occurrence == len(rounds):
                rounds.append([])
            rounds[occurrence].append(position)
        for number, positions in enumerate(rounds):
            whole = raw is not None and len(rounds) == 1 and len(positions) == len(docs)
            try:
                answer_list = _store_call(raw if whole else dumps({"docs": [docs[i] for i in positions]}))
            except BatchRefused:
                answer_list = _store_each([docs[i] for i in positions], new_edits=True)
            by_id = _by_id(answer_list)
            answered = []
            for position in positions:
                answer = by_id.get(ids[position]) or {
                    "id": ids[position], "error": "unknown_error", "reason": "同步存储没有回答该文档"}
                results[position] = answer
                answered.append((position, answer))
            record(revisions=_new_edit_revisions(docs, answered, existing))
    else:
        payload = raw if raw is not None and len(accepted) == len(docs) else dumps(
            {"docs": [docs[i] for i in accepted], "new_edits": False})
        errors = _store_and_index_replicated(payload, docs, accepted, ids, existing)
        for position in accepted:
            if ids[position] in errors:
                results[position] = errors.pop(ids[position])
    return [item for item in results if item is not None]


class _IndexAgain(Exception):
    """The store's answer differs from what was indexed in advance: roll back, index what it stored."""


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _store_pool() -> ThreadPoolExecutor:
    """Threads that carry _bulk_docs calls to the store while the request thread writes the index
    (per process, made on first use: after gunicorn forks its workers)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=int(getattr(settings, "SYNC_STORE_THREADS", 16)),
                                       thread_name_prefix="sync-store")
        return _pool


def _store_and_index_replicated(payload: bytes, docs, accepted, ids, existing) -> dict[str, dict]:
    """Store a new_edits=false batch and index it; returns the store's per-doc errors by id.

    The revisions are the docs' own, so the index rows can be written while the store works: the
    store call runs in a pool thread while this thread writes the rows in a transaction, which
    commits only once the store has answered that it holds every doc (pullers never see a row
    before its revision is in the store). A store error rolls the rows back with the 503; per-doc
    errors, or a store slower than SYNC_INDEX_OVERLAP_S, roll back and index afterwards what the
    store did accept (the slow path is also the plain one: store first, then index). A batch the
    store refuses as a whole is sent again doc by doc, so that only the docs at fault are refused."""
    batch = [docs[i] for i in accepted]
    overlap_s = float(getattr(settings, "SYNC_INDEX_OVERLAP_S", 2.0))
    if overlap_s > 0:
        future = _store_pool().submit(_store_call, payload)

        def index_while_storing() -> dict:
            with transaction.atomic():
                record(revisions=_replicated_revisions(docs, accepted, existing))
                try:
                    answer = future.result(timeout=overlap_s)
                except (FutureTimeout, BatchRefused):
                    raise _IndexAgain() from None
                if any(item.get("error") for item in answer):
                    raise _IndexAgain()
                return {}

        try:
            return write_promptly(index_while_storing)
        except _IndexAgain:
            pass
        except BaseException:
            future.cancel()
            raise
        stored = future.result
    else:  # switched off: store, then index
        def stored():
            return _store_call(payload)
    try:
        answer = stored()
    except BatchRefused:
        answer = _store_each(batch, new_edits=False)
    errors = _by_id(item for item in answer if item.get("error"))
    revisions = _replicated_revisions(docs, [i for i in accepted if ids[i] not in errors], existing)
    write_promptly(lambda: record(revisions=revisions))
    return errors


class BatchRefused(GatewayError):
    """The store refused a whole _bulk_docs (4xx), as CouchDB and pouchdb-server do for, e.g., an
    attachment stub whose body they do not hold."""

    def __init__(self, store_error: str, store_reason: str):
        super().__init__(400, "bad_request", f"同步存储拒绝了该批文档: {store_reason}")
        self.store_error = store_error
        self.store_reason = store_reason


# Errors pouchdb-server and CouchDB answer with a 5xx for one malformed doc (the doc's fault, not the
# store's): when the store is up and a doc sent alone gets one of them, that doc is refused alone.
DOC_FAULT_ERRORS = ("doc_validation", "badarg", "bad_request", "invalid_json", "illegal_docid")


def _store_each(batch: list[dict], *, new_edits: bool) -> list[dict]:
    """Send a refused batch doc by doc, so that only the docs at fault are refused (the rare path)."""
    answers: list[dict] = []
    for doc in batch:
        try:
            answers.extend(_store_call(dumps({"docs": [doc], "new_edits": new_edits})))
        except StoreFailed as exc:
            if exc.store_error not in DOC_FAULT_ERRORS or store.ping() is not None:
                raise unavailable(f"HTTP {exc.http_status}") from None
            answers.append({"id": doc["_id"], "error": "forbidden",
                            "reason": f"同步存储拒绝了该文档 ({exc.store_error}: {exc.store_reason})"})
        except BatchRefused as exc:
            answers.append({"id": doc["_id"], "error": exc.store_error, "reason": exc.store_reason})
    return answers


class StoreFailed(BatchRefused):
    """The store answered a _bulk_docs with a 5xx: maybe one doc's fault (tried alone next)."""

    def __init__(self, http_status: int, store_error: str, store_reason: str):
        super().__init__(store_error, store_reason)
        self.http_status = http_status


def _store_call(payload: bytes) -> list[dict]:
    response = call("POST", "_bulk_docs", data=payload, pass_5xx=True)
    if response.status_code not in (200, 201):
        try:
            store_body = response.json()
        except ValueError:
            if response.status_code >= 500:
                raise unavailable(f"HTTP {response.status_code}") from None
            store_body = {}
        store_body = store_body if isinstance(store_body, dict) else {}
        error = str(store_body.get("error") or "bad_request")
        reason = str(store_body.get("reason") or f"HTTP {response.status_code}")[:300]
        if response.status_code >= 500:
            raise StoreFailed(response.status_code, error, reason)
        raise BatchRefused(error, reason)
    store_results = json_of(response)
    return [item for item in store_results if isinstance(item, dict)] if isinstance(store_results, list) else []


def _by_id(items) -> dict[str, dict]:
    return {item["id"]: item for item in items if isinstance(item.get("id"), str)}


def _revision(doc: dict, existing, rev: str, ancestors: list[str]) -> Revision:
    """The index entry of a stored doc: type and scope from its index row when it has one."""
    row = existing.get(doc["_id"])
    return Revision(
        doc_id=doc["_id"], doc_type=row.doc_type if row else str(doc.get("type", "")),
        scope=row.scope if row else field_scope(doc),
        rev=rev, ancestors=ancestors, deleted=doc.get("_deleted") is True,
    )


def _new_edit_revisions(docs, answered, existing) -> list[Revision]:
    """Index entries for docs the store accepted with new_edits=true (it chose the new rev)."""
    revisions: list[Revision] = []
    for position, result in answered:
        if result.get("ok") and isinstance(result.get("rev"), str):
            parent = docs[position].get("_rev")
            revisions.append(_revision(docs[position], existing, result["rev"], [parent] if parent else []))
    return revisions


def _replicated_revisions(docs, stored, existing) -> list[Revision]:
    """Index entries for docs the store accepted with new_edits=false (their own revs)."""
    revisions: list[Revision] = []
    for position in stored:
        doc = docs[position]
        chain = revisions_chain(doc)
        if not chain or chain[0] != doc["_rev"]:
            chain = [doc["_rev"]]
        revisions.append(_revision(doc, existing, chain[0], chain[1:]))
    return revisions


def revs_diff(request, access: Access):
    """From the index only. An id or revision the gateway could never store (not text, too long, not
    a revision) is answered "missing": the tablet then pushes the doc, and _bulk_docs refuses it
    alone, which PouchDB reports as denied instead of failing the whole sync."""
    body = inputs.json_object(request)
    inputs.item_count(list(body), "request body")
    for doc_id, revs in body.items():
        if not isinstance(revs, list) or not all(isinstance(r, str) for r in revs):
            raise bad_request(f"{inputs.describe_id(doc_id)}: 必须是修订号字符串数组")
        inputs.item_count(revs, inputs.describe_id(doc_id), limit=inputs.MAX_REVS)
    known_revs = known_revisions(doc_ids=list(body))
    answer: dict[str, dict] = {}
    for doc_id, revs in body.items():
        known = known_revs.get(doc_id, set())
        missing = [rev for rev in revs if rev not in known]
        if missing:
            answer[doc_id] = {"missing": missing}
    return json_response(answer)

