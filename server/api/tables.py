"""Tables people open in a spreadsheet: CSV (UTF-8 with BOM, so Excel and WPS detect it) and XLSX,
with a Chinese header row. `columns` is a list of (key, header) pairs; rows are dicts."""
from __future__ import annotations

import csv
import io
from typing import Any

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_bytes(*, columns: list[tuple[str, str]], rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header for _, header in columns])
    for row in rows:
        writer.writerow(["" if row.get(key) is None else row.get(key) for key, _ in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(*, columns: list[tuple[str, str]], rows: list[dict[str, Any]], title: str,
               widths: list[int] | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append([header for _, header in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row.get(key) for key, _ in columns])
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths or [], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def download(*, data: bytes, filename: str) -> HttpResponse:
    content_type = "text/csv; charset=utf-8" if filename.endswith(".csv") else XLSX_TYPE
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
