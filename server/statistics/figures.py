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
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

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


def _inspections(s: Scope) -> QuerySet:
    return Inspection.objects.filter(
        scheduled_for__range=(s.starts, s.ends), enterprise__jurisdiction_id__in=s.codes,
        product_category__in=s.categories,
    )


def _with_problems(qs: QuerySet) -> QuerySet:
    return qs.filter(
        Exists(Finding.objects.filter(inspection_id=OuterRef("pk")))
        | Exists(QuickTest.objects.filter(inspection_id=OuterRef("pk"), verdict="fail"))
    )


def _self_inspections(s: Scope) -> QuerySet:
    return SelfInspection.objects.filter(
        Q(campaign=s.campaign) | Q(campaign__isnull=True, submitted_on__range=(s.starts, s.ends)),
        enterprise__jurisdiction_id__in=s.codes, product_category__in=s.categories,
    )


def _of_inspections(model, s: Scope) -> QuerySet:
    return model.objects.filter(
        inspection__scheduled_for__range=(s.starts, s.ends), inspection__enterprise__jurisdiction_id__in=s.codes,
        inspection__product_category__in=s.categories,
    )


def _cases(s: Scope) -> QuerySet:
    return EnforcementCase.objects.filter(campaign=s.campaign, jurisdiction_id__in=s.codes,
                                          product_category__in=s.categories)


def _certificates(s: Scope, result: str) -> QuerySet:
    return CccCertificate.objects.filter(
        enterprise__jurisdiction_id__in=s.codes, product_category__in=s.categories,
        audits__result=result, audits__audit_date__range=(s.starts, s.ends),
    ).distinct()


@dataclass(frozen=True)
class Figure:
    key: str                 # "inspections.done"
    title: str               # Chinese column header
    records: Callable[[Scope], QuerySet] | None
    county: str = ""         # field path of the county
    category: str = ""       # field path of the category
    register_role: str = ""  # register figures: the role
    distinct: bool = False


_INSP = ("enterprise__jurisdiction_id", "product_category")
_OF_INSP = ("inspection__enterprise__jurisdiction_id", "inspection__product_category")
_ENT = ("enterprise__jurisdiction_id", "product_category")

FIGURES: list[Figure] = [
    Figure("register.producers", "生产企业数", None, register_role="producer"),
    Figure("register.sellers", "销售者数", None, register_role="seller"),
    Figure("register.users", "经营性用户数", None, register_role="user"),
    Figure("self_inspections.submitted", "自查报告数", _self_inspections, *_ENT),
    Figure("self_inspections.with_problems", "自查发现问题数", lambda s: _self_inspections(s).filter(problems__gt=0), *_ENT),
    Figure("self_inspections.rectified", "自查问题已整改数",
           lambda s: _self_inspections(s).filter(status=SelfInspectionStatus.RECTIFIED), *_ENT),
    Figure("inspections.planned", "计划检查数", _inspections, *_INSP),
    Figure("inspections.done", "已完成检查数", lambda s: _inspections(s).filter(dossier__status__in=DONE), *_INSP),
    Figure("inspections.with_problems", "发现问题检查数", lambda s: _with_problems(_inspections(s)), *_INSP),
    Figure("quick_tests.done", "快检数", lambda s: _of_inspections(QuickTest, s).exclude(verdict=""), *_OF_INSP),
    Figure("quick_tests.failed", "快检不合格数", lambda s: _of_inspections(QuickTest, s).filter(verdict="fail"), *_OF_INSP),
    Figure("samples", "抽样数", lambda s: _of_inspections(Sample, s), *_OF_INSP),
    Figure("rectification_orders.issued", "责令改正数", lambda s: _of_inspections(RectificationOrder, s), *_OF_INSP),
    Figure("rectification_orders.closed", "整改结案数",
           lambda s: _of_inspections(RectificationOrder, s).filter(status=RectificationStatus.CLOSED), *_OF_INSP),
    Figure("cases.opened", "立案查处数", _cases, "jurisdiction_id", "product_category"),
    Figure("cases.closed", "结案数", lambda s: _cases(s).filter(status=CaseStatus.CLOSED), "jurisdiction_id",
           "product_category"),
    Figure("cases.transferred", "移送司法机关数", lambda s: _cases(s).filter(outcome=CaseOutcome.TRANSFERRED),
           "jurisdiction_id", "product_category"),
    Figure("certificates.suspended", "暂停证书数", lambda s: _certificates(s, "suspended"),
           "enterprise__jurisdiction_id", "product_category", distinct=True),
    Figure("certificates.revoked", "撤销证书数", lambda s: _certificates(s, "revoked"),
           "enterprise__jurisdiction_id", "product_category", distinct=True),
]
BY_KEY = {f.key: f for f in FIGURES}


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


def _register_ids(s: Scope, *, role: str, county_codes: list[str], category: str | None) -> list[int]:
    where, params = f"AND r.value = %s AND e.jurisdiction_id IN ({', '.join(['%s'] * len(county_codes)) or 'NULL'})", \
        [role, *county_codes]
    if category:
        where += " AND c.value = %s"
        params.append(category)
    sql, all_params = _register_sql(s, where=where, params=params, select="DISTINCT e.id")
    with connection.cursor() as cursor:
        cursor.execute(sql + " ORDER BY e.id", all_params)
        return [row[0] for row in cursor.fetchall()]


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
        for figure in FIGURES:
            if figure.records is None:
                continue
            qs = figure.records(scope).order_by()
            if figure.distinct:
                grouped = qs.values(figure.county, figure.category).annotate(n=Count("id", distinct=True))
            else:
                grouped = qs.values(figure.county, figure.category).annotate(n=Count("pk"))
            for item in grouped:
                counts.setdefault((item[figure.county], item[figure.category]), {})[figure.key] = item["n"]
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
    if figure.records is None:
        role = figure.register_role
        ids = _register_ids(scope, role=role, county_codes=county_codes, category=category)
        if category is None:
            # a figure over every category counts an enterprise once per category it holds
            return [r for i in ids for r in _register_rows(scope, i, role=role)]
        return [_enterprise_dict(e, category) for e in Enterprise.objects.filter(pk__in=ids).order_by("id")]
    qs = figure.records(scope).filter(**{f"{figure.county}__in": county_codes})
    if category is not None:
        qs = qs.filter(**{figure.category: category})
    related = {"inspections": ["enterprise"], "self_inspections": ["enterprise"], "cases": ["enterprise"],
               "certificates": ["enterprise"]}.get(figure.key.split(".")[0], ["inspection__enterprise"])
    return [_record_dict(figure, obj) for obj in qs.select_related(*related).order_by("pk")[:20000]]


def _register_rows(scope: Scope, enterprise_id: int, *, role: str) -> list[dict[str, Any]]:
    enterprise = Enterprise.objects.get(pk=enterprise_id)
    return [_enterprise_dict(enterprise, c) for c in scope.categories
            if c in (enterprise.product_categories or []) and role in (enterprise.roles or [])]


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
