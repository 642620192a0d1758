"""Publishes the server-made documents (contract §5: checklist, inspection, unqualified-product) into
the sync store and the gateway's access index, whenever they change in SQL.

Idempotent: a doc whose content hash matches the index is not rewritten. Called on commit by the
signal receivers in sync/gateway/signals.py, by `manage.py publish`, and periodically by the
reconciler through publish_all_pending(), which catches up whatever failed earlier.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from typing import Any

import checklists
from django.conf import settings

from server.inspections.models import Inspection
from server.registry.models import UnqualifiedProduct

from .gateway import index
from .gateway.models import PUBLIC_SCOPE, IndexedDoc
from .gateway.upstream import call, json_of
from .store import StoreUnavailable

log = logging.getLogger(__name__)

FULL_PASS_EVERY_S = 600.0
# since: rows updated after it (less a margin) are looked at; stamps: the update times each such row had
# when it was last published or found unchanged, so that a pass renders only rows changed since.
_state: dict[str, Any] = {"last_full": 0.0, "since": None, "stamps": {}}
_state_lock = threading.Lock()


class PublishError(Exception):
    """The store refused or could not take a published doc."""


def content_hash(doc: dict) -> str:
    body = {k: v for k, v in doc.items() if k != "_rev"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


# --- documents ---------------------------------------------------------------------------------

def checklist_doc(doc: dict) -> dict:
    out = dict(doc)
    out["type"] = "checklist"
    return out


def inspection_doc(inspection: Inspection) -> dict:
    enterprise = inspection.enterprise
    dossier = getattr(inspection, "dossier", None)
    return {
        "_id": f"inspection:{inspection.pk}",
        "type": "inspection",
        "inspection_id": str(inspection.pk),
        "checklist_id": inspection.checklist_id,
        "product_category": inspection.product_category,
        "domain": inspection.domain,
        "scheduled_for": inspection.scheduled_for.isoformat(),
        "inspectors": sorted(u.username for u in inspection.inspectors.all()),
        "enterprise": {
            "id": enterprise.pk, "name": enterprise.name, "credit_code": enterprise.credit_code,
            "address": enterprise.address, "jurisdiction": enterprise.jurisdiction_id,
        },
        "status": dossier.status if dossier is not None else "assigned",
    }


def inspection_access_key(inspection: Inspection) -> str:
    """Who may see the inspection: a change re-sequences its docs so newcomers get them all."""
    ids = sorted(u.pk for u in inspection.inspectors.all())
    return f"{inspection.enterprise.jurisdiction_id}|{','.join(map(str, ids))}"


def unqualified_doc(product: UnqualifiedProduct) -> dict:
    return {
        "_id": f"unqualified-product:{product.pk}",
        "type": "unqualified-product",
        "product_category": product.product_category,
        "product_name": product.product_name,
        "model": product.model,
        "brand": product.brand,
        "manufacturer": product.manufacturer,
        "batch": product.batch,
        "found_in": product.found_in,
        "rectified": product.rectified,
    }


# --- writing -----------------------------------------------------------------------------------

def _current_store_rev(doc_id: str) -> str | None:
    response = call("GET", doc_id)
    if response.status_code == 404:
        return None
    body = json_of(response)
    return body.get("_rev") if isinstance(body, dict) else None


def _write(items: list[tuple[dict, str, str | None]]) -> int:
    """items: (doc, scope, access_key). Writes changed docs; returns how many were written."""
    if not items:
        return 0
    rows = {row.doc_id: row for row in IndexedDoc.objects.filter(doc_id__in=[doc["_id"] for doc, _, _ in items])}
    pending: list[tuple[dict, str, str | None, str]] = []
    for doc, scope, access_key in items:
        digest = content_hash(doc)
        row = rows.get(doc["_id"])
        if row is not None and row.content_hash == digest and not row.deleted and (
            access_key is None or row.access_key == access_key
        ):
            continue
        out = dict(doc)
        if row is not None:
            out["_rev"] = row.winning_rev
        pending.append((out, scope, access_key, digest))
    if not pending:
        return 0
    # One entry per id (the last wins): the store's answers are matched to docs by id, never by
    # their order in its answer, which pouchdb-server does not keep.
    pending = list({doc["_id"]: (doc, scope, access_key, digest) for doc, scope, access_key, digest in pending}.values())
    response = call("POST", "_bulk_docs", json_body={"docs": [doc for doc, _, _, _ in pending]})
    results = json_of(response)
    if not isinstance(results, list) or len(results) != len(pending):
        raise PublishError(f"unexpected _bulk_docs answer: HTTP {response.status_code}")
    by_id = {result.get("id"): result for result in results if isinstance(result, dict)}
    revisions: list[index.Revision] = []
    rescope: list[str] = []
    for doc, scope, access_key, digest in pending:
        result = by_id.get(doc["_id"], {"error": "unknown_error", "reason": "no answer for this doc"})
        if result.get("error") == "conflict":  # the index is behind the store: take the store's rev
            parent = _current_store_rev(doc["_id"])
            retry = dict(doc)
            if parent:
                retry["_rev"] = parent
            else:
                retry.pop("_rev", None)
            retry_answer = json_of(call("POST", "_bulk_docs", json_body={"docs": [retry]}))
            result = retry_answer[0] if isinstance(retry_answer, list) and retry_answer else {"error": "unknown"}
            doc = retry
        if not result.get("ok"):
            log.warning("publishing %s refused: %s", doc["_id"], result)
            continue
        row = rows.get(doc["_id"])
        if access_key is not None and row is not None and row.access_key != access_key:
            rescope.append(scope)
        revisions.append(index.Revision(
            doc_id=doc["_id"], doc_type=doc["type"], scope=scope, rev=result["rev"],
            ancestors=[doc["_rev"]] if doc.get("_rev") else [], deleted=doc.get("_deleted") is True,
            content_hash=digest, access_key=access_key,
        ))
    index.record(revisions=revisions)
    for scope in rescope:
        index.resequence_scope(scope=scope)
    return len(revisions)


def _delete(doc_id: str) -> int:
    row = IndexedDoc.objects.filter(doc_id=doc_id).first()
    if row is None or row.deleted:
        return 0
    result = json_of(call("POST", "_bulk_docs", json_body={"docs": [{"_id": doc_id, "_rev": row.winning_rev, "_deleted": True}]}))
    if not result or not result[0].get("ok"):
        log.warning("deleting %s refused: %s", doc_id, result)
        return 0
    index.record(revisions=[index.Revision(doc_id=doc_id, doc_type=row.doc_type, scope=row.scope,
                                           rev=result[0]["rev"], ancestors=[row.winning_rev], deleted=True,
                                           content_hash="")])
    return 1


# --- public API --------------------------------------------------------------------------------

def publish_checklists() -> int:
    """Every published checklist version; returns how many docs were written."""
    return _write([(checklist_doc(doc), PUBLIC_SCOPE, None) for doc in checklists.load_all()])


def _inspections():
    return Inspection.objects.select_related("enterprise", "dossier").prefetch_related("inspectors")


def publish_inspection(inspection_id) -> int:
    inspection = _inspections().filter(pk=inspection_id).first()
    if inspection is None:
        return _delete(f"inspection:{inspection_id}")
    return _write([(inspection_doc(inspection), str(inspection.pk), inspection_access_key(inspection))])


def publish_unqualified(unqualified_id) -> int:
    product = UnqualifiedProduct.objects.filter(pk=unqualified_id).first()
    if product is None:
        return _delete(f"unqualified-product:{unqualified_id}")
    return _write([(unqualified_doc(product), PUBLIC_SCOPE, None)])


def _changed_inspections(since) -> list[tuple[Any, tuple]]:
    """(pk, update stamps) of the inspections whose own row, dossier or enterprise changed since
    `since` (all when None), in pk order."""
    qs = Inspection.objects.all()
    if since is not None:
        from django.db.models import Q

        qs = qs.filter(Q(updated_at__gte=since) | Q(dossier__updated_at__gte=since) | Q(enterprise__updated_at__gte=since))
    rows = qs.order_by("pk").values_list("pk", "updated_at", "dossier__updated_at", "enterprise__updated_at")
    return [(pk, tuple(stamps)) for pk, *stamps in rows]


def publish_all_pending(*, full: bool | None = None) -> dict[str, int]:
    """Publish everything that differs from what the store holds. Cheap when nothing changed: after a
    full pass, only rows updated since the last pass (minus a margin for transactions that commit
    after the time they wrote) are looked at, and of those only the ones whose update times moved
    since they were last published are rendered; a full pass runs every FULL_PASS_EVERY_S seconds.
    Returns counts of docs written.

    The rows to look at are read first, then rendered and written a chunk at a time: on SQLite, a
    query still streaming while this connection writes would pin an old snapshot, and the write
    would fail with "database is locked" whenever another process had committed meanwhile."""
    from django.utils import timezone

    with _state_lock:
        now = time.monotonic()
        do_full = full if full is not None else (_state["since"] is None or now - _state["last_full"] > FULL_PASS_EVERY_S)
        since = None if do_full else _state["since"]
        started = timezone.now()
        known = {} if do_full else dict(_state["stamps"])
    counts = {"checklists": publish_checklists(), "inspections": 0, "unqualified_products": 0, "deleted": 0}
    changed = _changed_inspections(since)
    stamps = {pk: stamp for pk, stamp in changed}
    todo = [pk for pk, stamp in changed if known.get(pk) != stamp]
    for start in range(0, len(todo), 200):
        chunk = list(_inspections().filter(pk__in=todo[start:start + 200]).order_by("pk"))
        counts["inspections"] += _write([(inspection_doc(i), str(i.pk), inspection_access_key(i)) for i in chunk])
        with _state_lock:
            _state["stamps"].update({pk: stamps[pk] for pk in todo[start:start + 200]})
    products = UnqualifiedProduct.objects.all()
    if since is not None:
        products = products.filter(updated_at__gte=since)
    batch = [(unqualified_doc(p), PUBLIC_SCOPE, None) for p in products.order_by("pk")]
    for start in range(0, len(batch), 200):
        counts["unqualified_products"] += _write(batch[start:start + 200])
    if do_full:
        counts["deleted"] = _delete_vanished()
    with _state_lock:
        from datetime import timedelta

        _state["since"] = next_since = started - timedelta(seconds=60)
        # only rows the next pass can return (updated within the margin) need remembering: after a
        # full pass, not every inspection there is
        _state["stamps"] = {pk: stamps[pk] for pk in stamps if _state["stamps"].get(pk) == stamps[pk]
                            and any(stamp is not None and stamp >= next_since for stamp in stamps[pk])}
        if do_full:
            _state["last_full"] = time.monotonic()
    return counts


def _delete_vanished() -> int:
    """Tombstone published inspection/unqualified docs whose SQL row is gone."""
    deleted = 0
    live_inspections = {f"inspection:{pk}" for pk in Inspection.objects.values_list("pk", flat=True)}
    live_products = {f"unqualified-product:{pk}" for pk in UnqualifiedProduct.objects.values_list("pk", flat=True)}
    for doc_id, doc_type in IndexedDoc.objects.filter(
        doc_type__in=("inspection", "unqualified-product"), deleted=False
    ).values_list("doc_id", "doc_type"):
        if doc_id not in (live_inspections if doc_type == "inspection" else live_products):
            deleted += _delete(doc_id)
    return deleted


def safely(func, *args: Any) -> None:
    """Run a publish call, logging instead of raising (used from on_commit hooks)."""
    if not getattr(settings, "SYNC_PUBLISH_ON_COMMIT", True):
        return
    try:
        func(*args)
    except Exception as exc:  # noqa: BLE001 - caught up later by publish_all_pending
        log.warning("publishing failed (%s: %s); publish_all_pending will catch up", exc.__class__.__name__, exc)


__all__ = [
    "publish_checklists", "publish_inspection", "publish_unqualified", "publish_all_pending", "content_hash",
    "StoreUnavailable", "PublishError",
]
