"""REST endpoints for enforcement cases, producer notices and sampling results (contract §12).
Writes answer 201 when they create something and 200 with the same body for an idempotent repeat."""
from __future__ import annotations

from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from server.accounts.models import Role
from server.api.errors import FieldError
from server.api.parsers import SafeJSONParser
from server.api.permissions import HasRole
from server.reviews import selectors as review_selectors
from server.reviews.models import Finding

from . import case_file, sampling, selectors, services
from .models import CaseSource, CaseStatus
from .serializers import (
    CaseCreateRequest, CaseMajorRequest, CaseReportRequest, CaseStatusRequest, NoticeAcknowledgeRequest,
    NoticeCreateRequest, NoticeRecallRequest, SamplingImportRequest,
)

Handlers = HasRole.of(Role.ADMIN, Role.SUPERVISOR)
Viewers = HasRole.of(Role.ADMIN, Role.SUPERVISOR, Role.INSPECTOR)


def _written(data, created: bool) -> Response:
    return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _valid(serializer_class, request) -> dict:
    data = request.data
    if not hasattr(data, "get"):
        raise FieldError("body", "请求体必须是 JSON 对象")
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _case(request, pk: int):
    case = selectors.case_get_visible(user=request.user, case_id=pk)
    if case is None:
        raise Http404
    return case


def _flag(params, name: str) -> bool | None:
    value = params.get(name)
    if value in (None, ""):
        return None
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise FieldError(name, "需要 true 或 false")


_LIST_PARAMS = [
    OpenApiParameter("overdue", bool, description="true: cases whose report is due and missing"),
    OpenApiParameter("major", bool, description="true: 挂牌督办 cases"),
    OpenApiParameter("status", str), OpenApiParameter("source", str), OpenApiParameter("jurisdiction", str),
    OpenApiParameter("inspection", str), OpenApiParameter("enterprise", int),
]


class CaseListCreateApi(APIView):
    permission_classes = [Viewers]
    parser_classes = [SafeJSONParser]

    @extend_schema(parameters=_LIST_PARAMS, responses=dict, operation_id="enforcement_cases_list")
    def get(self, request):
        params = request.query_params
        qs = selectors.case_list_visible(user=request.user)
        inspection = params.get("inspection")
        if inspection:
            found = None
            try:
                found = review_selectors.inspection_get_reviewable(user=request.user, inspection_id=inspection)
            except Exception:  # malformed uuid
                found = None
            if found is None:
                raise FieldError("inspection", f"检查 {inspection} 不存在或无权访问")
            qs = qs.filter(inspection=found)
        overdue, major = _flag(params, "overdue"), _flag(params, "major")
        if overdue is not None:
            qs = qs.filter(selectors.overdue_q()) if overdue else qs.exclude(selectors.overdue_q())
        if major is not None:
            qs = qs.filter(major=major)
        for name, choices in (("status", CaseStatus), ("source", CaseSource)):
            value = params.get(name)
            if value:
                if value not in choices.values:
                    raise FieldError(name, f"取值无效，可选：{', '.join(choices.values)}")
                qs = qs.filter(**{name: value})
        jurisdiction = params.get("jurisdiction")
        if jurisdiction:
            from server.accounts import jurisdictions

            if len(jurisdiction) != 6 or not jurisdiction.isdigit():
                raise FieldError("jurisdiction", "需要 6 位行政区划代码")
            qs = qs.filter(jurisdiction_id__in=sorted(jurisdictions.descendants_of(code=jurisdiction)))
        enterprise = params.get("enterprise")
        if enterprise:
            if not enterprise.isdigit() or len(enterprise) > 18:
                raise FieldError("enterprise", "需要企业编号")
            qs = qs.filter(enterprise_id=int(enterprise))
        qs = qs.prefetch_related("findings").order_by("report_due", "id") if overdue else qs.prefetch_related("findings")
        return Response([selectors.case_dict(c) for c in qs[:2000]])

    @extend_schema(request=CaseCreateRequest, responses={200: dict, 201: dict})
    def post(self, request):
        data = _valid(CaseCreateRequest, request)
        key = data.get("client_key") or request.headers.get("Idempotency-Key", "")
        source = data.get("source") or (CaseSource.INSPECTION if data.get("inspection") else "")
        if source == CaseSource.INSPECTION or data.get("inspection"):
            if source != CaseSource.INSPECTION:
                raise FieldError("source", "指定 inspection 的案件来源是 inspection")
            inspection = None
            try:
                inspection = review_selectors.inspection_get_reviewable(user=request.user, inspection_id=data.get("inspection"))
            except Exception:  # malformed uuid
                inspection = None
            if inspection is None:
                raise FieldError("inspection", f"检查 {data.get('inspection')} 不存在或无权访问")
            case, created = services.case_refer(
                actor=request.user, inspection=inspection, findings=data.get("findings"), reason=data.get("reason"),
                major=data.get("major", False), supervising_office=data.get("supervising_office", ""),
                campaign=data.get("campaign"), client_key=key,
            )
        else:
            case, created = services.case_open(
                actor=request.user, source=source, enterprise=data.get("enterprise"),
                product_category=data.get("product_category"), reason=data.get("reason"),
                referral_number=data.get("referral_number", ""), referral_deadline=data.get("referral_deadline"),
                major=data.get("major", False), supervising_office=data.get("supervising_office", ""),
                campaign=data.get("campaign"), opened_on=data.get("opened_on"), client_key=key,
            )
        return _written(selectors.case_dict(case), created)


