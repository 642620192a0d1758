"""Reading checklist definition files and guarding published versions against change.

Definitions live in ``definitions/{category}.v{version}.yaml``. ``published.json`` records, for every
published checklist id, the sha256 of its canonical JSON. Loading fails when a recorded definition's
content no longer matches its hash, when a recorded definition has disappeared, or (unless drafts are
allowed) when a definition has not been recorded yet.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from .schema import ChecklistDefinitionError, validate_document

PACKAGE_DIR = Path(__file__).resolve().parent
DEFINITIONS_DIR = PACKAGE_DIR / "definitions"
PUBLISHED_PATH = PACKAGE_DIR / "published.json"
PUBLISHED_FORMAT = 1


def canonical_json(doc: dict[str, Any]) -> bytes:
    """The canonical form hashed for immutability: sorted keys, no spaces, UTF-8."""
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def document_sha256(doc: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(doc)).hexdigest()


def expected_file_name(doc: dict[str, Any]) -> str:
    return f"{doc.get('category')}.v{doc.get('version')}.yaml"


def read_published(path: Path | None = None) -> dict[str, dict[str, Any]]:
    """The recorded published versions: {checklist id: {"sha256", "file", "recorded_at"}}."""
    path = Path(path) if path is not None else PUBLISHED_PATH
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ChecklistDefinitionError([f"{path.name}: not valid JSON: {exc}"]) from exc
    if not isinstance(data, dict) or data.get("format") != PUBLISHED_FORMAT or not isinstance(data.get("checklists"), dict):
        raise ChecklistDefinitionError([f"{path.name}: expected {{'format': {PUBLISHED_FORMAT}, 'checklists': {{...}}}}"])
    return data["checklists"]


def _read_definition_files(directory: Path) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
    docs: list[tuple[str, dict[str, Any]]] = []
    errors: list[str] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            with path.open(encoding="utf-8") as handle:
                doc = yaml.safe_load(handle)
        except yaml.YAMLError as exc:
            errors.append(f"{path.name}: not valid YAML: {exc}")
            continue
        problems = validate_document(doc, source=path.name)
        if not problems:
            try:
                canonical_json(doc)
            except (TypeError, ValueError) as exc:
                problems.append(f"{path.name}: not representable as JSON (quote dates and special values): {exc}")
        if not problems and path.name != expected_file_name(doc):
            problems.append(f"{path.name}: file name must be {expected_file_name(doc)!r} for {doc['_id']!r}")
        if problems:
            errors.extend(problems)
        else:
            docs.append((path.name, doc))
    return docs, errors


def load_definitions(
    *, directory: Path | None = None, published_path: Path | None = None, allow_unpublished: bool = False
) -> list[dict[str, Any]]:
    """Read, validate and check every definition; raise ChecklistDefinitionError listing all problems.

    With ``allow_unpublished`` (authoring, recording), definitions not yet in ``published.json`` are
    returned too; otherwise they are an error.
    """
    directory = Path(directory) if directory is not None else DEFINITIONS_DIR
    published_path = Path(published_path) if published_path is not None else PUBLISHED_PATH
    docs, errors = _read_definition_files(directory)
    published = read_published(published_path)
    seen: dict[str, str] = {}
    for file_name, doc in docs:
        doc_id = doc["_id"]
        if doc_id in seen:
            errors.append(f"{file_name}: duplicate checklist id {doc_id!r} (also in {seen[doc_id]})")
            continue
        seen[doc_id] = file_name
        record = published.get(doc_id)
        if record is None:
            if not allow_unpublished:
                errors.append(
                    f"{file_name}: {doc_id!r} is not recorded in {published_path.name}; "
                    "validate it and record it as published (checklists.record_published)"
                )
        elif record.get("sha256") != document_sha256(doc):
            errors.append(
                f"{file_name}: {doc_id!r} was published and its content has changed "
                f"(sha256 {document_sha256(doc)} ≠ recorded {record.get('sha256')}); a published version never "
                f"changes: restore it and put the change in a new version ({doc['category']}.v{doc['version'] + 1}.yaml)"
            )
    for doc_id, record in published.items():
        if doc_id not in seen and not any(e.startswith(f"{record.get('file')}:") for e in errors):
            errors.append(f"{published_path.name}: published checklist {doc_id!r} has no definition file "
                          f"({record.get('file')}); published versions must stay available")
    if errors:
        raise ChecklistDefinitionError(errors)
    return sorted((doc for _, doc in docs), key=lambda d: (d["category"], d["version"]))


def record_published(
    *, directory: Path | None = None, published_path: Path | None = None, now: dt.datetime | None = None
) -> list[str]:
    """Record every valid, not yet recorded definition as published; return the newly recorded ids.

    Refuses (ChecklistDefinitionError) when any definition is invalid or a published one has changed,
    so a recorded hash is never overwritten.
    """
    published_path = Path(published_path) if published_path is not None else PUBLISHED_PATH
    docs = load_definitions(directory=directory, published_path=published_path, allow_unpublished=True)
    published = read_published(published_path)
    stamp = (now or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds")
    new_ids = []
    for doc in docs:
        if doc["_id"] not in published:
            published[doc["_id"]] = {"sha256": document_sha256(doc), "file": expected_file_name(doc), "recorded_at": stamp}
            new_ids.append(doc["_id"])
    if new_ids:
        payload = {"format": PUBLISHED_FORMAT, "checklists": dict(sorted(published.items()))}
        text = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
        fd, tmp = tempfile.mkstemp(dir=published_path.parent, prefix=".published.", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, published_path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return new_ids
