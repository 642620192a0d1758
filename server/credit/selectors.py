"""Reads for risk and the serious-dishonesty list (supervisors' side). Public reads are in
server/public/credit_selectors.py and return only public fields."""
from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from server.accounts import jurisdictions
from server.accounts.models import Role, User
from server.registry.models import Enterprise
from server.reviews.models import AuditEvent

from . import risk
from .models import RiskProfile, SeriousDishonesty


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def scope_codes(*, user: User, jurisdiction: str | None = None) -> set[str] | None:
    """Jurisdiction codes the user may read (None = all), narrowed to `jurisdiction` when given.
    An empty set when the user may read nothing there."""
    role = user.effective_role
    if role == Role.ADMIN:
        return jurisdictions.descendants_of(code=jurisdiction) if jurisdiction else None
    if role in (Role.SUPERVISOR, Role.INSPECTOR) and user.jurisdiction_id:
        mine = jurisdictions.descendants_of(code=user.jurisdiction_id)
        return mine & jurisdictions.descendants_of(code=jurisdiction) if jurisdiction else mine
    return set()


def risk_profile_get(*, enterprise: Enterprise) -> dict[str, Any]:
    """The stored profile, recomputed first when missing, stale (a deadline has passed since) or marked by
    a quick-test fold not yet recomputed."""
    if risk.refresh_stale(enterprise_ids=[enterprise.pk]):
        profile = RiskProfile.objects.get(enterprise=enterprise)
    else:
        profile = RiskProfile.objects.filter(enterprise=enterprise).first()
    if profile is None:
        from django.db import transaction

        with transaction.atomic():
            profile = risk.recompute(enterprise_id=enterprise.pk)
    return {"enterprise": enterprise.pk, "class": profile.risk_class, "score": profile.score,
            "signals": profile.signals, "computed_at": _iso(profile.computed_at)}


def risk_list(*, codes: set[str] | None, risk_class: str | None) -> QuerySet[Enterprise]:
    """Enterprises with their class (no profile = A, score 0), highest score first."""
    qs = Enterprise.objects.all()
    if codes is not None:
        qs = qs.filter(jurisdiction_id__in=sorted(codes))
    if risk_class == "A":
        qs = qs.filter(Q(risk_profile__isnull=True) | Q(risk_profile__risk_class="A"))
    elif risk_class:
        qs = qs.filter(risk_profile__risk_class=risk_class)
    return qs.annotate(
        risk_class=Coalesce(F("risk_profile__risk_class"), Value("A")),
        risk_score=Coalesce(F("risk_profile__score"), Value(0)),
    ).order_by("-risk_score", "id").values("id", "name", "credit_code", "jurisdiction_id", "risk_class", "risk_score")


def dishonesty_dict(entry: SeriousDishonesty) -> dict[str, Any]:
    return {
        "id": entry.pk, "enterprise": entry.enterprise_id, "enterprise_name": entry.enterprise.name,
        "credit_code": entry.enterprise.credit_code, "jurisdiction": entry.enterprise.jurisdiction_id,
        "basis": entry.basis, "decided_on": entry.decided_on.isoformat(),
        "listed_by": entry.listed_by.username, "listed_at": _iso(entry.listed_at),
        "removed_at": _iso(entry.removed_at), "removed_by": entry.removed_by.username if entry.removed_by else None,
        "removal_reason": entry.removal_reason or None,
        "trail": [
            {"at": _iso(e.at), "actor": e.actor.username if e.actor else None, "action": e.action, "reason": e.reason}
            for e in AuditEvent.objects.filter(subject=f"enterprise:{entry.enterprise_id}",
                                               action__in=["dishonesty_listed", "dishonesty_removed"]).select_related("actor")
            if (e.to_value or {}).get("entry") == entry.pk
        ],
    }


def dishonesty_visible(*, user: User) -> QuerySet[SeriousDishonesty]:
    qs = SeriousDishonesty.objects.select_related("enterprise", "listed_by", "removed_by")
    codes = scope_codes(user=user)
    if codes is not None:
        qs = qs.filter(enterprise__jurisdiction_id__in=sorted(codes))
    return qs
