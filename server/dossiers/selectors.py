"""Reads for dossiers, scoped by role and jurisdiction through server.inspections.selectors."""
from __future__ import annotations

import importlib

from django.db.models import QuerySet
from django.urls import reverse

from server.accounts import jurisdictions
from server.accounts.models import Jurisdiction, Role, User
from server.api.errors import FieldError
from server.inspections.selectors import inspection_get_visible, inspection_list_visible
from server.registry.choices import ProductCategory

from . import alerts
from .models import Closeout, DocConflict, Dossier, DossierStatus, Photo, PhotoStatus, Sample


def dossier_list_visible(
    *, user: User, status: str | None = None, jurisdiction: str | None = None, product_category: str | None = None
) -> QuerySet[Dossier]:
    qs = Dossier.objects.filter(inspection__in=inspection_list_visible(user=user).values("pk")).select_related(
        "inspection", "inspection__enterprise"
    )
    if status:
        if status not in DossierStatus.values:
            raise FieldError("status", f"未知状态 {status!r}，可选：{', '.join(DossierStatus.values)}")
        qs = qs.filter(status=status)
    if jurisdiction:
        if not Jurisdiction.objects.filter(pk=jurisdiction).exists():
            raise FieldError("jurisdiction", f"未知辖区 {jurisdiction!r}")
        qs = qs.filter(inspection__enterprise__jurisdiction__in=jurisdictions.descendants_of(code=jurisdiction))
    if product_category:
        if product_category not in ProductCategory.values:
            raise FieldError("product_category", f"未知产品类别 {product_category!r}")
        qs = qs.filter(inspection__product_category=product_category)
    return qs.order_by("-inspection__scheduled_for", "inspection_id")


def dossier_get_visible(*, user: User, inspection_id) -> Dossier | None:
    inspection = inspection_get_visible(user=user, inspection_id=inspection_id)
    if inspection is None:
        return None
    dossier, _ = Dossier.objects.get_or_create(inspection=inspection)
    return dossier


def open_conflicts(*, inspection_id) -> QuerySet[DocConflict]:
    return DocConflict.objects.filter(inspection_id=inspection_id)


def has_open_conflict(*, inspection_id) -> bool:
    return DocConflict.objects.filter(inspection_id=inspection_id).exists()


def photo_get_visible(*, user: User, photo_id: str) -> Photo | None:
    photo = Photo.objects.select_related("blob").filter(doc_id=photo_id).first()
    if photo is None or inspection_get_visible(user=user, inspection_id=photo.inspection_id) is None:
        return None
    return photo


def sample_get_visible(*, user: User, label_code: str) -> Sample | None:
    """Admins and certifiers (acting for laboratories) see every sample; others by inspection scope."""
    sample = Sample.objects.filter(label_code=label_code).first()
    if sample is None:
        return None
    if user.effective_role in (Role.ADMIN, Role.CERTIFIER):
        return sample
    return sample if inspection_get_visible(user=user, inspection_id=sample.inspection_id) else None


def _url(request, name: str, **kwargs) -> str:
    path = reverse(name, kwargs=kwargs)
    return request.build_absolute_uri(path) if request is not None else path


def inspection_summary(*, inspection) -> dict:
    enterprise = inspection.enterprise
    return {
        "id": str(inspection.pk),
        "enterprise": {"id": enterprise.pk, "name": enterprise.name, "credit_code": enterprise.credit_code,
                       "address": enterprise.address, "jurisdiction": enterprise.jurisdiction_id},
        "product_category": inspection.product_category,
        "domain": inspection.domain,
        "scheduled_for": inspection.scheduled_for.isoformat(),
        "checklist_id": inspection.checklist_id,
        "inspectors": sorted(u.username for u in inspection.inspectors.all()),
    }


def dossier_summary(*, dossier: Dossier) -> dict:
    inspection = dossier.inspection
    return {
        "inspection": inspection_summary(inspection=inspection),
        "inspection_id": str(inspection.pk),
        "status": dossier.status,
        "completeness": _completeness(dossier),
        "updated_at": dossier.updated_at.isoformat() if dossier.updated_at else None,
    }


def _completeness(dossier: Dossier) -> dict:
    comp = dict(dossier.completeness or {})
    if "required" not in comp:
        from .completeness import compute

        comp = compute(inspection=dossier.inspection)
    return comp


