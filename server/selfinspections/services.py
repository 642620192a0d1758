"""Writes for self-inspection reports (contract §10)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied

from server.accounts import jurisdictions
from server.accounts.models import Role, User
from server.api.errors import Conflict, FieldError
from server.campaigns import selectors as campaign_selectors
from server.registry.choices import ProductCategory
from server.registry.models import CccCertificate, Enterprise

from .models import SelfInspection, SelfInspectionStatus
from .status_rule import is_late, status_on

MAX_ITEMS = 200


def may_report_for(*, actor: User, enterprise: Enterprise) -> bool:
    role = actor.effective_role
    if role == Role.ADMIN:
        return True
    if role == Role.SUPERVISOR:
        return jurisdictions.covers(ancestor=actor.jurisdiction_id, code=enterprise.jurisdiction_id)
    if role == Role.CERTIFIER:
        return bool(actor.certification_body_id) and CccCertificate.objects.filter(
            enterprise=enterprise, certification_body_id=actor.certification_body_id).exists()
    if role == Role.ENTERPRISE:
        return actor.enterprise_id == enterprise.pk
    return False


def _bad_chars(text: str) -> bool:
    return any(ch == "\x00" or 0xD800 <= ord(ch) <= 0xDFFF for ch in text)


def _items(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list):
        raise FieldError("items", "应为列表")
    if len(value) > MAX_ITEMS:
        raise FieldError("items", f"最多 {MAX_ITEMS} 项")
    out = []
    for index, item in enumerate(value):
        field = f"items[{index}]"
        if not isinstance(item, dict):
            raise FieldError(field, "应为对象 {topic, result, description}")
        topic, result, description = item.get("topic"), item.get("result"), item.get("description", "")
        if not isinstance(topic, str) or not topic.strip() or len(topic) > 200 or _bad_chars(topic):
            raise FieldError(f"{field}.topic", "应为 1–200 个字符的文本")
        if result not in ("ok", "problem"):
            raise FieldError(f"{field}.result", "应为 ok 或 problem")
        if description is None:
            description = ""
        if not isinstance(description, str) or len(description) > 2000 or _bad_chars(description):
            raise FieldError(f"{field}.description", "应为不超过 2000 个字符的文本")
        out.append({"topic": topic.strip(), "result": result, "description": description.strip()})
    return out


@transaction.atomic
def self_inspection_submit(
    *, actor: User, enterprise: Enterprise, product_category: str, items: list, submitted_on: dt.date | None = None,
    campaign: str | None = None, rectification: dict | None = None,
) -> tuple[SelfInspection, bool]:
    """(report, created). A retry of the same report answers the stored one; a different report for
    the same enterprise, category and day is a 409."""
    if not may_report_for(actor=actor, enterprise=enterprise):
        raise PermissionDenied("无权为该企业提交自查报告")
    today = timezone.localdate()
    if product_category not in ProductCategory.values:
        raise FieldError("product_category", f"未知产品类别 '{product_category}'")
    if submitted_on is None:
        submitted_on = today
    if submitted_on > today:
        raise FieldError("submitted_on", "提交日期不能晚于今天")
    if actor.effective_role == Role.ENTERPRISE and submitted_on != today:
        raise FieldError("submitted_on", "企业账号提交的报告以当天为提交日期")
    items = _items(items)
    problems = sum(1 for i in items if i["result"] == "problem")
    rectification = rectification or {}
    measures = (rectification.get("measures") or "").strip()
    if _bad_chars(measures):
        raise FieldError("rectification.measures", "含有无效字符")
    deadline = rectification.get("deadline")
    completed_on = rectification.get("completed_on")
    if problems and deadline is None:
        raise FieldError("rectification.deadline", "自查发现问题时须填写整改期限")
    if completed_on is not None and completed_on > today:
        raise FieldError("rectification.completed_on", "整改完成日期不能晚于今天")
    chosen = campaign_selectors.campaign_for(jurisdiction=enterprise.jurisdiction_id, on=submitted_on, code=campaign or None)
    report_deadline = campaign_selectors.deadline_of(campaign=chosen, code="self-inspection-report") if chosen else None
    values = {
        "campaign": chosen, "items": items, "problems": problems, "rectification_measures": measures,
        "rectification_deadline": deadline, "rectification_completed_on": completed_on,
        "status": status_on(problems=problems, deadline=deadline, completed_on=completed_on, today=today),
        "late": is_late(submitted_on=submitted_on, report_deadline=report_deadline),
    }
    existing = SelfInspection.objects.filter(enterprise=enterprise, product_category=product_category,
                                             submitted_on=submitted_on).first()
    if existing is not None:
        same = all(getattr(existing, k) == v for k, v in values.items() if k not in ("status",))
        if same:
            return existing, False
        raise Conflict(f"该企业该类别 {submitted_on} 已有一份内容不同的自查报告（#{existing.pk}）")
    try:
        with transaction.atomic():
            report = SelfInspection.objects.create(enterprise=enterprise, product_category=product_category,
                                                   submitted_on=submitted_on, submitted_by=actor, **values)
    except IntegrityError as exc:  # the same report submitted twice at once
        raise Conflict("同一份自查报告正在提交，请稍后重试") from exc
    return report, True


def refresh_overdue(*, today: dt.date | None = None) -> int:
    """Keep the stored status true by date: reports still rectifying past their deadline become overdue."""
    today = today or timezone.localdate()
    return SelfInspection.objects.filter(
        status=SelfInspectionStatus.RECTIFYING, rectification_completed_on__isnull=True,
        rectification_deadline__lt=today,
    ).update(status=SelfInspectionStatus.OVERDUE)
