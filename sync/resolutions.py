"""Writes supervisors' conflict resolutions (server.reviews ConflictResolution rows) to the sync
store, so that every tablet converges on the same revision.

For each pending resolution: fetch every leaf of the doc (`open_revs=all`), write in one
`_bulk_docs` the new winning body as a child of the chosen revision (or, for an entered value, of
the winning one) and a `_deleted: true` child of every other live leaf (CouchDB's documented way of
resolving a conflict). The new body carries `"resolution": {"id", "by", "at", "mode"}`, which also
makes a retry after a crash recognise its own earlier write.

The revisions are made here, not by the store (`new_edits=false` with `_revisions`): their ids derive
from the resolution and the parent revision, so which written revision is which never depends on the
order of the store's answer (several docs of one id in one request), and a retry writes the very same
revisions again.

The reconciler calls `apply_pending_resolutions()` on every loop.
"""
from __future__ import annotations

import hashlib
import json
import logging

import requests
from django.conf import settings
from django.utils import timezone

from server.reviews import selectors, services
from server.reviews.models import ConflictResolution, ResolutionMode

from . import store

log = logging.getLogger(__name__)


class _Stale(Exception):
    """The store no longer has the revision the supervisor chose: the resolution cannot be applied."""


def _get(path_parts: tuple[str, ...], params: dict) -> requests.Response:
    try:
        response = store.session().get(
            store.db_url(*path_parts), params=params, headers={"Accept": "application/json"},
            timeout=settings.COUCHDB_TIMEOUT_S,
        )
    except requests.RequestException as exc:
        raise store.StoreUnavailable(str(exc)) from exc
    if response.status_code >= 500:
        raise store.StoreUnavailable(f"HTTP {response.status_code} {response.text[:200]}")
    return response


def _all_leaves(doc_id: str) -> list[dict]:
    """Every leaf revision of the doc (deleted ones too), with its body and `_revisions`."""
    response = _get((doc_id,), {"open_revs": "all", "revs": "true"})
    if response.status_code == 404:
        return []
    if response.status_code != 200:
        raise _Stale(f"读取 {doc_id} 的修订失败：HTTP {response.status_code} {response.text[:200]}")
    return [entry["ok"] for entry in response.json() if isinstance(entry, dict) and isinstance(entry.get("ok"), dict)]


def _leaves(doc_id: str) -> list[dict]:
    """Every live (not deleted) leaf revision of the doc, with its body."""
    return [doc for doc in _all_leaves(doc_id) if not doc.get("_deleted")]


def _parent(doc: dict) -> str:
    revisions = doc.get("_revisions") or {}
    ids, start = revisions.get("ids") or [], revisions.get("start")
    return f"{start - 1}-{ids[1]}" if isinstance(start, int) and len(ids) > 1 else ""


def _winner(doc_id: str) -> dict | None:
    response = _get((doc_id,), {})
    return response.json() if response.status_code == 200 else None


def _child(*, resolution: ConflictResolution, parent: dict, body: dict) -> dict:
    """`body` as a new revision on top of the leaf `parent` (fetched with `revs=true`), with a rev id
    derived from the resolution and the parent, for a `new_edits=false` write."""
    revisions = parent.get("_revisions") or {}
    start, ids = revisions.get("start"), revisions.get("ids") or []
    if not isinstance(start, int) or not ids:
        position, digest = parent["_rev"].split("-", 1)
        start, ids = int(position), [digest]
    digest = hashlib.md5(f"resolution:{resolution.pk}:{parent['_rev']}".encode()).hexdigest()
    return {**body, "_rev": f"{start + 1}-{digest}", "_revisions": {"start": start + 1, "ids": [digest, *ids]}}


def _bulk_docs(docs: list[dict]) -> list[dict]:
    try:
        response = store.session().post(
            store.db_url("_bulk_docs"), data=json.dumps({"docs": docs, "new_edits": False}),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            timeout=settings.COUCHDB_TIMEOUT_S,
        )
    except requests.RequestException as exc:
        raise store.StoreUnavailable(str(exc)) from exc
    if response.status_code >= 500:
        raise store.StoreUnavailable(f"_bulk_docs: HTTP {response.status_code} {response.text[:200]}")
    if response.status_code not in (200, 201):
        raise _Stale(f"_bulk_docs: HTTP {response.status_code} {response.text[:200]}")
    return response.json()


def _marker(resolution: ConflictResolution) -> dict:
    return {
        "id": resolution.pk, "by": resolution.resolved_by.username, "mode": resolution.mode,
        "at": timezone.localtime(resolution.created_at).isoformat(),
    }


