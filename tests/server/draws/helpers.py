"""A small register for draw tests, and an INDEPENDENT implementation of contract §11's arithmetic
(written from the contract's text; it imports nothing from server.draws)."""
from __future__ import annotations

import datetime as dt
import hashlib

from server.accounts.models import Jurisdiction, Role
from tests import factories

SCHEDULED = dt.date(2019, 9, 16)


def h(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def expected_hash(codes) -> str:
    return h("".join(f"{c}\n" for c in sorted(codes)))


def expected_k(n: int, percent: int) -> int:
    if n < 5:
        return n
    return max(5, -((-percent * n) // 100))  # ceiling by floor division of the negation


def expected_selection(seed: str, codes, percent: int) -> set[str]:
    ordered = sorted(codes, key=lambda c: h(seed + ":" + c))
    return set(ordered[:expected_k(len(ordered), percent)])


def expected_inspectors(seed: str, code: str, eligible, m: int) -> list[str]:
    return sorted(eligible, key=lambda u: h(seed + ":" + code + ":" + u))[:m]


def county(code: str, name: str = "测试县") -> str:
    Jurisdiction.objects.get_or_create(code=code, defaults={"name": name, "parent_id": "445200"})
    from server.accounts import jurisdictions

    jurisdictions.invalidate_cache()
    return code


def producers(jurisdiction: str, n: int, *, category: str = "wire-cable", licensed: bool = True) -> list:
    result = []
    for _ in range(n):
        e = factories.enterprise(jurisdiction)
        if licensed:
            factories.licence(e, category)
        result.append(e)
    return result


def inspectors(jurisdiction: str, n: int) -> list:
    return [factories.user(Role.INSPECTOR, jurisdiction=jurisdiction) for _ in range(n)]


def ensure_seed_campaign() -> None:
    """The seed campaign (a data migration) back after a transactional test flushed it."""
    from server.campaigns.models import Campaign
    from server.campaigns.seed import JIEYANG_2019
    from server.campaigns.services import campaign_create_or_update

    if not Campaign.objects.filter(code="jieyang-2019").exists():
        campaign_create_or_update(data=JIEYANG_2019)


def announce_body(**overrides) -> dict:
    ensure_seed_campaign()
    body = {"campaign": "jieyang-2019", "jurisdiction": "445200", "product_category": "wire-cable",
            "domain": "production", "population": "licensed-producers", "percent": 10,
            "inspectors_per_inspection": 2, "scheduled_for": SCHEDULED.isoformat()}
    body.update(overrides)
    return body
