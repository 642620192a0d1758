"""Post-sampling follow-up (plan 三(五)): national and provincial sampling results imported from the
round's spreadsheet. Every failed product joins the unqualified-product list (registry), and when its
producer is in the register a written notice (ProducerNotice) goes to it with the deadline for its
investigation; the recall supervision that follows is recorded on that notice.

Same bar as the register import (contract §9): row 1 holds the headers (English or Chinese); any
faulty row → 400 listing every fault `{"row", "field", "message"}` (row numbers as in the sheet) and
nothing is stored; importing the same file again changes nothing (`unchanged` = rows); `dry_run`
answers without storing. A report number already imported with other content is a fault (results
are corrected by a new report, never overwritten)."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied

from server.accounts import jurisdictions
from server.accounts.models import Role, User
from server.api.errors import FieldError
from server.credit import risk
from server.registry.choices import ProductCategory
from server.registry.identifiers import credit_code_error
from server.registry.models import Enterprise, UnqualifiedProduct
from server.reviews.models import AuditAction
from server.reviews.services import audit_record

from .models import ProducerNotice, SamplingLevel, SamplingResult
from .sheet_reader import SheetError, read_rows

# 责令相关生产企业限期开展调查分析 (plan 三(五)): the notice gives the producer 15 days, the usual
# period for a written reply to a market-supervision notice.
INVESTIGATION_DAYS = 15

COLUMNS = {  # canonical name: (Chinese header, required)
    "report_number": ("检验报告编号", True),
    "level": ("抽查级别", True),
    "round": ("抽查轮次", True),
    "product_category": ("产品类别", True),
    "product_name": ("产品名称", True),
    "model": ("型号规格", False),
    "brand": ("商标", False),
    "batch": ("生产批次", False),
    "manufacturer": ("生产企业", True),
    "manufacturer_credit_code": ("生产企业统一社会信用代码", False),
    "sampled_on": ("抽样日期", True),
    "result": ("检验结论", True),
    "failed_items": ("不合格项目", False),
    "hazard": ("涉及人身财产安全", False),
}
_HEADER = {**{k: k for k in COLUMNS}, **{zh: k for k, (zh, _) in COLUMNS.items()}}
_LEVELS = {"national": "national", "国抽": "national", "国家监督抽查": "national", "provincial": "provincial",
           "省抽": "provincial", "省级监督抽查": "provincial"}
_RESULTS = {"合格": True, "qualified": True, "pass": True, "不合格": False, "unqualified": False, "fail": False}
_BOOLS = {"是": True, "否": False, "true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
_CATEGORY = {**{c: c for c in ProductCategory.values}, **{label: value for value, label in ProductCategory.choices}}
_MAX = {"report_number": 64, "round": 200, "product_name": 200, "model": 200, "brand": 100, "batch": 100,
        "manufacturer": 200, "failed_items": 2000}


def _str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_row(cells: dict[str, Any], fault) -> dict[str, Any] | None:
    row: dict[str, Any] = {}
    for name, (zh, required) in COLUMNS.items():
        raw = cells.get(name)
        text = _str(raw) if not isinstance(raw, (dt.date, dt.datetime)) else raw
        if required and text in ("", None):
            fault(name, f"{zh}不能为空")
            continue
        if isinstance(text, str):
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                fault(name, "包含无效字符")
                continue
            if len(text) > _MAX.get(name, 200):
                fault(name, f"{zh}不能超过 {_MAX.get(name, 200)} 个字符")
                continue
        row[name] = text
    if "level" in row:
        row["level"] = _LEVELS.get(row["level"]) or fault("level", "抽查级别应为 国抽/省抽（national/provincial）")
    if "product_category" in row:
        row["product_category"] = _CATEGORY.get(row["product_category"]) or fault(
            "product_category", f"未知产品类别 '{row['product_category']}'")
    if "result" in row:
        result = _RESULTS.get(str(row["result"]).lower())
        if result is None:
            fault("result", "检验结论应为 合格 或 不合格")
        row["qualified"] = result
    if row.get("qualified") is False and not row.get("failed_items"):
        fault("failed_items", "不合格产品需要写明不合格项目")
    hazard = row.get("hazard") or ""
    row["hazard"] = _BOOLS.get(str(hazard).lower(), None) if hazard != "" else False
    if row["hazard"] is None:
        fault("hazard", "应为 是 或 否")
    sampled = row.get("sampled_on")
    if isinstance(sampled, dt.datetime):
        sampled = sampled.date()
    if isinstance(sampled, str) and sampled:
        try:
            sampled = dt.date.fromisoformat(sampled.replace("/", "-"))
        except ValueError:
            fault("sampled_on", f"日期无效 '{sampled}'，需要 YYYY-MM-DD")
            sampled = None
    if isinstance(sampled, dt.date) and sampled > timezone.localdate():
        fault("sampled_on", "抽样日期不能晚于今天")
    row["sampled_on"] = sampled
    code = (row.get("manufacturer_credit_code") or "").upper()
    if code:
        error = credit_code_error(code)
        if error:
            fault("manufacturer_credit_code", error)
    row["manufacturer_credit_code"] = code
    return row


def _content_sha(row: dict[str, Any]) -> str:
    keys = [k for k in COLUMNS if k not in ("result",)] + ["qualified"]
    payload = {k: (row.get(k).isoformat() if isinstance(row.get(k), dt.date) else row.get(k)) for k in keys}
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def _producer(row: dict[str, Any]) -> Enterprise | None:
    if row["manufacturer_credit_code"]:
        return Enterprise.objects.filter(credit_code=row["manufacturer_credit_code"]).first()
    matches = list(Enterprise.objects.filter(name=row["manufacturer"])[:2])
    return matches[0] if len(matches) == 1 else None


def _may_import(actor: User) -> set[str] | None:
    role = actor.effective_role
    if role == Role.ADMIN:
        return None
    if role == Role.SUPERVISOR and actor.jurisdiction_id:
        return jurisdictions.descendants_of(code=actor.jurisdiction_id)
    raise PermissionDenied("只有管理员或监管人员可以导入抽查结果")


def import_results(*, actor: User, upload, dry_run: bool = False) -> dict[str, Any]:
    scope = _may_import(actor)
    try:
        header, body = read_rows(data=upload.read(), name=getattr(upload, "name", ""))
    except SheetError as exc:
        raise FieldError("file", str(exc)) from None
    errors: list[dict[str, Any]] = []
    columns: dict[int, str] = {}
    for index, title in enumerate(header):
        name = _HEADER.get(title) or _HEADER.get(title.lower())
        if name:
            columns[index] = name
    for name, (zh, required) in COLUMNS.items():
        if required and name not in columns.values():
            errors.append({"row": 1, "field": name, "message": f"缺少列 {zh}（{name}）"})
    if errors:
        return {"created": 0, "unchanged": 0, "rows": len(body), "failed": 0, "notices": 0, "errors": errors}

    parsed: list[tuple[int, dict[str, Any], Enterprise | None, str]] = []
    seen: dict[str, int] = {}
    for number, cells in body:
        values = {name: cells[i] if i < len(cells) else None for i, name in columns.items()}

        def fault(field: str, message: str, _n=number) -> None:
            errors.append({"row": _n, "field": field, "message": message})

        before = len(errors)
        row = _parse_row(values, fault)
        if len(errors) > before:
            continue
        if row["report_number"] in seen:
            fault("report_number", f"与第 {seen[row['report_number']]} 行的检验报告编号重复")
            continue
        seen[row["report_number"]] = number
        producer = _producer(row)
        if row["manufacturer_credit_code"] and producer is None:
            fault("manufacturer_credit_code", "该统一社会信用代码不在企业信息库中")
            continue
        if producer is not None and scope is not None and producer.jurisdiction_id not in scope:
            fault("manufacturer", f"生产企业 {producer.name} 不在您的辖区")
            continue
        sha = _content_sha(row)
        existing = SamplingResult.objects.filter(report_number=row["report_number"]).values_list(
            "content_sha256", flat=True).first()
        if existing is not None and existing != sha:
            fault("report_number", f"检验报告 {row['report_number']} 已导入且内容不同（更正请用新的报告编号）")
            continue
        parsed.append((number, row, producer, "unchanged" if existing else "new"))
    new = [p for p in parsed if p[3] == "new"]
    outcome = {"created": len(new), "unchanged": len(parsed) - len(new), "rows": len(body),
               "failed": sum(1 for p in new if not p[1]["qualified"]),
               "notices": sum(1 for p in new if not p[1]["qualified"] and p[2] is not None), "errors": errors,
               "dry_run": dry_run}
    if errors or dry_run or not new:
        return outcome
    with transaction.atomic():
        for _, row, producer, _state in new:
            _store(actor=actor, row=row, producer=producer, sha=_content_sha(row))
    return outcome


def _store(*, actor: User, row: dict[str, Any], producer: Enterprise | None, sha: str) -> SamplingResult:
    product = notice = None
    level_label = SamplingLevel(row["level"]).label
    if not row["qualified"]:
        product = UnqualifiedProduct.objects.create(
            product_category=row["product_category"], product_name=row["product_name"], model=row["model"],
            brand=row["brand"], manufacturer=row["manufacturer"], batch=row["batch"],
            found_in=f"{level_label} {row['round']}"[:200], rectified=False,
        )
        if producer is not None:
            notice = ProducerNotice.objects.create(
                unqualified_product=product, producer=producer, producer_name=producer.name, sent_by=actor,
                defect_description=(f"{level_label}（{row['round']}）检验报告 {row['report_number']}：{row['product_name']} "
                                    f"{row['model']} 批次 {row['batch'] or '—'} 不合格，不合格项目：{row['failed_items']}。"
                                    f"请于期限内开展调查分析并书面报告。"),
                investigation_deadline=timezone.localdate() + dt.timedelta(days=INVESTIGATION_DAYS),
            )
    result = SamplingResult.objects.create(
        report_number=row["report_number"], level=row["level"], round=row["round"],
        product_category=row["product_category"], product_name=row["product_name"], model=row["model"],
        brand=row["brand"], batch=row["batch"], manufacturer=row["manufacturer"], producer=producer,
        sampled_on=row["sampled_on"], qualified=row["qualified"], failed_items=row["failed_items"],
        hazard=row["hazard"], unqualified_product=product, notice=notice, content_sha256=sha, imported_by=actor,
    )
    audit_record(actor=actor, action=AuditAction.SAMPLING_IMPORTED, subject=f"sampling:{row['report_number']}",
                 to_value={"qualified": row["qualified"], "unqualified_product": product.pk if product else None,
                           "notice": notice.pk if notice else None, "producer": producer.pk if producer else None},
                 reason=row["failed_items"])
    if notice is not None:
        audit_record(actor=actor, action=AuditAction.NOTICE_SENT, subject=f"notice:{notice.pk}",
                     to_value={"producer": notice.producer_name, "unqualified_product": product.pk,
                               "investigation_deadline": notice.investigation_deadline.isoformat()},
                     reason=notice.defect_description)
    if producer is not None:
        risk.recompute(enterprise_id=producer.pk)
    return result


def result_dict(result: SamplingResult) -> dict[str, Any]:
    return {
        "id": result.pk, "report_number": result.report_number, "level": result.level, "round": result.round,
        "product_category": result.product_category, "product_name": result.product_name, "model": result.model,
        "brand": result.brand, "batch": result.batch, "manufacturer": result.manufacturer,
        "producer": result.producer_id, "sampled_on": result.sampled_on.isoformat(), "qualified": result.qualified,
        "failed_items": result.failed_items, "hazard": result.hazard,
        "unqualified_product": result.unqualified_product_id, "notice": result.notice_id,
    }


def results_visible(*, user: User):
    qs = SamplingResult.objects.all()
    role = user.effective_role
    if role == Role.ADMIN:
        return qs
    if role in (Role.SUPERVISOR, Role.INSPECTOR) and user.jurisdiction_id:
        # Results are the province's published rounds: every supervisor and inspector may read them.
        return qs
    return qs.none()