def _record_in_gateway_index(*, body: dict, written: list[tuple[str, str, bool]]) -> None:
    """Tell the gateway's access index about revisions written beside it, as the publisher does,
    so tablets pulling through /sync/field/ receive the new winner and the deletions."""
    try:
        from sync.gateway import index
        from sync.gateway.models import IndexedDoc
        from sync.gateway.validation import inspection_of
    except ImportError:  # no gateway in this deployment
        return
    row = IndexedDoc.objects.filter(doc_id=body["_id"]).first()
    scope = row.scope if row is not None else (inspection_of(body) or "")
    doc_type = row.doc_type if row is not None else str(body.get("type", ""))
    index.record(revisions=[
        index.Revision(doc_id=body["_id"], doc_type=doc_type, scope=scope, rev=rev, ancestors=[parent], deleted=deleted)
        for rev, parent, deleted in written if rev
    ])


def apply_resolution(*, resolution: ConflictResolution) -> bool:
    """Write one resolution. True when applied (now or by an earlier attempt); False when it failed
    for good (marked failed). Raises store.StoreUnavailable when the store is down (stays pending)."""
    resolution.attempts += 1
    try:
        leaves = _leaves(resolution.doc_id)
        base = next((doc for doc in leaves if doc["_rev"] == resolution.chosen_rev), None)
        if base is None:
            winner = _winner(resolution.doc_id)
            mark = (winner or {}).get("resolution") or {}
            if winner is not None and mark.get("id") == resolution.pk:
                others = [doc["_rev"] for doc in leaves if doc["_rev"] != winner["_rev"]]
                if not others:  # our earlier write went through; only the bookkeeping was lost
                    _record_in_gateway_index(body=winner, written=[
                        (doc["_rev"], _parent(doc), doc.get("_deleted") is True)
                        for doc in _all_leaves(resolution.doc_id) if _parent(doc)
                    ])
                    services.resolution_mark_applied(resolution=resolution, new_rev=winner["_rev"], deleted_revs=[])
                    return True
            raise _Stale(f"修订 {resolution.chosen_rev} 已不是 {resolution.doc_id} 的当前修订，请重新处理冲突")
        body = {k: v for k, v in base.items() if k not in ("_conflicts", "_revisions", "_revs_info", "_deleted_conflicts")}
        if resolution.mode == ResolutionMode.ENTER_VALUE:
            body["value"] = resolution.value
        body["resolution"] = _marker(resolution)
        losing_leaves = [doc for doc in leaves if doc["_rev"] != resolution.chosen_rev]
        losers = [doc["_rev"] for doc in losing_leaves]
        # Tombstones keep the fields replication filters select on (type, inspection_id).
        keep = {k: body[k] for k in ("type", "inspection_id") if k in body}
        docs = [_child(resolution=resolution, parent=base, body=body)] + [
            _child(resolution=resolution, parent=leaf, body={"_id": resolution.doc_id, "_deleted": True, **keep})
            for leaf in losing_leaves
        ]
        errors = [r for r in _bulk_docs(docs) if isinstance(r, dict) and r.get("error")]
        if errors:
            raise _Stale(f"写入被拒绝：{errors}")
        new_rev = docs[0]["_rev"]
        parents = [base["_rev"], *losers]
        _record_in_gateway_index(body=body, written=[
            (doc["_rev"], parent, doc.get("_deleted") is True) for doc, parent in zip(docs, parents)
        ])
        services.resolution_mark_applied(resolution=resolution, new_rev=new_rev, deleted_revs=losers)
        return True
    except _Stale as exc:
        services.resolution_mark_failed(resolution=resolution, error=str(exc))
        return False
    except store.StoreUnavailable as exc:
        resolution.error = f"同步库不可用：{exc}"[:2000]
        resolution.save(update_fields=["attempts", "error"])
        raise


MAX_ATTEMPTS = 5


def apply_pending_resolutions(*, limit: int = 50) -> int:
    """Write every pending resolution; returns how many were applied. Stops early (leaving the rest
    pending) when the store is unavailable. An unexpected error on one resolution is logged and
    retried on later loops, and marks it failed after MAX_ATTEMPTS; it never stops the caller's loop."""
    applied = 0
    for resolution in list(selectors.pending_resolutions(limit=limit)):
        try:
            if apply_resolution(resolution=resolution):
                applied += 1
        except store.StoreUnavailable as exc:
            log.warning("conflict resolutions: sync store unavailable: %s", exc)
            break
        except Exception as exc:  # noqa: BLE001 - one bad resolution must not stop the reconciler
            log.exception("conflict resolution %s could not be applied", resolution.pk)
            message = f"{exc.__class__.__name__}: {exc}"
            if resolution.attempts >= MAX_ATTEMPTS:
                services.resolution_mark_failed(resolution=resolution, error=message)
            else:
                resolution.error = message[:2000]
                resolution.save(update_fields=["attempts", "error"])
    return applied


def read_attachment(*, doc_id: str, name: str) -> bytes | None:
    """The bytes of one attachment of a field doc's winning revision (the closeout signature for the
    PDF export), or None when it is absent. Named by settings.FIELD_ATTACHMENT_READER."""
    try:
        response = store.session().get(store.db_url(doc_id, name), timeout=settings.COUCHDB_TIMEOUT_S)
    except requests.RequestException as exc:
        raise store.StoreUnavailable(str(exc)) from exc
    if response.status_code != 200:
        return None
    return response.content
