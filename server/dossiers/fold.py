"""Folding field documents (contract §5) into dossier tables, a batch at a time.

The caller (the reconciler) checks a batch and computes its rows with `prepare_fold` (reads only,
before its transaction), then writes them with `apply_fold` inside its own transaction together with
the checkpoint's advance (`fold_field_docs` does both). The valid changes are written with bulk
statements in a savepoint. If that savepoint fails, the changes are retried one by one, each in its
own savepoint, so one bad change never blocks the others: it is reported in `FoldOutcome.errors`.

Replays change nothing: revisions are recorded once per (doc_id, rev) and the current-state rows are
set from the winning revision, which is idempotent.
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from typing import Any

import checklists
from checklists.engine import InputError, evaluate
from django.db import DatabaseError, transaction
from django.utils import timezone

from server.inspections.models import Inspection

from . import completeness as completeness_mod
from .models import (
    Answer,
    Closeout,
    CustodyEvent,
    CustodyState,
    DocConflict,
    Dossier,
    FieldDocType,
    FieldRevision,
    Label,
    Photo,
    PhotoStatus,
    QuickTest,
    Sample,
)
from .upsert import Upsert

log = logging.getLogger(__name__)

FIELD_TYPES = frozenset(FieldDocType.values)


class FoldError(Exception):
    """A change that cannot be folded (goes to the reconciler's error table)."""


@dataclass
class FieldChange:
    """One change from the store: the winning revision (possibly `_deleted`) and the bodies of its
    conflicting revisions (fetched by the reconciler when `_conflicts` is present)."""

    doc: dict
    conflict_docs: list[dict] = field(default_factory=list)
    seq: Any = None

    @property
    def doc_id(self) -> str:
        return str(self.doc.get("_id", ""))

    @property
    def rev(self) -> str:
        return str(self.doc.get("_rev", ""))


@dataclass
class FoldOutcome:
    applied: int = 0  # changes written (new or re-applied)
    new_revisions: int = 0  # revisions not folded before
    skipped: int = 0  # not field documents
    errors: dict[str, str] = field(default_factory=dict)  # doc_id -> reason
    touched_inspections: set[str] = field(default_factory=set)


def is_field_doc(doc: dict) -> bool:
    if doc.get("_deleted"):
        prefix = str(doc.get("_id", "")).split(":", 1)[0]
        return prefix in FIELD_TYPES
    return doc.get("type") in FIELD_TYPES


def doc_type_of(doc: dict) -> str:
    if doc.get("_deleted") or doc.get("type") not in FIELD_TYPES:
        return str(doc.get("_id", "")).split(":", 1)[0]
    return doc["type"]


@functools.lru_cache(maxsize=64)
def _checklist_items(checklist_id: str) -> dict[str, dict]:
    doc = checklists.get(checklist_id)
    if doc is None:
        return {}
    return {item["code"]: item for section in doc.get("sections", []) for item in section.get("items", [])}


def _text(doc: dict, key: str, limit: int = 2000) -> str:
    value = doc.get(key)
    if value is None:
        return ""
    return str(value)[:limit]


@dataclass
class _Prepared:
    change: FieldChange
    doc_id: str
    rev: str
    doc_type: str
    inspection_id: str
    deleted: bool
    author: str
    row: Any = None  # unsaved model instance (current state) or None when deleted
    new: bool = False
    row_params: list | None = None  # `row` as upsert parameters (answers and quick tests)
    revision_params: list[list] = field(default_factory=list)  # its revisions as upsert parameters


def _prepare(change: FieldChange, inspection: Inspection | None, inspection_id: str) -> _Prepared:
    doc = change.doc
    doc_id, rev = change.doc_id, change.rev
    if not doc_id or not rev:
        raise FoldError("_id/_rev: missing")
    doc_type = doc_type_of(doc)
    deleted = bool(doc.get("_deleted"))
    if inspection is None:
        raise FoldError(f"inspection_id: unknown inspection {inspection_id!r}")
    prepared = _Prepared(change, doc_id, rev, doc_type, str(inspection.pk), deleted, _text(doc, "author", 150))
    if deleted:
        return prepared
    common = {"doc_id": doc_id, "rev": rev, "inspection_id": inspection.pk}
    items = _checklist_items(inspection.checklist_id)
    if doc_type == FieldDocType.ANSWER:
        item_code = doc.get("item_code")
        if not isinstance(item_code, str) or not item_code:
            raise FoldError("item_code: missing")
        item = items.get(item_code)
        if item is None:
            problem = f"item_code: {item_code!r} is not in checklist {inspection.checklist_id}"
        else:
            problem = checklists.validate_answer_value(item=item, value=doc.get("value")) or ""
        prepared.row = Answer(
            **common,
            item_code=item_code[:64],
            value=doc.get("value"),
            note=_text(doc, "note"),
            author=prepared.author,
            device_id=_text(doc, "device_id", 100),
            answered_at=_text(doc, "answered_at", 40),
            problem=problem,
        )
    elif doc_type == FieldDocType.PHOTO:
        attachments = doc.get("_attachments") or {}
        prepared.row = Photo(
            **common,
            item_code=_text(doc, "item_code", 64),
            taken_at=_text(doc, "taken_at", 40),
            sha256=_text(doc, "sha256", 64).strip().lower(),
            caption=_text(doc, "caption"),
            author=prepared.author,
            device_id=_text(doc, "device_id", 100),
            has_attachment=isinstance(attachments, dict) and "image" in attachments,
        )
    elif doc_type == FieldDocType.QUICKTEST:
        method = doc.get("method")
        inputs = doc.get("inputs")
        verdict, result, limit, basis, error = "", None, None, "", ""
        try:
            judged = evaluate(method=method, inputs=inputs)
            verdict, result, limit, basis = judged["verdict"], judged.get("result"), judged.get("limit"), judged.get("basis", "")
        except InputError as exc:
            error = f"{exc.field}: {exc.message}" if hasattr(exc, "field") else str(exc)
        except Exception as exc:  # noqa: BLE001 - the engine must never stop a fold
            error = f"method: evaluation failed ({exc.__class__.__name__})"
        device_verdict = _text(doc, "device_verdict", 16)
        item_code = _text(doc, "item_code", 64)
        item = items.get(item_code)
        if item is not None and item.get("method") and method != item.get("method") and not error:
            error = f"method: item {item_code} expects {item.get('method')!r}, got {method!r}"
        prepared.row = QuickTest(
            **common,
            item_code=item_code,
            method=str(method or "")[:64],
            inputs=inputs if isinstance(inputs, dict) else {},
            instrument=doc.get("instrument") if isinstance(doc.get("instrument"), dict) else {},
            measured_at=_text(doc, "measured_at", 40),
            author=prepared.author,
            device_id=_text(doc, "device_id", 100),
            verdict=verdict,
            result=result,
            limit=limit,
            basis=str(basis or ""),
            error=error,
            device_verdict=device_verdict,
            verdict_differs=bool(device_verdict) and device_verdict != verdict,
        )
    elif doc_type == FieldDocType.SAMPLE:
        label_code = doc.get("label_code")
        if not isinstance(label_code, str) or not label_code.strip():
            raise FoldError("label_code: missing")
        product = doc.get("product")
        photo_ids = doc.get("photo_ids")
        prepared.row = Sample(
            **common,
            label_code=label_code.strip().upper()[:40],
            product=product if isinstance(product, dict) else {},
            quantity=doc.get("quantity"),
            unit=_text(doc, "unit", 32),
            sealed_at=_text(doc, "sealed_at", 40),
            photo_ids=photo_ids if isinstance(photo_ids, list) else [],
            author=prepared.author,
        )
    elif doc_type == FieldDocType.CLOSEOUT:
        attachments = doc.get("_attachments") or {}
        rep = doc.get("representative")
        prepared.row = Closeout(
            **common,
            finished_at=_text(doc, "finished_at", 40),
            summary=_text(doc, "summary", 10000),
            representative=rep if isinstance(rep, dict) else {},
            author=prepared.author,
            has_signature=isinstance(attachments, dict) and "signature" in attachments,
        )
    else:
        raise FoldError(f"type: unknown field document type {doc_type!r}")
    return prepared


def _conflict_revisions(change: FieldChange) -> list[dict]:
    out = []
    for body in [change.doc, *change.conflict_docs]:
        out.append(
            {
                "rev": body.get("_rev"),
                "winning": body is change.doc,
                "author": body.get("author"),
                "value": body.get("value"),
                "answered_at": body.get("answered_at") or body.get("taken_at") or body.get("measured_at")
                or body.get("sealed_at") or body.get("finished_at"),
                "body": {k: v for k, v in body.items() if k != "_attachments"},
            }
        )
    return out


_ANSWER_FIELDS = ["rev", "inspection", "item_code", "value", "note", "author", "device_id", "answered_at", "problem"]
_QT_FIELDS = [
    "rev", "inspection", "item_code", "method", "inputs", "instrument", "measured_at", "author", "device_id",
    "verdict", "result", "limit", "basis", "error", "device_verdict", "verdict_differs",
]
_CLOSEOUT_FIELDS = ["rev", "finished_at", "summary", "representative", "author", "has_signature"]


# Revisions are recorded once per (doc_id, rev); current-state rows are set from the winning revision.
_REVISIONS = Upsert(model=FieldRevision)
_CURRENT = {
    FieldDocType.ANSWER: Upsert(model=Answer, conflict=("doc_id",), update=tuple(_ANSWER_FIELDS)),
    FieldDocType.QUICKTEST: Upsert(model=QuickTest, conflict=("doc_id",), update=tuple(_QT_FIELDS)),
}


def _prepare_params(p: _Prepared) -> None:
    """The statements' parameters for a prepared change: its revisions and, for answers and quick
    tests, its current-state row (computed before the write transaction)."""
    revisions = [
        FieldRevision(doc_id=p.doc_id, rev=p.rev, doc_type=p.doc_type, inspection_id=p.inspection_id,
                      body=_strip(p.change.doc), deleted=p.deleted, author=p.author)
    ]
    for body in p.change.conflict_docs:
        if body.get("_rev"):
            revisions.append(
                FieldRevision(doc_id=p.doc_id, rev=str(body["_rev"]), doc_type=p.doc_type,
                              inspection_id=p.inspection_id, body=_strip(body),
                              deleted=bool(body.get("_deleted")), author=_text(body, "author", 150))
            )
    p.revision_params = [_REVISIONS.row(r) for r in revisions]
    if p.row is not None and p.doc_type in _CURRENT:
        p.row_params = _CURRENT[p.doc_type].row(p.row)


def _apply(items: list[_Prepared]) -> None:
    """Write prepared changes (bulk where it pays). Raises DatabaseError on failure."""
    if not items:
        return
    _REVISIONS.execute([row for p in items for row in p.revision_params])

    by_type: dict[str, list[_Prepared]] = {}
    for p in items:
        by_type.setdefault(p.doc_type, []).append(p)
    model_for = {
        FieldDocType.ANSWER: Answer, FieldDocType.PHOTO: Photo, FieldDocType.QUICKTEST: QuickTest,
        FieldDocType.SAMPLE: Sample, FieldDocType.CLOSEOUT: Closeout,
    }
    for doc_type, group in by_type.items():
        deleted_ids = [p.doc_id for p in group if p.deleted]
        if deleted_ids and doc_type == FieldDocType.SAMPLE:
            # A sample already in the laboratory's hands keeps its custody record; it is flagged instead.
            for sample in Sample.objects.filter(doc_id__in=deleted_ids):
                if sample.custody_state == CustodyState.SEALED:
                    sample.delete()
                elif "sample_doc_deleted" not in sample.flags:
                    sample.flags = sorted([*sample.flags, "sample_doc_deleted"])
                    sample.save(update_fields=["flags"])
        elif deleted_ids:
            model_for[doc_type].objects.filter(doc_id__in=deleted_ids).delete()
        live = [p for p in group if not p.deleted]
        if not live:
            continue
        if doc_type in _CURRENT:
            _CURRENT[doc_type].execute([p.row_params for p in live])
        elif doc_type == FieldDocType.CLOSEOUT:
            for p in live:
                Closeout.objects.filter(inspection_id=p.inspection_id).exclude(doc_id=p.doc_id).delete()
            Closeout.objects.bulk_create([p.row for p in live], update_conflicts=True, unique_fields=["doc_id"],
                                         update_fields=_CLOSEOUT_FIELDS, batch_size=500)
        elif doc_type == FieldDocType.PHOTO:
            _apply_photos(live)
        elif doc_type == FieldDocType.SAMPLE:
            for p in live:
                _apply_sample(p)

    # Risk (contract §12): a quick test's verdict is a signal of its enterprise. Marked here, recomputed
    # once for all the batches since by the reconciler's periodic job or the next reader (a recompute
    # reads every failed test of the enterprise: per batch of a backlog, its cost would grow with them).
    quicktest_inspections = {p.inspection_id for p in by_type.get(FieldDocType.QUICKTEST, [])}
    if quicktest_inspections:
        from server.credit import risk

        risk.mark_for_inspections(inspection_ids=quicktest_inspections)

    # Conflicts: open while the store reports _conflicts for the doc.
    with_conflicts = [p for p in items if p.change.doc.get("_conflicts") and not p.deleted]
    without = [p.doc_id for p in items if not (p.change.doc.get("_conflicts") and not p.deleted)]
    if without:
        DocConflict.objects.filter(doc_id__in=without).delete()
    for p in with_conflicts:
        DocConflict.objects.update_or_create(
            doc_id=p.doc_id,
            defaults={"doc_type": p.doc_type, "inspection_id": p.inspection_id, "winning_rev": p.rev,
                      "revisions": _conflict_revisions(p.change)},
        )


def _strip(body: dict) -> dict:
    """The revision body as kept: attachment stubs keep their metadata, never inline data."""
    out = dict(body)
    atts = out.get("_attachments")
    if isinstance(atts, dict):
        out["_attachments"] = {
            name: {k: v for k, v in (meta or {}).items() if k != "data"} for name, meta in atts.items()
        }
    return out


def _apply_photos(live: list[_Prepared]) -> None:
    existing = {p.doc_id: p for p in Photo.objects.filter(doc_id__in=[x.doc_id for x in live])}
    for p in live:
        row: Photo = p.row
        old = existing.get(p.doc_id)
        if old is None:
            row.status = PhotoStatus.PENDING
            row.save()
            continue
        same_image = old.sha256 == row.sha256 and old.has_attachment == row.has_attachment
        for name in ("rev", "item_code", "taken_at", "sha256", "caption", "author", "device_id", "has_attachment"):
            setattr(old, name, getattr(row, name))
        old.inspection_id = row.inspection_id
        if not same_image or old.status == PhotoStatus.AWAITING_BLOB:
            old.status, old.attempts, old.next_attempt_at, old.error = PhotoStatus.PENDING, 0, None, ""
        old.save()


def _label_flags(*, sample: Sample, inspection: Inspection, author_jurisdiction: str | None) -> tuple[Label | None, list[str]]:
    from media.labels import parse_label_code

    from server.accounts import jurisdictions

    flags: list[str] = []
    try:
        code = str(parse_label_code(sample.label_code)["code"])
    except ValueError:
        return None, ["label_invalid"]
    sample.label_code = code
    if sample.doc_id != f"sample:{code}":
        flags.append("label_doc_id_mismatch")
    label = Label.objects.select_related("batch").filter(code=code).first()
    if label is None:
        flags.append("label_not_issued")
        return None, flags
    batch = label.batch
    ok = False
    if batch.inspector_id is not None:
        ok = any(u.pk == batch.inspector_id for u in inspection.inspectors.all()) and (
            not sample.author or batch.inspector.username == sample.author
        )
    else:
        target = author_jurisdiction or inspection.enterprise.jurisdiction_id
        ok = jurisdictions.covers(ancestor=batch.jurisdiction_id, code=target)
    if not ok:
        flags.append("label_not_issued_to_inspector")
    return label, flags


def _apply_sample(p: _Prepared) -> None:
    from server.accounts.models import User

    row: Sample = p.row
    inspection = Inspection.objects.select_related("enterprise").get(pk=p.inspection_id)
    author = User.objects.filter(username=row.author).only("jurisdiction_id").first() if row.author else None
    label, flags = _label_flags(sample=row, inspection=inspection, author_jurisdiction=author.jurisdiction_id if author else None)
    # The same label on another sample doc (another doc id with the same code) is a reuse.
    other = Sample.objects.filter(label_code=row.label_code).exclude(doc_id=row.doc_id).first()
    if other is not None:
        flags.append("label_used_twice")
        row.label_code = f"{row.label_code}#{row.doc_id}"[:40]  # keep both rows; the code stays unique
        Sample.objects.filter(pk=other.pk).update(flags=sorted(set(other.flags) | {"label_used_twice"}))
    if p.change.conflict_docs and _conflict_inspections(p.change):
        flags.append("label_used_twice")
    existing = Sample.objects.filter(doc_id=row.doc_id).first()
    if existing is not None and existing.inspection_id != row.inspection_id:
        flags.append("label_used_twice")
    row.label = label
    row.flags = sorted(set(flags))
    if existing is not None:
        row.pk = existing.pk
        row.custody_state = existing.custody_state
        row.save()
    else:
        row.save()
    if not row.custody_events.filter(state=CustodyState.SEALED).exists():
        CustodyEvent.objects.create(sample=row, state=CustodyState.SEALED, at=_parse_time(row.sealed_at) or timezone.now(),
                                    actor_name=row.author)


def _conflict_inspections(change: FieldChange) -> bool:
    """True when conflicting revisions of a sample name different inspections (label used twice)."""
    ids = {change.doc.get("inspection_id")} | {d.get("inspection_id") for d in change.conflict_docs}
    return len(ids) > 1


def _parse_time(value: str):
    from django.utils.dateparse import parse_datetime

    try:
        moment = parse_datetime(value) if value else None
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _inspection_of_deleted(doc_ids: list[str]) -> dict[str, str]:
    rows = FieldRevision.objects.filter(doc_id__in=doc_ids).values_list("doc_id", "inspection_id")
    return {doc_id: str(inspection_id) for doc_id, inspection_id in rows}


@dataclass
class PreparedFold:
    """A batch checked and turned into rows (`prepare_fold`), ready to write (`apply_fold`)."""

    prepared: list[_Prepared]
    errors: dict[str, str] = field(default_factory=dict)
    skipped: int = 0


def fold_field_docs(*, changes: list[FieldChange]) -> FoldOutcome:
    """Fold a batch of field-document changes. Must run inside a transaction (the caller's)."""
    return apply_fold(prepared=prepare_fold(changes=changes))


def prepare_fold(*, changes: list[FieldChange]) -> PreparedFold:
    """Check a batch and compute what it writes (quick-test verdicts included): reads only, so the
    reconciler runs it before taking SQL's write lock (on SQLite, all of the database), which it then
    holds only for `apply_fold`'s writes."""
    field_changes = []
    skipped = 0
    for change in changes:
        if is_field_doc(change.doc):
            field_changes.append(change)
        else:
            skipped += 1
    out = PreparedFold(prepared=[], skipped=skipped)
    if not field_changes:
        return out

    deleted_ids = [c.doc_id for c in field_changes if c.doc.get("_deleted")]
    deleted_owner = _inspection_of_deleted(deleted_ids) if deleted_ids else {}
    wanted_ids: dict[int, str] = {}
    for change in field_changes:
        if change.doc.get("_deleted"):
            wanted_ids[id(change)] = deleted_owner.get(change.doc_id, "")
        else:
            wanted_ids[id(change)] = str(change.doc.get("inspection_id") or "")
    inspections = _inspections([v for v in wanted_ids.values() if v])

    prepared: list[_Prepared] = []
    for change in field_changes:
        inspection_id = wanted_ids[id(change)]
        if change.doc.get("_deleted") and not inspection_id:
            out.skipped += 1  # a deletion of a doc never folded: nothing to remove
            continue
        try:
            p = _prepare(change, inspections.get(inspection_id), inspection_id)
            _prepare_params(p)
            prepared.append(p)
        except FoldError as exc:
            out.errors[change.doc_id] = str(exc)
        except Exception as exc:  # noqa: BLE001 - a bad doc never stops the batch
            log.exception("preparing %s", change.doc_id)
            out.errors[change.doc_id] = f"{exc.__class__.__name__}: {exc}"

    # Keep only the last change per doc id in this batch (a feed lists each doc once, but be safe).
    last: dict[str, _Prepared] = {}
    for p in prepared:
        last[p.doc_id] = p
    out.prepared = list(last.values())
    return out


def apply_fold(*, prepared: PreparedFold) -> FoldOutcome:
    """Write a prepared batch. Must run inside a transaction (the caller's)."""
    outcome = FoldOutcome(skipped=prepared.skipped, errors=dict(prepared.errors))
    prepared = prepared.prepared
    if not prepared:
        return outcome
    seen = set(
        FieldRevision.objects.filter(doc_id__in=[p.doc_id for p in prepared]).values_list("doc_id", "rev")
    )
    for p in prepared:
        p.new = (p.doc_id, p.rev) not in seen

    ok: list[_Prepared] = []
    try:
        with transaction.atomic():
            _apply(prepared)
        ok = prepared
    except DatabaseError:
        log.warning("bulk fold failed; folding %d changes one by one", len(prepared), exc_info=True)
        for p in prepared:
            try:
                with transaction.atomic():
                    _apply([p])
                ok.append(p)
            except Exception as exc:  # noqa: BLE001
                outcome.errors[p.doc_id] = f"{exc.__class__.__name__}: {exc}"

    outcome.applied = len(ok)
    outcome.new_revisions = sum(1 for p in ok if p.new)
    per_inspection: dict[str, dict[str, bool]] = {}
    for p in ok:
        flags = per_inspection.setdefault(p.inspection_id, {"new": False, "new_closeout": False, "new_other": False,
                                                             "closeout_deleted": False})
        if p.new:
            flags["new"] = True
            if p.doc_type == FieldDocType.CLOSEOUT and not p.deleted:
                flags["new_closeout"] = True
            else:
                flags["new_other"] = True
        if p.doc_type == FieldDocType.CLOSEOUT and p.deleted:
            flags["closeout_deleted"] = True
    dossiers_refresh(flags_by_inspection=per_inspection)
    outcome.touched_inspections = set(per_inspection)
    return outcome


def _inspections(ids: list[str]) -> dict[str, Inspection]:
    import uuid

    valid = []
    for value in set(ids):
        try:
            valid.append(uuid.UUID(value))
        except (ValueError, AttributeError, TypeError):
            continue
    return {str(i.pk): i for i in Inspection.objects.filter(pk__in=valid).only("id", "checklist_id", "enterprise_id")}


def dossier_refresh(
    *,
    inspection_id: str,
    new: bool = False,
    new_closeout: bool = False,
    new_other: bool = False,
    closeout_deleted: bool = False,
) -> Dossier:
    """Recompute completeness and status (rule in README.md "Status rule")."""
    flags = {"new": new, "new_closeout": new_closeout, "new_other": new_other, "closeout_deleted": closeout_deleted}
    return dossiers_refresh(flags_by_inspection={inspection_id: flags})[str(inspection_id)]


def dossiers_refresh(*, flags_by_inspection: dict[str, dict[str, bool]]) -> dict[str, Dossier]:
    """`dossier_refresh` for every dossier a fold touched, with the reads grouped: the inspections,
    their dossiers and their completeness in five queries however many there are, then one UPDATE
    each. Returns the dossiers by inspection id (text)."""
    if not flags_by_inspection:
        return {}
    flags_by_inspection = {str(key): flags for key, flags in flags_by_inspection.items()}
    inspections = {str(i.pk): i for i in Inspection.objects.only("id", "checklist_id")
                   .filter(pk__in=list(flags_by_inspection))}
    missing = set(flags_by_inspection) - set(inspections)
    if missing:
        raise Inspection.DoesNotExist(f"inspections {sorted(missing)[:3]} do not exist")
    dossiers = {str(d.inspection_id): d for d in Dossier.objects.filter(inspection_id__in=list(inspections))}
    for key, inspection in inspections.items():
        if key not in dossiers:
            dossiers[key], _ = Dossier.objects.get_or_create(inspection=inspection)
    comps = completeness_mod.compute_many(inspections=list(inspections.values()))
    now = timezone.now()
    for key, flags in flags_by_inspection.items():
        dossier = dossiers[key]
        _next_state(dossier, comps[inspections[key].pk], now, **flags)
        # A queryset update, not save(): no post_save signal per fold. The sync publisher picks up the
        # changed dossier (updated_at) in publish_all_pending, which the reconciler runs every ~5 s.
        Dossier.objects.filter(pk=dossier.pk).update(
            status=dossier.status, completeness=dossier.completeness, closed_out_at=dossier.closed_out_at,
            first_field_doc_at=dossier.first_field_doc_at, last_field_doc_at=dossier.last_field_doc_at,
            updated_at=now,
        )
    return dossiers


def _next_state(dossier: Dossier, comp: dict, now, *, new: bool = False, new_closeout: bool = False,
                new_other: bool = False, closeout_deleted: bool = False) -> None:
    """The status rule (README.md "Status rule"), applied to `dossier` in memory."""
    from .models import DossierStatus

    dossier.completeness = comp
    has_field_docs = dossier.first_field_doc_at is not None or new
    if new:
        dossier.first_field_doc_at = dossier.first_field_doc_at or now
        dossier.last_field_doc_at = now
    if closeout_deleted and not new_closeout:
        dossier.closed_out_at = None
    status = dossier.status
    if status == DossierStatus.APPROVED:
        pass
    elif status == DossierStatus.RETURNED:
        if new_closeout:
            dossier.closed_out_at = now
            dossier.status = DossierStatus.SUBMITTED if not comp["missing"] else DossierStatus.INCOMPLETE
        elif new_other:
            dossier.closed_out_at = None
            dossier.status = DossierStatus.IN_PROGRESS
    else:
        if new_closeout:
            dossier.closed_out_at = now
        if not has_field_docs:
            dossier.status = DossierStatus.ASSIGNED
        elif dossier.closed_out_at is not None:
            dossier.status = DossierStatus.SUBMITTED if not comp["missing"] else DossierStatus.INCOMPLETE
        else:
            dossier.status = DossierStatus.IN_PROGRESS
    dossier.updated_at = now
