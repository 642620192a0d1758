"""An enterprise's risk class from its signals (contract §12). The weights and thresholds are data
(risk_weights.json, with the reason for each). `recompute` is called explicitly, in the same
transaction, by every service that writes a signal's record (findings, rectification orders, cases,
certification audits, serious dishonesty, sampling results). The reconciler's quick-test fold marks
the enterprise instead (`mark_for_inspections`, same transaction): the reconciler recomputes marked
profiles within about a second, readers before answering. Deadlines that pass without a write are
caught by `stale_on`. Both through `refresh_stale`."""
from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path
from typing import Any, Iterable

from django.db.models import Q
from django.utils import timezone

WEIGHTS_FILE = Path(__file__).with_name("risk_weights.json")


@functools.cache
def weights() -> dict[str, Any]:
    return json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))


def weight_of(kind: str) -> int:
    return int(weights()["signals"][kind]["weight"])


def classify(*, score: int, kinds: Iterable[str]) -> str:
    if set(kinds) & set(weights()["forces_d"]):
        return "D"
    for rule in weights()["classes"]:
        if score >= rule["min_score"]:
            return rule["class"]
    return "A"


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    return value.isoformat()


def signals_of(*, enterprise_id: int, today: dt.date) -> tuple[list[dict[str, Any]], dt.date | None]:
    """(signals, stale_on): every current signal naming its source record, and the first future day on
    which a deadline passing would change them."""
    from server.dossiers.models import QuickTest
    from server.enforcement.models import CaseStatus, EnforcementCase
    from server.registry.choices import CertificateStatus
    from server.registry.models import CccCertificate, Enterprise, UnqualifiedProduct
    from server.reviews.models import CertificationAudit, Finding, RectificationOrder, RectificationResult, RectificationStatus
    from server.selfinspections.models import SelfInspection, SelfInspectionStatus

    from .models import SeriousDishonesty

    out: list[dict[str, Any]] = []
    stale: list[dt.date] = []

    def add(kind: str, at, source: str) -> None:
        out.append({"kind": kind, "at": _iso(at), "weight": weight_of(kind), "source": source})

    for doc_id, measured_at in QuickTest.objects.filter(
        inspection__enterprise_id=enterprise_id, verdict="fail"
    ).values_list("doc_id", "measured_at"):
        add("quicktest_failed", measured_at, doc_id)
    for pk, severity, created_at in Finding.objects.filter(inspection__enterprise_id=enterprise_id).values_list(
        "pk", "severity", "created_at"
    ):
        add(f"finding_{severity}", created_at, f"finding:{pk}")
    for pk, status, outcome, referred_at, closed_on in EnforcementCase.objects.filter(
        enterprise_id=enterprise_id
    ).values_list("pk", "status", "outcome", "referred_at", "closed_on"):
        if status != CaseStatus.CLOSED:
            add("case_open", referred_at, f"case:{pk}")
        else:
            add(f"case_{outcome}", closed_on or referred_at, f"case:{pk}")
    name = Enterprise.objects.filter(pk=enterprise_id).values_list("name", flat=True).first() or ""
    made = Q(sampling_result__producer_id=enterprise_id)
    if name.strip():
        made |= Q(manufacturer__iexact=name.strip())
    for pk, rectified, created_at in UnqualifiedProduct.objects.filter(made).values_list("pk", "rectified", "created_at"):
        add("unqualified_product_rectified" if rectified else "unqualified_product", created_at, f"unqualified-product:{pk}")
    for pk, status, result, deadline in RectificationOrder.objects.filter(
        inspection__enterprise_id=enterprise_id
    ).values_list("pk", "status", "result", "deadline"):
        if status == RectificationStatus.ISSUED and deadline < today:
            add("rectification_overdue", deadline, f"rectification:{pk}")
        elif status == RectificationStatus.CLOSED and result == RectificationResult.NOT_RECTIFIED:
            add("rectification_overdue", deadline, f"rectification:{pk}")
        elif status == RectificationStatus.ISSUED:
            stale.append(deadline + dt.timedelta(days=1))
    for pk, status, deadline, completed in SelfInspection.objects.filter(enterprise_id=enterprise_id).values_list(
        "pk", "status", "rectification_deadline", "rectification_completed_on"
    ):
        if status == SelfInspectionStatus.OVERDUE or (
            status == SelfInspectionStatus.RECTIFYING and deadline is not None and deadline < today and completed is None
        ):
            add("self_inspection_overdue", deadline, f"self-inspection:{pk}")
        elif status == SelfInspectionStatus.RECTIFYING and deadline is not None and completed is None:
            stale.append(deadline + dt.timedelta(days=1))
    for number, status, cert_pk in CccCertificate.objects.filter(
        enterprise_id=enterprise_id, status__in=[CertificateStatus.SUSPENDED, CertificateStatus.REVOKED]
    ).values_list("number", "status", "pk"):
        last = CertificationAudit.objects.filter(certificate_id=cert_pk, result=status).order_by("-audit_date").values_list(
            "audit_date", flat=True).first()
        add(f"certificate_{status}", last, f"certificate:{number}")
    for pk, decided_on in SeriousDishonesty.objects.filter(
        enterprise_id=enterprise_id, removed_at__isnull=True
    ).values_list("pk", "decided_on"):
        add("serious_dishonesty", decided_on, f"serious-dishonesty:{pk}")
    out.sort(key=lambda s: (s["at"] or "", s["source"]))
    return out, (min(stale) if stale else None)


