"""Server-rendered supervisor pages (zh-Hans): dossier list, dossier with review actions, statistics.

Reads go through server.reviews.dossier_data / selectors, writes through server.reviews.services
(the same rules, idempotency and audit trail as the API). Every form is CSRF-protected."""
from __future__ import annotations

import json
from collections import Counter
from functools import wraps
from typing import Any

import checklists
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from rest_framework.exceptions import APIException, ValidationError

from server.accounts.models import Jurisdiction, Role
from server.dossiers.models import DossierStatus
from server.registry.choices import Domain, ProductCategory
from server.reviews import dossier_data, selectors, services
from server.reviews.exports import CUSTODY_LABELS, VERDICT_LABELS, answer_text, local_time, method_title
from server.enforcement import services as enforcement_services
from server.enforcement.models import CaseOutcome, EnforcementCase
from server.reviews.models import Finding, RectificationOrder, RectificationResult, Severity

from .charts import bar_chart_svg

PAGE_ROLES = (Role.ADMIN, Role.SUPERVISOR)
VERDICT_FILTERS = [("", "全部"), ("fail", "有不合格/问题"), ("pass", "无不合格")]


def supervisor_required(view):
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.user.effective_role not in PAGE_ROLES:
            return render(request, "web/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _error_text(exc: APIException) -> str:
    if isinstance(exc, ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            field, messages_ = next(iter(detail.items()))
            message = messages_[0] if isinstance(messages_, list) and messages_ else messages_
            return f"{field}：{message}"
        return str(detail[0] if isinstance(detail, list) and detail else detail)
    return str(exc.detail)


def _county_choices(user) -> list[Jurisdiction]:
    qs = Jurisdiction.objects.all().order_by("code")
    if user.effective_role == Role.SUPERVISOR and user.jurisdiction_id:
        from server.accounts import jurisdictions

        qs = qs.filter(code__in=jurisdictions.descendants_of(code=user.jurisdiction_id))
    return list(qs)


def _filters(request: HttpRequest) -> dict[str, str]:
    return {key: request.GET.get(key, "").strip() for key in ("status", "jurisdiction", "product_category", "verdict")}


@supervisor_required
def dossier_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    error = None
    try:
        dossiers = list(dossier_data.dossier_list(user=request.user, **{k: v or None for k, v in filters.items()}))
    except ValidationError as exc:
        dossiers, error = [], _error_text(exc)
    rows = [dossier_data.dossier_row(d) for d in dossiers[:500]]
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
    return render(request, "web/dossier_list.html", {
        "rows": rows, "filters": filters, "error": error, "total": len(dossiers),
        "statuses": DossierStatus.choices, "categories": ProductCategory.choices,
        "counties": _county_choices(request.user), "verdicts": VERDICT_FILTERS, "query": query,
    })


def _answers_view(body: dict, items: dict[str, dict], settled: set[str]) -> list[dict[str, Any]]:
    out = []
    for answer in body.get("answers") or []:
        item = items.get(answer.get("item_code")) or {}
        value = answer.get("value")
        out.append({
            **answer,
            "prompt": item.get("prompt", ""),
            "basis": item.get("basis", ""),
            "text": answer_text(item=item, value=value),
            "tone": "fail" if value is False else ("pass" if value is True else ""),
            "settled": answer.get("id") in settled,
        })
    return out


def _trail_view(trail: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def show(value: Any) -> str:
        return "" if value is None else json.dumps(value, ensure_ascii=False)

    return [{**e, "at": local_time(e.get("at")), "from": show(e.get("from")), "to": show(e.get("to"))} for e in trail]


def _conflicts_view(body: dict, items: dict[str, dict], settled: set[str]) -> list[dict[str, Any]]:
    out = []
    for conflict in body.get("conflicts") or []:
        item_code = conflict["doc_id"].rsplit(":", 1)[-1] if conflict["doc_id"].startswith("answer:") else None
        item = items.get(item_code or "") or {}
        out.append({
            "doc_id": conflict["doc_id"],
            "doc_type": conflict.get("doc_type") or conflict["doc_id"].split(":", 1)[0],
            "prompt": item.get("prompt", ""),
            "item": item,
            "settled": conflict["doc_id"] in settled,
            "revisions": [
                {**rev, "text": answer_text(item=item, value=rev.get("value")) if item else
                 json.dumps(rev.get("body") or rev.get("value"), ensure_ascii=False)[:300]}
                for rev in conflict.get("revisions") or []
            ],
        })
    return out


@supervisor_required
def dossier_detail(request: HttpRequest, pk) -> HttpResponse:
    dossier = dossier_data.dossier_get(user=request.user, inspection_id=pk)
    if dossier is None:
        raise Http404("档案不存在或无权查看")
    inspection = dossier.inspection
    body = dossier_data.dossier_body(dossier=dossier, request=None)
    doc = checklists.get(inspection.checklist_id) or {}
    items = {item["code"]: item for section in doc.get("sections", []) for item in section.get("items", [])}
    settled = selectors.settled_conflict_doc_ids(inspection_id=inspection.pk)
    quicktests = [
        {**q, "method_title": method_title(q.get("method")), "verdict_label": VERDICT_LABELS.get(q.get("verdict"), q.get("verdict"))}
        for q in body.get("quicktests") or []
    ]
    samples = [{**s, "custody_label": CUSTODY_LABELS.get(s.get("custody_state"), s.get("custody_state"))}
               for s in body.get("samples") or []]
    review = body.get("review") or {}
    open_ids = body.get("open_conflicts") or []
    return render(request, "web/dossier_detail.html", {
        "dossier": dossier, "inspection": inspection, "enterprise": inspection.enterprise, "body": body,
        "domain_label": Domain(inspection.domain).label, "category_label": ProductCategory(inspection.product_category).label,
        "inspectors": list(inspection.inspectors.all().order_by("username")),
        "answers": _answers_view(body, items, settled), "quicktests": quicktests,
        "photos": body.get("photos") or [], "samples": samples,
        "conflicts": _conflicts_view(body, items, settled), "open_conflicts": open_ids,
        "findings": body.get("findings") or [], "candidates": selectors.finding_candidates(inspection=inspection),
        "audits": body.get("audits") or [], "flags": body.get("flags") or review.get("flags") or [],
        "review": review, "reviewed_at": local_time(review.get("reviewed_at")),
        "history": review.get("history") or [], "trail": _trail_view(review.get("trail") or []),
        "closeout": body.get("closeout") or {},
        "can_approve": dossier.status == DossierStatus.SUBMITTED and not open_ids,
        "can_return": dossier.status in (DossierStatus.SUBMITTED, DossierStatus.INCOMPLETE),
        "severities": Severity.choices, "item_codes": list(items),
        "rectification": review.get("rectification_order"), "cases": review.get("enforcement_cases") or [],
        "rectification_results": RectificationResult.choices, "case_outcomes": CaseOutcome.choices,
    })


def _inspection_or_404(request: HttpRequest, pk):
    inspection = selectors.inspection_get_reviewable(user=request.user, inspection_id=pk)
    if inspection is None:
        raise Http404("档案不存在或无权查看")
    return inspection


def _back(pk, anchor: str = "") -> HttpResponse:
    return redirect(reverse("web-dossier", kwargs={"pk": pk}) + (f"#{anchor}" if anchor else ""))


@require_POST
@supervisor_required
def dossier_review(request: HttpRequest, pk) -> HttpResponse:
    inspection = _inspection_or_404(request, pk)
    try:
        review, created = services.dossier_review(
            actor=request.user, inspection=inspection, decision=request.POST.get("decision"),
            comment=request.POST.get("comment", ""),
        )
    except APIException as exc:
        messages.error(request, f"审核未完成：{_error_text(exc)}")
        return _back(pk, "review")
    label = "通过" if review.decision == "approve" else "退回"
    messages.success(request, f"已{label}该档案" if created else f"该档案此前已{label}")
    return _back(pk, "review")


def _form_value(*, inspection, doc_id: str, raw: str) -> Any:
    """A form field's text as the answer value its checklist item expects."""
    item = checklists.find_item(checklists.get(inspection.checklist_id) or {}, doc_id.rsplit(":", 1)[-1]) or {}
    raw = raw.strip()
    if item.get("kind") == "boolean":
        return {"true": True, "false": False}.get(raw, raw)
    if item.get("kind") == "number":
        try:
            number = float(raw)
        except ValueError:
            return raw
        return int(number) if number.is_integer() and "." not in raw else number
    return raw


@require_POST
@supervisor_required
def conflict_resolve(request: HttpRequest, pk) -> HttpResponse:
    inspection = _inspection_or_404(request, pk)
    kwargs: dict[str, Any] = {}
    choice = request.POST.get("choice", "")
    if choice == "value":
        kwargs["value"] = _form_value(inspection=inspection, doc_id=request.POST.get("doc_id", ""),
                                      raw=request.POST.get("value", ""))
    else:
        kwargs["rev"] = choice
    try:
        _, created = services.conflict_resolve(
            actor=request.user, inspection=inspection, doc_id=request.POST.get("doc_id"),
            comment=request.POST.get("comment", ""), **kwargs,
        )
    except APIException as exc:
        messages.error(request, f"冲突未处理：{_error_text(exc)}")
        return _back(pk, "conflicts")
    messages.success(request, "已记录冲突处理，将同步到所有平板" if created else "该冲突此前已按相同方式处理")
    return _back(pk, "conflicts")


@require_POST
@supervisor_required
def finding_add(request: HttpRequest, pk) -> HttpResponse:
    inspection = _inspection_or_404(request, pk)
    try:
        _, created = services.finding_create(
            actor=request.user, inspection=inspection, item_code=request.POST.get("item_code"),
            severity=request.POST.get("severity"), description=request.POST.get("description"),
            source_doc_id=request.POST.get("source_doc_id", ""), idempotency_key=request.POST.get("idempotency_key", ""),
        )
    except APIException as exc:
        messages.error(request, f"问题未登记：{_error_text(exc)}")
        return _back(pk, "findings")
    messages.success(request, "已登记问题" if created else "该问题此前已登记")
    return _back(pk, "findings")


def _followup(request: HttpRequest, pk, action, success: str, repeat: str) -> HttpResponse:
    try:
        _, created = action()
    except APIException as exc:
        messages.error(request, f"操作未完成：{_error_text(exc)}")
        return _back(pk, "followup")
    messages.success(request, success if created else repeat)
    return _back(pk, "followup")


def _all_finding_ids(inspection) -> list[int]:
    return list(Finding.objects.filter(inspection=inspection).order_by("pk").values_list("pk", flat=True))


@require_POST
@supervisor_required
def rectification_issue(request: HttpRequest, pk) -> HttpResponse:
    inspection = _inspection_or_404(request, pk)
    return _followup(request, pk, lambda: services.rectification_issue(
        actor=request.user, inspection=inspection, findings=_all_finding_ids(inspection),
        requirements=request.POST.get("requirements"), deadline=request.POST.get("deadline"),
    ), "已下达责令限期改正", "该检查此前已下达相同的责令限期改正")


@require_POST
@supervisor_required
def rectification_close(request: HttpRequest, pk) -> HttpResponse:
    inspection = _inspection_or_404(request, pk)
    order = RectificationOrder.objects.filter(inspection=inspection).first()
    if order is None:
        raise Http404("没有责令限期改正")
    return _followup(request, pk, lambda: services.rectification_close(
        actor=request.user, order=order, result=request.POST.get("result"), note=request.POST.get("note", ""),
    ), "整改已结案", "整改此前已结案")


@require_POST
@supervisor_required
def case_refer(request: HttpRequest, pk) -> HttpResponse:
    inspection = _inspection_or_404(request, pk)
    ids = [int(i) for i in request.POST.getlist("findings") if i.isdigit()] or _all_finding_ids(inspection)
    return _followup(request, pk, lambda: enforcement_services.case_refer(
        actor=request.user, inspection=inspection, findings=ids, reason=request.POST.get("reason"),
    ), "已移送执法", "这些问题此前已移送")


@require_POST
@supervisor_required
def case_update(request: HttpRequest, pk, case_id: int) -> HttpResponse:
    inspection = _inspection_or_404(request, pk)
    case = EnforcementCase.objects.filter(inspection=inspection, pk=case_id).first()
    if case is None:
        raise Http404("案件不存在")
    return _followup(request, pk, lambda: enforcement_services.case_update(
        actor=request.user, case=case, status=request.POST.get("status"),
        case_number=request.POST.get("case_number", ""), outcome=request.POST.get("outcome", ""),
        note=request.POST.get("note", ""), transferred_to=request.POST.get("transferred_to", ""),
    ), "案件进展已记录", "案件进展此前已记录")


@supervisor_required
def statistics(request: HttpRequest) -> HttpResponse:
    dossiers = list(dossier_data.dossier_list(user=request.user))
    status_labels = dict(DossierStatus.choices)
    category_labels = dict(ProductCategory.choices)
    names = dict(Jurisdiction.objects.values_list("code", "name"))
    by_status = Counter(d.status for d in dossiers)
    by_category = Counter(d.inspection.product_category for d in dossiers)
    by_county = Counter(d.inspection.enterprise.jurisdiction_id for d in dossiers)
    tables = [
        ("按状态", "status", [(status_labels[k], k, by_status.get(k, 0)) for k in DossierStatus.values]),
        ("按产品类别", "product_category", [(category_labels[k], k, by_category.get(k, 0)) for k in ProductCategory.values]),
        ("按辖区", "jurisdiction", [(names.get(k, k), k, n) for k, n in sorted(by_county.items())]),
    ]
    charts = [
        {"title": title, "param": param, "rows": rows, "svg": bar_chart_svg(rows=[(label, n) for label, _, n in rows], title=title)}
        for title, param, rows in tables
    ]
    context = {"charts": charts, "total": len(dossiers)}
    context.update(_campaign_statistics(request))
    return render(request, "web/statistics.html", context)


def _campaign_statistics(request: HttpRequest) -> dict[str, Any]:
    """The campaign's figures (contract §13, server.statistics) for the caller's jurisdiction."""
    from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied

    from server.campaigns.models import Campaign
    from server.statistics.views import campaign_context

    campaigns = list(Campaign.objects.order_by("-created_at", "code"))
    code = request.GET.get("campaign") or (campaigns[0].code if campaigns else "")
    campaign = next((c for c in campaigns if c.code == code), None)
    if campaign is None:
        return {"campaigns": campaigns}
    try:
        section = campaign_context(user=request.user, campaign=campaign, jurisdiction=request.GET.get("jurisdiction"))
    except (ApiPermissionDenied, ValidationError):
        return {"campaigns": campaigns}
    return {"campaigns": campaigns, "stats": section}
