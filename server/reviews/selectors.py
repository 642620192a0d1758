"""Reads for review and follow-up. `dossier_review_parts` fills the dossier's "findings", "audits",
"review" (and "flags") keys for server.dossiers."""
from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from server.accounts import jurisdictions
from server.accounts.models import Role, User
from server.dossiers.models import Answer, DocConflict, DossierStatus, QuickTest
from server.inspections.models import Inspection

from server.enforcement.models import EnforcementCase, ProducerNotice
from server.enforcement.selectors import case_dict, notice_dict

from .models import (
    AuditEvent, CertificationAudit, ConflictResolution, Finding, InspectionFlag, RectificationOrder,
    RectificationStatus, ResolutionState, Review,
)


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _user(user) -> str | None:
    return user.username if user is not None else None


# --- conflicts ----------------------------------------------------------------------------------------


def settled_conflict_doc_ids(*, inspection_id) -> set[str]:
    """Docs whose current conflict revisions a pending or applied resolution already covers."""
    conflicts = {c.doc_id: c for c in DocConflict.objects.filter(inspection_id=inspection_id)}
    settled: set[str] = set()
    resolutions = ConflictResolution.objects.filter(
        inspection_id=inspection_id, doc_id__in=list(conflicts),
        state__in=[ResolutionState.PENDING, ResolutionState.APPLIED],
    )
    for resolution in resolutions:
        revs = {r.get("rev") for r in conflicts[resolution.doc_id].revisions}
        if revs <= set(resolution.known_revs) | ({resolution.new_rev} if resolution.new_rev else set()):
            settled.add(resolution.doc_id)
    return settled


def open_conflict_doc_ids(*, inspection_id) -> list[str]:
    """Conflicted docs of the inspection that no pending or applied resolution covers."""
    settled = settled_conflict_doc_ids(inspection_id=inspection_id)
    return [
        doc_id for doc_id in DocConflict.objects.filter(inspection_id=inspection_id).values_list("doc_id", flat=True)
        if doc_id not in settled
    ]


def conflict_resolution_dict(resolution: ConflictResolution) -> dict[str, Any]:
    return {
        "id": resolution.pk, "doc_id": resolution.doc_id, "mode": resolution.mode, "rev": resolution.chosen_rev,
        "value": resolution.value, "comment": resolution.comment, "resolved_by": _user(resolution.resolved_by),
        "resolved_at": _iso(resolution.created_at), "state": resolution.state, "new_rev": resolution.new_rev or None,
        "deleted_revs": resolution.deleted_revs, "error": resolution.error or None,
    }


def pending_resolutions(*, limit: int = 50) -> QuerySet[ConflictResolution]:
    return ConflictResolution.objects.filter(state=ResolutionState.PENDING).select_related(
        "resolved_by", "inspection"
    ).order_by("id")[:limit]


# --- inspections ------------------------------------------------------------------------------------


def open_inspections_of(*, enterprise_id: int) -> QuerySet[Inspection]:
    """The enterprise's inspections whose dossier is not approved yet."""
    return Inspection.objects.filter(enterprise_id=enterprise_id).exclude(dossier__status=DossierStatus.APPROVED)


def inspection_get_reviewable(*, user: User, inspection_id) -> Inspection | None:
    """The inspection if the user may see it (404 otherwise); role checks happen in services."""
    from server.inspections.selectors import inspection_get_visible

    return inspection_get_visible(user=user, inspection_id=inspection_id)


def _measure(value) -> str:
    if isinstance(value, dict) and "value" in value:
        return f"{value['value']} {value.get('unit', '')}".strip()
    return "—" if value is None else str(value)


