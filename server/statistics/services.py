"""Writes for the statistics app: a county's liaison (联络员, att. 7), one per campaign × county."""
from __future__ import annotations

from typing import Any

from django.db import transaction

from server.accounts.models import Jurisdiction, User
from server.api.errors import FieldError
from server.campaigns.models import Campaign
from server.enforcement.services import check_may_handle
from server.reviews.models import AuditAction
from server.reviews.services import _racing_insert, audit_record

from .models import Liaison

FIELDS = ("name", "department", "position", "phone", "mobile", "email")


@transaction.atomic
def liaison_set(*, actor: User, campaign: Campaign, jurisdiction: str, values: dict[str, Any]) -> tuple[Liaison, bool]:
    """Create or replace a county's liaison. Returns (liaison, changed): the same values again change
    nothing (and write no audit row)."""
    jur = Jurisdiction.objects.filter(code=jurisdiction).first()
    if jur is None:
        raise FieldError("jurisdiction", f"未知辖区代码 '{jurisdiction}'")
    check_may_handle(actor=actor, jurisdiction_code=jur.code)
    if not values.get("name"):
        raise FieldError("name", "姓名不能为空")
    if not values.get("mobile"):
        raise FieldError("mobile", "手机不能为空")
    liaison = Liaison.objects.select_for_update().filter(campaign=campaign, jurisdiction=jur).first()
    new = {k: values.get(k) or "" for k in FIELDS}
    if liaison is not None:
        old = {k: getattr(liaison, k) for k in FIELDS}
        if old == new:
            return liaison, False
        for k, v in new.items():
            setattr(liaison, k, v)
        liaison.updated_by = actor
        liaison.save()
    else:
        old = None
        with _racing_insert():
            liaison = Liaison.objects.create(campaign=campaign, jurisdiction=jur, updated_by=actor, **new)
    audit_record(actor=actor, action=AuditAction.LIAISON_SET, subject=f"liaison:{campaign.code}:{jur.code}",
                 from_value=old, to_value=new)
    return liaison, True
