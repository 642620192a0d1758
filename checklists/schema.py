"""Validation of checklist documents (contract §4) with errors naming the file and the item at fault."""

from __future__ import annotations

import re
from typing import Any

from .categories import CATEGORIES, DOMAINS, KINDS
from .engine import method_names

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
TOP_KEYS = {"_id", "type", "category", "version", "title", "sections"}
SECTION_KEYS = {"code", "title", "items"}
ITEM_KEYS = {"code", "prompt", "kind", "required", "photo_required", "options", "unit", "method", "basis", "domains"}
MAX_TEXT = 2000


class ChecklistDefinitionError(ValueError):
    """One or more checklist definitions are invalid; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = list(errors)


def _nonempty_str(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip()) and len(value) <= MAX_TEXT


def validate_document(doc: Any, *, source: str) -> list[str]:
    """Every problem in one checklist document, each prefixed with ``source`` (the file name)."""
    errors: list[str] = []

    def err(where: str, message: str) -> None:
        errors.append(f"{source}: {where}: {message}" if where else f"{source}: {message}")

    if not isinstance(doc, dict):
        err("", "the document must be a mapping")
        return errors
    for key in sorted(set(doc) - TOP_KEYS):
        err(key, "unknown field")
    for key in sorted(TOP_KEYS - set(doc)):
        err(key, "missing field")
    category = doc.get("category")
    version = doc.get("version")
    if "category" in doc and category not in CATEGORIES:
        err("category", f"unknown category {category!r}; expected one of {', '.join(CATEGORIES)}")
    if "version" in doc and (isinstance(version, bool) or not isinstance(version, int) or version < 1):
        err("version", f"must be an integer ≥ 1, got {version!r}")
    if doc.get("type", "checklist") != "checklist":
        err("type", f"must be 'checklist', got {doc.get('type')!r}")
    if "_id" in doc and category in CATEGORIES and isinstance(version, int):
        expected = f"checklist:{category}:{version}"
        if doc["_id"] != expected:
            err("_id", f"must be {expected!r}, got {doc['_id']!r}")
    if "title" in doc and not _nonempty_str(doc.get("title")):
        err("title", "must be a non-empty string")
    sections = doc.get("sections")
    if "sections" in doc and (not isinstance(sections, list) or not sections):
        err("sections", "must be a non-empty list")
        return errors
    if not isinstance(sections, list):
        return errors

    known_methods = set(method_names())
    section_codes: set[str] = set()
    item_codes: dict[str, str] = {}
    for s_index, section in enumerate(sections):
        s_where = f"sections[{s_index}]"
        if not isinstance(section, dict):
            err(s_where, "must be a mapping")
            continue
        s_code = section.get("code")
        if isinstance(s_code, str):
            s_where += f" (code {s_code!r})"
        for key in sorted(set(section) - SECTION_KEYS):
            err(s_where, f"unknown field {key!r}")
        if not isinstance(s_code, str) or not CODE_PATTERN.match(s_code):
            err(s_where, f"code must match {CODE_PATTERN.pattern}, got {s_code!r}")
        elif s_code in section_codes:
            err(s_where, f"duplicate section code {s_code!r}")
        else:
            section_codes.add(s_code)
        if not _nonempty_str(section.get("title")):
            err(s_where, "title must be a non-empty string")
        items = section.get("items")
        if not isinstance(items, list) or not items:
            err(s_where, "items must be a non-empty list")
            continue
        for i_index, item in enumerate(items):
            where = f"sections[{s_index}].items[{i_index}]"
            if not isinstance(item, dict):
                err(where, "must be a mapping")
                continue
            code = item.get("code")
            if isinstance(code, str):
                where += f" (code {code!r})"
            for message in _item_problems(item, known_methods):
                err(where, message)
            if isinstance(code, str) and CODE_PATTERN.match(code):
                if code in item_codes:
                    err(where, f"duplicate item code {code!r} (first used at {item_codes[code]})")
                else:
                    item_codes[code] = f"sections[{s_index}].items[{i_index}]"
    return errors


def _item_problems(item: dict[str, Any], known_methods: set[str]) -> list[str]:
    problems: list[str] = []
    for key in sorted(set(item) - ITEM_KEYS):
        problems.append(f"unknown field {key!r}")
    code = item.get("code")
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        problems.append(f"code must match {CODE_PATTERN.pattern}, got {code!r}")
    for key in ("prompt", "basis"):
        if not _nonempty_str(item.get(key)):
            problems.append(f"{key!r} must be a non-empty string")
    for key in ("required", "photo_required"):
        if not isinstance(item.get(key), bool):
            problems.append(f"{key!r} must be true or false")
    kind = item.get("kind")
    if kind not in KINDS:
        problems.append(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
        return problems
    # fields that belong to one kind only
    for key, owner in (("options", "choice"), ("unit", "number"), ("method", "quicktest")):
        if kind != owner and key in item:
            problems.append(f"kind {kind!r} must not have {key!r} (only {owner!r} items do)")
    if kind == "choice":
        options = item.get("options")
        if not isinstance(options, list) or len(options) < 2:
            problems.append("kind 'choice' needs 'options' (a list of at least 2 {value, label})")
        else:
            seen: set[Any] = set()
            for o_index, option in enumerate(options):
                if not isinstance(option, dict) or set(option) != {"value", "label"}:
                    problems.append(f"options[{o_index}] must be exactly {{value, label}}")
                    continue
                value = option["value"]
                if not isinstance(value, str) or not value:
                    problems.append(f"options[{o_index}].value must be a non-empty string")
                elif value in seen:
                    problems.append(f"options[{o_index}].value {value!r} is duplicated")
                else:
                    seen.add(value)
                if not _nonempty_str(option["label"]):
                    problems.append(f"options[{o_index}].label must be a non-empty string")
    if kind == "number" and not _nonempty_str(item.get("unit")):
        problems.append("kind 'number' needs 'unit'")
    if kind == "quicktest":
        method = item.get("method")
        if not isinstance(method, str) or not method:
            problems.append("kind 'quicktest' needs 'method'")
        elif method not in known_methods:
            problems.append(f"method {method!r} is not in the engine registry ({', '.join(sorted(known_methods))})")
    if "domains" in item:
        domains = item["domains"]
        if (not isinstance(domains, list) or not domains or len(set(map(str, domains))) != len(domains)
                or any(d not in DOMAINS for d in domains)):
            problems.append(f"domains must be a non-empty list of distinct values from {', '.join(DOMAINS)}, got {domains!r}")
    return problems