def finding_candidates(*, inspection: Inspection) -> list[dict[str, Any]]:
    """Non-conforming items not yet recorded as findings: boolean answers `false` (prompts are phrased
    so that true = 符合) and quick tests judged `fail`."""
    recorded = set(Finding.objects.filter(inspection=inspection).values_list("source_doc_id", flat=True))
    out: list[dict[str, Any]] = []
    for answer in Answer.objects.filter(inspection=inspection, value=False).order_by("item_code"):
        if answer.doc_id not in recorded:
            out.append({"source_doc_id": answer.doc_id, "item_code": answer.item_code, "kind": "answer",
                        "detail": answer.note or "检查项不符合"})
    for test in QuickTest.objects.filter(inspection=inspection, verdict="fail").order_by("item_code"):
        if test.doc_id not in recorded:
            out.append({"source_doc_id": test.doc_id, "item_code": test.item_code, "kind": "quicktest",
                        "detail": f"快检不合格：结果 {_measure(test.result)}，限值 {_measure(test.limit)}（{test.basis}）"})
    from server.dossiers.alerts import finding_candidates as alert_candidates

    offered = {(c["source_doc_id"], c["item_code"]) for c in out}
    for candidate in alert_candidates(inspection=inspection):
        key = (candidate["source_doc_id"], candidate["item_code"])
        if key not in offered and not Finding.objects.filter(inspection=inspection, item_code=candidate["item_code"],
                                                             source_doc_id=candidate["source_doc_id"]).exists():
            offered.add(key)
            out.append(candidate)
    return out


# --- findings and follow-up -------------------------------------------------------------------------


def rectification_dict(order: RectificationOrder) -> dict[str, Any]:
    return {
        "id": order.pk, "inspection": str(order.inspection_id), "findings": sorted(f.pk for f in order.findings.all()),
        "requirements": order.requirements, "deadline": order.deadline.isoformat(), "status": order.status,
        "overdue": order.status == RectificationStatus.ISSUED and order.deadline < timezone.localdate(),
        "result": order.result or None, "closure_note": order.closure_note, "issued_by": _user(order.issued_by),
        "issued_at": _iso(order.issued_at), "closed_by": _user(order.closed_by), "closed_at": _iso(order.closed_at),
    }


def finding_dict(finding: Finding) -> dict[str, Any]:
    notice = getattr(finding, "producer_notice", None) if hasattr(finding, "producer_notice") else None
    orders = list(finding.rectification_orders.all())
    cases = list(finding.enforcement_cases.all())
    return {
        "id": finding.pk, "inspection": str(finding.inspection_id), "item_code": finding.item_code,
        "severity": finding.severity, "severity_label": finding.get_severity_display(),
        "description": finding.description, "source": finding.source, "source_doc_id": finding.source_doc_id or None,
        "created_by": _user(finding.created_by), "created_at": _iso(finding.created_at),
        "rectification_order": orders[0].pk if orders else None,
        "enforcement_case": cases[0].pk if cases else None,
        "producer_notice": notice.pk if notice else None,
    }


def findings_of(*, inspection: Inspection) -> QuerySet[Finding]:
    return Finding.objects.filter(inspection=inspection).select_related("created_by").prefetch_related(
        "rectification_orders", "enforcement_cases", "producer_notice"
    )


def review_dict(review: Review) -> dict[str, Any]:
    return {
        "id": review.pk, "decision": review.decision, "comment": review.comment, "reviewer": _user(review.reviewer),
        "reviewed_at": _iso(review.created_at), "from_status": review.from_status, "to_status": review.to_status,
    }


# --- certification audits ---------------------------------------------------------------------------


def certification_audit_dict(audit: CertificationAudit) -> dict[str, Any]:
    return {
        "id": audit.pk, "certificate": audit.certificate.number, "enterprise": audit.enterprise_id,
        "enterprise_name": audit.enterprise.name, "category": audit.product_category, "result": audit.result,
        "result_label": audit.get_result_display(), "findings": audit.findings, "date": audit.audit_date.isoformat(),
        "certification_body": audit.certificate.certification_body.name if audit.certificate.certification_body else None,
        "certificate_status_before": audit.certificate_status_before,
        "certificate_status_after": audit.certificate_status_after,
        "report": {"name": audit.report_name, "sha256": audit.report_sha256,
                   "url": f"/api/v1/certification-audits/{audit.pk}/report/"} if audit.report else None,
        "created_by": _user(audit.created_by), "created_at": _iso(audit.created_at),
    }


