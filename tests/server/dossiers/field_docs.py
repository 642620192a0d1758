"""Builders of field documents (contract §5) as tablets send them, and a fold helper."""
from __future__ import annotations

import hashlib
import itertools
import uuid

from django.db import transaction

_revs = itertools.count(1)


def rev(n: int = 1) -> str:
    return f"{n}-{uuid.uuid4().hex}"


def _base(doc_type: str, inspection, author: str, doc_id: str, **fields) -> dict:
    doc = {"_id": doc_id, "_rev": fields.pop("_rev", rev()), "type": doc_type, "inspection_id": str(inspection.pk),
           "author": author, "device_id": "tablet-1"}
    doc.update(fields)
    return doc


def answer(inspection, item_code: str, value, *, author: str, answered_at: str = "2019-07-01T10:00:00+08:00", **kw) -> dict:
    return _base("answer", inspection, author, f"answer:{inspection.pk}:{item_code}", item_code=item_code,
                 value=value, note=kw.pop("note", ""), answered_at=answered_at, **kw)


def photo(inspection, *, author: str, data: bytes | None = None, sha256: str | None = None, item_code: str = "",
          attach: bool = True, **kw) -> dict:
    doc = _base("photo", inspection, author, kw.pop("_id", f"photo:{uuid.uuid4()}"), item_code=item_code,
                taken_at=kw.pop("taken_at", "2019-07-01T10:05:00+08:00"),
                sha256=sha256 or (hashlib.sha256(data).hexdigest() if data is not None else ""), caption="", **kw)
    if attach and data is not None:
        doc["_attachments"] = {"image": {"content_type": "image/jpeg", "stub": True, "length": len(data)}}
    return doc


def quicktest(inspection, *, author: str, item_code: str = "cr-1", method: str = "conductor-resistance",
              inputs: dict | None = None, device_verdict: str | None = None, **kw) -> dict:
    inputs = inputs if inputs is not None else {
        "material": "copper", "coated": False, "conductor_class": 1, "cross_section_mm2": 2.5,
        "length_m": 10, "measured_ohm": 0.07, "temperature_c": 20,
    }
    doc = _base("quicktest", inspection, author, kw.pop("_id", f"quicktest:{uuid.uuid4()}"), item_code=item_code,
                method=method, inputs=inputs, instrument={"model": "QJ57", "serial": "A1"},
                measured_at="2019-07-01T10:30:00+08:00", **kw)
    if device_verdict is not None:
        doc["device_verdict"] = device_verdict
    return doc


def sample(inspection, label_code: str, *, author: str, **kw) -> dict:
    return _base("sample", inspection, author, f"sample:{label_code}", label_code=label_code,
                 product={"name": "聚氯乙烯绝缘电线", "model": "BV", "batch": "B1", "brand": "X", "manufacturer": "Y",
                          "production_date": "2019-06-01", "scanned_code": ""},
                 quantity=2, unit="卷", sealed_at="2019-07-01T11:00:00+08:00", photo_ids=[], **kw)


def closeout(inspection, *, author: str, **kw) -> dict:
    return _base("closeout", inspection, author, f"closeout:{inspection.pk}", finished_at="2019-07-01T12:00:00+08:00",
                 summary="现场检查完成", representative={"name": "张三", "title": "厂长"}, **kw)


def fold(*docs, conflicts: dict[str, list[dict]] | None = None):
    """Fold docs (as one batch, in one transaction, like the reconciler)."""
    from server.dossiers.services import FieldChange, fold_field_docs

    conflicts = conflicts or {}
    with transaction.atomic():
        return fold_field_docs(changes=[FieldChange(doc=d, conflict_docs=conflicts.get(d["_id"], [])) for d in docs])


def required_answers(inspection, *, author: str) -> list[dict]:
    """Answers for every required non-quicktest item of the inspection's checklist (valid values)."""
    from server.dossiers.completeness import checklist_items

    docs = []
    for item in checklist_items(inspection.checklist_id):
        if not item.get("required") or item["kind"] == "quicktest":
            continue
        value = {"boolean": True, "number": 1.5, "text": "ok"}.get(item["kind"])
        if item["kind"] == "choice":
            value = item["options"][0]["value"]
        docs.append(answer(inspection, item["code"], value, author=author))
    return docs
