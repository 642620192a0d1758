"""Unqualified-product notices and disposal reports (plan 三(三)2; contract §9): services and selectors."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied

from server.accounts import jurisdictions
from server.accounts.models import Jurisdiction, Role, User
from server.api.errors import Conflict, FieldError

from . import exemption
from .choices import ProductCategory
from .models import DisposalReport, Enterprise, NoticeRecipient, UnqualifiedNotice, UnqualifiedProduct

SNAPSHOT_FIELDS = ["id", "product_category", "product_name", "model", "brand", "manufacturer", "batch", "found_in"]


def _snapshot(product: UnqualifiedProduct) -> dict[str, Any]:
    return {f: getattr(product, f) for f in SNAPSHOT_FIELDS}


# --- notices ------------------------------------------------------------------------------------------


@transaction.atomic
def notice_send(*, actor: User, jurisdiction: str, product_categories: list[str]) -> tuple[UnqualifiedNotice, bool]:
    """Send the list (unrectified products of the categories) to every seller and user of those
    categories in the jurisdiction. The same sending again on the same day with the same list and
    recipients is a retry: the stored notice is answered."""
    if actor.effective_role != Role.SUPERVISOR:
        raise PermissionDenied("只有监管人员可以发送不合格产品名单")
    if not Jurisdiction.objects.filter(pk=jurisdiction).exists():
        raise FieldError("jurisdiction", f"未知辖区 '{jurisdiction}'")
    if not jurisdictions.covers(ancestor=actor.jurisdiction_id, code=jurisdiction):
        raise FieldError("jurisdiction", f"辖区 {jurisdiction} 不在您的辖区内")
    categories = []
    for category in product_categories:
        if category not in ProductCategory.values:
            raise FieldError("product_categories", f"未知产品类别 '{category}'")
        if category not in categories:
            categories.append(category)
    categories.sort()
    products = list(UnqualifiedProduct.objects.filter(product_category__in=categories, rectified=False).order_by("pk"))
    wanted = set(categories)
    plan: dict[int, list[dict]] = {}
    for enterprise in Enterprise.objects.filter(
            jurisdiction__in=jurisdictions.descendants_of(code=jurisdiction)).order_by("pk").only("pk", "roles", "product_categories"):
        if not ({"seller", "user"} & set(enterprise.roles or [])):
            continue
        theirs = wanted & set(enterprise.product_categories or [])
        if theirs:
            plan[enterprise.pk] = [_snapshot(p) for p in products if p.product_category in theirs]
    today = timezone.localdate()
    for earlier in UnqualifiedNotice.objects.filter(jurisdiction_id=jurisdiction, sent_by=actor,
                                                    sent_at__date__gte=today - dt.timedelta(days=1)):
        if earlier.product_categories != categories or timezone.localtime(earlier.sent_at).date() != today:
            continue
        sent = {r.enterprise_id: r.products for r in earlier.recipients.all()}
        if sent == plan:
            return earlier, False
    notice = UnqualifiedNotice.objects.create(jurisdiction_id=jurisdiction, product_categories=categories, sent_by=actor)
    NoticeRecipient.objects.bulk_create(
        [NoticeRecipient(notice=notice, enterprise_id=pk, products=items) for pk, items in plan.items()], batch_size=500)
    return notice, True


def notice_list_visible(*, user: User) -> QuerySet[UnqualifiedNotice]:
    qs = UnqualifiedNotice.objects.select_related("jurisdiction", "sent_by")
    role = user.effective_role
    if role == Role.ADMIN:
        return qs
    if role == Role.SUPERVISOR and user.jurisdiction_id:
        return qs.filter(jurisdiction__in=jurisdictions.descendants_of(code=user.jurisdiction_id))
    if role == Role.ENTERPRISE and user.enterprise_id:
        return qs.filter(recipients__enterprise_id=user.enterprise_id).distinct()
    return qs.none()


def recipients_visible(*, user: User, notice: UnqualifiedNotice) -> QuerySet[NoticeRecipient]:
    qs = notice.recipients.select_related("enterprise").order_by("enterprise__name", "enterprise_id")
    if user.effective_role == Role.ENTERPRISE:
        return qs.filter(enterprise_id=user.enterprise_id)
    return qs


def notice_dict(*, notice: UnqualifiedNotice, user: User, with_products: bool = True) -> dict[str, Any]:
    recipients = list(recipients_visible(user=user, notice=notice))
    return {
        "id": notice.pk, "jurisdiction": notice.jurisdiction_id, "jurisdiction_name": notice.jurisdiction.name,
        "product_categories": notice.product_categories, "sent_by": notice.sent_by.username,
        "sent_at": notice.sent_at.isoformat(), "recipients": [r.enterprise_id for r in recipients],
        "copies": [
            {"enterprise": r.enterprise_id, "enterprise_name": r.enterprise.name, "products": r.products,
             "letter_url": f"/api/v1/unqualified-products/notices/{notice.pk}/letter/{r.enterprise_id}.pdf"}
            for r in recipients
        ] if with_products else [],
    }


# --- disposal reports ---------------------------------------------------------------------------------


def may_act_for(*, actor: User, enterprise: Enterprise) -> bool:
    role = actor.effective_role
    if role == Role.ADMIN:
        return True
    if role == Role.SUPERVISOR:
        return jurisdictions.covers(ancestor=actor.jurisdiction_id, code=enterprise.jurisdiction_id)
    if role == Role.ENTERPRISE:
        return actor.enterprise_id == enterprise.pk
    return False


def found_on(*, enterprise: Enterprise, product: UnqualifiedProduct) -> dt.date | None:
    """The date of the first inspection of the enterprise whose field docs name the product."""
    from server.dossiers.alerts import alerts_for
    from server.inspections.models import Inspection

    for inspection in Inspection.objects.filter(enterprise=enterprise).order_by("scheduled_for", "pk"):
        if any(a["unqualified_product"] == product.pk for a in alerts_for(inspection_id=inspection.pk)):
            return inspection.scheduled_for
    return None


@transaction.atomic
def disposal_report_submit(
    *, actor: User, enterprise: Enterprise, product: UnqualifiedProduct, action: str, quantity: Decimal | None,
    stopped_sale_on: dt.date | None, reported_on: dt.date | None, harm_caused: bool,
    complaint_received_on: dt.date | None = None,
) -> tuple[DisposalReport, bool]:
    if not may_act_for(actor=actor, enterprise=enterprise):
        raise PermissionDenied("无权为该企业提交处置报告")
    today = timezone.localdate()
    if reported_on is None:
        reported_on = today
    if actor.effective_role == Role.ENTERPRISE:
        if reported_on != today:
            raise FieldError("reported_on", "企业账号提交的处置报告以当天为报告日期")
        if complaint_received_on is not None:
            raise FieldError("complaint_received_on", "举报日期由监管人员填写")
    for field, value in (("reported_on", reported_on), ("stopped_sale_on", stopped_sale_on),
                         ("complaint_received_on", complaint_received_on)):
        if value is not None and value > today:
            raise FieldError(field, "日期不能晚于今天")
    found = found_on(enterprise=enterprise, product=product)
    decision = exemption.decide(exemption.Facts(reported_on=reported_on, stopped_sale_on=stopped_sale_on,
                                                harm_caused=harm_caused, found_on=found, complaint_on=complaint_received_on))
    values = {"quantity": quantity, "stopped_sale_on": stopped_sale_on, "harm_caused": harm_caused,
              "complaint_received_on": complaint_received_on}
    existing = DisposalReport.objects.filter(enterprise=enterprise, unqualified_product=product, action=action,
                                             reported_on=reported_on).first()
    if existing is not None:
        if all(getattr(existing, k) == v for k, v in values.items()):
            return existing, False
        raise Conflict(f"该企业 {reported_on} 已就该产品提交过一份内容不同的“{action}”处置报告（#{existing.pk}）")
    try:
        with transaction.atomic():
            report = DisposalReport.objects.create(
                enterprise=enterprise, unqualified_product=product, action=action, reported_on=reported_on,
                penalty_exemption=decision.exemption, exemption_reason=decision.reason, found_on=found,
                submitted_by=actor, **values)
    except IntegrityError as exc:
        raise Conflict("同一份处置报告正在提交，请稍后重试") from exc
    return report, True


def disposal_list_visible(*, user: User) -> QuerySet[DisposalReport]:
    qs = DisposalReport.objects.select_related("enterprise", "unqualified_product", "submitted_by")
    role = user.effective_role
    if role == Role.ADMIN:
        return qs
    if role == Role.SUPERVISOR and user.jurisdiction_id:
        return qs.filter(enterprise__jurisdiction__in=jurisdictions.descendants_of(code=user.jurisdiction_id))
    if role == Role.ENTERPRISE and user.enterprise_id:
        return qs.filter(enterprise_id=user.enterprise_id)
    return qs.none()


def disposal_dict(report: DisposalReport) -> dict[str, Any]:
    return {
        "id": report.pk, "enterprise": report.enterprise_id, "enterprise_name": report.enterprise.name,
        "unqualified_product": report.unqualified_product_id, "action": report.action,
        "quantity": None if report.quantity is None else float(report.quantity),
        "stopped_sale_on": report.stopped_sale_on.isoformat() if report.stopped_sale_on else None,
        "reported_on": report.reported_on.isoformat(), "harm_caused": report.harm_caused,
        "complaint_received_on": report.complaint_received_on.isoformat() if report.complaint_received_on else None,
        "found_on": report.found_on.isoformat() if report.found_on else None,
        "penalty_exemption": report.penalty_exemption, "reason": report.exemption_reason,
        "submitted_by": report.submitted_by.username, "created_at": report.created_at.isoformat(),
    }
