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
    return compute_many(inspections=[inspection])[inspection.pk]


def compute_many(*, inspections: list[Inspection]) -> dict:
    """Completeness of several dossiers, keyed by inspection pk: three queries in all (the reconciler
    refreshes every dossier a batch touched at once)."""
    ids = [i.pk for i in inspections]
    answered: dict = {pk: set() for pk in ids}
    tested: dict = {pk: set() for pk in ids}
    photographed: dict = {pk: set() for pk in ids}
    if ids:
        for pk, code in Answer.objects.filter(inspection_id__in=ids, problem="").values_list("inspection_id", "item_code"):
            answered[pk].add(code)
        for pk, code in (QuickTest.objects.filter(inspection_id__in=ids).exclude(verdict="")
                         .values_list("inspection_id", "item_code")):
            tested[pk].add(code)
        for pk, code in (Photo.objects.filter(inspection_id__in=ids, status=PhotoStatus.VERIFIED)
                         .values_list("inspection_id", "item_code")):
            photographed[pk].add(code)
    return {i.pk: _against(checklist_items(i.checklist_id), answered[i.pk], tested[i.pk], photographed[i.pk])
            for i in inspections}


def _against(items, answered: set, tested: set, photographed: set) -> dict:
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
