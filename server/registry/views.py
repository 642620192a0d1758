"""Supervisor pages (zh-Hans): the register with its import (upload, dry-run preview of errors,
confirm), and the unqualified-product list with its import and notices (plan 三(一), 三(三)2)."""
from __future__ import annotations

import uuid

from django.contrib import messages
from django.db import IntegrityError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from rest_framework.exceptions import APIException

from server.accounts.models import Role
from server.api import tables
from server.web.views import _county_choices, _error_text, supervisor_required

from . import notices, selectors
from .choices import EnterpriseRole, ProductCategory
from .imports import staging
from .imports.progress import Progress, valid_key
from .imports.reader import ImportFileError, max_bytes
from .imports.register import KIND_TITLES, KINDS, RegisterImporter
from .imports.runner import run_import
from .imports.unqualified import UnqualifiedImporter
from .models import UnqualifiedProduct

CATEGORY_LABELS = dict(ProductCategory.choices)
ROLE_LABELS = dict(EnterpriseRole.choices)


def _run(request: HttpRequest, *, importer, kind: str, title: str) -> dict:
    """Dry run of an uploaded file (kept for confirmation) or the confirmed import of a kept one."""
    key = request.POST.get("progress_key") if valid_key(request.POST.get("progress_key")) else None
    progress = Progress(key=key, user_id=request.user.pk, kind=kind)
    token = request.POST.get("staged", "")
    confirm = request.POST.get("mode") == "confirm"
    context = {"import_title": title, "kind": kind}
    if confirm:
        taken = staging.take(token=token, user_id=request.user.pk)
        if taken is None or taken[1].get("kind") != kind:
            context["import_error"] = "预检文件已失效，请重新上传"
            return context
        upload, meta = taken
        context["filename"] = meta.get("filename")
    else:
        upload = request.FILES.get("file")
        if upload is None:
            context["import_error"] = "请选择要导入的文件（XLSX 或 CSV）"
            return context
        if upload.size > max_bytes():
            context["import_error"] = f"文件过大：{upload.size} 字节，上限 {max_bytes()} 字节"
            return context
        context["filename"] = upload.name
    try:
        result = run_import(upload=upload, importer=importer, dry_run=not confirm, progress=progress)
    except ImportFileError as exc:
        context["import_error"] = exc.message
        return context
    except IntegrityError:
        context["import_error"] = "另一个导入同时写入了相同的企业或证照编号，本次未导入任何数据，请重试"
        return context
    finally:
        if confirm:
            upload.close()
    context["result"] = result
    labels = {c.key: c.label for c in importer.spec.columns}
    context["error_rows"] = [{"row": e.row, "field": labels.get(e.field, e.field), "message": e.message}
                             for e in result.errors[:1000]]
    if confirm:
        staging.discard(token=token)
    elif not result.errors:
        context["staged"] = staging.keep(upload=upload, user_id=request.user.pk,
                                         meta={"kind": kind, "filename": upload.name})
    return context


def _progress_key() -> str:
    return uuid.uuid4().hex


# --- register ---------------------------------------------------------------------------------------------


