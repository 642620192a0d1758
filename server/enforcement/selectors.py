"""Reads for enforcement cases and producer notices, scoped by role and jurisdiction."""
from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from server.accounts import jurisdictions
from server.accounts.models import Role, User

from .models import CaseReport, EnforcementCase, ProducerNotice


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _user(user) -> str | None:
    return user.username if user is not None else None


def case_list_visible(*, user: User) -> QuerySet[EnforcementCase]:
    """Admins: every case; supervisors: cases handled in their jurisdiction; inspectors: cases of
    inspections assigned to them; anyone else: none."""
    qs = EnforcementCase.objects.select_related("enterprise", "jurisdiction", "referred_by", "campaign")
    role = user.effective_role
    if role == Role.ADMIN:
        return qs
    if role == Role.SUPERVISOR and user.jurisdiction_id:
        return qs.filter(jurisdiction_id__in=sorted(jurisdictions.descendants_of(code=user.jurisdiction_id)))
    if role == Role.INSPECTOR:
        return qs.filter(inspection__inspectors=user).distinct()
    return qs.none()


def case_get_visible(*, user: User, case_id: int) -> EnforcementCase | None:
    return case_list_visible(user=user).filter(pk=case_id).first()


def overdue_q(*, today=None) -> Q:
    """A case whose report is due and missing: its report_due has passed (closed cases have none)."""
    return Q(report_due__lt=today or timezone.localdate())


def report_dict(report: CaseReport) -> dict[str, Any]:
    return {
        "id": report.pk, "case": report.case_id, "summary": report.summary, "status": report.status,
        "reported_on": report.reported_on.isoformat(), "reported_by": _user(report.reported_by),
        "reported_at": _iso(report.reported_at), "due_before": _iso(report.due_before),
        "report_due": _iso(report.due_after), "client_key": report.client_key or None,
    }


def case_dict(case: EnforcementCase, *, with_reports: bool = False) -> dict[str, Any]:
    today = timezone.localdate()
    body = {
        "id": case.pk, "inspection": str(case.inspection_id) if case.inspection_id else None,
        "findings": sorted(f.pk for f in case.findings.all()),
        "source": case.source, "source_label": case.get_source_display(),
        "enterprise": case.enterprise_id, "enterprise_name": case.enterprise.name if case.enterprise_id else None,
        "jurisdiction": case.jurisdiction_id, "product_category": case.product_category or None,
        "campaign": case.campaign.code if case.campaign_id else None,
        "referral_number": case.referral_number or None, "referral_deadline": _iso(case.referral_deadline),
        "opened_on": _iso(case.opened_on),
        "reason": case.reason, "report": case.report, "status": case.status, "case_number": case.case_number or None,
        "outcome": case.outcome or None, "outcome_note": case.outcome_note,
        "transferred_to": case.transferred_to or None, "closed_on": _iso(case.closed_on),
        "report_due": _iso(case.report_due), "overdue": case.report_due is not None and case.report_due < today,
        "major": case.major, "supervising_office": case.supervising_office or None,
        "referred_by": _user(case.referred_by), "referred_at": _iso(case.referred_at), "updated_at": _iso(case.updated_at),
    }
    if with_reports:
        body["reports"] = [report_dict(r) for r in case.reports.select_related("reported_by").order_by("reported_at", "id")]
    return body


def notice_dict(notice: ProducerNotice) -> dict[str, Any]:
    return {
        "id": notice.pk, "finding": notice.finding_id, "unqualified_product": notice.unqualified_product_id,
        "producer": notice.producer_id, "producer_name": notice.producer_name,
        "defect_description": notice.defect_description, "status": notice.status,
        "investigation_deadline": _iso(notice.investigation_deadline),
        "recall_stage": notice.recall_stage, "recall_stage_label": notice.get_recall_stage_display(),
        "recall_note": notice.recall_note, "recall_updated_at": _iso(notice.recall_updated_at),
        "sent_by": _user(notice.sent_by), "sent_at": _iso(notice.sent_at),
        "acknowledged_at": _iso(notice.acknowledged_at),
    }


def notice_list_visible(*, user: User) -> QuerySet[ProducerNotice]:
    qs = ProducerNotice.objects.select_related("sent_by", "finding__inspection", "producer")
    role = user.effective_role
    if role == Role.ADMIN:
        return qs
    if role == Role.SUPERVISOR and user.jurisdiction_id:
        codes = sorted(jurisdictions.descendants_of(code=user.jurisdiction_id))
        return qs.filter(Q(finding__inspection__enterprise__jurisdiction_id__in=codes)
                         | Q(finding__isnull=True, producer__jurisdiction_id__in=codes))
    if role == Role.INSPECTOR:
        return qs.filter(finding__inspection__inspectors=user).distinct()
    return qs.none()


def audit_trail_of_case(*, case: EnforcementCase):
    from server.reviews.models import AuditEvent

    return AuditEvent.objects.filter(subject=f"case:{case.pk}").select_related("actor").order_by("at", "id")
