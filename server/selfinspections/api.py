"""Self-inspection reports over the API (contract §10)."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from server.api.errors import FieldError
from server.api.parsers import SafeJSONParser
from server.registry.models import Enterprise

from . import selectors, services
from .models import SelfInspectionStatus


class ItemSerializer(serializers.Serializer):
    topic = serializers.CharField(max_length=200)
    result = serializers.ChoiceField(choices=["ok", "problem"])
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RectificationSerializer(serializers.Serializer):
    measures = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    deadline = serializers.DateField(required=False, allow_null=True, default=None)
    completed_on = serializers.DateField(required=False, allow_null=True, default=None)


class SelfInspectionInputSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(min_value=1, max_value=2**62)
    product_category = serializers.CharField(max_length=64)
    campaign = serializers.SlugField(max_length=64, required=False, allow_blank=True, allow_null=True)
    submitted_on = serializers.DateField(required=False, allow_null=True)
    items = ItemSerializer(many=True, allow_empty=False, max_length=services.MAX_ITEMS)
    rectification = RectificationSerializer(required=False, allow_null=True)


class SelfInspectionListCreateApi(APIView):
    """POST: supervisor (jurisdiction), certifier (enterprise holds a CCC certificate of its body),
    enterprise account (itself), admin. GET: what the caller may see."""

    enterprise_access = True  # contract §10: the operator's account for itself (selectors/services scope it)

    parser_classes = [SafeJSONParser]

    @extend_schema(parameters=[OpenApiParameter("campaign", str), OpenApiParameter("enterprise", int),
                               OpenApiParameter("status", str)], responses=dict)
    def get(self, request):
        qs = selectors.self_inspection_list_visible(user=request.user)
        params = request.query_params
        if params.get("campaign"):
            qs = qs.filter(campaign__code=params["campaign"])
        if params.get("enterprise"):
            if not params["enterprise"].isdigit() or len(params["enterprise"]) > 18:
                raise FieldError("enterprise", "应为企业编号（整数）")
            qs = qs.filter(enterprise_id=int(params["enterprise"]))
        if params.get("status"):
            if params["status"] not in SelfInspectionStatus.values:
                raise FieldError("status", f"应为 {', '.join(SelfInspectionStatus.values)}")
            qs = qs.filter(status=params["status"])
        return Response([selectors.self_inspection_dict(r) for r in qs[:5000]])

    @extend_schema(request=SelfInspectionInputSerializer, responses={201: dict, 200: dict})
    def post(self, request):
        serializer = SelfInspectionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        enterprise = Enterprise.objects.filter(pk=data["enterprise"]).first()
        if enterprise is None:
            raise FieldError("enterprise", f"没有编号为 {data['enterprise']} 的企业")
        report, created = services.self_inspection_submit(
            actor=request.user, enterprise=enterprise, product_category=data["product_category"],
            items=[dict(i) for i in data["items"]], submitted_on=data.get("submitted_on"),
            campaign=data.get("campaign") or None, rectification=dict(data.get("rectification") or {}),
        )
        report = selectors.self_inspection_list_visible(user=request.user).filter(pk=report.pk).first() or report
        return Response(selectors.self_inspection_dict(report),
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class SelfInspectionCoverageApi(APIView):
    """GET /api/v1/self-inspections/coverage/?campaign=&jurisdiction= (admin, supervisor)."""

    @extend_schema(parameters=[OpenApiParameter("campaign", str), OpenApiParameter("jurisdiction", str)],
                   responses=dict)
    def get(self, request):
        body = selectors.coverage(user=request.user, campaign=request.query_params.get("campaign") or None,
                                  jurisdiction=request.query_params.get("jurisdiction") or None)
        return Response([{k: v for k, v in row.items() if k != "missing_enterprises"} for row in body["counties"]])
