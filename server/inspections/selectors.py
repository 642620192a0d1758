"""Reads for inspections, scoped by role and jurisdiction."""
from __future__ import annotations

from django.db.models import QuerySet

from server.accounts import jurisdictions
from server.accounts.models import Role, User

from .models import Inspection


def inspection_list_visible(*, user: User) -> QuerySet[Inspection]:
    qs = Inspection.objects.select_related("enterprise", "dossier").prefetch_related("inspectors")
    role = user.effective_role
    if role == Role.ADMIN:
        return qs
    if role == Role.SUPERVISOR and user.jurisdiction_id:
        return qs.filter(enterprise__jurisdiction__in=jurisdictions.descendants_of(code=user.jurisdiction_id))
    if role == Role.INSPECTOR:
        return qs.filter(inspectors=user)
    return qs.none()


def inspection_get_visible(*, user: User, inspection_id) -> Inspection | None:
    return inspection_list_visible(user=user).filter(pk=inspection_id).first()


def inspection_ids_for_inspector(*, user: User) -> set[str]:
    return {str(pk) for pk in Inspection.objects.filter(inspectors=user).values_list("pk", flat=True)}
