"""Reads for self-inspection reports, scoped by role (contract §10)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from server.accounts import jurisdictions
from server.accounts.models import Jurisdiction, Role, User
from server.api.errors import FieldError
from server.campaigns import selectors as campaign_selectors
from server.campaigns.models import Campaign
from server.registry.models import Enterprise

from .models import SelfInspection, SelfInspectionStatus
from .services import refresh_overdue
from .status_rule import status_on


def self_inspection_list_visible(*, user: User) -> QuerySet[SelfInspection]:
    refresh_overdue()
    qs = SelfInspection.objects.select_related("enterprise", "campaign", "submitted_by")
    role = user.effective_role
    if role == Role.ADMIN:
        return qs
    if role == Role.SUPERVISOR and user.jurisdiction_id:
        return qs.filter(enterprise__jurisdiction__in=jurisdictions.descendants_of(code=user.jurisdiction_id))
    if role == Role.CERTIFIER and user.certification_body_id:
        return qs.filter(enterprise__certificates__certification_body=user.certification_body_id).distinct()
    if role == Role.ENTERPRISE and user.enterprise_id:
        return qs.filter(enterprise_id=user.enterprise_id)
    return qs.none()


def current_status(report: SelfInspection, *, today: dt.date | None = None) -> str:
    return status_on(problems=report.problems, deadline=report.rectification_deadline,
                     completed_on=report.rectification_completed_on, today=today or timezone.localdate())


def self_inspection_dict(report: SelfInspection) -> dict[str, Any]:
    def iso(value):
        return value.isoformat() if value else None

    return {
        "id": report.pk, "enterprise": report.enterprise_id, "enterprise_name": report.enterprise.name,
        "product_category": report.product_category, "campaign": report.campaign.code if report.campaign else None,
        "submitted_on": iso(report.submitted_on), "items": report.items, "problems": report.problems,
        "rectification": {"measures": report.rectification_measures, "deadline": iso(report.rectification_deadline),
                          "completed_on": iso(report.rectification_completed_on)},
        "status": current_status(report), "late": report.late,
        "submitted_by": report.submitted_by.username if report.submitted_by_id else None,
        "created_at": iso(report.created_at),
    }


def default_campaign(*, jurisdiction: str) -> Campaign | None:
    """The campaign running today for the jurisdiction, else the latest one whose jurisdiction covers it."""
    today = timezone.localdate()
    running = campaign_selectors.campaign_for(jurisdiction=jurisdiction, on=today)
    if running is not None:
        return running
    chain = jurisdictions.ancestors_of(code=jurisdiction)
    campaigns = [c for c in campaign_selectors.campaign_list().filter(jurisdiction__in=chain) if c.phases.all()]
    campaigns.sort(key=lambda c: max(p.ends for p in c.phases.all()), reverse=True)
    return campaigns[0] if campaigns else campaign_selectors.campaign_list().filter(jurisdiction__in=chain).first()


def counties_under(*, code: str) -> list[str]:
    """The lowest-level jurisdictions (counties) at or below `code`."""
    below = jurisdictions.descendants_of(code=code)
    parents = set(Jurisdiction.objects.filter(parent__in=below).values_list("parent_id", flat=True))
    return sorted(c for c in below if c not in parents)


def coverage(*, user: User, campaign: str | None, jurisdiction: str | None) -> dict[str, Any]:
    """Per county: {jurisdiction, name, producers, submitted, missing: [ids], overdue} (§10), plus the
    missing enterprises' names for the page."""
    role = user.effective_role
    if role not in (Role.ADMIN, Role.SUPERVISOR):
        from rest_framework.exceptions import PermissionDenied

        raise PermissionDenied("只有管理员或监管人员可以查看自查覆盖情况")
    if jurisdiction:
        if not Jurisdiction.objects.filter(pk=jurisdiction).exists():
            raise FieldError("jurisdiction", f"未知辖区 '{jurisdiction}'")
        if role == Role.SUPERVISOR and not jurisdictions.covers(ancestor=user.jurisdiction_id, code=jurisdiction):
            raise FieldError("jurisdiction", f"辖区 {jurisdiction} 不在您的辖区内")
    else:
        jurisdiction = user.jurisdiction_id if role == Role.SUPERVISOR else None
        if jurisdiction is None:
            jurisdiction = Jurisdiction.objects.filter(parent__isnull=True).order_by("code").values_list("code", flat=True).first()
    chosen = campaign_selectors.campaign_get(code=campaign) if campaign else default_campaign(jurisdiction=jurisdiction)
    refresh_overdue()
    today = timezone.localdate()
    categories = set(chosen.product_categories) if chosen else None
    counties = counties_under(code=jurisdiction)
    names = dict(Jurisdiction.objects.filter(code__in=counties).values_list("code", "name"))
    producers: dict[str, list[tuple[int, str]]] = {c: [] for c in counties}
    for pk, name, county, roles, cats in Enterprise.objects.filter(jurisdiction__in=counties).order_by("name", "pk") \
            .values_list("pk", "name", "jurisdiction_id", "roles", "product_categories"):
        if "producer" in (roles or []) and (categories is None or categories & set(cats or [])):
            producers[county].append((pk, name))
    reports = SelfInspection.objects.filter(enterprise__jurisdiction__in=counties)
    reports = reports.filter(campaign=chosen) if chosen else reports.none()
    latest: dict[int, SelfInspection] = {}
    for report in reports.order_by("submitted_on", "pk"):
        latest[report.enterprise_id] = report
    rows = []
    for county in counties:
        ids = [pk for pk, _ in producers[county]]
        missing = [(pk, name) for pk, name in producers[county] if pk not in latest]
        rows.append({
            "jurisdiction": county, "name": names.get(county, county), "producers": len(ids),
            "submitted": sum(1 for pk in ids if pk in latest),
            "missing": [pk for pk, _ in missing],
            "missing_enterprises": [{"id": pk, "name": name} for pk, name in missing],
            "overdue": sum(1 for pk in ids if pk in latest
                           and current_status(latest[pk], today=today) == SelfInspectionStatus.OVERDUE),
        })
    return {"campaign": chosen.code if chosen else None, "jurisdiction": jurisdiction, "counties": rows}
