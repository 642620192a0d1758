"""Supervisor pages of the campaign statistics (zh-Hans): the county × category table with charts,
every number a link to the list of records it counts (the same selection: they agree)."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.exceptions import APIException, PermissionDenied

from server.accounts.models import Jurisdiction
from server.campaigns.models import Campaign
from server.registry.choices import ProductCategory
from server.web.charts import bar_chart_svg
from server.web.views import _error_text, supervisor_required

from . import selectors
from .exports import SHEET_11, SHEET_12, value_of
from .figures import BY_KEY

CHARTS = ["inspections.done", "inspections.with_problems", "quick_tests.failed", "cases.opened"]


def _link(code: str, figure: str, jurisdiction: str, category: str | None) -> str:
    query = {"figure": figure, "jurisdiction": jurisdiction}
    if category:
        query["product_category"] = category
    return f"/ui/statistics/campaign/{code}/records/?{urlencode(query)}"


def campaign_context(*, user, campaign: Campaign, jurisdiction: str | None) -> dict[str, Any]:
    data = selectors.campaign_statistics(user=user, campaign=campaign, jurisdiction=jurisdiction)
    names = dict(Jurisdiction.objects.values_list("code", "name"))
    labels = dict(ProductCategory.choices)
    keys = SHEET_11[2] + SHEET_12[2]
    rows = [{
        "jurisdiction": r["jurisdiction"], "name": names.get(r["jurisdiction"], r["jurisdiction"]),
        "category": labels.get(r["product_category"], r["product_category"]),
        "cells": [{"key": k, "n": value_of(r, k), "href": _link(campaign.code, k, r["jurisdiction"], r["product_category"])}
                  for k in keys],
    } for r in data["rows"]]
    total = {"cells": [{"key": k, "n": value_of(data["total"], k), "href": _link(campaign.code, k, data["jurisdiction"], None)}
                       for k in keys]}
    by_county: dict[str, dict[str, int]] = {}
    for r in data["rows"]:
        for k in CHARTS:
            by_county.setdefault(r["jurisdiction"], {}).setdefault(k, 0)
            by_county[r["jurisdiction"]][k] += value_of(r, k)
    charts = []
    for k in CHARTS:
        bars = [(names.get(c, c), c, v[k]) for c, v in sorted(by_county.items())]
        charts.append({"key": k, "title": BY_KEY[k].title, "svg": bar_chart_svg(rows=[(l, n) for l, _, n in bars],
                                                                                title=BY_KEY[k].title),
                       "rows": [(l, n, _link(campaign.code, k, c, None)) for l, c, n in bars]})
    return {"campaign": campaign, "data": data, "headers": [BY_KEY[k].title for k in keys], "rows": rows,
            "total": total, "charts": charts, "jurisdiction_name": names.get(data["jurisdiction"], data["jurisdiction"]),
            "counties": [j for j in Jurisdiction.objects.order_by("code")]}


@supervisor_required
def campaign_page(request: HttpRequest, code: str) -> HttpResponse:
    campaign = Campaign.objects.filter(code=code).first()
    if campaign is None:
        raise Http404("专项行动不存在")
    try:
        context = campaign_context(user=request.user, campaign=campaign, jurisdiction=request.GET.get("jurisdiction"))
    except PermissionDenied:
        return render(request, "web/forbidden.html", status=403)
    except APIException as exc:
        return render(request, "statistics/campaign.html", {"campaign": campaign, "error": _error_text(exc)}, status=400)
    return render(request, "statistics/campaign.html", {"campaign": campaign, "stats": context,
                                                         "counties": context["counties"]})


@supervisor_required
def records_page(request: HttpRequest, code: str) -> HttpResponse:
    campaign = Campaign.objects.filter(code=code).first()
    if campaign is None:
        raise Http404("专项行动不存在")
    try:
        result = selectors.figure_records(user=request.user, campaign=campaign, figure=request.GET.get("figure"),
                                          jurisdiction=request.GET.get("jurisdiction"),
                                          product_category=request.GET.get("product_category"))
    except PermissionDenied:
        return render(request, "web/forbidden.html", status=403)
    except APIException as exc:
        return render(request, "statistics/records.html", {"campaign": campaign, "error": _error_text(exc)}, status=400)
    names = dict(Jurisdiction.objects.values_list("code", "name"))
    return render(request, "statistics/records.html", {
        "campaign": campaign, "result": result, "jurisdiction_name": names.get(result["jurisdiction"], ""),
        "category_label": dict(ProductCategory.choices).get(result["product_category"] or "", "全部类别"),
    })
