"""Completeness of a dossier against its checklist (contract §6).

An item is complete when:
- required answer items (boolean/choice/number/text) have an answer whose value fits the item;
- required quick-test items have a quick test with a server verdict (pass, fail or invalid);
- photo-required items (when required, or when answered) have a verified photo with that item code.

`{"required": <count of items that must be completed>, "answered": <how many are>,
  "missing": [item codes], "details": {item_code: ["answer" | "quicktest" | "photo"]}}`
"""
from __future__ import annotations

import functools

import checklists

from server.inspections.models import Inspection

from .models import Answer, Photo, PhotoStatus, QuickTest


@functools.lru_cache(maxsize=64)
def checklist_items(checklist_id: str) -> tuple[dict, ...]:
    doc = checklists.get(checklist_id)
    if doc is None:
        return ()
    return tuple(item for section in doc.get("sections", []) for item in section.get("items", []))


def compute(*, inspection: Inspection) -> dict:
    items = checklist_items(inspection.checklist_id)
    answered = set(
        Answer.objects.filter(inspection_id=inspection.pk, problem="").values_list("item_code", flat=True)
    )
    tested = set(
        QuickTest.objects.filter(inspection_id=inspection.pk).exclude(verdict="").values_list("item_code", flat=True)
    )
    photographed = set(
        Photo.objects.filter(inspection_id=inspection.pk, status=PhotoStatus.VERIFIED).values_list("item_code", flat=True)
    )
    details: dict[str, list[str]] = {}
    counted = 0
    for item in items:
        code = item["code"]
        is_qt = item.get("kind") == "quicktest"
        done = code in (tested if is_qt else answered)
        needs = []
        if item.get("required"):
            if not done:
                needs.append("quicktest" if is_qt else "answer")
        if item.get("photo_required") and (item.get("required") or done) and code not in photographed:
            needs.append("photo")
        if item.get("required") or (item.get("photo_required") and done):
            counted += 1
        if needs:
            details[code] = needs
    missing = [item["code"] for item in items if item["code"] in details]
    return {"required": counted, "answered": counted - len(missing), "missing": missing, "details": details}