class CaseDetailApi(APIView):
    permission_classes = [Viewers]
    parser_classes = [SafeJSONParser]

    @extend_schema(responses=dict, operation_id="enforcement_case_retrieve")
    def get(self, request, pk: int):
        case = _case(request, pk)
        body = selectors.case_dict(case, with_reports=True)
        body["trail"] = [review_selectors.audit_event_dict(e) for e in selectors.audit_trail_of_case(case=case)]
        return Response(body)


class CaseStatusApi(APIView):
    permission_classes = [Handlers]  # a write: admin and supervisors only, refused before the body is read
    parser_classes = [SafeJSONParser]

    @extend_schema(request=CaseStatusRequest, responses=dict)
    def post(self, request, pk: int):
        case = _case(request, pk)
        data = _valid(CaseStatusRequest, request)
        case, _ = services.case_update(
            actor=request.user, case=case, status=data.get("status"), case_number=data.get("case_number", ""),
            outcome=data.get("outcome", ""), note=data.get("note", ""), transferred_to=data.get("transferred_to", ""),
        )
        return Response(selectors.case_dict(case))


class CaseReportApi(APIView):
    parser_classes = [SafeJSONParser]

    def get_permissions(self):  # reading: the case's readers; reporting: admin and supervisors only
        return [Handlers()] if self.request.method == "POST" else [Viewers()]

    @extend_schema(responses=dict)
    def get(self, request, pk: int):
        case = _case(request, pk)
        return Response(selectors.case_dict(case, with_reports=True)["reports"])

    @extend_schema(request=CaseReportRequest, responses={200: dict, 201: dict})
    def post(self, request, pk: int):
        case = _case(request, pk)
        data = _valid(CaseReportRequest, request)
        report, created = services.case_report_add(
            actor=request.user, case=case, summary=data.get("summary"), status=data.get("status"),
            client_key=data.get("client_key") or request.headers.get("Idempotency-Key", ""),
            case_number=data.get("case_number", ""), outcome=data.get("outcome", ""),
            transferred_to=data.get("transferred_to", ""),
        )
        case.refresh_from_db()
        return _written({**selectors.report_dict(report), "case_status": case.status,
                         "case_report_due": case.report_due.isoformat() if case.report_due else None}, created)


