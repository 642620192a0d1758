"""Writes for draws (contract v2 §11): announce (freeze the population), execute (beacon → seed →
selection → inspectors → inspections, one transaction), and the roster's unavailability periods.

The long steps are generators yielding progress (`(stage, done, total)`) so that the supervisor
pages can stream it; `draw_announce` and `draw_execute` run them to the end for the API."""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Generator, Iterable

import checklists
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied

from server.accounts import jurisdictions
from server.accounts.models import Jurisdiction, Role, User
from server.api.errors import Conflict, FieldError
from server.campaigns import selectors as campaign_selectors
from server.inspections.services import inspections_create_bulk
from server.registry.choices import ProductCategory

from . import rules, selectors
from .models import (
    POPULATION_DOMAIN, Draw, DrawStatus, InspectorUnavailability, PopulationEntry, PopulationKind, Selection,
    UnavailabilityKind,
)

Progress = Generator[tuple[str, int, int], None, Draw]
MAX_BEACON = 500


def check_may_draw(*, actor: User, jurisdiction: str) -> None:
    role = actor.effective_role
    if role == Role.ADMIN:
        return
    if role == Role.SUPERVISOR and jurisdictions.covers(ancestor=actor.jurisdiction_id, code=jurisdiction):
        return
    raise PermissionDenied("只有管理员或该辖区的监管人员可以组织抽查")


def _run(steps: Progress) -> Draw:
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value