def certification_audit_list_visible(*, user: User, enterprise_id: int | None = None) -> QuerySet[CertificationAudit]:
    qs = CertificationAudit.objects.select_related("certificate__certification_body", "enterprise", "created_by")
    role = user.effective_role
    if role == Role.CERTIFIER and user.certification_body_id:
        qs = qs.filter(certificate__certification_body_id=user.certification_body_id)
    elif role in (Role.SUPERVISOR, Role.INSPECTOR) and user.jurisdiction_id:
        qs = qs.filter(enterprise__jurisdiction__in=jurisdictions.descendants_of(code=user.jurisdiction_id))
    elif role != Role.ADMIN:
        return qs.none()
    if enterprise_id is not None:
        qs = qs.filter(enterprise_id=enterprise_id)
    return qs


def flag_dict(flag: InspectionFlag) -> dict[str, Any]:
    return {
        "kind": flag.kind, "label": flag.get_kind_display(), "certificate": flag.certificate.number,
        "audit": flag.audit_id, "created_at": _iso(flag.created_at),
    }


# --- audit trail ------------------------------------------------------------------------------------


def audit_event_dict(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.pk, "at": _iso(event.at), "actor": _user(event.actor), "action": event.action,
        "action_label": event.get_action_display(), "subject": event.subject, "from": event.from_value,
        "to": event.to_value, "reason": event.reason,
    }


def audit_trail(*, inspection: Inspection) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(inspection=inspection).select_related("actor").order_by("at", "id")


# --- the dossier's review parts ---------------------------------------------------------------------


def dossier_review_parts(*, inspection: Inspection) -> dict[str, Any]:
    """{"findings": [...], "audits": [...], "review": {...} | None, "flags": [...]} for one dossier.

    "audits" are the certification audits of the inspection's enterprise; "review" is the latest
    decision with its history, the conflict resolutions, rectification order, enforcement cases,
    producer notices and the audit trail; None while nothing has been reviewed or decided."""
    findings = [finding_dict(f) for f in findings_of(inspection=inspection)]
    audits = [
        certification_audit_dict(a)
        for a in CertificationAudit.objects.filter(enterprise_id=inspection.enterprise_id).select_related(
            "certificate__certification_body", "enterprise", "created_by"
        )
    ]
    flags = [flag_dict(f) for f in InspectionFlag.objects.filter(inspection=inspection).select_related("certificate")]
    reviews = list(Review.objects.filter(inspection=inspection).select_related("reviewer").order_by("created_at", "id"))
    resolutions = list(
        ConflictResolution.objects.filter(inspection=inspection).select_related("resolved_by").order_by("id")
    )
    order = RectificationOrder.objects.filter(inspection=inspection).prefetch_related("findings").first()
    cases = list(EnforcementCase.objects.filter(inspection=inspection).prefetch_related("findings"))
    notices = list(ProducerNotice.objects.filter(finding__inspection=inspection).select_related("sent_by"))
    events = list(audit_trail(inspection=inspection))
    review: dict[str, Any] | None = None
    if reviews or resolutions or order or cases or notices or events:
        latest = reviews[-1] if reviews else None
        review = {
            "decision": latest.decision if latest else None,
            "comment": latest.comment if latest else None,
            "reviewer": _user(latest.reviewer) if latest else None,
            "reviewer_name": (latest.reviewer.full_name or latest.reviewer.username) if latest else None,
            "reviewed_at": _iso(latest.created_at) if latest else None,
            "history": [review_dict(r) for r in reviews],
            "conflict_resolutions": [conflict_resolution_dict(r) for r in resolutions],
            "rectification_order": rectification_dict(order) if order else None,
            "enforcement_cases": [case_dict(c) for c in cases],
            "producer_notices": [notice_dict(n) for n in notices],
            "trail": [audit_event_dict(e) for e in events],
            "flags": flags,
        }
    return {"findings": findings, "audits": audits, "review": review, "flags": flags}
