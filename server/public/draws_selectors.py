"""Public reads of draws (一公开, no sign-in): only public fields.

Public: what §11 lists (population entries with enterprise id, credit code, name, county; the
hash, beacon and its source, seed; the selection with inspectors' usernames, the eligible lists
and the exclusions with their reasons; who announced and executed, and when) and, once an
inspection's dossier is approved, its outcome only: "no-problem" or "problems-found" and the
number of findings. Nothing else of a dossier (answers, photos, notes, finding texts) and no
other data about people (no names, no contact details) leaves through here."""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, Q

from server.dossiers.models import DossierStatus
from server.draws.models import Draw, DrawStatus, PopulationEntry, Selection
from server.inspections.models import Inspection

DRAWS_PER_PAGE = 50


@dataclass(frozen=True)
class Page:
    number: int
    pages: int
    count: int
    rows: list

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def page_number(raw: str | None) -> int:
    """A page number from the query string; anything else than a positive integer is page 1."""
    if raw and raw.isascii() and raw.isdigit() and len(raw) <= 9:
        return max(1, int(raw))
    return 1


def _draws():
    return Draw.objects.select_related("campaign", "jurisdiction", "announced_by", "executed_by")


def draw_list_page(*, page: int) -> Page:
    qs = _draws().order_by("-announced_at", "-id")
    count = qs.count()
    pages = max(1, -(-count // DRAWS_PER_PAGE))
    page = min(page, pages)
    rows = [draw_head(draw=d) for d in qs[(page - 1) * DRAWS_PER_PAGE: page * DRAWS_PER_PAGE]]
    return Page(page, pages, count, rows)


def draw_get(*, draw_id: int) -> Draw | None:
    return _draws().filter(pk=draw_id).first()


def draw_head(*, draw: Draw) -> dict:
    return {
        "id": draw.pk,
        "campaign": draw.campaign.code if draw.campaign_id else None,
        "campaign_title": draw.campaign.title if draw.campaign_id else None,
        "jurisdiction": draw.jurisdiction_id,
        "jurisdiction_name": draw.jurisdiction.name,
        "product_category": draw.product_category,
        "product_category_name": draw.get_product_category_display(),
        "domain": draw.domain,
        "population_kind": draw.population_kind,
        "population_kind_name": draw.get_population_kind_display(),
        "percent": draw.percent,
        "inspectors_per_inspection": draw.inspectors_per_inspection,
        "scheduled_for": draw.scheduled_for.isoformat(),
        "status": draw.status,
        "population_count": draw.population_count,
        "population_sha256": draw.population_sha256,
        "announced_by": draw.announced_by.username,
        "announced_at": draw.announced_at.isoformat(),
        "beacon": draw.beacon or None,
        "beacon_source": draw.beacon_source or None,
        "seed": draw.seed or None,
        "executed_by": draw.executed_by.username if draw.executed_by_id else None,
        "executed_at": draw.executed_at.isoformat() if draw.executed_at else None,
    }


def population_page(*, draw: Draw, page: int, per_page: int) -> Page:
    count = draw.population_count
    pages = max(1, -(-count // per_page))
    page = min(page, pages)
    rows = list(PopulationEntry.objects.filter(draw=draw).order_by("credit_code").values(
        "enterprise_id", "credit_code", "name", "jurisdiction")[(page - 1) * per_page: page * per_page])
    return Page(page, pages, count, rows)


def outcomes(*, inspection_ids: list) -> dict[str, dict]:
    """inspection id (text) → {"result", "findings"} for approved dossiers only."""
    result: dict[str, dict] = {}
    for start in range(0, len(inspection_ids), 2000):
        chunk = inspection_ids[start:start + 2000]
        for pk, findings in Inspection.objects.filter(
                pk__in=chunk, dossier__status=DossierStatus.APPROVED).annotate(n=Count("findings")).values_list(
                "pk", "n"):
            result[str(pk)] = {"result": "problems-found" if findings else "no-problem", "findings": findings}
    return result


def _selection_rows(*, draw: Draw, offset: int = 0, limit: int | None = None) -> list[dict]:
    qs = Selection.objects.filter(draw=draw).order_by("jurisdiction", "position").values_list(
        "enterprise_id", "credit_code", "name", "jurisdiction", "position", "inspectors", "eligible", "excluded",
        "avoidance_waived", "inspection_id")
    qs = qs[offset:offset + limit] if limit is not None else qs[offset:]
    rows = [
        {"enterprise": pk, "credit_code": code, "name": name, "jurisdiction": jur, "rank": position + 1,
         "inspectors": inspectors, "eligible": eligible, "excluded": excluded, "avoidance_waived": waived,
         "inspection": str(inspection)}
        for pk, code, name, jur, position, inspectors, eligible, excluded, waived, inspection in qs
    ]
    known = outcomes(inspection_ids=[r["inspection"] for r in rows])
    for row in rows:
        outcome = known.get(row["inspection"])
        row["result"] = outcome["result"] if outcome else None
        row["findings"] = outcome["findings"] if outcome else None
    return rows


def selection_page(*, draw: Draw, page: int, per_page: int) -> Page:
    count = Selection.objects.filter(draw=draw).count()
    pages = max(1, -(-count // per_page))
    page = min(page, pages)
    return Page(page, pages, count, _selection_rows(draw=draw, offset=(page - 1) * per_page, limit=per_page))


def county_summary(*, draw: Draw) -> list[dict]:
    counts = dict(PopulationEntry.objects.filter(draw=draw).values_list("jurisdiction").annotate(n=Count("id")))
    chosen = dict(Selection.objects.filter(draw=draw).values_list("jurisdiction").annotate(n=Count("id")))
    return [{"jurisdiction": code, "population": counts.get(code, 0), "selected": chosen.get(code, 0)}
            for code in sorted(set(counts) | set(chosen))]


def results_summary(*, draw: Draw) -> dict:
    qs = Selection.objects.filter(draw=draw)
    approved = qs.filter(inspection__dossier__status=DossierStatus.APPROVED)
    with_findings = approved.filter(Q(inspection__findings__isnull=False)).values("pk").distinct().count()
    total_approved = approved.count()
    return {"selected": qs.count(), "approved": total_approved, "no_problem": total_approved - with_findings,
            "problems_found": with_findings}


def draw_record_chunks(*, draw: Draw, verifier_url: str, rules_url: str) -> Iterator[str]:
    """The whole public record of a draw as JSON text, in pieces (100,000 entries stream without
    building one big string): the head, "population" in credit-code order, "selected" with each
    approved outcome, "counties", and where the rules and the verifier are."""
    head = draw_head(draw=draw)
    head["rules"] = rules_url
    head["verifier"] = verifier_url
    head["counties"] = county_summary(draw=draw)
    text = json.dumps(head, ensure_ascii=False)
    yield text[:-1] + ', "population": ['
    first = True
    entries = PopulationEntry.objects.filter(draw=draw).order_by("credit_code").values_list(
        "enterprise_id", "credit_code", "name", "jurisdiction")
    buffer: list[str] = []
    for pk, code, name, jur in entries.iterator(chunk_size=10000):
        buffer.append(json.dumps({"enterprise": pk, "credit_code": code, "name": name, "jurisdiction": jur},
                                 ensure_ascii=False))
        if len(buffer) >= 5000:
            yield ("" if first else ",") + ",".join(buffer)
            first, buffer = False, []
    if buffer:
        yield ("" if first else ",") + ",".join(buffer)
    yield '], "selected": ['
    if draw.status == DrawStatus.DRAWN:
        total = Selection.objects.filter(draw=draw).count()
        for offset in range(0, total, 2000):
            rows = _selection_rows(draw=draw, offset=offset, limit=2000)
            yield ("," if offset else "") + ",".join(json.dumps(r, ensure_ascii=False) for r in rows)
    yield "]}"
