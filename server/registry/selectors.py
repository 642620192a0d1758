"""Reads for the registry, scoped by the caller's role and jurisdiction."""
from __future__ import annotations

from django.db.models import QuerySet

from server.accounts import jurisdictions
from server.accounts.models import Role, User

from .models import Enterprise, UnqualifiedProduct


def enterprise_list_visible(*, user: User) -> QuerySet[Enterprise]:
    qs = Enterprise.objects.select_related("jurisdiction").prefetch_related("licences", "certificates")
    role = user.effective_role
    if role == Role.ADMIN:
        return qs
    if role in (Role.SUPERVISOR, Role.INSPECTOR) and user.jurisdiction_id:
        return qs.filter(jurisdiction__in=jurisdictions.descendants_of(code=user.jurisdiction_id))
    if role == Role.CERTIFIER and user.certification_body_id:
        return qs.filter(certificates__certification_body=user.certification_body_id).distinct()
    if role == Role.ENTERPRISE and user.enterprise_id:
        return qs.filter(pk=user.enterprise_id)  # an operator's account sees its own record only
    return qs.none()


def enterprise_get_visible(*, user: User, enterprise_id: int) -> Enterprise | None:
    return enterprise_list_visible(user=user).filter(pk=enterprise_id).first()


def unqualified_product_list(*, product_category: str | None = None) -> QuerySet[UnqualifiedProduct]:
    """Reference data every signed-in user may read (tablets get it by sync)."""
    qs = UnqualifiedProduct.objects.all()
    if product_category:
        qs = qs.filter(product_category=product_category)
    return qs
