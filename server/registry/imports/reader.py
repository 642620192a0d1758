"""Streaming rows out of an uploaded XLSX or CSV file, in bounded memory."""
from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings

MAX_BYTES_DEFAULT = 20 * 1024 * 1024
MAX_ROWS_DEFAULT = 100_000
MAX_CELL_CHARS = 2000
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls / .et


class ImportFileError(Exception):
    """The file as a whole cannot be imported; `status` is the HTTP status to answer."""

    def __init__(self, message: str, *, field: str = "file", status: int = 400):
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


def max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", MAX_BYTES_DEFAULT))


def max_rows() -> int:
    return int(getattr(settings, "IMPORT_MAX_ROWS", MAX_ROWS_DEFAULT))


@dataclass
class Sheet:
    headers: list[str]
    rows: Iterator[tuple[int, list[Any]]]  # (sheet row number, cells); header row is 1
    format: str
    close: Any = None


def _cell(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
        return value[:MAX_CELL_CHARS + 1]  # long enough to be refused by the column's own check
    return value


def open_rows(upload) -> Sheet:
    """A Sheet over an uploaded file (Django UploadedFile or any binary file object with .size)."""
    if upload is None:
        raise ImportFileError("缺少文件（multipart 字段 file）")
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes():
        raise ImportFileError(f"文件过大：{size} 字节，上限 {max_bytes()} 字节", status=413)
    if size == 0:
        raise ImportFileError("文件为空")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(XLSX_MAGIC):
        return _xlsx(upload)
    if head.startswith(OLE_MAGIC):
        raise ImportFileError("不支持旧版 Excel（.xls）文件：请另存为 .xlsx 或 UTF-8 CSV 后再导入", status=415)
    if b"\x00" in head:
        raise ImportFileError("不是电子表格：请上传 XLSX 或 UTF-8 编码的 CSV 文件", status=415)
    return _csv(upload)


def _xlsx(upload) -> Sheet:
    from openpyxl import load_workbook

    try:
        if not zipfile.is_zipfile(upload):
            raise ImportFileError("XLSX 文件已损坏（不是有效的 ZIP 压缩包）", status=415)
        upload.seek(0)
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except ImportFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - any library failure is the file's fault
        raise ImportFileError(f"无法读取 XLSX 文件：{exc.__class__.__name__}（不是 Excel 工作簿或已损坏）", status=415) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header_cells = next(rows, None)
    except Exception as exc:  # noqa: BLE001
        workbook.close()
        raise ImportFileError(f"无法读取 XLSX 工作表：{exc.__class__.__name__}", status=415) from exc
    if header_cells is None:
        workbook.close()
        raise ImportFileError("表格为空：第 1 行应为表头")
    headers = ["" if c is None else str(c) for c in header_cells]

    def stream() -> Iterator[tuple[int, list[Any]]]:
        number = 1
        try:
            for cells in rows:
                number += 1
                if number - 1 > max_rows():
                    raise ImportFileError(f"行数超过上限 {max_rows()}")
                yield number, [_cell(c) for c in cells]
        except ImportFileError:
            raise
        except Exception as exc:  # noqa: BLE001 - a broken sheet part found while streaming
            raise ImportFileError(f"XLSX 文件第 {number} 行附近无法读取：{exc.__class__.__name__}", status=415) from exc
        finally:
            workbook.close()

    return Sheet(headers=headers, rows=stream(), format="xlsx", close=workbook.close)


def _csv(upload) -> Sheet:
    upload.seek(0)
    decoder_stream = codecs.getreader("utf-8-sig")(upload, errors="strict")

    def lines() -> Iterator[str]:
        try:
            while True:
                line = decoder_stream.readline(keepends=True)
                if not line:
                    return
                if "\x00" in line:
                    raise ImportFileError("不是文本 CSV 文件（含 NUL 字符）", status=415)
                yield line
        except UnicodeDecodeError as exc:
            raise ImportFileError("CSV 文件不是 UTF-8 编码：请以“CSV UTF-8”格式保存后再导入", status=415) from exc

    try:
        reader = csv.reader(lines())
        header_cells = next(reader, None)
    except csv.Error as exc:
        raise ImportFileError(f"CSV 格式错误：{exc}") from exc
    if header_cells is None or not any(c.strip() for c in header_cells):
        raise ImportFileError("表格为空：第 1 行应为表头")

    def stream() -> Iterator[tuple[int, list[Any]]]:
        number = 1
        try:
            for cells in reader:
                number += 1  # records, as a spreadsheet shows them (a quoted line break stays in its row)
                if number - 1 > max_rows():
                    raise ImportFileError(f"行数超过上限 {max_rows()}")
                yield number, [_cell(c) for c in cells]
        except csv.Error as exc:
            raise ImportFileError(f"CSV 第 {number} 行格式错误：{exc}") from exc

    return Sheet(headers=list(header_cells), rows=stream(), format="csv")
