"""Supervisor page: self-inspection coverage per county with the missing enterprises (plan 三(三)1)."""
from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.exceptions import APIException

from server.accounts.models import Jurisdiction, Role
from server.api import tables
from server.campaigns.selectors import campaign_list
from server.web.views import supervisor_required

from . import selectors

COLUMNS = [("jurisdiction", "辖区代码"), ("name", "辖区"), ("producers", "生产企业数"), ("submitted", "已提交"),
           ("missing_count", "未提交"), ("overdue", "逾期未整改"), ("missing_names", "未提交企业")]


def _coverage(request: HttpRequest) -> tuple[dict, str | None]:
    try:
        return selectors.coverage(user=request.user, campaign=request.GET.get("campaign") or None,
                                  jurisdiction=request.GET.get("jurisdiction") or None), None
    except APIException as exc:
        detail = exc.detail
        if isinstance(detail, dict):
            detail = next(iter(detail.values()))
        return {"counties": [], "campaign": None, "jurisdiction": None}, str(detail[0] if isinstance(detail, list) else detail)


def _jurisdictions(user) -> list[Jurisdiction]:
    qs = Jurisdiction.objects.order_by("code")
    if user.effective_role == Role.SUPERVISOR:
        from server.accounts import jurisdictions

        qs = qs.filter(code__in=jurisdictions.descendants_of(code=user.jurisdiction_id))
    return list(qs)


@supervisor_required
def coverage_page(request: HttpRequest) -> HttpResponse:
    body, error = _coverage(request)
    rows = body["counties"]
    totals = {k: sum(r[k] for r in rows) for k in ("producers", "submitted", "overdue")}
    totals["missing"] = sum(len(r["missing"]) for r in rows)
    return render(request, "selfinspections/coverage.html", {
        "rows": rows, "totals": totals, "error": error, "campaign": body["campaign"],
        "jurisdiction": body["jurisdiction"], "campaigns": list(campaign_list()),
        "jurisdictions": _jurisdictions(request.user), "query": request.GET.urlencode(),
    })


@supervisor_required
def coverage_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    body, _ = _coverage(request)
    rows = [{**r, "missing_count": len(r["missing"]),
             "missing_names": "、".join(e["name"] for e in r["missing_enterprises"])} for r in body["counties"]]
    name = f"self-inspection-coverage.{fmt}"
    if fmt == "csv":
        return tables.download(data=tables.csv_bytes(columns=COLUMNS, rows=rows), filename=name)
    return tables.download(data=tables.xlsx_bytes(columns=COLUMNS, rows=rows, title="自查覆盖情况",
                                                  widths=[10, 10, 10, 8, 8, 10, 80]), filename=name)
