"""Reads over the jurisdiction tree. The tree is small (a province has a few hundred codes), so the
whole parent map is cached per process and refreshed when it changes."""
from __future__ import annotations

import threading

from .models import Jurisdiction

_lock = threading.Lock()
_cache: dict[str, str | None] | None = None


def _parents() -> dict[str, str | None]:
    global _cache
    with _lock:
        if _cache is None:
            _cache = dict(Jurisdiction.objects.values_list("code", "parent_id"))
        return _cache


def invalidate_cache() -> None:
    global _cache
    with _lock:
        _cache = None


def ancestors_of(*, code: str) -> list[str]:
    """The code itself and every code above it, nearest first."""
    parents = _parents()
    if code not in parents:
        invalidate_cache()
        parents = _parents()
    chain: list[str] = []
    current: str | None = code
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


def covers(*, ancestor: str | None, code: str | None) -> bool:
    """Whether jurisdiction `ancestor` includes `code` (itself or anything below it)."""
    if not ancestor or not code:
        return False
    return ancestor in ancestors_of(code=code)


def descendants_of(*, code: str) -> set[str]:
    """The code itself and every code below it."""
    parents = _parents()
    children: dict[str, list[str]] = {}
    for child, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)
    result: set[str] = set()
    stack = [code]
    while stack:
        current = stack.pop()
        if current in result:
            continue
        result.add(current)
        stack.extend(children.get(current, []))
    return result