def _register_context(request: HttpRequest) -> dict:
    qs = selectors.enterprise_list_visible(user=request.user).order_by("jurisdiction_id", "name", "pk")
    filters = {k: request.GET.get(k, "").strip() for k in ("jurisdiction", "role", "product_category", "q")}
    if filters["jurisdiction"]:
        qs = qs.filter(jurisdiction_id=filters["jurisdiction"])
    if filters["q"]:
        qs = qs.filter(name__icontains=filters["q"]) | qs.filter(credit_code=filters["q"].upper())
    rows = []
    for enterprise in qs.iterator(chunk_size=2000) if (filters["role"] or filters["product_category"]) else []:
        if filters["role"] and filters["role"] not in enterprise.roles:
            continue
        if filters["product_category"] and filters["product_category"] not in enterprise.product_categories:
            continue
        rows.append(enterprise.pk)
    if filters["role"] or filters["product_category"]:
        qs = qs.filter(pk__in=rows)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    enterprises = [{
        "e": e, "roles": "、".join(ROLE_LABELS.get(r, r) for r in e.roles),
        "categories": "、".join(CATEGORY_LABELS.get(c, c) for c in e.product_categories),
        "licences": "；".join(lic.number for lic in e.licences.all()),
        "certificates": "；".join(c.number for c in e.certificates.all()),
    } for e in page.object_list]
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
    return {"page": page, "enterprises": enterprises, "filters": filters, "query": query,
            "counties": _county_choices(request.user), "roles": EnterpriseRole.choices,
            "categories": ProductCategory.choices, "kinds": [(k, KIND_TITLES[k]) for k in KINDS],
            "progress_key": _progress_key(), "max_mb": max_bytes() // (1024 * 1024)}


@supervisor_required
def register_page(request: HttpRequest) -> HttpResponse:
    return render(request, "registry/register.html", _register_context(request))


@require_POST
@supervisor_required
def register_import(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind", "")
    if kind not in KINDS:
        outcome = {"import_error": "请选择表格类型（生产企业、销售企业或经营性用户）"}
    else:
        outcome = _run(request, importer=RegisterImporter(actor=request.user, kind=kind), kind=kind,
                       title=KIND_TITLES[kind])
    context = _register_context(request)  # after the import: the list shows what it stored
    context.update(outcome)
    return render(request, "registry/register.html", context)


# --- unqualified products ---------------------------------------------------------------------------------


def _unqualified_context(request: HttpRequest) -> dict:
    products = list(UnqualifiedProduct.objects.order_by("rectified", "product_category", "manufacturer", "pk")[:2000])
    sent = list(notices.notice_list_visible(user=request.user)[:50])
    reports = list(notices.disposal_list_visible(user=request.user)[:200])
    return {"products": [{"p": p, "category": CATEGORY_LABELS.get(p.product_category)} for p in products],
            "notices": [{"n": n, "recipients": n.recipients.count(),
                         "categories": "、".join(CATEGORY_LABELS.get(c, c) for c in n.product_categories)} for n in sent],
            "reports": [{"r": r, "action": r.get_action_display(), "exemption": r.get_penalty_exemption_display()}
                        for r in reports],
            "counties": _county_choices(request.user), "categories": ProductCategory.choices,
            "may_send": request.user.effective_role == Role.SUPERVISOR,
            "progress_key": _progress_key(), "max_mb": max_bytes() // (1024 * 1024), "kind": "unqualified"}


@supervisor_required
def unqualified_page(request: HttpRequest) -> HttpResponse:
    return render(request, "registry/unqualified.html", _unqualified_context(request))


@require_POST
@supervisor_required
def unqualified_import(request: HttpRequest) -> HttpResponse:
    outcome = _run(request, importer=UnqualifiedImporter(actor=request.user), kind="unqualified",
                   title="不合格产品名单（附件4）")
    context = _unqualified_context(request)
    context.update(outcome)
    return render(request, "registry/unqualified.html", context)


UNQUALIFIED_COLUMNS = [("category", "产品类别"), ("product_name", "产品名称"), ("model", "型号规格"), ("brand", "商标"),
                       ("manufacturer", "生产企业"), ("batch", "生产批次"), ("found_in", "抽查轮次"), ("rectified", "已整改")]


@supervisor_required
def unqualified_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    rows = [{"category": CATEGORY_LABELS.get(p.product_category), "product_name": p.product_name, "model": p.model,
             "brand": p.brand, "manufacturer": p.manufacturer, "batch": p.batch, "found_in": p.found_in,
             "rectified": "是" if p.rectified else "否"} for p in UnqualifiedProduct.objects.order_by("pk")]
    if fmt == "csv":
        return tables.download(data=tables.csv_bytes(columns=UNQUALIFIED_COLUMNS, rows=rows), filename="unqualified-products.csv")
    return tables.download(data=tables.xlsx_bytes(columns=UNQUALIFIED_COLUMNS, rows=rows, title="不合格产品名单",
                                                  widths=[16, 24, 16, 12, 28, 12, 36, 8]),
                           filename="unqualified-products.xlsx")


@require_POST
@supervisor_required
def notice_send(request: HttpRequest) -> HttpResponse:
    try:
        notice, created = notices.notice_send(actor=request.user, jurisdiction=request.POST.get("jurisdiction", ""),
                                              product_categories=request.POST.getlist("product_categories"))
    except APIException as exc:
        messages.error(request, f"发送失败：{_error_text(exc)}")
        return redirect(reverse("web-unqualified") + "#notices")
    count = notice.recipients.count()
    messages.success(request, f"已向 {count} 家销售者和经营性用户发送不合格产品名单" if created else "该名单此前已发送，未重复发送")
    return redirect("web-unqualified-notice", pk=notice.pk)


@supervisor_required
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = notices.notice_list_visible(user=request.user).filter(pk=pk).first()
    if notice is None:
        raise Http404("通知不存在或无权查看")
    copies = list(notices.recipients_visible(user=request.user, notice=notice))
    return render(request, "registry/notice_detail.html", {
        "notice": notice, "copies": [{"c": c, "count": len(c.products)} for c in copies],
        "categories": "、".join(CATEGORY_LABELS.get(c, c) for c in notice.product_categories),
    })


NOTICE_COLUMNS = [("enterprise", "企业名称"), ("credit_code", "统一社会信用代码"), ("address", "地址"), ("items", "名单项数")]


@supervisor_required
def notice_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    notice = notices.notice_list_visible(user=request.user).filter(pk=pk).first()
    if notice is None or fmt not in ("csv", "xlsx"):
        raise Http404
    rows = [{"enterprise": c.enterprise.name, "credit_code": c.enterprise.credit_code, "address": c.enterprise.address,
             "items": len(c.products)} for c in notices.recipients_visible(user=request.user, notice=notice)]
    name = f"notice-{pk}-recipients.{fmt}"
    if fmt == "csv":
        return tables.download(data=tables.csv_bytes(columns=NOTICE_COLUMNS, rows=rows), filename=name)
    return tables.download(data=tables.xlsx_bytes(columns=NOTICE_COLUMNS, rows=rows, title="通知接收企业",
                                                  widths=[34, 22, 40, 10]), filename=name)


DISPOSAL_COLUMNS = [("enterprise", "企业"), ("product", "不合格产品"), ("action", "处置方式"), ("quantity", "数量"),
                    ("stopped_sale_on", "停止销售日期"), ("reported_on", "报告日期"), ("harm_caused", "造成危害"),
                    ("exemption", "免罚判定"), ("reason", "理由")]


@supervisor_required
def disposal_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    rows = [{"enterprise": r.enterprise.name, "product": f"{r.unqualified_product.manufacturer} {r.unqualified_product.product_name} "
             f"{r.unqualified_product.model}", "action": r.get_action_display(),
             "quantity": None if r.quantity is None else float(r.quantity), "stopped_sale_on": r.stopped_sale_on,
             "reported_on": r.reported_on, "harm_caused": "是" if r.harm_caused else "否",
             "exemption": r.get_penalty_exemption_display(), "reason": r.exemption_reason}
            for r in notices.disposal_list_visible(user=request.user)]
    name = f"disposal-reports.{fmt}"
    if fmt == "csv":
        return tables.download(data=tables.csv_bytes(columns=DISPOSAL_COLUMNS, rows=rows), filename=name)
    return tables.download(data=tables.xlsx_bytes(columns=DISPOSAL_COLUMNS, rows=rows, title="不合格产品处置报告",
                                                  widths=[30, 36, 10, 8, 12, 12, 8, 14, 60]), filename=name)
