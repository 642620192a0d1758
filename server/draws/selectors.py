"""Reads for draws: the population a draw would freeze (also the preview), the roster, and the
draws a signed-in user may see."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from operator import itemgetter
from typing import NamedTuple

from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast

from server.accounts import jurisdictions
from server.accounts.models import Role, User
from server.registry.models import CccCertificate, Enterprise, ProductionLicence
from server.registry.choices import CertificateStatus

from .models import POPULATION_ROLE, Draw, PopulationKind, Selection


class Candidate(NamedTuple):  # a tuple: 100,000 of them are made per announcement
    enterprise_id: int
    credit_code: str
    name: str
    jurisdiction: str


def licensed_enterprise_ids(*, codes: set[str], product_category: str, on: dt.date) -> set[int]:
    """Producers' licences that count: a production licence for the category not expired on `on`,
    or a CCC certificate for the category whose status is valid (suspended, revoked and cancelled
    certificates do not count) and not expired on `on`."""
    not_expired = Q(valid_until__isnull=True) | Q(valid_until__gte=on)
    licences = ProductionLicence.objects.filter(
        not_expired, product_category=product_category, enterprise__jurisdiction__in=codes
    ).values_list("enterprise_id", flat=True)
    certificates = CccCertificate.objects.filter(
        not_expired, product_category=product_category, status=CertificateStatus.VALID,
        enterprise__jurisdiction__in=codes,
    ).values_list("enterprise_id", flat=True)
    return set(licences) | set(certificates)


def population_candidates(
    *, jurisdiction: str, product_category: str, population_kind: str, on: dt.date
) -> list[Candidate]:
    """Every enterprise of the register in `jurisdiction` (counties below it included) with the
    population's role and the category registered; for licensed-producers, also a licence that
    counts (licensed_enterprise_ids). One query for the register, one each for licences and
    certificates. Ordered by credit code."""
    codes = jurisdictions.descendants_of(code=jurisdiction)
    role = POPULATION_ROLE[PopulationKind(population_kind)]
    # The JSON lists compared as text in SQL (`"producer"` quoted, so one value cannot match inside
    # another; both lists hold only closed-set codes): no JSON decoding of 100,000 rows in Python.
    rows = Enterprise.objects.annotate(
        roles_text=Cast("roles", TextField()), categories_text=Cast("product_categories", TextField()),
    ).filter(
        jurisdiction__in=codes, roles_text__contains=f'"{role}"', categories_text__contains=f'"{product_category}"',
    ).values_list("id", "credit_code", "name", "jurisdiction_id")
    licensed = (
        licensed_enterprise_ids(codes=codes, product_category=product_category, on=on)
        if population_kind == PopulationKind.LICENSED_PRODUCERS else None
    )
    result = [
        Candidate._make(row) for row in rows.iterator(chunk_size=10000) if licensed is None or row[0] in licensed
    ]
    result.sort(key=itemgetter(1))  # by credit code
    return result


def county_counts(candidates: list[Candidate]) -> dict[str, int]:
    return dict(sorted(Counter(c.jurisdiction for c in candidates).items()))


def draw_list_visible(*, user: User) -> QuerySet[Draw]:
    """Admins: all. Supervisors and inspectors: draws whose jurisdiction overlaps theirs (a city's
    draw is seen by its counties' staff, a county's by the city's). Others: none."""
    qs = Draw.objects.select_related("campaign", "jurisdiction", "announced_by", "executed_by")
    role = user.effective_role
    if role == Role.ADMIN:
        return qs
    if role in (Role.SUPERVISOR, Role.INSPECTOR) and user.jurisdiction_id:
        below = jurisdictions.descendants_of(code=user.jurisdiction_id)
        above = jurisdictions.ancestors_of(code=user.jurisdiction_id)
        return qs.filter(jurisdiction__in=below | set(above))
    return qs.none()


def draw_get_visible(*, user: User, draw_id: int) -> Draw | None:
    return draw_list_visible(user=user).filter(pk=draw_id).first()


def draw_head(*, draw: Draw) -> dict:
    return {
        "id": draw.pk,
        "campaign": draw.campaign.code if draw.campaign_id else None,
        "jurisdiction": draw.jurisdiction_id,
        "product_category": draw.product_category,
        "domain": draw.domain,
        "population_kind": draw.population_kind,
        "percent": draw.percent,
        "inspectors_per_inspection": draw.inspectors_per_inspection,
        "scheduled_for": draw.scheduled_for.isoformat(),
        "status": draw.status,
        "population_sha256": draw.population_sha256,
        "population_count": draw.population_count,
        "announced_by": draw.announced_by.username,
        "announced_at": draw.announced_at.isoformat(),
        "beacon": draw.beacon or None,
        "beacon_source": draw.beacon_source or None,
        "seed": draw.seed or None,
        "executed_by": draw.executed_by.username if draw.executed_by_id else None,
        "executed_at": draw.executed_at.isoformat() if draw.executed_at else None,
    }


def population_of(*, draw: Draw) -> list[dict]:
    frozen = getattr(draw, "frozen_population", None)
    if frozen is not None:
        return [{"enterprise": c.enterprise_id, "credit_code": c.credit_code, "name": c.name,
                 "jurisdiction": c.jurisdiction} for c in frozen]
    return [
        {"enterprise": pk, "credit_code": code, "name": name, "jurisdiction": jur}
        for pk, code, name, jur in draw.population.order_by("credit_code").values_list(
            "enterprise_id", "credit_code", "name", "jurisdiction")
    ]


def selections_of(*, draw: Draw) -> list[dict]:
    return [
        {"enterprise": pk, "credit_code": code, "name": name, "jurisdiction": jur, "inspectors": inspectors,
         "eligible": eligible, "excluded": excluded, "avoidance_waived": waived, "inspection": str(inspection)}
        for pk, code, name, jur, inspectors, eligible, excluded, waived, inspection in Selection.objects.filter(
            draw=draw).order_by("jurisdiction", "position").values_list(
            "enterprise_id", "credit_code", "name", "jurisdiction", "inspectors", "eligible", "excluded",
            "avoidance_waived", "inspection_id")
    ]


def draw_as_dict(*, draw: Draw, population: bool = True) -> dict:
    body = draw_head(draw=draw)
    if population:
        body["population"] = population_of(draw=draw)
    body["selected"] = selections_of(draw=draw) if draw.status == "drawn" else []
    return body
