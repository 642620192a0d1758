"""REST endpoints for draws (contract v2 §11) and the roster's unavailability periods."""
import re

import orjson
from django.http import Http404, HttpResponse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from server.accounts import jurisdictions
from server.accounts.models import Role
from server.api.errors import FieldError
from server.api.parsers import SafeJSONParser
from server.api.permissions import HasRole

from . import selectors, services
from .models import InspectorUnavailability
from .serializers import (
    DrawInputSerializer, ExecuteInputSerializer, UnavailabilityInputSerializer, UnavailabilitySerializer,
)

_PARAM = re.compile(r"^[a-z0-9-]{1,64}\Z")


def _answer(body: dict, status_code: int = 200) -> HttpResponse:
    """A draw as JSON, rendered with orjson: an announcement answers with its whole population
    (100,000 entries), which DRF's renderer takes several times longer to write."""
    return HttpResponse(orjson.dumps(body), status=status_code, content_type="application/json")


Drawers = HasRole.of(Role.ADMIN, Role.SUPERVISOR)
Viewers = HasRole.of(Role.ADMIN, Role.SUPERVISOR, Role.INSPECTOR)


class DrawListCreateApi(APIView):
    parser_classes = [SafeJSONParser]

    def get_permissions(self):
        return [Drawers()] if self.request.method == "POST" else [Viewers()]

    @extend_schema(operation_id="draws_list", responses={200: dict})
    def get(self, request):
        qs = selectors.draw_list_visible(user=request.user)
        for param in ("product_category", "status", "jurisdiction"):
            value = request.query_params.get(param)
            if value:
                if not _PARAM.match(value):
                    raise FieldError(param, "取值无效")
                qs = qs.filter(**{param: value})
        return Response([selectors.draw_head(draw=d) for d in qs[:1000]])

    @extend_schema(request=DrawInputSerializer, responses={201: dict})
    def post(self, request):
        serializer = DrawInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        draw = services.draw_announce(
            actor=request.user, jurisdiction=data["jurisdiction"], product_category=data["product_category"],
            population=data["population"], percent=data["percent"], scheduled_for=data["scheduled_for"],
            domain=data.get("domain") or None, inspectors_per_inspection=data["inspectors_per_inspection"],
            campaign=data.get("campaign") or None, idempotency_key=data.get("idempotency_key") or "",
        )
        return _answer(selectors.draw_as_dict(draw=draw), status.HTTP_201_CREATED)


class DrawPreviewApi(APIView):
    """The population a draw would freeze now, not stored: GET ?jurisdiction=&product_category=&population=."""

    permission_classes = [Drawers]

    @extend_schema(responses={200: dict})
    def get(self, request):
        params = {k: request.query_params.get(k) or "" for k in ("jurisdiction", "product_category", "population")}
        for key, value in params.items():
            if not _PARAM.match(value):
                raise FieldError(key, "缺少或取值无效")
        values = services.validate_request(percent=1, **params)
        services.check_may_draw(actor=request.user, jurisdiction=values["jurisdiction"])
        candidates = selectors.population_candidates(
            jurisdiction=values["jurisdiction"], product_category=values["product_category"],
            population_kind=values["population"], on=timezone.localdate(),
        )
        return _answer({
            "jurisdiction": values["jurisdiction"], "product_category": values["product_category"],
            "population_kind": values["population"], "domain": values["domain"], "count": len(candidates),
            "counties": selectors.county_counts(candidates),
            "population": [{"enterprise": c.enterprise_id, "credit_code": c.credit_code, "name": c.name,
                            "jurisdiction": c.jurisdiction} for c in candidates],
        })


class DrawDetailApi(APIView):
    permission_classes = [Viewers]

    @extend_schema(responses={200: dict})
    def get(self, request, pk: int):
        draw = selectors.draw_get_visible(user=request.user, draw_id=pk)
        if draw is None:
            raise Http404
        return _answer(selectors.draw_as_dict(draw=draw))


class DrawExecuteApi(APIView):
    parser_classes = [SafeJSONParser]

    permission_classes = [Drawers]

    @extend_schema(request=ExecuteInputSerializer, responses={200: dict})
    def post(self, request, pk: int):
        if selectors.draw_get_visible(user=request.user, draw_id=pk) is None:
            raise Http404
        serializer = ExecuteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        draw = services.draw_execute(actor=request.user, draw_id=pk, beacon=serializer.validated_data["beacon"],
                                     beacon_source=serializer.validated_data.get("beacon_source") or "")
        return _answer(selectors.draw_as_dict(draw=draw, population=False))


class UnavailabilityListCreateApi(APIView):
    parser_classes = [SafeJSONParser]

    def get_permissions(self):
        return [Drawers()] if self.request.method == "POST" else [Viewers()]

    @extend_schema(responses=UnavailabilitySerializer(many=True))
    def get(self, request):
        qs = InspectorUnavailability.objects.select_related("inspector")
        role = request.user.effective_role
        if role == Role.SUPERVISOR:
            qs = qs.filter(inspector__jurisdiction__in=jurisdictions.descendants_of(code=request.user.jurisdiction_id))
        elif role == Role.INSPECTOR:
            qs = qs.filter(inspector=request.user)
        return Response(UnavailabilitySerializer(qs[:5000], many=True).data)

    @extend_schema(request=UnavailabilityInputSerializer, responses={201: UnavailabilitySerializer})
    def post(self, request):
        serializer = UnavailabilityInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        period, created = services.unavailability_add(actor=request.user, **serializer.validated_data)
        return Response(UnavailabilitySerializer(period).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class UnavailabilityDetailApi(APIView):
    permission_classes = [Drawers]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk: int):
        period = InspectorUnavailability.objects.select_related("inspector").filter(pk=pk).first()
        if period is None:
            raise Http404
        services.unavailability_delete(actor=request.user, period=period)
        return Response(status=status.HTTP_204_NO_CONTENT)
