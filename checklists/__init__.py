"""Checklist definitions, their schema and the quick-test engine (plain Python, no Django).

Public API:
    load_all() -> list[dict]                 every checklist document (all versions), cached
    get(checklist_id) -> dict | None
    latest_for(category) -> dict | None
    find_item(doc, item_code) -> dict | None
    validate_answer_value(*, item, value) -> str | None
    validate_definitions(...) -> list[dict]  authoring check, drafts allowed
    record_published(...) -> list[str]       record new versions in published.json
    engine.evaluate / engine.methods / engine.method_tables / engine.InputError
"""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import engine
from .answers import validate_answer_value
from .categories import CATEGORIES, CATEGORY_LABELS, DOMAINS, KINDS
from .schema import ChecklistDefinitionError, validate_document
from .store import (
    DEFINITIONS_DIR,
    PUBLISHED_PATH,
    canonical_json,
    document_sha256,
    load_definitions,
    read_published,
)
from .store import record_published as _record_published

__all__ = [
    "CATEGORIES", "CATEGORY_LABELS", "DOMAINS", "KINDS", "DEFINITIONS_DIR", "PUBLISHED_PATH",
    "ChecklistDefinitionError", "canonical_json", "clear_cache", "document_sha256", "engine", "find_item",
    "get", "latest_for", "load_all", "read_published", "record_published", "validate_answer_value",
    "validate_definitions", "validate_document",
]


@lru_cache(maxsize=1)
def _published_docs() -> tuple[dict[str, Any], ...]:
    return tuple(load_definitions())


def clear_cache() -> None:
    _published_docs.cache_clear()


def load_all() -> list[dict]:
    """Every published checklist document (latest and older versions), sorted by category and version.

    Raises ChecklistDefinitionError when a definition is invalid, unrecorded or changed after publication.
    """
    return copy.deepcopy(list(_published_docs()))


def get(checklist_id: str) -> dict | None:
    for doc in _published_docs():
        if doc["_id"] == checklist_id:
            return copy.deepcopy(doc)
    return None


def latest_for(category: str) -> dict | None:
    candidates = [doc for doc in _published_docs() if doc["category"] == category]
    if not candidates:
        return None
    return copy.deepcopy(max(candidates, key=lambda doc: doc["version"]))


def find_item(doc: dict, item_code: str) -> dict | None:
    for section in doc.get("sections", []):
        for item in section.get("items", []):
            if item.get("code") == item_code:
                return item
    return None


def validate_definitions(*, directory: Path | None = None, published_path: Path | None = None) -> list[dict]:
    """Validate every definition file, drafts included; raise ChecklistDefinitionError listing all problems."""
    return load_definitions(directory=directory, published_path=published_path, allow_unpublished=True)


def record_published(*, directory: Path | None = None, published_path: Path | None = None) -> list[str]:
    """Record every new, valid definition in published.json; return the ids recorded. Clears the cache."""
    new_ids = _record_published(directory=directory, published_path=published_path)
    clear_cache()
    return new_ids
