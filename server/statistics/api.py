"""REST endpoints of the campaign statistics (contract §13) and the liaison table (att. 7)."""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from server.accounts.models import Role
from server.api import tables
from server.api.errors import FieldError
from server.api.permissions import HasRole
from server.api.parsers import SafeJSONParser
from server.enforcement.serializers import Text

from . import exports, selectors, services

Readers = HasRole.of(Role.ADMIN, Role.SUPERVISOR)
_PARAMS = [OpenApiParameter("jurisdiction", str, description="6-digit code; default: the caller's (admin: the campaign's)")]


class StatisticsApi(APIView):
    permission_classes = [Readers]

    @extend_schema(parameters=_PARAMS, responses=dict)
    def get(self, request, code: str):
        campaign = selectors.campaign_get(code=code)
        return Response(selectors.campaign_statistics(user=request.user, campaign=campaign,
                                                      jurisdiction=request.query_params.get("jurisdiction")))


class StatisticsXlsxApi(APIView):
    permission_classes = [Readers]

    @extend_schema(parameters=_PARAMS, responses={(200, tables.XLSX_TYPE): OpenApiTypes.BINARY})
    def get(self, request, code: str):
        campaign = selectors.campaign_get(code=code)
        data = selectors.campaign_statistics(user=request.user, campaign=campaign,
                                             jurisdiction=request.query_params.get("jurisdiction"))
        return tables.download(data=exports.statistics_xlsx(data=data),
                               filename=f"statistics-{campaign.code}-{data['jurisdiction']}.xlsx")


class StatisticsRecordsApi(APIView):
    permission_classes = [Readers]

    @extend_schema(parameters=[*_PARAMS, OpenApiParameter("figure", str, required=True),
                               OpenApiParameter("product_category", str)], responses=dict)
    def get(self, request, code: str):
        campaign = selectors.campaign_get(code=code)
        params = request.query_params
        return Response(selectors.figure_records(
            user=request.user, campaign=campaign, figure=params.get("figure"), jurisdiction=params.get("jurisdiction"),
            product_category=params.get("product_category")))


class LiaisonRequest(serializers.Serializer):
    campaign = Text(required=True, max_length=64)
    jurisdiction = Text(required=True, max_length=6)
    name = Text(required=True, max_length=64, help_text="姓名")
    department = Text(max_length=100, help_text="科室")
    position = Text(max_length=64, help_text="职务")
    phone = Text(max_length=32, help_text="办公电话")
    mobile = Text(required=True, max_length=32, help_text="手机")
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)


class LiaisonListApi(APIView):
    permission_classes = [Readers]
    parser_classes = [SafeJSONParser]

    @extend_schema(parameters=[OpenApiParameter("campaign", str, required=True)], responses=dict)
    def get(self, request):
        campaign = selectors.campaign_get(code=request.query_params.get("campaign") or "")
        return Response([selectors.liaison_dict(x) for x in selectors.liaisons_visible(user=request.user, campaign=campaign)])

    @extend_schema(request=LiaisonRequest, responses={200: dict, 201: dict})
    def post(self, request):
        if not hasattr(request.data, "get"):
            raise FieldError("body", "请求体必须是 JSON 对象")
        serializer = LiaisonRequest(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        campaign = selectors.campaign_get(code=data["campaign"])
        jurisdiction = selectors._jurisdiction_code(data["jurisdiction"])
        existed = selectors.liaisons_visible(user=request.user, campaign=campaign).filter(
            jurisdiction_id=jurisdiction).exists()
        liaison, changed = services.liaison_set(actor=request.user, campaign=campaign, jurisdiction=jurisdiction,
                                                values=data)
        created = changed and not existed
        return Response(selectors.liaison_dict(liaison), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class LiaisonXlsxApi(APIView):
    permission_classes = [Readers]

    @extend_schema(parameters=[OpenApiParameter("campaign", str, required=True)],
                   responses={(200, tables.XLSX_TYPE): OpenApiTypes.BINARY})
    def get(self, request):
        campaign = selectors.campaign_get(code=request.query_params.get("campaign") or "")
        rows = [selectors.liaison_dict(x) for x in selectors.liaisons_visible(user=request.user, campaign=campaign)]
        return tables.download(data=exports.liaisons_xlsx(rows=rows, campaign_title=campaign.title),
                               filename=f"liaisons-{campaign.code}.xlsx")
