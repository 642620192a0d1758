"""Downloadable templates: the header row (Chinese names, as people fill them in; English names
are accepted too) and one example row, as XLSX or CSV."""
from __future__ import annotations

from server.api import tables

from . import register, unqualified
from .spec import RowSpec


def _columns(spec: RowSpec, keys: list[str]) -> list[tuple[str, str]]:
    by_key = {c.key: c for c in spec.columns}
    return [(key, by_key[key].label) for key in keys]


def register_template(*, kind: str, fmt: str) -> tuple[bytes, str]:
    columns = _columns(register.SPEC, register.TEMPLATE_COLUMNS[kind])
    rows = [register.EXAMPLES[kind]]
    name = f"register-{kind}-template.{fmt}"
    if fmt == "csv":
        return tables.csv_bytes(columns=columns, rows=rows), name
    return tables.xlsx_bytes(columns=columns, rows=rows, title=register.KIND_TITLES[kind][:31],
                             widths=[max(12, len(h) * 2 + 4) for _, h in columns]), name


def unqualified_template(*, fmt: str) -> tuple[bytes, str]:
    columns = _columns(unqualified.SPEC, unqualified.TEMPLATE_COLUMNS)
    rows = [unqualified.EXAMPLE]
    name = f"unqualified-products-template.{fmt}"
    if fmt == "csv":
        return tables.csv_bytes(columns=columns, rows=rows), name
    return tables.xlsx_bytes(columns=columns, rows=rows, title="不合格产品名单", widths=[16, 24, 16, 12, 28, 12, 36, 10]), name
