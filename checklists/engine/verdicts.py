"""Shapes of the engine's answer: {"verdict", "result", "limit", "basis"}."""

from __future__ import annotations

from typing import Any

PASS = "pass"
FAIL = "fail"
INVALID = "invalid"


def verdict(*, verdict: str, result: Any, limit: Any, basis: str) -> dict[str, Any]:
    return {"verdict": verdict, "result": result, "limit": limit, "basis": basis}


def invalid(*, field: str, reason: str, basis: str, limit: Any = None) -> dict[str, Any]:
    """Well-formed inputs that cannot be judged: out of physical range or not in the table."""
    return verdict(verdict=INVALID, result={"field": field, "reason": reason}, limit=limit, basis=basis)
