"""Reads for accounts."""
from __future__ import annotations

from django.db.models import QuerySet

from . import jurisdictions
from .models import Role, User


def user_list_visible(*, user: User) -> QuerySet[User]:
    qs = User.objects.select_related("jurisdiction", "certification_body").order_by("username")
    role = user.effective_role
    if role == Role.ADMIN:
        return qs
    if role == Role.SUPERVISOR and user.jurisdiction_id:
        return qs.filter(jurisdiction__in=jurisdictions.descendants_of(code=user.jurisdiction_id))
    return qs.filter(pk=user.pk)
