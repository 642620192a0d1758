"""The dossier body (contract §6) and the dossier list, for exports and pages.

Uses server.dossiers' selectors when they exist; until then (and as a fallback) builds the same
shape from server.dossiers' models."""
from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from server.accounts import jurisdictions
from server.accounts.models import User
from server.api.errors import FieldError
from server.dossiers.models import Dossier

from . import selectors


def _their_selectors():
    try:
        from server.dossiers import selectors as dossier_selectors
    except ImportError:
        return None
    return dossier_selectors


def dossier_list(
    *, user: User, status: str | None = None, jurisdiction: str | None = None, product_category: str | None = None,
    verdict: str | None = None,
) -> QuerySet[Dossier]:
    """Dossiers the user may see, filtered. `jurisdiction` includes the codes below it; `verdict`
    is "fail" (some quick test failed or a finding recorded) or "pass" (neither)."""
    theirs = _their_selectors()
    if theirs is not None and hasattr(theirs, "dossier_list_visible"):
        qs = theirs.dossier_list_visible(user=user, status=status or None, jurisdiction=jurisdiction or None,
                                         product_category=product_category or None)
    else:
        from server.inspections.selectors import inspection_list_visible

        visible = inspection_list_visible(user=user).values("pk")
        qs = Dossier.objects.filter(inspection__in=visible)
        if status:
            qs = qs.filter(status=status)
        if jurisdiction:
            qs = qs.filter(inspection__enterprise__jurisdiction__in=jurisdictions.descendants_of(code=jurisdiction))
        if product_category:
            qs = qs.filter(inspection__product_category=product_category)
    if verdict not in (None, "", "pass", "fail"):
        raise FieldError("verdict", f"未知检查结果筛选 {verdict!r}，可选：pass, fail")
    if verdict == "fail":
        qs = qs.filter(_failing_q())
    elif verdict == "pass":
        qs = qs.exclude(_failing_q())
    return qs.select_related("inspection__enterprise__jurisdiction").distinct().order_by(
        "-inspection__scheduled_for", "inspection__enterprise__name"
    )


def _failing_q():
    from django.db.models import Q

    return Q(inspection__quicktests__verdict="fail") | Q(inspection__findings__isnull=False)


def dossier_row(dossier: Dossier) -> dict[str, Any]:
    """One line of the dossier list (CSV/XLSX and the list page)."""
    inspection = dossier.inspection
    completeness = dossier.completeness or {}
    return {
        "id": str(inspection.pk),
        "enterprise": inspection.enterprise.name,
        "credit_code": inspection.enterprise.credit_code,
        "jurisdiction": inspection.enterprise.jurisdiction_id,
        "jurisdiction_name": inspection.enterprise.jurisdiction.name,
        "product_category": inspection.product_category,
        "product_category_label": inspection.get_product_category_display(),
        "domain": inspection.domain,
        "scheduled_for": inspection.scheduled_for.isoformat(),
        "status": dossier.status,
        "status_label": dossier.get_status_display(),
        "required": completeness.get("required"),
        "answered": completeness.get("answered"),
        "missing": len(completeness.get("missing") or []),
        "quicktests_failed": inspection.quicktests.filter(verdict="fail").count(),
        "findings": inspection.findings.count(),
        "conflicts": inspection.conflicts.count(),
        "flags": inspection.flags.count(),
    }


def _fallback_body(*, dossier: Dossier) -> dict[str, Any]:
    inspection = dossier.inspection
    return {
        "inspection": {
            "id": str(inspection.pk), "enterprise": inspection.enterprise_id, "enterprise_name": inspection.enterprise.name,
            "jurisdiction": inspection.enterprise.jurisdiction_id, "product_category": inspection.product_category,
            "domain": inspection.domain, "scheduled_for": inspection.scheduled_for.isoformat(),
            "checklist": inspection.checklist_id, "inspectors": sorted(u.username for u in inspection.inspectors.all()),
        },
        "status": dossier.status,
        "completeness": dossier.completeness or {},
        "answers": [
            {"item_code": a.item_code, "value": a.value, "note": a.note, "author": a.author,
             "answered_at": a.answered_at, "conflict": False}
            for a in inspection.answers.all().order_by("item_code")
        ],
        "photos": [
            {"id": p.doc_id, "sha256": p.sha256, "item_code": p.item_code or None, "taken_at": p.taken_at,
             "exif": p.exif, "verified": p.status == "verified", "thumbnail_url": None, "original_url": None,
             "flags": p.flags, "caption": p.caption}
            for p in inspection.photos.all().order_by("taken_at")
        ],
        "quicktests": [
            {"id": q.doc_id, "item_code": q.item_code, "method": q.method, "inputs": q.inputs, "result": q.result,
             "limit": q.limit, "verdict": q.verdict, "basis": q.basis}
            for q in inspection.quicktests.all().order_by("item_code")
        ],
        "samples": [
            {"label_code": s.label_code, "product": s.product, "quantity": s.quantity, "unit": s.unit,
             "sealed_at": s.sealed_at, "custody": {"state": s.custody_state}}
            for s in inspection.samples.all().order_by("label_code")
        ],
        "conflicts": [{"doc_id": c.doc_id, "revisions": c.revisions} for c in inspection.conflicts.all()],
    }


def dossier_body(*, dossier: Dossier, request=None) -> dict[str, Any]:
    """The contract §6 dossier body, with the review parts filled in."""
    theirs = _their_selectors()
    body = None
    if theirs is not None and hasattr(theirs, "dossier_detail"):
        body = theirs.dossier_detail(dossier=dossier, request=request)
    if body is None:
        body = _fallback_body(dossier=dossier)
    body.update(selectors.dossier_review_parts(inspection=dossier.inspection))
    body["open_conflicts"] = selectors.open_conflict_doc_ids(inspection_id=dossier.inspection_id)
    return body


def dossier_get(*, user: User, inspection_id) -> Dossier | None:
    inspection = selectors.inspection_get_reviewable(user=user, inspection_id=inspection_id)
    if inspection is None:
        return None
    return Dossier.objects.select_related("inspection__enterprise__jurisdiction").filter(pk=inspection.pk).first()

