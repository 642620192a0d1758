"""Building import files for tests and benchmarks: CSV (with or without BOM) and XLSX."""
from __future__ import annotations

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from tests.factories import make_credit_code

EN = ["name", "credit_code", "address", "jurisdiction", "product_category", "licence", "certificate", "channel",
      "contact", "phone"]
ZH = ["企业名称", "统一社会信用代码", "地址", "行政区划代码", "产品类别", "生产许可证编号", "强制性认证证书编号", "销售渠道",
      "联系人", "联系电话"]


def producer_row(n: int, *, jurisdiction: str = "445202", category: str = "wire-cable", licence: str = "",
                 certificate: str = "", channel: str = "") -> list:
    return [f"揭阳市测试企业{n}有限公司", make_credit_code(jurisdiction=jurisdiction, seed=10_000 + n),
            f"揭阳市测试路{n}号", jurisdiction, category, licence, certificate, channel, f"联系人{n}", f"1380000{n:04d}"]


def csv_bytes(rows: list[list], *, headers: list[str] = EN, bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def xlsx_bytes(rows, *, headers: list[str] = EN) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("表1")
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(data: bytes, name: str = "register.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")