def recompute(*, enterprise_id: int | None) -> "RiskProfile | None":  # noqa: F821
    """Recompute and store one enterprise's risk (call inside the writing transaction)."""
    from .models import RiskProfile

    if enterprise_id is None:
        return None
    today = timezone.localdate()
    signals, stale_on = signals_of(enterprise_id=enterprise_id, today=today)
    score = sum(s["weight"] for s in signals)
    risk_class = classify(score=score, kinds=[s["kind"] for s in signals])
    profile, _ = RiskProfile.objects.update_or_create(
        enterprise_id=enterprise_id,
        defaults={"risk_class": risk_class, "score": score, "signals": signals, "computed_at": timezone.now(),
                  "stale_on": stale_on},
    )
    return profile


def refresh_some() -> int:
    """The reconciler's periodic job: a few profiles per call, so that a day on which many deadlines
    pass cannot hold up its folds (readers refresh what they show themselves)."""
    return refresh_stale(limit=REFRESH_PER_JOB)


# Profiles the reconciler recomputes per job run (it runs every loop, at most every 5 s in a backlog):
# at a few ms each, a fraction of a second.
REFRESH_PER_JOB = 50


def mark_for_inspections(*, inspection_ids: Iterable) -> None:
    """Mark the inspections' enterprises for a recompute (call inside the writing transaction): the
    reconciler's quick-test fold. One upsert per batch, however many failed tests the enterprise has;
    `refresh_stale` does the recompute once for all the batches marked since."""
    from server.inspections.models import Inspection

    from .models import RiskPending

    ids = set(Inspection.objects.filter(pk__in=list(inspection_ids)).values_list("enterprise_id", flat=True))
    now = timezone.now()
    RiskPending.objects.bulk_create([RiskPending(enterprise_id=i, marked_at=now) for i in sorted(ids) if i is not None],
                                    update_conflicts=True, unique_fields=["enterprise"], update_fields=["marked_at"])


def refresh_stale(*, enterprise_ids: Iterable[int] | None = None, limit: int = 5000) -> int:
    """Recompute the profiles a quick-test fold marked (`RiskPending`) and those whose `stale_on` day has
    come (a deadline passed since the last write), at most `limit`, marked ones first. Only those rows
    are read (indexed); returns how many were recomputed. A mark is cleared only if no later fold moved
    it meanwhile."""
    from django.db import transaction

    from .models import RiskPending, RiskProfile

    qs = RiskProfile.objects.filter(stale_on__lte=timezone.localdate())
    pending = RiskPending.objects.all()
    if enterprise_ids is not None:
        qs = qs.filter(enterprise_id__in=list(enterprise_ids))
        pending = pending.filter(enterprise_id__in=list(enterprise_ids))
    marks = dict(pending.order_by("marked_at").values_list("enterprise_id", "marked_at")[:limit])
    stale = qs.exclude(enterprise_id__in=list(marks)).order_by("stale_on").values_list("enterprise_id", flat=True)
    ids = sorted(marks) + list(stale[:max(0, limit - len(marks))])
    for enterprise_id in ids:
        with transaction.atomic():
            recompute(enterprise_id=enterprise_id)
            if enterprise_id in marks:
                RiskPending.objects.filter(enterprise_id=enterprise_id, marked_at__lte=marks[enterprise_id]).delete()
    return len(ids)
