"""Typed readers for quick-test inputs; each raises InputError naming ``inputs.<name>``."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import InputError

_MISSING = object()


def _field(name: str) -> str:
    return f"inputs.{name}"


def check_keys(inputs: Any, *, allowed: Iterable[str]) -> Mapping[str, Any]:
    """The inputs must be an object whose keys are all known to the method."""
    if not isinstance(inputs, Mapping):
        raise InputError("inputs", "必须是对象（JSON object）")
    allowed_set = set(allowed)
    for key in inputs:
        if not isinstance(key, str) or key not in allowed_set:
            raise InputError(_field(str(key)), f"未知的输入项；允许的输入项：{', '.join(sorted(allowed_set))}")
    return inputs


def _get(inputs: Mapping[str, Any], name: str, required: bool) -> Any:
    value = inputs.get(name, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise InputError(_field(name), "缺少必填输入项")
        return _MISSING
    return value


def number(inputs: Mapping[str, Any], name: str, *, required: bool = True) -> float | None:
    """A finite int or float (booleans refused)."""
    value = _get(inputs, name, required)
    if value is _MISSING:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(_field(name), f"必须是数值，收到 {type(value).__name__}")
    if not math.isfinite(value):
        raise InputError(_field(name), "必须是有限数值")
    return value


def integer(inputs: Mapping[str, Any], name: str, *, required: bool = True) -> int | None:
    value = _get(inputs, name, required)
    if value is _MISSING:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(_field(name), f"必须是整数，收到 {type(value).__name__}")
    return value


def boolean(inputs: Mapping[str, Any], name: str, *, required: bool = True) -> bool | None:
    value = _get(inputs, name, required)
    if value is _MISSING:
        return None
    if not isinstance(value, bool):
        raise InputError(_field(name), f"必须是布尔值 true/false，收到 {type(value).__name__}")
    return value


def text(inputs: Mapping[str, Any], name: str, *, required: bool = True, max_length: int = 200) -> str | None:
    value = _get(inputs, name, required)
    if value is _MISSING:
        return None
    if not isinstance(value, str):
        raise InputError(_field(name), f"必须是字符串，收到 {type(value).__name__}")
    if len(value) > max_length:
        raise InputError(_field(name), f"不得超过 {max_length} 个字符")
    return value


def choice(inputs: Mapping[str, Any], name: str, *, options: Iterable[Any], required: bool = True) -> Any:
    value = _get(inputs, name, required)
    if value is _MISSING:
        return None
    opts = list(options)
    if isinstance(value, bool) or value not in opts:
        raise InputError(_field(name), f"取值必须是 {' | '.join(str(o) for o in opts)} 之一，收到 {value!r}")
    return value


def number_list(inputs: Mapping[str, Any], name: str, *, max_items: int = 1000) -> list[float]:
    value = _get(inputs, name, True)
    if not isinstance(value, list):
        raise InputError(_field(name), f"必须是数值列表，收到 {type(value).__name__}")
    if not value:
        raise InputError(_field(name), "至少需要一个测量值")
    if len(value) > max_items:
        raise InputError(_field(name), f"测量值不得超过 {max_items} 个")
    for index, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, (int, float)):
            raise InputError(f"{_field(name)}[{index}]", f"必须是数值，收到 {type(item).__name__}")
        if not math.isfinite(item):
            raise InputError(f"{_field(name)}[{index}]", "必须是有限数值")
    return list(value)


def string_list(inputs: Mapping[str, Any], name: str, *, required: bool = True, max_items: int = 10) -> list[str] | None:
    value = _get(inputs, name, required)
    if value is _MISSING:
        return None
    if not isinstance(value, list):
        raise InputError(_field(name), f"必须是字符串列表，收到 {type(value).__name__}")
    if len(value) > max_items:
        raise InputError(_field(name), f"不得超过 {max_items} 项")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise InputError(f"{_field(name)}[{index}]", f"必须是字符串，收到 {type(item).__name__}")
    return list(value)
