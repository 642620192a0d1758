"""The supervisors' risk page: enterprises by class per county (zh-Hans)."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from server.accounts.models import Jurisdiction
from server.web.views import _county_choices, supervisor_required

from . import risk, selectors
from .models import RiskClass


@supervisor_required
def risk_page(request: HttpRequest) -> HttpResponse:
    jurisdiction = request.GET.get("jurisdiction", "").strip()
    risk_class = request.GET.get("class", "").strip()
    if risk_class not in RiskClass.values:
        risk_class = ""
    if not (len(jurisdiction) == 6 and jurisdiction.isdigit() and Jurisdiction.objects.filter(code=jurisdiction).exists()):
        jurisdiction = ""
    risk.refresh_stale()
    codes = selectors.scope_codes(user=request.user, jurisdiction=jurisdiction or None)
    counts = {c: selectors.risk_list(codes=codes, risk_class=c).count() for c in RiskClass.values}
    qs = selectors.risk_list(codes=codes, risk_class=risk_class or None)
    return render(request, "credit/risk.html", {
        "rows": list(qs[:300]), "total": qs.count(), "counts": counts, "classes": RiskClass.choices,
        "risk_class": risk_class, "jurisdiction": jurisdiction, "counties": _county_choices(request.user),
    })