def _text(value, *, field: str, max_length: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise FieldError(field, "应为字符串")
    value = value.strip()
    if required and not value:
        raise FieldError(field, "不能为空")
    if len(value) > max_length:
        raise FieldError(field, f"不能超过 {max_length} 个字符")
    if "\x00" in value:
        raise FieldError(field, "不能含有 NUL 字符")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise FieldError(field, "含有无法编码的字符（孤立代理项）") from None
    return value


def validate_request(
    *, jurisdiction, product_category, population, domain=None, percent, inspectors_per_inspection=2,
) -> dict:
    """The announce request's values (types already checked by the serializer)."""
    if not Jurisdiction.objects.filter(code=jurisdiction).exists():
        raise FieldError("jurisdiction", f"未知辖区代码 '{jurisdiction}'")
    if product_category not in ProductCategory.values:
        raise FieldError("product_category", f"未知产品类别 '{product_category}'")
    if population not in PopulationKind.values:
        raise FieldError("population", f"未知抽查对象 '{population}'，可选：{', '.join(PopulationKind.values)}")
    implied = POPULATION_DOMAIN[PopulationKind(population)]
    if domain in (None, ""):
        domain = implied
    elif domain != implied:
        raise FieldError("domain", f"抽查对象 '{population}' 对应的领域是 '{implied}'")
    if not isinstance(percent, int) or isinstance(percent, bool) or not 1 <= percent <= 100:
        raise FieldError("percent", "应为 1–100 的整数")
    m = inspectors_per_inspection
    if not isinstance(m, int) or isinstance(m, bool) or not 2 <= m <= 20:
        raise FieldError("inspectors_per_inspection", "应为 2–20 的整数")
    return {"jurisdiction": jurisdiction, "product_category": product_category, "population": population,
            "domain": domain, "percent": percent, "inspectors_per_inspection": m}


# --- announce ------------------------------------------------------------------------------------

def _insert_rows(model, columns: list[str], rows: list[tuple]) -> None:
    """Many rows of this app's own tables in one go: `COPY` on PostgreSQL, one prepared INSERT run
    for every row on SQLite (bulk_create would build and prepare a model object per row). Values
    must already be in the database's form (UUIDs through the field's get_db_prep_value, JSON as text)."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def _insert_population(rows: list[tuple], draw_id: int) -> None:
    _insert_rows(PopulationEntry, ["draw_id", "enterprise_id", "credit_code", "name", "jurisdiction"],
                 [(draw_id, pk, code, name, jur) for pk, code, name, jur in rows])


def draw_announce_steps(
    *,
    actor: User,
    jurisdiction: str,
    product_category: str,
    population: str,
    percent: int,
    scheduled_for: dt.date,
    domain: str | None = None,
    inspectors_per_inspection: int = 2,
    campaign: str | None = None,
    idempotency_key: str = "",
) -> Progress:
    values = validate_request(jurisdiction=jurisdiction, product_category=product_category, population=population,
                              domain=domain, percent=percent, inspectors_per_inspection=inspectors_per_inspection)
    check_may_draw(actor=actor, jurisdiction=jurisdiction)
    key = _text(idempotency_key, field="idempotency_key", max_length=80)
    if key:
        existing = Draw.objects.filter(announced_by=actor, idempotency_key=key).first()
        if existing is not None:
            return existing
    if checklists.latest_for(product_category) is None:  # else every inspection of the draw would fail
        raise FieldError("product_category", f"产品类别 '{product_category}' 尚无已发布的检查表")
    the_campaign = campaign_selectors.campaign_for(jurisdiction=jurisdiction, on=scheduled_for, code=campaign or None)
    if the_campaign is not None and product_category not in the_campaign.product_categories:
        raise FieldError("product_category", f"专项行动 '{the_campaign.code}' 不包括产品类别 '{product_category}'")
    yield ("population", 0, 0)
    now = timezone.now()
    candidates = selectors.population_candidates(
        jurisdiction=jurisdiction, product_category=product_category, population_kind=population,
        on=timezone.localdate(now),
    )
    yield ("population", len(candidates), len(candidates))
    digest = rules.population_sha256(c.credit_code for c in candidates)
    try:
        with transaction.atomic():
            draw = Draw.objects.create(
                campaign=the_campaign, jurisdiction_id=jurisdiction, product_category=product_category,
                domain=values["domain"], population_kind=population, percent=percent,
                inspectors_per_inspection=values["inspectors_per_inspection"], scheduled_for=scheduled_for,
                population_sha256=digest, population_count=len(candidates), announced_by=actor, announced_at=now,
                idempotency_key=key,
            )
            rows = candidates  # (enterprise id, credit code, name, county) tuples
            step = 20000
            for start in range(0, len(rows), step):
                _insert_population(rows[start:start + step], draw.pk)
                yield ("freeze", min(start + step, len(rows)), len(rows))
    except IntegrityError:
        existing = Draw.objects.filter(announced_by=actor, idempotency_key=key).first() if key else None
        if existing is None:
            raise
        return existing
    yield ("freeze", len(rows), len(rows))
    draw.frozen_population = candidates  # the rows just stored, for the answer (no second read)
    return draw


def draw_announce(**kwargs) -> Draw:
    return _run(draw_announce_steps(**kwargs))


# --- execute -------------------------------------------------------------------------------------

def _roster(*, counties: Iterable[str]) -> dict[str, list[str]]:
    """County → usernames of active inspectors whose jurisdiction covers it (one query)."""
    by_jurisdiction: dict[str, list[str]] = defaultdict(list)
    for username, jur in User.objects.filter(role=Role.INSPECTOR, is_active=True, jurisdiction__isnull=False).values_list(
            "username", "jurisdiction_id"):
        by_jurisdiction[jur].append(username)
    return {
        county: [name for code in jurisdictions.ancestors_of(code=county) for name in by_jurisdiction.get(code, ())]
        for county in counties
    }


def unavailable_on(*, day: dt.date) -> dict[str, str]:
    """username → kind of the unavailability period including `day` (the earliest-starting one)."""
    result: dict[str, str] = {}
    for username, kind in InspectorUnavailability.objects.filter(starts__lte=day, ends__gte=day).order_by(
            "starts", "pk").values_list("inspector__username", "kind"):
        result.setdefault(username, kind)
    return result


def previous_inspectors(*, draw: Draw, enterprise_ids: list[int]) -> dict[int, list[str]]:
    """enterprise id → the inspectors of its previous draw of the same product category (the latest
    drawn one, executed before `draw`, that selected it)."""
    earlier = Draw.objects.filter(product_category=draw.product_category, status=DrawStatus.DRAWN).exclude(pk=draw.pk)
    if draw.executed_at is not None:
        earlier = earlier.filter(executed_at__lte=draw.executed_at)
    earlier_ids = list(earlier.values_list("pk", flat=True))
    if not earlier_ids:
        return {}
    latest: dict[int, tuple] = {}
    wanted = set(enterprise_ids)
    for start in range(0, len(enterprise_ids), 2000):
        chunk = enterprise_ids[start:start + 2000]
        for enterprise_id, executed_at, draw_id, inspectors in Selection.objects.filter(
                draw_id__in=earlier_ids, enterprise_id__in=chunk).values_list(
                "enterprise_id", "draw__executed_at", "draw_id", "inspectors"):
            if enterprise_id in wanted and (enterprise_id not in latest or (executed_at, draw_id) > latest[enterprise_id][:2]):
                latest[enterprise_id] = (executed_at, draw_id, inspectors)
    return {pk: list(row[2]) for pk, row in latest.items()}


def draw_execute_steps(*, actor: User, draw_id: int, beacon, beacon_source="") -> Progress:
    draw = Draw.objects.filter(pk=draw_id).first()
    if draw is None:
        raise FieldError("draw", f"抽查 {draw_id} 不存在")
    check_may_draw(actor=actor, jurisdiction=draw.jurisdiction_id)
    beacon = _text(beacon, field="beacon", max_length=MAX_BEACON, required=True)
    beacon_source = _text(beacon_source, field="beacon_source", max_length=500)
    if draw.status != DrawStatus.ANNOUNCED:
        raise Conflict("该抽查已经执行，不能再次执行 (this draw has already been executed)")
    with transaction.atomic():
        seed = rules.seed_of(population_hash=draw.population_sha256, beacon=beacon)
        now = timezone.now()
        # The conditional UPDATE takes the row lock: a second execution waits for this transaction
        # and then finds the status changed (PostgreSQL re-checks the WHERE clause), so it is a 409.
        claimed = Draw.objects.filter(pk=draw.pk, status=DrawStatus.ANNOUNCED).update(
            status=DrawStatus.DRAWN, beacon=beacon, beacon_source=beacon_source, seed=seed, executed_by=actor,
            executed_at=now,
        )
        if not claimed:
            raise Conflict("该抽查已经执行，不能再次执行 (this draw has already been executed)")
        draw.refresh_from_db()
        yield ("select", 0, draw.population_count)
        by_county: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
        for pk, code, name, jur in draw.population.values_list("enterprise_id", "credit_code", "name", "jurisdiction"):
            by_county[jur].append((pk, code, name))
        chosen: list[tuple[str, int, tuple[int, str, str]]] = []
        for county in sorted(by_county):
            entries = {code: (pk, code, name) for pk, code, name in by_county[county]}
            picked = rules.select_in_county(seed=seed, credit_codes=entries, percent=draw.percent)
            chosen.extend((county, position, entries[code]) for position, code in enumerate(picked))
        yield ("select", draw.population_count, draw.population_count)
        m = draw.inspectors_per_inspection
        roster = _roster(counties=by_county)
        away = unavailable_on(day=draw.scheduled_for)
        previous = previous_inspectors(draw=draw, enterprise_ids=[entry[0] for _, _, entry in chosen])
        plans = []
        short = []
        for index, (county, position, (pk, code, name)) in enumerate(chosen):
            result = rules.eligibility(seed=seed, credit_code=code, candidates=roster.get(county, ()),
                                       unavailable=away, previous_inspectors=previous.get(pk, ()), m=m)
            if len(result.eligible) < m:
                short.append(f"{name}（{code}，{county}）可抽取 {len(result.eligible)} 人")
            plans.append((county, position, pk, code, name, result))
            if index % 1000 == 999:
                yield ("inspectors", index + 1, len(chosen))
        if short:
            more = f" 等 {len(short)} 户" if len(short) > 3 else ""
            raise FieldError("inspectors_per_inspection",
                             f"可抽取的检查人员少于每户 {m} 名：{'；'.join(short[:3])}{more}；未创建任何检查")
        yield ("inspectors", len(chosen), len(chosen))
        inspections = inspections_create_bulk(
            actor=actor, product_category=draw.product_category, domain=draw.domain, scheduled_for=draw.scheduled_for,
            assignments=[(pk, result.eligible[:m]) for _, _, pk, _, _, result in plans],
        )
        yield ("inspections", len(inspections), len(plans))
        uuid_db = Selection._meta.get_field("inspection").target_field.get_db_prep_value
        _insert_rows(Selection, [
            "draw_id", "enterprise_id", "credit_code", "name", "jurisdiction", "position", "inspectors", "eligible",
            "excluded", "avoidance_waived", "inspection_id",
        ], [
            (draw.pk, pk, code, name, county, position, json.dumps(result.eligible[:m], ensure_ascii=False),
             json.dumps(result.eligible, ensure_ascii=False), json.dumps(result.excluded, ensure_ascii=False),
             result.avoidance_waived, uuid_db(inspection.pk, connection))
            for (county, position, pk, code, name, result), inspection in zip(plans, inspections)
        ])
        yield ("done", len(plans), len(plans))
    return draw


def draw_execute(**kwargs) -> Draw:
    return _run(draw_execute_steps(**kwargs))


# --- roster: unavailability periods ------------------------------------------------------------------

def check_may_manage_inspector(*, actor: User, inspector: User) -> None:
    role = actor.effective_role
    if role == Role.ADMIN:
        return
    if role == Role.SUPERVISOR and jurisdictions.covers(ancestor=actor.jurisdiction_id, code=inspector.jurisdiction_id):
        return
    raise PermissionDenied("只有管理员或该检查人员所在辖区的监管人员可以登记不可用期间")


@transaction.atomic
def unavailability_add(
    *, actor: User, inspector: str, starts: dt.date, ends: dt.date, kind: str, note="",
) -> tuple[InspectorUnavailability, bool]:
    user = User.objects.filter(username=inspector, role=Role.INSPECTOR).first()
    if user is None:
        raise FieldError("inspector", f"'{inspector}' 不是检查人员")
    check_may_manage_inspector(actor=actor, inspector=user)
    if kind not in UnavailabilityKind.values:
        raise FieldError("kind", f"未知原因 '{kind}'，可选：{', '.join(UnavailabilityKind.values)}")
    if ends < starts:
        raise FieldError("ends", "结束日期不能早于开始日期")
    note = _text(note, field="note", max_length=200)
    existing = InspectorUnavailability.objects.filter(inspector=user, starts=starts, ends=ends, kind=kind).first()
    if existing is not None:  # a retry of the same request
        return existing, False
    return InspectorUnavailability.objects.create(
        inspector=user, starts=starts, ends=ends, kind=kind, note=note, created_by=actor), True


@transaction.atomic
def unavailability_delete(*, actor: User, period: InspectorUnavailability) -> None:
    check_may_manage_inspector(actor=actor, inspector=period.inspector)
    period.delete()


