"""Supervisor page: the running campaign's phases and deadlines, with what is still missing per
county (register survey by role; self-inspection reports)."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from server.accounts.models import Jurisdiction, Role
from server.registry.models import Enterprise
from server.web.views import supervisor_required

from . import selectors

ROLES = [("producer", "生产企业"), ("seller", "销售企业"), ("user", "经营性用户")]


def _register_by_county(*, counties: list[str], categories: set[str]) -> dict[str, dict[str, int]]:
    counts = {c: {r: 0 for r, _ in ROLES} for c in counties}
    for county, roles, cats in Enterprise.objects.filter(jurisdiction__in=counties).values_list(
            "jurisdiction_id", "roles", "product_categories"):
        if categories and not categories & set(cats or []):
            continue
        for role in roles or []:
            if role in counts[county]:
                counts[county][role] += 1
    return counts


@supervisor_required
def campaign_page(request: HttpRequest) -> HttpResponse:
    from server.selfinspections import selectors as si_selectors

    user = request.user
    home = user.jurisdiction_id if user.effective_role == Role.SUPERVISOR else (
        Jurisdiction.objects.filter(parent__isnull=True).order_by("code").values_list("code", flat=True).first())
    code = request.GET.get("campaign") or None
    campaign = None
    if code:
        campaign = selectors.campaign_list().filter(code=code).first()
    if campaign is None:
        campaign = si_selectors.default_campaign(jurisdiction=home)
    today = timezone.localdate()
    context = {"campaigns": list(selectors.campaign_list()), "campaign": campaign, "today": today}
    if campaign is None:
        return render(request, "campaigns/campaign.html", context)
    coverage = si_selectors.coverage(user=user, campaign=campaign.code, jurisdiction=home)
    counties = [row["jurisdiction"] for row in coverage["counties"]]
    register = _register_by_county(counties=counties, categories=set(campaign.product_categories))
    rows = []
    for row in coverage["counties"]:
        reg = register[row["jurisdiction"]]
        rows.append({**row, "register": [(label, reg[role]) for role, label in ROLES],
                     "register_missing": [label for role, label in ROLES if reg[role] == 0]})
    deadlines = []
    for deadline in campaign.deadlines.all():
        days = (deadline.due - today).days
        if deadline.code == "register-report":
            missing = [f"{r['name']}：尚无{'、'.join(r['register_missing'])}" for r in rows if r["register_missing"]]
        elif deadline.code == "self-inspection-report":
            missing = [f"{r['name']}：{len(r['missing'])} 家生产企业未提交自查报告" for r in rows if r["missing"]]
        else:
            missing = None
        deadlines.append({"d": deadline, "days": days, "passed": days < 0, "abs_days": abs(days), "missing": missing})
    context.update({"rows": rows, "deadlines": deadlines, "phases": list(campaign.phases.all())})
    return render(request, "campaigns/campaign.html", context)
