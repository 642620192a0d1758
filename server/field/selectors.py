"""Reads for the field app: the quick-test catalogue and the built client's files."""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from checklists import engine
from django.conf import settings


@lru_cache(maxsize=1)
def _catalogue() -> tuple[dict, str]:
    described = engine.methods()
    body = {
        name: {
            "title": described[name]["title"],
            "category": described[name]["category"],
            "standard": described[name]["standard"],
            "inputs": described[name]["inputs"],
            "tables": engine.method_tables(name),
        }
        for name in engine.method_names()
    }
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, default=str)
    return json.loads(text), hashlib.sha256(text.encode()).hexdigest()[:16]


def quicktest_catalogue() -> dict:
    """{"version": <hash of the tables>, "methods": {name: {title, category, standard, inputs, tables}}}."""
    body, version = _catalogue()
    return {"version": version, "methods": body}


def dist_dir() -> Path:
    return Path(getattr(settings, "FIELDAPP_DIST", settings.BASE_DIR / "fieldapp" / "dist"))
