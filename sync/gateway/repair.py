"""Bring the access index level with the sync store.

The gateway indexes every revision it writes, in the same request. Revisions that reach the store
some other way are unknown to the index until this runs: a store restored from a backup, documents
replicated into CouchDB directly by an administrator, or a gateway process killed between the store's
answer and its index write (the tablet re-pushes that batch, which heals it too, but a deleted
tablet never will). Pulls answer from the index only, so such revisions reach no one until then.

`repair_index()` follows the store's `_changes` (style=all_docs, in pages), compares each doc's leaf
revisions with the index, fetches only the documents with unknown leaves (`_bulk_get?revs=true`, for
their type, inspection and revision history) and records them with `index.record`: idempotent, so it
can run at any time, as often as wanted, beside live traffic. Scopes follow the gateway's rules:
checklists and unqualified-product notices are public, an inspection doc belongs to its inspection,
a field doc to the inspection it names."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings

from sync.reconciler import checkpoint as checkpoints
from sync.reconciler.models import Checkpoint

from .access import known_revisions, rows_for
from .http import dumps
from .index import Revision, record, revisions_chain
from .models import PUBLIC_SCOPE
from .upstream import call, json_of
from .validation import field_scope

log = logging.getLogger("sync.gateway")

PAGE = 500


@dataclass
class RepairReport:
    changes_read: int = 0
    docs_behind: int = 0
    revisions_added: int = 0
    docs_changed: int = 0
    last_seq: object = None
    behind_ids: list[str] = field(default_factory=list)  # the first few, for the report


def _scope(doc: dict, doc_id: str) -> str:
    doc_type = doc.get("type")
    if doc_type in ("checklist", "unqualified-product"):
        return PUBLIC_SCOPE
    if doc_type == "inspection":
        return doc_id.partition(":")[2]
    return field_scope(doc)


def _missing(changes: list[dict]) -> dict[str, list[str]]:
    """doc id -> leaf revisions the index does not know, for one page of the store's _changes."""
    wanted = {row["id"]: [c["rev"] for c in row.get("changes", []) if isinstance(c, dict) and c.get("rev")]
              for row in changes if isinstance(row, dict) and isinstance(row.get("id"), str)
              and not row["id"].startswith("_design/")}
    known = known_revisions(doc_ids=list(wanted))
    missing: dict[str, list[str]] = {}
    for doc_id, revs in wanted.items():
        unknown = [rev for rev in revs if rev not in known.get(doc_id, set())]
        if unknown:
            missing[doc_id] = unknown
    return missing


def _revisions(missing: dict[str, list[str]]) -> list[Revision]:
    wanted = [{"id": doc_id, "rev": rev} for doc_id, revs in missing.items() for rev in revs]
    answer = json_of(call("POST", "_bulk_get", params={"revs": "true"}, data=dumps({"docs": wanted})))
    rows = rows_for(doc_ids=list(missing))
    revisions: list[Revision] = []
    for result in answer.get("results", []) if isinstance(answer, dict) else []:
        for entry in result.get("docs", []):
            doc = entry.get("ok") if isinstance(entry, dict) else None
            if not isinstance(doc, dict) or not isinstance(doc.get("_id"), str):
                continue
            chain = revisions_chain(doc) or [doc.get("_rev")]
            if not isinstance(chain[0], str):
                continue
            row = rows.get(doc["_id"])
            revisions.append(Revision(
                doc_id=doc["_id"],
                doc_type=row.doc_type if row else str(doc.get("type", "")),
                scope=row.scope if row else _scope(doc, doc["_id"]),
                rev=chain[0], ancestors=chain[1:], deleted=doc.get("_deleted") is True,
            ))
    return revisions


def repair_index(*, since: object = 0, dry_run: bool = False, page: int = PAGE,
                 progress: Callable[[RepairReport], None] | None = None) -> RepairReport:
    """Walk the store's _changes from `since` and index every leaf revision the index lacks
    (with dry_run, only count them). Sequences stay opaque: whatever the store answers is sent back."""
    report = RepairReport(last_seq=since)
    while True:
        body = json_of(call("GET", "_changes", params={"style": "all_docs", "since": report.last_seq, "limit": page}))
        results = body.get("results") if isinstance(body, dict) else None
        if not results:
            break
        report.changes_read += len(results)
        missing = _missing(results)
        report.docs_behind += len(missing)
        report.behind_ids.extend(list(missing)[: max(0, 20 - len(report.behind_ids))])
        if missing and not dry_run:
            revisions = _revisions(missing)
            report.revisions_added += len(revisions)
            report.docs_changed += record(revisions=revisions)
        report.last_seq = body.get("last_seq", results[-1].get("seq"))
        if progress is not None:
            progress(report)
        if len(results) < page:
            break
    return report


def _checkpoint_name() -> str:
    return f"gateway-index:{settings.COUCHDB_DB}"


def repair_from_checkpoint() -> RepairReport:
    """The store's changes since the last call, checked against the index (run every
    GATEWAY_INDEX_CHECK_S by the reconciler, so the index heals without anyone running a command).
    The checkpoint is a named row of the reconciler's checkpoint table; the seq stays opaque."""
    row, _ = Checkpoint.objects.get_or_create(
        name=_checkpoint_name(), defaults={"database": settings.COUCHDB_DB, "seq": checkpoints.encode(0)})
    report = repair_index(since=checkpoints.decode(row.seq))
    if report.last_seq is not None and checkpoints.encode(report.last_seq) != row.seq:
        Checkpoint.objects.filter(name=row.name).update(seq=checkpoints.encode(report.last_seq))
    if report.docs_behind:
        log.warning(
            "access index was behind the store for %d docs (e.g. %s): indexed %d revisions",
            report.docs_behind, ", ".join(report.behind_ids[:3]), report.revisions_added)
    return report
