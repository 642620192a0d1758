"""Writes for the serious-dishonesty list (严重质量失信, plan 三(八)1). Listing and removal each write
an AuditEvent (subject `enterprise:{id}`) and recompute the enterprise's risk in the same transaction."""
from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from server.accounts.models import User
from server.api.errors import Conflict, FieldError
from server.enforcement.services import check_may_handle
from server.registry.models import Enterprise
from server.reviews.models import AuditAction
from server.reviews.services import _date, _is_id, _racing_insert, _text, audit_record

from . import risk
from .models import SeriousDishonesty


def _enterprise(value: Any) -> Enterprise:
    if not _is_id(value):
        raise FieldError("enterprise", "需要企业编号（整数）")
    enterprise = Enterprise.objects.filter(pk=value).first()
    if enterprise is None:
        raise FieldError("enterprise", f"企业 {value} 不存在")
    return enterprise


@transaction.atomic
def dishonesty_list(*, actor: User, enterprise: Any, basis: Any, decided_on: Any) -> tuple[SeriousDishonesty, bool]:
    """Enter an enterprise into the list. The same entry again: the existing one (200); a different
    basis or date while it is listed: 409."""
    enterprise_obj = _enterprise(enterprise)
    check_may_handle(actor=actor, jurisdiction_code=enterprise_obj.jurisdiction_id)
    basis = _text(basis, field="basis", required=True, max_length=4000)
    decided = _date(decided_on, field="decided_on")
    if decided > timezone.localdate():
        raise FieldError("decided_on", "认定日期不能晚于今天")
    active = SeriousDishonesty.objects.select_for_update().filter(enterprise=enterprise_obj, removed_at__isnull=True).first()
    if active is not None:
        if (active.basis, active.decided_on) == (basis, decided):
            return active, False
        raise Conflict(f"企业 {enterprise_obj.name} 已在严重失信名单中（#{active.pk}）")
    with _racing_insert():
        entry = SeriousDishonesty.objects.create(enterprise=enterprise_obj, basis=basis, decided_on=decided, listed_by=actor)
    audit_record(actor=actor, action=AuditAction.DISHONESTY_LISTED, subject=f"enterprise:{enterprise_obj.pk}",
                 to_value={"entry": entry.pk, "decided_on": decided.isoformat()}, reason=basis)
    risk.recompute(enterprise_id=enterprise_obj.pk)
    return entry, True


@transaction.atomic
def dishonesty_remove(*, actor: User, entry: SeriousDishonesty, reason: Any) -> tuple[SeriousDishonesty, bool]:
    check_may_handle(actor=actor, jurisdiction_code=entry.enterprise.jurisdiction_id)
    reason = _text(reason, field="reason", required=True, max_length=4000)
    entry = SeriousDishonesty.objects.select_for_update().get(pk=entry.pk)
    if entry.removed_at is not None:
        if entry.removal_reason == reason:
            return entry, False
        raise Conflict(f"名单记录 #{entry.pk} 已移出")
    entry.removed_at, entry.removed_by, entry.removal_reason = timezone.now(), actor, reason
    entry.save(update_fields=["removed_at", "removed_by", "removal_reason"])
    audit_record(actor=actor, action=AuditAction.DISHONESTY_REMOVED, subject=f"enterprise:{entry.enterprise_id}",
                 from_value={"entry": entry.pk, "listed": True}, to_value={"entry": entry.pk, "listed": False},
                 reason=reason)
    risk.recompute(enterprise_id=entry.enterprise_id)
    return entry, True
