"""Writes for campaigns."""
from __future__ import annotations

import datetime as dt

from django.db import transaction

from server.accounts.models import Jurisdiction

from .models import Campaign, Deadline, Phase


@transaction.atomic
def campaign_create_or_update(*, data: dict, campaign_model=Campaign, phase_model=Phase,
                              deadline_model=Deadline, jurisdiction_model=Jurisdiction) -> Campaign:
    """Create (or bring up to date) a campaign from a dict shaped like the API's answer. The model
    arguments let a data migration pass its historical models."""
    campaign, _ = campaign_model.objects.update_or_create(
        code=data["code"],
        defaults={
            "title": data["title"],
            "jurisdiction": jurisdiction_model.objects.get(code=data["jurisdiction"]),
            "product_categories": list(data["product_categories"]),
        },
    )
    for phase in data.get("phases", []):
        phase_model.objects.update_or_create(
            campaign=campaign, code=phase["code"],
            defaults={"title": phase["title"], "starts": dt.date.fromisoformat(phase["starts"]),
                      "ends": dt.date.fromisoformat(phase["ends"])},
        )
    for deadline in data.get("deadlines", []):
        deadline_model.objects.update_or_create(
            campaign=campaign, code=deadline["code"],
            defaults={"title": deadline["title"], "due": dt.date.fromisoformat(deadline["due"])},
        )
    return campaign
