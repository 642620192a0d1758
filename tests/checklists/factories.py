"""Builders for quick-test inputs and checklist documents used across the checklist tests."""

from __future__ import annotations

import copy
from typing import Any


def conductor_inputs(**overrides: Any) -> dict[str, Any]:
    inputs = {
        "material": "copper",
        "coated": False,
        "conductor_class": 2,
        "cross_section_mm2": 2.5,
        "length_m": 1000,
        "measured_ohm": 7.0,
        "temperature_c": 20,
    }
    inputs.update(overrides)
    return {k: v for k, v in inputs.items() if v is not _DROP}


_DROP = object()
DROP = _DROP


def item(**overrides: Any) -> dict[str, Any]:
    base = {"code": "x-1", "prompt": "检查项", "kind": "boolean", "required": True, "photo_required": False, "basis": "依据"}
    base.update(overrides)
    return base


def checklist_doc(*, category: str = "wire-cable", version: int = 1, items: list[dict] | None = None) -> dict[str, Any]:
    return {
        "_id": f"checklist:{category}:{version}",
        "type": "checklist",
        "category": category,
        "version": version,
        "title": "测试检查表",
        "sections": [{"code": "s1", "title": "第一部分", "items": copy.deepcopy(items) if items is not None else [item()]}],
    }
