"""Quick-test engine: named methods that turn on-site measurements into a verdict.

    evaluate(method=..., inputs={...}) -> {"verdict": "pass"|"fail"|"invalid", "result", "limit", "basis"}

Malformed requests raise InputError(field, message); well-formed inputs that are physically out of
range or not in a table give verdict "invalid" with {"field", "reason"} as result.
"""

from __future__ import annotations

import copy
from types import ModuleType
from typing import Any

from . import (
    conductor_resistance,
    ex_marking,
    food_paper_fluorescence,
    grinding_wheel_marking,
    insulation_thickness,
    strand_count,
    un_packaging_mark,
)
from .errors import InputError

__all__ = ["InputError", "check_inputs", "evaluate", "methods", "method_tables", "method_names"]

_REGISTRY: dict[str, ModuleType] = {
    module.NAME: module
    for module in (
        conductor_resistance,
        insulation_thickness,
        strand_count,
        ex_marking,
        grinding_wheel_marking,
        un_packaging_mark,
        food_paper_fluorescence,
    )
}


def method_names() -> list[str]:
    return sorted(_REGISTRY)


def _module(method: Any) -> ModuleType:
    if not isinstance(method, str):
        raise InputError("method", f"必须是字符串，收到 {type(method).__name__}")
    module = _REGISTRY.get(method)
    if module is None:
        raise InputError("method", f"未知的快检方法 {method!r}；可用方法：{', '.join(method_names())}")
    return module


def evaluate(*, method: str, inputs: dict) -> dict:
    """Judge one quick test. Raises InputError naming "method" or "inputs.<name>"."""
    return _module(method).evaluate(inputs)


def check_inputs(*, method: str, inputs: dict) -> None:
    """Raise the InputError `evaluate` would raise, without judging: each method reads all its inputs
    before it computes anything, so the same inputs pass both or fail both with the same error."""
    _module(method).read_inputs(inputs)


def methods() -> dict[str, dict]:
    """Each method's title, category, standard, inputs (type, unit, options), outputs and a table summary."""
    out = {}
    for name, module in _REGISTRY.items():
        description = copy.deepcopy(module.DESCRIPTION)
        description["tables"] = module.table_summary()
        out[name] = description
    return out


def method_tables(method: str) -> dict:
    """The full data tables a method judges against (with sources), e.g. for provisional offline verdicts."""
    return copy.deepcopy(_module(method).tables())
