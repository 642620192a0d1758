"""The campaign's statistics (plan 五(三), att. 11–12; contract §13), counted from the records.

Every figure is defined once as a set of records (a queryset, or for the register a SQL selection)
with the expressions naming its county and its product category. The figure is a grouped COUNT of
that set; the list behind the figure is the same set filtered to one county and category; so a
figure and its list agree by construction. The city is the sum of its counties' rows.

Scope of a campaign: its categories, the jurisdictions under it (and under the caller's), and its
dates (the first phase's start to the last phase's end) for records that are dated:
- register: every enterprise of the register with that role and category (the register is current);
- self-inspections: named for the campaign, or unnamed and submitted within its dates;
- inspections: scheduled within its dates; done = the on-site work is finished (closeout: submitted,
  incomplete, approved or returned); with_problems = at least one finding or a failed quick test;
- quick tests, samples, rectification orders: those of the campaign's inspections (quick tests
  whose inputs were refused are not counted as done);
- cases: named for the campaign (set when opened, §8), by the county handling them;
- certificates: CCC certificates suspended / revoked by an audit dated within the campaign.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.expressions import RawSQL

from server.campaigns.models import Campaign
from server.dossiers.models import DossierStatus, QuickTest, Sample
from server.enforcement.models import CaseOutcome, CaseStatus, EnforcementCase
from server.inspections.models import Inspection
from server.registry.models import CccCertificate, Enterprise
from server.reviews.models import Finding, RectificationOrder, RectificationStatus
from server.selfinspections.models import SelfInspection, SelfInspectionStatus

DONE = [DossierStatus.SUBMITTED, DossierStatus.INCOMPLETE, DossierStatus.APPROVED, DossierStatus.RETURNED]


@dataclass(frozen=True)
class Scope:
    campaign: Campaign
    codes: list[str]          # jurisdictions counted (sorted)
    categories: list[str]     # the campaign's categories
    starts: dt.date
    ends: dt.date


def scope_of(*, campaign: Campaign, codes: set[str]) -> Scope:
    phases = list(campaign.phases.all())
    starts = min((p.starts for p in phases), default=dt.date(1900, 1, 1))
    ends = max((p.ends for p in phases), default=dt.date(2999, 12, 31))
    return Scope(campaign=campaign, codes=sorted(codes), categories=list(campaign.product_categories),
                 starts=starts, ends=ends)


# --- record sets ------------------------------------------------------------------------------------
# A family is a base set of records with its county and category expressions; each figure of the
# family is the base narrowed by one condition. One grouped query per family counts all its figures
# (COUNT … FILTER (WHERE condition)); the list of a figure is base.filter(condition).


@dataclass(frozen=True)
class Family:
    records: Callable[[Scope], QuerySet]
    county: str
    category: str
    distinct: bool = False
    related: tuple[str, ...] = ()


def _inspections(s: Scope) -> QuerySet:
    return Inspection.objects.filter(
        scheduled_for__range=(s.starts, s.ends), enterprise__jurisdiction_id__in=s.codes,
        product_category__in=s.categories,
    )


def _self_inspections(s: Scope) -> QuerySet:
    return SelfInspection.objects.filter(
        Q(campaign=s.campaign) | Q(campaign__isnull=True, submitted_on__range=(s.starts, s.ends)),
        enterprise__jurisdiction_id__in=s.codes, product_category__in=s.categories,
    )


def _of_inspections(model) -> Callable[[Scope], QuerySet]:
    def records(s: Scope) -> QuerySet:
        return model.objects.filter(
            inspection__scheduled_for__range=(s.starts, s.ends), inspection__enterprise__jurisdiction_id__in=s.codes,
            inspection__product_category__in=s.categories,
        )
    return records


def _cases(s: Scope) -> QuerySet:
    return EnforcementCase.objects.filter(campaign=s.campaign, jurisdiction_id__in=s.codes,
                                          product_category__in=s.categories)


def _certificates(result: str) -> Callable[[Scope], QuerySet]:
    def records(s: Scope) -> QuerySet:
        return CccCertificate.objects.filter(
            enterprise__jurisdiction_id__in=s.codes, product_category__in=s.categories,
            audits__result=result, audits__audit_date__range=(s.starts, s.ends),
        )
    return records


_OF_INSP = ("inspection__enterprise__jurisdiction_id", "inspection__product_category")
FAMILIES: dict[str, Family] = {
    "self_inspections": Family(_self_inspections, "enterprise__jurisdiction_id", "product_category",
                               related=("enterprise",)),
    "inspections": Family(_inspections, "enterprise__jurisdiction_id", "product_category", related=("enterprise",)),
    "quick_tests": Family(_of_inspections(QuickTest), *_OF_INSP, related=("inspection__enterprise",)),
    "samples": Family(_of_inspections(Sample), *_OF_INSP, related=("inspection__enterprise",)),
    "rectification_orders": Family(_of_inspections(RectificationOrder), *_OF_INSP, related=("inspection__enterprise",)),
    "cases": Family(_cases, "jurisdiction_id", "product_category", related=("enterprise",)),
    "certificates.suspended": Family(_certificates("suspended"), "enterprise__jurisdiction_id", "product_category",
                                     distinct=True, related=("enterprise",)),
    "certificates.revoked": Family(_certificates("revoked"), "enterprise__jurisdiction_id", "product_category",
                                   distinct=True, related=("enterprise",)),
}


def _with_problems() -> Q:
    # IN (subquery) rather than OR-ed EXISTS: PostgreSQL hashes each subquery once.
    return Q(pk__in=Finding.objects.values("inspection_id")) | Q(
        pk__in=QuickTest.objects.filter(verdict="fail").values("inspection_id"))


@dataclass(frozen=True)
class Figure:
    key: str                  # "inspections.done"
    title: str                # Chinese column header
    family: str | None        # None: the register
    condition: Callable[[], Q] | None = None
    register_role: str = ""


FIGURES: list[Figure] = [
    Figure("register.producers", "生产企业数", None, register_role="producer"),
    Figure("register.sellers", "销售者数", None, register_role="seller"),
    Figure("register.users", "经营性用户数", None, register_role="user"),
    Figure("self_inspections.submitted", "自查报告数", "self_inspections"),
    Figure("self_inspections.with_problems", "自查发现问题数", "self_inspections", lambda: Q(problems__gt=0)),
    Figure("self_inspections.rectified", "自查问题已整改数", "self_inspections",
           lambda: Q(status=SelfInspectionStatus.RECTIFIED)),
    Figure("inspections.planned", "计划检查数", "inspections"),
    Figure("inspections.done", "已完成检查数", "inspections", lambda: Q(dossier__status__in=DONE)),
    Figure("inspections.with_problems", "发现问题检查数", "inspections", _with_problems),
    Figure("quick_tests.done", "快检数", "quick_tests", lambda: ~Q(verdict="")),
    Figure("quick_tests.failed", "快检不合格数", "quick_tests", lambda: Q(verdict="fail")),
    Figure("samples", "抽样数", "samples"),
    Figure("rectification_orders.issued", "责令改正数", "rectification_orders"),
    Figure("rectification_orders.closed", "整改结案数", "rectification_orders",
           lambda: Q(status=RectificationStatus.CLOSED)),
    Figure("cases.opened", "立案查处数", "cases"),
    Figure("cases.closed", "结案数", "cases", lambda: Q(status=CaseStatus.CLOSED)),
    Figure("cases.transferred", "移送司法机关数", "cases", lambda: Q(outcome=CaseOutcome.TRANSFERRED)),
    Figure("certificates.suspended", "暂停证书数", "certificates.suspended"),
    Figure("certificates.revoked", "撤销证书数", "certificates.revoked"),
]
BY_KEY = {f.key: f for f in FIGURES}


def figure_records(figure: Figure, scope: Scope) -> QuerySet:
    """The records one figure counts (its family's base narrowed by its condition)."""
    qs = FAMILIES[figure.family].records(scope)
    if figure.condition is not None:
        qs = qs.filter(figure.condition())
    return qs.distinct() if FAMILIES[figure.family].distinct else qs


# --- the register (roles and categories are JSON lists on Enterprise) ---------------------------------


def _register_sql(s: Scope, *, where: str = "", params: list | None = None, select: str) -> tuple[str, list]:
    """One row per enterprise × category × role of the register in scope, expanded by the
    database's own JSON functions (PostgreSQL jsonb_array_elements_text, SQLite json_each)."""
    table = Enterprise._meta.db_table
    codes = ", ".join(["%s"] * len(s.codes)) or "NULL"
    cats = ", ".join(["%s"] * len(s.categories)) or "NULL"
    if connection.vendor == "postgresql":
        source = (f"{table} e CROSS JOIN LATERAL jsonb_array_elements_text(e.product_categories) AS c(value) "
                  f"CROSS JOIN LATERAL jsonb_array_elements_text(e.roles) AS r(value)")
    else:
        source = f"{table} e, json_each(e.product_categories) c, json_each(e.roles) r"
    sql = (f"SELECT {select} FROM {source} WHERE e.jurisdiction_id IN ({codes}) AND c.value IN ({cats}) "
           f"AND r.value IN ('producer', 'seller', 'user') {where}")
    return sql, [*s.codes, *s.categories, *(params or [])]


def _register_counts(s: Scope) -> dict[tuple[str, str, str], int]:
    if not s.codes or not s.categories:
        return {}
    sql, params = _register_sql(s, select="e.jurisdiction_id, c.value, r.value, COUNT(DISTINCT e.id)")
    with connection.cursor() as cursor:
        cursor.execute(sql + " GROUP BY e.jurisdiction_id, c.value, r.value", params)
        return {(county, category, role): n for county, category, role, n in cursor.fetchall()}


def _register_ids(s: Scope, *, role: str, county_codes: list[str], category: str | None) -> RawSQL:
    """The ids of the enterprises a register figure counts, as a subquery."""
    where, params = f"AND r.value = %s AND e.jurisdiction_id IN ({', '.join(['%s'] * len(county_codes)) or 'NULL'})", \
        [role, *county_codes]
    if category:
        where += " AND c.value = %s"
        params.append(category)
    sql, all_params = _register_sql(s, where=where, params=params, select="e.id")
    return RawSQL(sql, all_params)


# --- figures and lists ---------------------------------------------------------------------------------


def _empty_row(county: str, category: str | None) -> dict[str, Any]:
    row: dict[str, Any] = {"jurisdiction": county, "product_category": category}
    for figure in FIGURES:
        section, _, name = figure.key.partition(".")
        if name:
            row.setdefault(section, {})[name] = 0
        else:
            row[section] = 0
    return row


def _put(row: dict[str, Any], key: str, n: int) -> None:
    section, _, name = key.partition(".")
    if name:
        row[section][name] += n
    else:
        row[section] += n


def table(*, scope: Scope) -> dict[str, Any]:
    """{"rows": one per county × category with data, "total": the sum of the rows}."""
    counts: dict[tuple[str, str], dict[str, int]] = {}
    if scope.codes and scope.categories:
        for (county, category, role), n in _register_counts(scope).items():
            counts.setdefault((county, category), {})[f"register.{role}s"] = n
        for name, family in FAMILIES.items():
            members = [f for f in FIGURES if f.family == name]
            count = (lambda **kw: Count("pk", distinct=True, **kw)) if family.distinct else (lambda **kw: Count("pk", **kw))
            aggregates = {f"n{i}": count(filter=f.condition()) if f.condition else count() for i, f in enumerate(members)}
            grouped = family.records(scope).order_by().values(family.county, family.category).annotate(**aggregates)
            for item in grouped:
                cell = counts.setdefault((item[family.county], item[family.category]), {})
                for i, f in enumerate(members):
                    if item[f"n{i}"]:
                        cell[f.key] = item[f"n{i}"]
    order = {c: i for i, c in enumerate(scope.categories)}
    rows = []
    total = _empty_row("", None)
    for (county, category) in sorted(counts, key=lambda k: (k[0], order.get(k[1], 99))):
        row = _empty_row(county, category)
        for key, n in counts[(county, category)].items():
            _put(row, key, n)
            _put(total, key, n)
        rows.append(row)
    return {"rows": rows, "total": total}


def records(*, scope: Scope, figure_key: str, county_codes: list[str], category: str | None) -> list[dict[str, Any]]:
    """The records a figure counts, for some counties (one county, or all of the scope) and one or
    every category: exactly as many as the figure says."""
    figure = BY_KEY[figure_key]
    county_codes = [c for c in county_codes if c in set(scope.codes)]
    if category is not None and category not in scope.categories:
        return []
    if figure.family is None:
        role = figure.register_role
        ids = _register_ids(scope, role=role, county_codes=county_codes, category=category)
        enterprises = Enterprise.objects.filter(pk__in=ids).order_by("id")
        if category is None:
            # a figure over every category counts an enterprise once per category it holds
            return [_enterprise_dict(e, c) for e in enterprises for c in scope.categories
                    if c in (e.product_categories or []) and role in (e.roles or [])]
        return [_enterprise_dict(e, category) for e in enterprises]
    family = FAMILIES[figure.family]
    qs = figure_records(figure, scope).filter(**{f"{family.county}__in": county_codes})
    if category is not None:
        qs = qs.filter(**{family.category: category})
    return [_record_dict(figure, obj) for obj in qs.select_related(*family.related).order_by("pk")[:20000]]


def _enterprise_dict(enterprise: Enterprise, category: str | None) -> dict[str, Any]:
    return {"kind": "enterprise", "id": enterprise.pk, "label": enterprise.name, "jurisdiction": enterprise.jurisdiction_id,
            "product_category": category, "url": None}


def _record_dict(figure: Figure, obj) -> dict[str, Any]:
    section = figure.key.split(".")[0]
    if section == "inspections":
        return {"kind": "inspection", "id": str(obj.pk), "label": f"{obj.enterprise.name} {obj.scheduled_for}",
                "jurisdiction": obj.enterprise.jurisdiction_id, "product_category": obj.product_category,
                "url": f"/ui/dossiers/{obj.pk}/"}
    if section in ("quick_tests", "samples", "rectification_orders"):
        inspection = obj.inspection
        label = {"quick_tests": lambda: f"{obj.doc_id} {obj.verdict}", "samples": lambda: obj.label_code,
                 "rectification_orders": lambda: f"责令改正 #{obj.pk} {obj.get_status_display()}"}[section]()
        return {"kind": section.rstrip("s"), "id": getattr(obj, "doc_id", obj.pk), "label": label,
                "jurisdiction": inspection.enterprise.jurisdiction_id, "product_category": inspection.product_category,
                "url": f"/ui/dossiers/{inspection.pk}/"}
    if section == "self_inspections":
        return {"kind": "self-inspection", "id": obj.pk, "label": f"{obj.enterprise.name} {obj.submitted_on}",
                "jurisdiction": obj.enterprise.jurisdiction_id, "product_category": obj.product_category, "url": None}
    if section == "cases":
        return {"kind": "case", "id": obj.pk, "label": f"案件 #{obj.pk} {obj.enterprise.name if obj.enterprise_id else ''}",
                "jurisdiction": obj.jurisdiction_id, "product_category": obj.product_category,
                "url": f"/ui/cases/{obj.pk}/"}
    return {"kind": "certificate", "id": obj.number, "label": f"{obj.number} {obj.enterprise.name}",
            "jurisdiction": obj.enterprise.jurisdiction_id, "product_category": obj.product_category, "url": None}