class CaseMajorApi(APIView):
    permission_classes = [Handlers]
    parser_classes = [SafeJSONParser]

    @extend_schema(request=CaseMajorRequest, responses=dict)
    def post(self, request, pk: int):
        case = _case(request, pk)
        data = _valid(CaseMajorRequest, request)
        case, _ = services.case_set_major(actor=request.user, case=case, major=data.get("major"),
                                          supervising_office=data.get("supervising_office", ""), note=data.get("note", ""))
        return Response(selectors.case_dict(case))


class CasePdfApi(APIView):
    permission_classes = [Viewers]
    parser_classes = [SafeJSONParser]

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        from server.reviews.exports import FontMissing

        case = _case(request, pk)
        try:
            pdf = case_file.case_pdf(case=case)
        except FontMissing as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="case-{case.pk}.pdf"'
        return response


# --- producer notices -----------------------------------------------------------------------------


def _notice(request, pk: int):
    notice = selectors.notice_list_visible(user=request.user).filter(pk=pk).first()
    if notice is None:
        raise Http404
    return notice


class NoticeListCreateApi(APIView):
    permission_classes = [Viewers]
    parser_classes = [SafeJSONParser]

    @extend_schema(responses=dict)
    def get(self, request):
        return Response([selectors.notice_dict(n) for n in selectors.notice_list_visible(user=request.user)[:2000]])

    @extend_schema(request=NoticeCreateRequest, responses={200: dict, 201: dict})
    def post(self, request):
        data = _valid(NoticeCreateRequest, request)
        finding_id = data["finding"]
        finding = Finding.objects.filter(pk=finding_id).select_related("inspection").first()
        if finding is None or review_selectors.inspection_get_reviewable(user=request.user, inspection_id=finding.inspection_id) is None:
            raise FieldError("finding", f"问题 {finding_id} 不存在或无权访问")
        notice, created = services.notice_send(
            actor=request.user, finding=finding, producer_name=data.get("producer_name", ""),
            producer=data.get("producer"), defect_description=data.get("defect_description"),
            investigation_deadline=data.get("investigation_deadline"),
        )
        return _written(selectors.notice_dict(notice), created)


class NoticeAcknowledgeApi(APIView):
    permission_classes = [Viewers]
    parser_classes = [SafeJSONParser]

    @extend_schema(request=NoticeAcknowledgeRequest, responses=dict)
    def post(self, request, pk: int):
        notice = _notice(request, pk)
        data = _valid(NoticeAcknowledgeRequest, request)
        notice, _ = services.notice_acknowledge(actor=request.user, notice=notice, note=data.get("note", ""))
        return Response(selectors.notice_dict(notice))


class NoticeRecallApi(APIView):
    permission_classes = [Handlers]  # as acknowledging: the service lets only admin and reviewing supervisors write
    parser_classes = [SafeJSONParser]

    @extend_schema(request=NoticeRecallRequest, responses=dict)
    def post(self, request, pk: int):
        notice = _notice(request, pk)
        data = _valid(NoticeRecallRequest, request)
        notice, _ = services.notice_recall_update(actor=request.user, notice=notice, stage=data.get("stage"),
                                                  note=data.get("note"))
        return Response(selectors.notice_dict(notice))


# --- sampling results ---------------------------------------------------------------------------------


class SamplingImportApi(APIView):
    permission_classes = [Handlers]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": SamplingImportRequest}, responses=dict)
    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            raise FieldError("file", "需要上传 XLSX 或 CSV 文件")
        dry_run = _flag(request.data, "dry_run") or False
        outcome = sampling.import_results(actor=request.user, upload=upload, dry_run=dry_run)
        if outcome["errors"]:
            return Response({"detail": f"{len(outcome['errors'])} 处错误，未保存任何数据", **outcome},
                            status=status.HTTP_400_BAD_REQUEST)
        return Response(outcome)


class SamplingListApi(APIView):
    permission_classes = [Viewers]
    parser_classes = [SafeJSONParser]

    @extend_schema(responses=dict)
    def get(self, request):
        return Response([sampling.result_dict(r) for r in sampling.results_visible(user=request.user)[:2000]])
