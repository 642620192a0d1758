"""Reads a spreadsheet upload (XLSX, or CSV in UTF-8 with or without BOM) into (row number, cells)
pairs. Kept small and on its own so the register import's reader (server/registry/imports/) can
replace it later: the importer only needs `read_rows(data=, name=) -> (header, rows)`."""
from __future__ import annotations

import csv
import io
from typing import Any

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20000


class SheetError(ValueError):
    """The file as a whole cannot be read (answered as a 400 naming `file`)."""


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    return value


def read_rows(*, data: bytes, name: str = "") -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """(header cells, [(row number as in the sheet, cells)]); blank rows skipped, header = row 1."""
    if len(data) > MAX_BYTES:
        raise SheetError(f"文件不能超过 {MAX_BYTES // (1024 * 1024)} MB")
    if data[:4] == b"PK\x03\x04":
        rows = _xlsx(data)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SheetError("CSV 文件必须是 UTF-8 编码（可带 BOM），或上传 XLSX") from None
        if "\x00" in text:
            raise SheetError("文件包含空字符，不是有效的 CSV")
        rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise SheetError("文件是空的")
    header = ["" if c is None else str(c).strip() for c in rows[0]]
    body: list[tuple[int, list[Any]]] = []
    for number, cells in enumerate(rows[1:], start=2):
        cells = [_cell(c) for c in cells]
        if all(c in (None, "") for c in cells):
            continue
        body.append((number, cells))
        if len(body) > MAX_ROWS:
            raise SheetError(f"一次最多导入 {MAX_ROWS} 行")
    return header, body


def _xlsx(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable workbook is the client's file
        raise SheetError("无法读取 XLSX 文件") from None
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for _, row in zip(range(MAX_ROWS + 2), sheet.iter_rows(values_only=True))]
    finally:
        workbook.close()
