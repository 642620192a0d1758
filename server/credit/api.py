"""REST endpoints for risk and the serious-dishonesty list (contract §12)."""
from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from server.accounts.models import Role
from server.api.errors import FieldError
from server.api.parsers import SafeJSONParser
from server.api.permissions import HasRole
from server.enforcement.serializers import Id, Text
from server.registry.models import Enterprise

from . import selectors, services
from .models import RiskClass, SeriousDishonesty

# Risk is a supervisors' tool for choosing where to look next: admins, supervisors and inspectors
# (their jurisdiction) read it; certifiers and enterprise accounts do not, not even their own.
RiskReaders = HasRole.of(Role.ADMIN, Role.SUPERVISOR, Role.INSPECTOR)
Handlers = HasRole.of(Role.ADMIN, Role.SUPERVISOR)


class DishonestyRequest(serializers.Serializer):
    enterprise = Id(required=True)
    basis = Text(required=True, max_length=4000, help_text="认定依据")
    decided_on = serializers.DateField(help_text="认定日期 YYYY-MM-DD")


class DishonestyRemoveRequest(serializers.Serializer):
    reason = Text(required=True, max_length=4000, help_text="移出理由")


def _valid(serializer_class, request) -> dict:
    if not hasattr(request.data, "get"):
        raise FieldError("body", "请求体必须是 JSON 对象")
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _jurisdiction_param(request) -> str | None:
    value = request.query_params.get("jurisdiction") or None
    if value is not None and (len(value) != 6 or not value.isdigit()):
        raise FieldError("jurisdiction", "需要 6 位行政区划代码")
    return value


def _int_param(request, name: str, default: int, top: int) -> int:
    value = request.query_params.get(name)
    if value in (None, ""):
        return default
    if not value.isdigit() or int(value) > top:
        raise FieldError(name, f"需要 0 到 {top} 的整数")
    return int(value)


class EnterpriseRiskApi(APIView):
    permission_classes = [RiskReaders]
    parser_classes = [SafeJSONParser]

    @extend_schema(responses=dict)
    def get(self, request, pk: int):
        enterprise = Enterprise.objects.filter(pk=pk).first()
        codes = selectors.scope_codes(user=request.user)
        if enterprise is None or (codes is not None and enterprise.jurisdiction_id not in codes):
            raise Http404
        return Response(selectors.risk_profile_get(enterprise=enterprise))


class RiskListApi(APIView):
    permission_classes = [Handlers]
    parser_classes = [SafeJSONParser]

    @extend_schema(parameters=[OpenApiParameter("jurisdiction", str), OpenApiParameter("class", str),
                               OpenApiParameter("limit", int), OpenApiParameter("offset", int)], responses=dict)
    def get(self, request):
        from server.credit import risk

        jurisdiction = _jurisdiction_param(request)
        risk_class = request.query_params.get("class") or None
        if risk_class is not None and risk_class not in RiskClass.values:
            raise FieldError("class", "风险等级应为 A、B、C 或 D")
        limit = _int_param(request, "limit", 100, 1000)
        offset = _int_param(request, "offset", 0, 10**7)
        codes = selectors.scope_codes(user=request.user, jurisdiction=jurisdiction)
        risk.refresh_stale()
        qs = selectors.risk_list(codes=codes, risk_class=risk_class)
        rows = [
            {"enterprise": r["id"], "name": r["name"], "credit_code": r["credit_code"],
             "jurisdiction": r["jurisdiction_id"], "class": r["risk_class"], "score": r["risk_score"]}
            for r in qs[offset:offset + limit]
        ]
        return Response({"count": qs.count(), "results": rows})


class DishonestyListCreateApi(APIView):
    permission_classes = [Handlers]
    parser_classes = [SafeJSONParser]

    @extend_schema(responses=dict)
    def get(self, request):
        qs = selectors.dishonesty_visible(user=request.user)
        if request.query_params.get("active") == "true":
            qs = qs.filter(removed_at__isnull=True)
        return Response([selectors.dishonesty_dict(e) for e in qs[:2000]])

    @extend_schema(request=DishonestyRequest, responses={200: dict, 201: dict})
    def post(self, request):
        data = _valid(DishonestyRequest, request)
        entry, created = services.dishonesty_list(actor=request.user, enterprise=data["enterprise"],
                                                  basis=data["basis"], decided_on=data["decided_on"])
        return Response(selectors.dishonesty_dict(entry), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class DishonestyRemoveApi(APIView):
    permission_classes = [Handlers]
    parser_classes = [SafeJSONParser]

    @extend_schema(request=DishonestyRemoveRequest, responses=dict)
    def post(self, request, pk: int):
        entry = selectors.dishonesty_visible(user=request.user).filter(pk=pk).first()
        if entry is None:
            raise Http404
        data = _valid(DishonestyRemoveRequest, request)
        entry, _ = services.dishonesty_remove(actor=request.user, entry=entry, reason=data["reason"])
        return Response(selectors.dishonesty_dict(entry))
