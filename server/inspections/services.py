"""Writes for inspections."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import checklists
from django.db import transaction
from rest_framework.exceptions import PermissionDenied

from server.accounts import jurisdictions
from server.accounts.models import Role, User
from server.api.errors import FieldError
from server.dossiers.models import Dossier
from server.registry.choices import DOMAIN_ROLE, Domain, ProductCategory
from server.registry.models import Enterprise

from .models import Inspection

InspectionThrough = Inspection.inspectors.through


def _check_may_schedule(*, actor: User, enterprise: Enterprise) -> None:
    role = actor.effective_role
    if role == Role.ADMIN:
        return
    if role == Role.SUPERVISOR and jurisdictions.covers(ancestor=actor.jurisdiction_id, code=enterprise.jurisdiction_id):
        return
    raise PermissionDenied("只有管理员或企业所在辖区的监管人员可以安排检查")


def _resolve_inspectors(*, usernames: list[str], enterprise: Enterprise) -> list[User]:
    if not isinstance(usernames, list) or not usernames:
        raise FieldError("inspectors", "至少指派一名检查人员")
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    resolved: list[User] = []
    for name in usernames:
        user = users.get(name)
        if user is None or not user.is_active or user.role != Role.INSPECTOR:
            raise FieldError("inspectors", f"'{name}' 不是有效的检查人员")
        if not jurisdictions.covers(ancestor=user.jurisdiction_id, code=enterprise.jurisdiction_id):
            raise FieldError("inspectors", f"检查人员 '{name}' 的辖区不包含企业所在辖区 {enterprise.jurisdiction_id}")
        if user not in resolved:
            resolved.append(user)
    return resolved


@transaction.atomic
def inspection_create(
    *,
    actor: User,
    enterprise_id: int,
    product_category: str,
    domain: str,
    inspectors: list[str],
    scheduled_for: date,
    checklist: str | None = None,
) -> Inspection:
    enterprise = Enterprise.objects.filter(pk=enterprise_id).first()
    if enterprise is None:
        raise FieldError("enterprise", f"企业 {enterprise_id} 不存在")
    _check_may_schedule(actor=actor, enterprise=enterprise)
    if product_category not in ProductCategory.values:
        raise FieldError("product_category", f"未知产品类别 '{product_category}'")
    if product_category not in enterprise.product_categories:
        raise FieldError("product_category", f"企业未登记产品类别 '{product_category}'")
    if domain not in Domain.values:
        raise FieldError("domain", f"未知领域 '{domain}'，可选：{', '.join(Domain.values)}")
    if DOMAIN_ROLE[Domain(domain)] not in enterprise.roles:
        raise FieldError("domain", f"企业不具有领域 '{domain}' 所需的经营角色 '{DOMAIN_ROLE[Domain(domain)]}'")
    if checklist:
        doc = checklists.get(checklist)
        if doc is None:
            raise FieldError("checklist", f"检查表 '{checklist}' 不存在")
        if doc["category"] != product_category:
            raise FieldError("checklist", f"检查表 '{checklist}' 不适用于产品类别 '{product_category}'")
    else:
        doc = checklists.latest_for(product_category)
        if doc is None:
            raise FieldError("product_category", f"产品类别 '{product_category}' 尚无已发布的检查表")
    users = _resolve_inspectors(usernames=inspectors, enterprise=enterprise)
    inspection = Inspection.objects.create(
        enterprise=enterprise,
        product_category=product_category,
        domain=domain,
        scheduled_for=scheduled_for,
        checklist_id=doc["_id"],
        created_by=actor,
    )
    inspection.inspectors.set(users)
    Dossier.objects.create(inspection=inspection)
    return inspection


@transaction.atomic
def inspection_set_inspectors(*, actor: User, inspection: Inspection, inspectors: list[str]) -> Inspection:
    _check_may_schedule(actor=actor, enterprise=inspection.enterprise)
    users = _resolve_inspectors(usernames=inspectors, enterprise=inspection.enterprise)
    inspection.inspectors.set(users)
    inspection.save(update_fields=["updated_at"])
    return inspection


@transaction.atomic
def inspections_create_bulk(
    *,
    actor: User,
    product_category: str,
    domain: str,
    scheduled_for: date,
    assignments: Sequence[tuple[int, list[str]]],
) -> list[Inspection]:
    """Many inspections of one category and domain at once (a draw's selection): `assignments` is
    (enterprise id, inspector usernames) per inspection. The same checks as inspection_create, in
    a constant number of queries, rows written with bulk_create. No post_save signals are sent, so
    the sync publisher picks the new inspections up in its periodic pass (publish_all_pending,
    every ~5 s from the reconciler), as it does for dossiers the reconciler folds. Returns the
    inspections in the order of `assignments`."""
    if product_category not in ProductCategory.values:
        raise FieldError("product_category", f"未知产品类别 '{product_category}'")
    if domain not in Domain.values:
        raise FieldError("domain", f"未知领域 '{domain}'，可选：{', '.join(Domain.values)}")
    needed_role = DOMAIN_ROLE[Domain(domain)]
    doc = checklists.latest_for(product_category)
    if doc is None:
        raise FieldError("product_category", f"产品类别 '{product_category}' 尚无已发布的检查表")
    enterprise_ids = [pk for pk, _ in assignments]
    enterprises: dict[int, tuple] = {}
    for start in range(0, len(enterprise_ids), 2000):
        for pk, code, jur, roles, categories in Enterprise.objects.filter(
                pk__in=enterprise_ids[start:start + 2000]).values_list(
                "pk", "credit_code", "jurisdiction_id", "roles", "product_categories"):
            enterprises[pk] = (code, jur, roles, categories)
    names = {name for _, usernames in assignments for name in usernames}
    users = {u.username: u for u in User.objects.filter(username__in=names)} if names else {}
    role = actor.effective_role
    inspections: list[Inspection] = []
    links: list = []
    for enterprise_id, usernames in assignments:
        if enterprise_id not in enterprises:
            raise FieldError("enterprise", f"企业 {enterprise_id} 不存在")
        code, jur, roles, categories = enterprises[enterprise_id]
        if role != Role.ADMIN and not (
                role == Role.SUPERVISOR and jurisdictions.covers(ancestor=actor.jurisdiction_id, code=jur)):
            raise PermissionDenied("只有管理员或企业所在辖区的监管人员可以安排检查")
        if product_category not in categories:
            raise FieldError("product_category", f"企业 {code} 未登记产品类别 '{product_category}'")
        if needed_role not in roles:
            raise FieldError("domain", f"企业 {code} 不具有领域 '{domain}' 所需的经营角色 '{needed_role}'")
        if not usernames:
            raise FieldError("inspectors", "至少指派一名检查人员")
        inspection = Inspection(
            enterprise_id=enterprise_id, product_category=product_category, domain=domain,
            scheduled_for=scheduled_for, checklist_id=doc["_id"], created_by=actor,
        )
        seen: set[str] = set()
        for name in usernames:
            user = users.get(name)
            if user is None or not user.is_active or user.role != Role.INSPECTOR:
                raise FieldError("inspectors", f"'{name}' 不是有效的检查人员")
            if not jurisdictions.covers(ancestor=user.jurisdiction_id, code=jur):
                raise FieldError("inspectors", f"检查人员 '{name}' 的辖区不包含企业所在辖区 {jur}")
            if name not in seen:
                seen.add(name)
                links.append((inspection.pk, user.pk))
        inspections.append(inspection)
    Inspection.objects.bulk_create(inspections, batch_size=1000)
    _insert_links(links)
    Dossier.objects.bulk_create([Dossier(inspection_id=i.pk) for i in inspections], batch_size=2000)
    return inspections


def _insert_links(links: list[tuple]) -> None:
    """(inspection id, user id) rows of the inspectors M2M table (Django's auto-created through
    table: id, inspection_id, user_id) in one go: COPY on PostgreSQL, one prepared INSERT on SQLite;
    10,000 through-model objects would cost more than the rows themselves."""
    from django.db import connection

    if not links:
        return
    to_db = Inspection._meta.pk.get_db_prep_value
    table = connection.ops.quote_name(InspectionThrough._meta.db_table)
    columns = f"{connection.ops.quote_name('inspection_id')}, {connection.ops.quote_name('user_id')}"
    rows = [(to_db(inspection_id, connection), user_id) for inspection_id, user_id in links]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES (%s, %s)", rows)
