"""Supervisor pages for draws (zh-Hans) under /ui/draws/: list, new draw with a population preview,
announce and execute with streamed progress, and the draw with the inspections it created.

Announce and execute run the same service generators as the API; the page posts the form with
fetch() and reads the answer as it comes: one JSON line per step (`{"stage", "done", "total"}`),
then `{"ok": true, "url"}` or `{"ok": false, "error"}`. The progress needs no shared state
between server processes: it travels in the answer of the request doing the work."""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST
from rest_framework.exceptions import APIException

from server.campaigns.models import Campaign
from server.dossiers.models import Dossier
from server.registry.choices import ProductCategory
from server.web.views import _county_choices, _error_text, supervisor_required

from . import rules, selectors, services
from .models import DrawStatus, PopulationKind, Selection

STAGES = {"population": "查询名单", "freeze": "冻结名单并计算哈希", "select": "按县抽取企业",
          "inspectors": "抽取检查人员", "inspections": "创建检查任务", "done": "完成"}
PREVIEW_ROWS = 200


@supervisor_required
def draw_list(request: HttpRequest) -> HttpResponse:
    draws = list(selectors.draw_list_visible(user=request.user)[:500])
    return render(request, "draws/draw_list.html", {"draws": draws})


def _form_values(data) -> dict:
    return {key: (data.get(key) or "").strip() for key in (
        "jurisdiction", "product_category", "population", "percent", "inspectors_per_inspection", "scheduled_for",
        "campaign")}


@supervisor_required
def draw_new(request: HttpRequest) -> HttpResponse:
    values = _form_values(request.GET)
    preview = error = None
    if request.GET.get("preview"):
        try:
            checked = services.validate_request(
                jurisdiction=values["jurisdiction"], product_category=values["product_category"],
                population=values["population"], percent=_int(values["percent"], "percent"),
                inspectors_per_inspection=_int(values["inspectors_per_inspection"] or "2", "inspectors_per_inspection"))
            services.check_may_draw(actor=request.user, jurisdiction=checked["jurisdiction"])
            from django.utils import timezone

            candidates = selectors.population_candidates(
                jurisdiction=checked["jurisdiction"], product_category=checked["product_category"],
                population_kind=checked["population"], on=timezone.localdate())
            counties = selectors.county_counts(candidates)
            preview = {
                "count": len(candidates),
                "counties": [{"code": code, "n": n, "k": rules.k_for(n=n, percent=checked["percent"])}
                             for code, n in counties.items()],
                "k_total": sum(rules.k_for(n=n, percent=checked["percent"]) for n in counties.values()),
                "rows": candidates[:PREVIEW_ROWS],
                "hash": rules.population_sha256(c.credit_code for c in candidates),
            }
        except APIException as exc:
            error = _error_text(exc)
    return render(request, "draws/draw_new.html", {
        "values": values, "preview": preview, "error": error, "preview_rows": PREVIEW_ROWS,
        "counties": _county_choices(request.user), "categories": ProductCategory.choices,
        "populations": PopulationKind.choices, "campaigns": Campaign.objects.order_by("code"),
    })


def _int(text: str, field: str) -> int:
    from server.api.errors import FieldError

    if not text.isascii() or not text.lstrip("-").isdigit() or len(text) > 9:
        raise FieldError(field, "应为整数")
    return int(text)


def _stream(steps, *, url_of) -> Iterator[bytes]:
    def line(body: dict) -> bytes:
        return (json.dumps(body, ensure_ascii=False) + "\n").encode("utf-8")

    try:
        while True:
            try:
                stage, done, total = next(steps)
            except StopIteration as stop:
                draw = stop.value
                break
            yield line({"stage": stage, "label": STAGES.get(stage, stage), "done": done, "total": total})
    except APIException as exc:
        yield line({"ok": False, "status": exc.status_code, "error": _error_text(exc)})
        return
    yield line({"ok": True, "url": url_of(draw)})


def _streaming(iterator) -> StreamingHttpResponse:
    response = StreamingHttpResponse(iterator, content_type="application/x-ndjson; charset=utf-8")
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass the progress lines on as they come
    return response


@require_POST
@supervisor_required
def draw_announce(request: HttpRequest) -> HttpResponse:
    values = _form_values(request.POST)

    def steps():
        try:
            scheduled = dt.date.fromisoformat(values["scheduled_for"])
        except ValueError:
            from server.api.errors import FieldError

            raise FieldError("scheduled_for", "日期格式应为 YYYY-MM-DD") from None
        return (yield from services.draw_announce_steps(
            actor=request.user, jurisdiction=values["jurisdiction"], product_category=values["product_category"],
            population=values["population"], percent=_int(values["percent"], "percent"),
            inspectors_per_inspection=_int(values["inspectors_per_inspection"] or "2", "inspectors_per_inspection"),
            scheduled_for=scheduled, campaign=values["campaign"] or None,
            idempotency_key=(request.POST.get("idempotency_key") or "")[:80],
        ))

    return _streaming(_stream(steps(), url_of=lambda d: reverse("web-draw", args=[d.pk])))


@supervisor_required
def draw_detail(request: HttpRequest, pk: int) -> HttpResponse:
    draw = selectors.draw_get_visible(user=request.user, draw_id=pk)
    if draw is None:
        raise Http404("抽查不存在或无权查看")
    rows = []
    if draw.status == DrawStatus.DRAWN:
        selections = list(Selection.objects.filter(draw=draw).order_by("jurisdiction", "position")[:2000])
        statuses = dict(Dossier.objects.filter(inspection_id__in=[s.inspection_id for s in selections]).values_list(
            "inspection_id", "status"))
        labels = dict(Dossier._meta.get_field("status").choices)
        rows = [{"s": s, "status": labels.get(statuses.get(s.inspection_id), "")} for s in selections]
    may_execute = draw.status == DrawStatus.ANNOUNCED
    try:
        services.check_may_draw(actor=request.user, jurisdiction=draw.jurisdiction_id)
    except APIException:
        may_execute = False
    return render(request, "draws/draw_detail.html", {
        "draw": draw, "rows": rows, "may_execute": may_execute,
        "counties": sorted(draw.population.order_by().values_list("jurisdiction").annotate(n=Count("id"))),
        "selected_total": len(rows),
    })


@require_POST
@supervisor_required
def draw_execute(request: HttpRequest, pk: int) -> HttpResponse:
    if selectors.draw_get_visible(user=request.user, draw_id=pk) is None:
        raise Http404("抽查不存在或无权查看")
    steps = services.draw_execute_steps(actor=request.user, draw_id=pk, beacon=request.POST.get("beacon", ""),
                                        beacon_source=request.POST.get("beacon_source", ""))
    return _streaming(_stream(steps, url_of=lambda d: reverse("web-draw", args=[d.pk])))
