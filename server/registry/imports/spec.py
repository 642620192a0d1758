"""Row specs: which columns a sheet has (English or Chinese header names) and how each cell is read."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .reader import ImportFileError


_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")


class CellError(Exception):
    """A cell's value is wrong; the message says why (Chinese)."""


def _header_key(text: Any) -> str:
    if text is None:
        return ""
    return "".join(unicodedata.normalize("NFKC", str(text)).split()).casefold()


def text(*, max_length: int) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a number typed into a spreadsheet cell
        if isinstance(value, (dt.datetime, dt.date)):
            value = value.isoformat()
        result = " ".join(str(value).split()) if not isinstance(value, str) else value.strip()
        if _BAD_CHARS.search(result):
            raise CellError("含有无效字符")
        if len(result) > max_length:
            raise CellError(f"过长：最多 {max_length} 个字符")
        return result

    return parse


def boolean(value: Any) -> bool:
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    word = _header_key(value)
    if word in ("true", "yes", "y", "1", "是", "已整改", "√"):
        return True
    if word in ("false", "no", "n", "0", "否", "未整改", "×"):
        return False
    raise CellError("应为 是/否（true/false）")


@dataclass(frozen=True)
class Column:
    key: str
    headers: tuple[str, ...]  # English name first, then Chinese and other accepted names
    parse: Callable[[Any], Any]
    required: bool = False  # the cell must not be blank
    header_required: bool = True  # the column must be present in the sheet

    @property
    def label(self) -> str:
        return self.headers[1] if len(self.headers) > 1 else self.headers[0]


@dataclass
class RowSpec:
    columns: list[Column]
    _by_header: dict[str, Column] = field(init=False, repr=False)

    def __post_init__(self):
        self._by_header = {_header_key(h): c for c in self.columns for h in c.headers}

    def positions(self, headers: list[str]) -> dict[str, int]:
        """Column key -> index in the row. Unknown, duplicate or missing headers: ImportFileError."""
        found: dict[str, int] = {}
        unknown: list[str] = []
        for index, header in enumerate(headers):
            key = _header_key(header)
            if not key:
                continue
            column = self._by_header.get(key)
            if column is None:
                unknown.append(str(header))
                continue
            if column.key in found:
                raise ImportFileError(f"表头重复：列“{header}”与第 {found[column.key] + 1} 列同为 {column.key}", field="headers")
            found[column.key] = index
        missing = [c for c in self.columns if c.header_required and c.key not in found]
        if missing or (unknown and not found):
            expected = "、".join(f"{c.headers[0]}（{c.label}）" for c in self.columns)
            parts = []
            if missing:
                parts.append("缺少列：" + "、".join(f"{c.headers[0]}（{c.label}）" for c in missing))
            if unknown:
                parts.append("无法识别的列：" + "、".join(unknown[:10]))
            raise ImportFileError("表头不符（第 1 行）：" + "；".join(parts) + f"。应有的列：{expected}", field="headers")
        if unknown:
            raise ImportFileError("表头不符（第 1 行）：无法识别的列：" + "、".join(unknown[:10]), field="headers")
        return found

    def parse_row(self, *, cells: list[Any], positions: dict[str, int]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """(values, [(field, message)]) for one row."""
        values: dict[str, Any] = {}
        errors: list[tuple[str, str]] = []
        for column in self.columns:
            index = positions.get(column.key)
            raw = cells[index] if index is not None and index < len(cells) else None
            if isinstance(raw, str):
                raw = raw.strip()
            if raw is None or raw == "":
                if column.required:
                    errors.append((column.key, f"{column.label}不能为空"))
                    continue
            try:
                values[column.key] = column.parse(raw)
            except CellError as exc:
                errors.append((column.key, f"{column.label}：{exc}"))
        return values, errors

    @staticmethod
    def blank(cells: list[Any]) -> bool:
        return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)