def custody_of(*, sample: Sample) -> list[dict]:
    return [
        {"state": e.state, "at": e.at.isoformat(), "actor": e.actor_name, "note": e.note, "result": e.result}
        for e in sample.custody_events.all()
    ]


def sample_detail(*, sample: Sample) -> dict:
    return {
        "id": sample.doc_id,
        "label_code": sample.label_code,
        "inspection_id": str(sample.inspection_id),
        "product": sample.product,
        "quantity": sample.quantity,
        "unit": sample.unit,
        "sealed_at": sample.sealed_at,
        "photo_ids": sample.photo_ids,
        "author": sample.author,
        "custody_state": sample.custody_state,
        "custody": custody_of(sample=sample),
        "flags": sample.flags,
    }


def _review_parts(inspection) -> dict:
    try:
        module = importlib.import_module("server.reviews.selectors")
    except ImportError:
        return {}
    fn = getattr(module, "dossier_review_parts", None)
    if fn is None:
        return {}
    return dict(fn(inspection=inspection) or {})


def dossier_detail(*, dossier: Dossier, request=None) -> dict:
    """The contract §6 body of one dossier."""
    inspection = dossier.inspection
    conflicts = {c.doc_id: c for c in open_conflicts(inspection_id=inspection.pk)}
    answers = []
    for a in inspection.answers.all().order_by("item_code"):
        conflict = conflicts.get(a.doc_id)
        answers.append({
            "id": a.doc_id, "item_code": a.item_code, "value": a.value, "note": a.note, "author": a.author,
            "answered_at": a.answered_at, "conflict": conflict is not None,
            "conflict_revisions": [
                {"rev": r.get("rev"), "value": r.get("value"), "author": r.get("author"),
                 "answered_at": r.get("answered_at"), "winning": r.get("winning")}
                for r in (conflict.revisions if conflict else [])
            ],
            "problem": a.problem or None,
        })
    photos = []
    for p in inspection.photos.all().order_by("taken_at", "doc_id"):
        verified = p.status == PhotoStatus.VERIFIED
        photos.append({
            "id": p.doc_id, "sha256": p.sha256, "item_code": p.item_code or None, "taken_at": p.taken_at,
            "caption": p.caption, "author": p.author,
            "exif": {"taken_at": (p.exif or {}).get("taken_at"), "gps": (p.exif or {}).get("gps")},
            "verified": verified, "status": p.status, "error": p.error or None,
            "thumbnail_url": _url(request, "dossier-photo-thumbnail", photo_id=p.doc_id) if verified else None,
            "original_url": _url(request, "dossier-photo-original", photo_id=p.doc_id) if verified else None,
            "flags": p.flags, "conflict": p.doc_id in conflicts,
        })
    quicktests = [
        {"id": q.doc_id, "item_code": q.item_code, "method": q.method, "inputs": q.inputs, "result": q.result,
         "limit": q.limit, "verdict": q.verdict or None, "basis": q.basis, "error": q.error or None,
         "instrument": q.instrument, "measured_at": q.measured_at, "author": q.author,
         "device_verdict": q.device_verdict or None, "verdict_differs": q.verdict_differs,
         "conflict": q.doc_id in conflicts}
        for q in inspection.quicktests.all().order_by("measured_at", "doc_id")
    ]
    samples = [sample_detail(sample=s) for s in inspection.samples.all().prefetch_related("custody_events")]
    closeout = Closeout.objects.filter(inspection_id=inspection.pk).first()
    parts = _review_parts(inspection)
    body = dossier_summary(dossier=dossier)
    body.update({
        "answers": answers,
        "photos": photos,
        "quicktests": quicktests,
        "samples": samples,
        "closeout": None if closeout is None else {
            "id": closeout.doc_id, "finished_at": closeout.finished_at, "summary": closeout.summary,
            "representative": closeout.representative, "author": closeout.author,
            "has_signature": closeout.has_signature,
        },
        "conflicts": [{"doc_id": c.doc_id, "doc_type": c.doc_type, "revisions": c.revisions} for c in conflicts.values()],
        "alerts": alerts.alerts_for(inspection_id=inspection.pk),
        "findings": parts.get("findings", []),
        "audits": parts.get("audits", []),
        "review": parts.get("review"),
        "review_flags": parts.get("flags", []),
    })
    return body
