"""Supervisor pages for cases (zh-Hans): the case list (overdue, major), one case with its reports
and the report form. Writes go through services (same rules, idempotency and audit trail as the API)."""
from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from rest_framework.exceptions import APIException

from server.web.views import _error_text, supervisor_required

from . import selectors, services
from .models import CaseOutcome, CaseSource, CaseStatus


@supervisor_required
def case_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.case_list_visible(user=request.user)
    view = request.GET.get("view", "")
    if view == "overdue":
        qs = qs.filter(selectors.overdue_q()).order_by("report_due", "id")
    elif view == "major":
        qs = qs.filter(major=True)
    elif view == "open":
        qs = qs.exclude(status=CaseStatus.CLOSED)
    cases = [selectors.case_dict(c) for c in qs.prefetch_related("findings")[:500]]
    return render(request, "enforcement/case_list.html", {"cases": cases, "view": view, "total": qs.count()})


@supervisor_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_visible(user=request.user, case_id=pk)
    if case is None:
        raise Http404("案件不存在或无权查看")
    from server.reviews.selectors import audit_event_dict

    return render(request, "enforcement/case_detail.html", {
        "case": selectors.case_dict(case, with_reports=True), "statuses": CaseStatus.choices,
        "outcomes": CaseOutcome.choices, "sources": dict(CaseSource.choices), "client_key": uuid.uuid4().hex,
        "trail": [audit_event_dict(e) for e in selectors.audit_trail_of_case(case=case)],
    })


@require_POST
@supervisor_required
def case_report(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_visible(user=request.user, case_id=pk)
    if case is None:
        raise Http404("案件不存在或无权查看")
    try:
        _, created = services.case_report_add(
            actor=request.user, case=case, summary=request.POST.get("summary"), status=request.POST.get("status"),
            client_key=request.POST.get("client_key", ""), case_number=request.POST.get("case_number", ""),
            outcome=request.POST.get("outcome", ""), transferred_to=request.POST.get("transferred_to", ""),
        )
    except APIException as exc:
        messages.error(request, f"报告未提交：{_error_text(exc)}")
        return redirect(reverse("web-case", kwargs={"pk": pk}) + "#report")
    messages.success(request, "已提交案件进展报告" if created else "该报告此前已提交")
    return redirect(reverse("web-case", kwargs={"pk": pk}) + "#reports")
