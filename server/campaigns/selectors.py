"""Reads for campaigns (contract §8)."""
from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from server.accounts import jurisdictions
from server.api.errors import FieldError

from .models import Campaign


def campaign_list() -> QuerySet[Campaign]:
    return Campaign.objects.select_related("jurisdiction").prefetch_related("phases", "deadlines")


def campaign_get(*, code: str, field: str = "campaign") -> Campaign:
    campaign = campaign_list().filter(code=code).first()
    if campaign is None:
        raise FieldError(field, f"未知专项行动 '{code}'")
    return campaign


def campaign_for(*, jurisdiction: str, on: dt.date, code: str | None = None, field: str = "campaign") -> Campaign | None:
    """The campaign a dated record belongs to (§8): the one named by `code`; absent, the campaign
    whose jurisdiction covers `jurisdiction` and whose phases span `on` (the nearest jurisdiction
    first, then the latest start). None when no campaign applies."""
    if code:
        return campaign_get(code=code, field=field)
    chain = jurisdictions.ancestors_of(code=jurisdiction)
    candidates = [
        c for c in campaign_list().filter(jurisdiction__in=chain)
        if any(p.starts <= on <= p.ends for p in c.phases.all())
    ]
    if not candidates:
        return None
    candidates.sort(key=lambda c: (chain.index(c.jurisdiction_id), -min(p.starts for p in c.phases.all()).toordinal()))
    return candidates[0]


def deadline_of(*, campaign: Campaign, code: str) -> dt.date | None:
    for deadline in campaign.deadlines.all():
        if deadline.code == code:
            return deadline.due
    return None


def campaign_as_dict(*, campaign: Campaign) -> dict:
    return {
        "code": campaign.code,
        "title": campaign.title,
        "jurisdiction": campaign.jurisdiction_id,
        "product_categories": list(campaign.product_categories),
        "phases": [
            {"code": p.code, "title": p.title, "starts": p.starts.isoformat(), "ends": p.ends.isoformat()}
            for p in campaign.phases.all()
        ],
        "deadlines": [
            {"code": d.code, "title": d.title, "due": d.due.isoformat()} for d in campaign.deadlines.all()
        ],
    }
