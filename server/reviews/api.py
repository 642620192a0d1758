"""REST endpoints for review, conflict resolution, findings and follow-up, certification audits and
exports. Writes answer 201 when they create something and 200 for an idempotent repeat."""
from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from server.accounts.models import Role
from server.api.errors import FieldError
from server.api import query
from server.api.parsers import SafeJSONParser
from server.api.permissions import HasRole

from . import dossier_data, exports, selectors, services
from .models import RectificationOrder
from .serializers import (
    CertificationAuditCreateRequest, ConflictResolveRequest, DossierReviewRequest, FindingCreateRequest,
    RectificationCloseRequest, RectificationIssueRequest,
)

Reviewers = HasRole.of(Role.ADMIN, Role.SUPERVISOR)
Viewers = HasRole.of(Role.ADMIN, Role.SUPERVISOR, Role.INSPECTOR)
Certifiers = HasRole.of(Role.CERTIFIER)
AuditViewers = HasRole.of(Role.ADMIN, Role.SUPERVISOR, Role.INSPECTOR, Role.CERTIFIER)


def _written(data, created: bool) -> Response:
    return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _body(request) -> dict:
    data = request.data
    if not hasattr(data, "get"):
        raise FieldError("body", "请求体必须是 JSON 对象")
    return data


def _inspection(request, pk):
    inspection = selectors.inspection_get_reviewable(user=request.user, inspection_id=pk)
    if inspection is None:
        raise Http404
    return inspection


def _inspection_field(request, data: dict):
    value = data.get("inspection")
    if not value:
        raise FieldError("inspection", "需要检查编号")
    try:
        inspection = selectors.inspection_get_reviewable(user=request.user, inspection_id=value)
    except Exception:  # malformed uuid
        inspection = None
    if inspection is None:
        raise FieldError("inspection", f"检查 {value} 不存在或无权访问")
    return inspection


