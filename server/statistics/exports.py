"""The campaign's statistics as the XLSX the county files (plan 五(三)): sheets 附件11 (survey,
self-inspection and inspection work) and 附件12 (rectification, cases and certificates), Chinese
headers, numbers as numbers, the total row last; and 附件7, the liaison table."""
from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from server.accounts.models import Jurisdiction
from server.registry.choices import ProductCategory

from .figures import BY_KEY

SHEET_11 = ("附件11", "重点工业产品质量安全专项整治工作情况统计表", [
    "register.producers", "register.sellers", "register.users", "self_inspections.submitted",
    "self_inspections.with_problems", "self_inspections.rectified", "inspections.planned", "inspections.done",
    "inspections.with_problems", "quick_tests.done", "quick_tests.failed", "samples",
])
SHEET_12 = ("附件12", "重点工业产品质量安全专项执法情况统计表", [
    "rectification_orders.issued", "rectification_orders.closed", "cases.opened", "cases.closed", "cases.transferred",
    "certificates.suspended", "certificates.revoked",
])
LIAISON_COLUMNS = [("jurisdiction_name", "单位"), ("department", "科室"), ("name", "姓名"), ("position", "职务"),
                   ("phone", "办公电话"), ("mobile", "手机"), ("email", "电子邮箱")]


def value_of(row: dict[str, Any], key: str) -> int:
    section, _, name = key.partition(".")
    return row[section][name] if name else row[section]


def _sheet(book: Workbook, *, name: str, title: str, keys: list[str], data: dict[str, Any], names: dict[str, str],
           first: bool) -> None:
    sheet = book.active if first else book.create_sheet()
    sheet.title = name
    headers = ["辖区代码", "辖区", "产品类别", *[BY_KEY[k].title for k in keys]]
    sheet.append([f"{title}（{data['campaign']}，{data['starts']} 至 {data['ends']}）"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet["A1"].font = Font(bold=True, size=13)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    labels = dict(ProductCategory.choices)
    for row in data["rows"]:
        sheet.append([row["jurisdiction"], names.get(row["jurisdiction"], ""), labels.get(row["product_category"], ""),
                      *[value_of(row, k) for k in keys]])
    total = data["total"]
    sheet.append([total["jurisdiction"], f"{names.get(total['jurisdiction'], '')} 合计", "全部",
                  *[value_of(total, k) for k in keys]])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "D3"
    for index, width in enumerate([10, 10, 22] + [12] * len(keys), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def statistics_xlsx(*, data: dict[str, Any]) -> bytes:
    names = dict(Jurisdiction.objects.values_list("code", "name"))
    book = Workbook()
    for i, (name, title, keys) in enumerate((SHEET_11, SHEET_12)):
        _sheet(book, name=name, title=title, keys=keys, data=data, names=names, first=i == 0)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def liaisons_xlsx(*, rows: list[dict[str, Any]], campaign_title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "附件7"
    sheet.append([f"联络员信息表（{campaign_title}）"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(LIAISON_COLUMNS))
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([header for _, header in LIAISON_COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row.get(key) or "" for key, _ in LIAISON_COLUMNS])
    for index, width in enumerate([14, 16, 10, 10, 16, 16, 26], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
