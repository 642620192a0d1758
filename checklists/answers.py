"""Checking the value of an ``answer`` document against its checklist item."""

from __future__ import annotations

import math
from typing import Any

MAX_TEXT_LENGTH = 2000


def validate_answer_value(*, item: dict, value: Any) -> str | None:
    """An error message when ``value`` does not fit the item's kind, else None."""
    kind = item.get("kind")
    code = item.get("code")
    if kind == "boolean":
        if not isinstance(value, bool):
            return f"检查项 {code} 为是/否题，value 必须是 true 或 false，收到 {type(value).__name__}"
        return None
    if kind == "choice":
        allowed = [option["value"] for option in item.get("options", [])]
        if isinstance(value, bool) or not isinstance(value, str) or value not in allowed:
            return f"检查项 {code} 为选择题，value 必须是 {' | '.join(allowed)} 之一，收到 {value!r}"
        return None
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"检查项 {code} 为数值题（{item.get('unit', '')}），value 必须是数值，收到 {type(value).__name__}"
        if not math.isfinite(value):
            return f"检查项 {code} 的 value 必须是有限数值"
        return None
    if kind == "text":
        if not isinstance(value, str):
            return f"检查项 {code} 为文字题，value 必须是字符串，收到 {type(value).__name__}"
        if len(value) > MAX_TEXT_LENGTH:
            return f"检查项 {code} 的 value 不得超过 {MAX_TEXT_LENGTH} 个字符（收到 {len(value)} 个）"
        return None
    if kind == "quicktest":
        return f"检查项 {code} 为快检项，应提交 quicktest 文档（method {item.get('method')!r}），不能用 answer 作答"
    return f"检查项 {code} 的类型 {kind!r} 未知"
