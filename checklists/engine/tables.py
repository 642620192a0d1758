"""Read-only access to the data tables under checklists/tables/."""

from __future__ import annotations

import copy
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

TABLES_DIR = Path(__file__).resolve().parent.parent / "tables"


@lru_cache(maxsize=None)
def _load(name: str) -> Any:
    path = TABLES_DIR / f"{name}.yaml"
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def table(name: str) -> Any:
    """The parsed table file ``tables/<name>.yaml`` (a private copy)."""
    return copy.deepcopy(_load(name))


def cached_table(name: str) -> Any:
    """The parsed table, shared: callers must not mutate it."""
    return _load(name)


def decimals_of(value: str) -> int:
    """Number of decimals written in a table value such as "0.0775" (4) or "36.0" (1)."""
    exponent = Decimal(value).as_tuple().exponent
    return max(0, -int(exponent))


def dec(value: Any) -> Decimal:
    """Exact decimal of a table string, or of a float via its shortest repr."""
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))
