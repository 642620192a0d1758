"""Public reads of the serious-dishonesty list (no sign-in). Only public fields leave this module:
the enterprise's name, unified social credit code and county, the basis and the decision date of
each active entry. Nothing else of the enterprise, the entry's authors or removed entries."""
from __future__ import annotations

from typing import Any

from server.credit.models import SeriousDishonesty

PUBLIC_FIELDS = ("enterprise_name", "credit_code", "jurisdiction", "jurisdiction_name", "basis", "decided_on")


def serious_dishonesty_public() -> list[dict[str, Any]]:
    rows = SeriousDishonesty.objects.filter(removed_at__isnull=True).order_by("-decided_on", "id").values(
        "enterprise__name", "enterprise__credit_code", "enterprise__jurisdiction_id",
        "enterprise__jurisdiction__name", "basis", "decided_on",
    )[:5000]
    return [
        {"enterprise_name": r["enterprise__name"], "credit_code": r["enterprise__credit_code"],
         "jurisdiction": r["enterprise__jurisdiction_id"], "jurisdiction_name": r["enterprise__jurisdiction__name"],
         "basis": r["basis"], "decided_on": r["decided_on"].isoformat()}
        for r in rows
    ]