def _int_id(value, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit() or len(str(value)) > 18:
        raise FieldError(field, "需要整数编号")
    return int(value)


class _Opaque(serializers.Serializer):
    pass


# --- review and conflicts ---------------------------------------------------------------------------


class DossierReviewApi(APIView):
    permission_classes = [Viewers]

    @extend_schema(request=DossierReviewRequest, responses={200: dict, 201: dict})
    def post(self, request, pk):
        inspection = _inspection(request, pk)
        data = _body(request)
        review, created = services.dossier_review(
            actor=request.user, inspection=inspection, decision=data.get("decision"), comment=data.get("comment", ""),
        )
        return _written(
            {"inspection": str(inspection.pk), "status": review.to_status, "review": selectors.review_dict(review)},
            created,
        )


class ConflictResolveApi(APIView):
    permission_classes = [Viewers]

    @extend_schema(request=ConflictResolveRequest, responses={200: dict, 201: dict})
    def post(self, request, pk):
        inspection = _inspection(request, pk)
        data = _body(request)
        kwargs = {"value": data["value"]} if "value" in data else {}
        resolution, created = services.conflict_resolve(
            actor=request.user, inspection=inspection, doc_id=data.get("doc_id"), rev=data.get("rev"),
            comment=data.get("comment", ""), **kwargs,
        )
        return _written(selectors.conflict_resolution_dict(resolution), created)


class AuditTrailApi(APIView):
    permission_classes = [Viewers]

    @extend_schema(responses=dict)
    def get(self, request, pk):
        inspection = _inspection(request, pk)
        return Response([selectors.audit_event_dict(e) for e in selectors.audit_trail(inspection=inspection)])


# --- findings and follow-up -------------------------------------------------------------------------


class FindingListCreateApi(APIView):
    permission_classes = [Viewers]

    @extend_schema(responses=dict, parameters=[query.param("inspection", OpenApiTypes.UUID, required=True)])
    def get(self, request):
        inspection = _inspection_field(request, request.query_params)
        return Response([selectors.finding_dict(f) for f in selectors.findings_of(inspection=inspection)])

    @extend_schema(request=FindingCreateRequest, responses={200: dict, 201: dict})
    def post(self, request):
        data = _body(request)
        inspection = _inspection_field(request, data)
        finding, created = services.finding_create(
            actor=request.user, inspection=inspection, item_code=data.get("item_code"), severity=data.get("severity"),
            description=data.get("description"), source_doc_id=data.get("source_doc_id") or "",
            idempotency_key=data.get("idempotency_key") or request.headers.get("Idempotency-Key", ""),
        )
        finding = selectors.findings_of(inspection=inspection).get(pk=finding.pk)
        return _written(selectors.finding_dict(finding), created)


class FindingCandidatesApi(APIView):
    permission_classes = [Viewers]

    @extend_schema(responses=dict)
    def get(self, request, pk):
        return Response(selectors.finding_candidates(inspection=_inspection(request, pk)))


def _visible_object(request, model, pk, inspection_path: str):
    obj = model.objects.filter(pk=pk).select_related(inspection_path).first()
    if obj is None:
        raise Http404
    inspection = obj
    for part in inspection_path.split("__"):
        inspection = getattr(inspection, part)
    if selectors.inspection_get_reviewable(user=request.user, inspection_id=inspection.pk) is None:
        raise Http404
    return obj


class RectificationListCreateApi(APIView):
    permission_classes = [Viewers]

    @extend_schema(responses=dict, parameters=[query.param("inspection", OpenApiTypes.UUID, required=True)])
    def get(self, request):
        inspection = _inspection_field(request, request.query_params)
        orders = RectificationOrder.objects.filter(inspection=inspection)
        return Response([selectors.rectification_dict(o) for o in orders])

    @extend_schema(request=RectificationIssueRequest, responses={200: dict, 201: dict})
    def post(self, request):
        data = _body(request)
        inspection = _inspection_field(request, data)
        order, created = services.rectification_issue(
            actor=request.user, inspection=inspection, findings=data.get("findings"),
            requirements=data.get("requirements"), deadline=data.get("deadline"),
        )
        return _written(selectors.rectification_dict(order), created)


class RectificationCloseApi(APIView):
    permission_classes = [Viewers]

    @extend_schema(request=RectificationCloseRequest, responses=dict)
    def post(self, request, pk: int):
        order = _visible_object(request, RectificationOrder, pk, "inspection")
        data = _body(request)
        order, created = services.rectification_close(
            actor=request.user, order=order, result=data.get("result"), note=data.get("note", ""),
        )
        return Response(selectors.rectification_dict(order))


# --- certification audits ---------------------------------------------------------------------------


class CertificationAuditListCreateApi(APIView):
    parser_classes = [SafeJSONParser, MultiPartParser, FormParser]
    json_max_bytes = 30 * 1024 * 1024  # a 20 MB report in base64 (services.MAX_REPORT_BYTES)

    def get_permissions(self):
        return [Certifiers()] if self.request.method == "POST" else [AuditViewers()]

    @extend_schema(responses=dict, parameters=[query.param("enterprise", int)])
    def get(self, request):
        enterprise_id = query.integer(request, "enterprise")
        qs = selectors.certification_audit_list_visible(user=request.user, enterprise_id=enterprise_id)
        return Response([selectors.certification_audit_dict(a) for a in qs])

    @extend_schema(request={"application/json": CertificationAuditCreateRequest, "multipart/form-data": CertificationAuditCreateRequest}, responses={200: dict, 201: dict})
    def post(self, request):
        data = _body(request)
        report = request.FILES.get("report") or data.get("report") or data.get("report_base64")
        if data.get("report_base64") and data.get("report_name"):
            report = {"name": data.get("report_name"), "content_base64": data.get("report_base64")}
        certificate = data.get("certificate", data.get("certificate_number"))
        audit, created = services.certification_audit_create(
            actor=request.user, certificate_number=certificate, enterprise=data.get("enterprise"),
            product_category=data.get("category", data.get("product_category")), result=data.get("result"),
            findings=data.get("findings", ""), audit_date=data.get("date"), report=report,
        )
        return _written(selectors.certification_audit_dict(audit), created)


class CertificationAuditReportApi(APIView):
    permission_classes = [AuditViewers]

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        audit = selectors.certification_audit_list_visible(user=request.user).filter(pk=pk).first()
        if audit is None or not audit.report:
            raise Http404
        return FileResponse(audit.report.open("rb"), as_attachment=True, filename=audit.report_name or "report")


# --- exports ----------------------------------------------------------------------------------------


def _list_filters(request) -> dict:
    params = request.query_params
    filters = {key: params.get(key) or None for key in ("status", "jurisdiction", "product_category", "verdict")}
    for key, value in filters.items():
        if value is not None and ("\x00" in value or len(value) > 100):
            raise FieldError(key, "筛选值无效")
    return filters


class DossierListCsvApi(APIView):
    permission_classes = [Viewers]

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.BINARY}, parameters=[query.param("status"), query.param("jurisdiction"), query.param("product_category"), query.param("verdict", enum=["pass", "fail"])])
    def get(self, request):
        rows = [dossier_data.dossier_row(d) for d in dossier_data.dossier_list(user=request.user, **_list_filters(request))]
        response = HttpResponse(exports.dossier_list_csv(rows=rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="dossiers.csv"'
        return response


class DossierListXlsxApi(APIView):
    permission_classes = [Viewers]

    @extend_schema(responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY},
                   parameters=[query.param("status"), query.param("jurisdiction"), query.param("product_category"), query.param("verdict", enum=["pass", "fail"])])
    def get(self, request):
        rows = [dossier_data.dossier_row(d) for d in dossier_data.dossier_list(user=request.user, **_list_filters(request))]
        response = HttpResponse(
            exports.dossier_list_xlsx(rows=rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="dossiers.xlsx"'
        return response


def _dossier(request, pk):
    dossier = dossier_data.dossier_get(user=request.user, inspection_id=pk)
    if dossier is None:
        raise Http404
    return dossier


class DossierPdfApi(APIView):
    permission_classes = [Viewers]

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, pk):
        dossier = _dossier(request, pk)
        body = dossier_data.dossier_body(dossier=dossier, request=request)
        try:
            pdf = exports.dossier_pdf(dossier=dossier, body=body)
        except exports.FontMissing as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="dossier-{pk}.pdf"'
        return response


class DossierZipApi(APIView):
    permission_classes = [Viewers]

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    def get(self, request, pk):
        dossier = _dossier(request, pk)
        body = dossier_data.dossier_body(dossier=dossier, request=request)
        response = HttpResponse(exports.dossier_zip(dossier=dossier, body=body), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="dossier-{pk}.zip"'
        return response

