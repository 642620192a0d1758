from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from server.accounts.models import Role
from server.api import query
from server.api.permissions import HasRole
from server.dossiers.models import DossierStatus
from server.registry.choices import Domain, ProductCategory

from . import selectors, services
from .serializers import InspectionInputSerializer, InspectionSerializer, InspectorsInputSerializer

Schedulers = HasRole.of(Role.ADMIN, Role.SUPERVISOR)
Viewers = HasRole.of(Role.ADMIN, Role.SUPERVISOR, Role.INSPECTOR)


class InspectionListCreateApi(APIView):
    def get_permissions(self):
        return [Schedulers()] if self.request.method == "POST" else [Viewers()]

    @extend_schema(responses=InspectionSerializer(many=True), parameters=[
        query.param("product_category", enum=ProductCategory.values), query.param("domain", enum=Domain.values),
        query.param("enterprise", int), query.param("status", enum=DossierStatus.values)])
    def get(self, request):
        qs = selectors.inspection_list_visible(user=request.user)
        filters = {
            "product_category": query.choice(request, "product_category", choices=ProductCategory.values),
            "domain": query.choice(request, "domain", choices=Domain.values),
            "enterprise_id": query.integer(request, "enterprise"),
            "dossier__status": query.choice(request, "status", choices=DossierStatus.values),
        }
        qs = qs.filter(**{lookup: value for lookup, value in filters.items() if value is not None})
        return Response(InspectionSerializer(qs, many=True).data)

    @extend_schema(request=InspectionInputSerializer, responses={201: InspectionSerializer})
    def post(self, request):
        serializer = InspectionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        inspection = services.inspection_create(
            actor=request.user,
            enterprise_id=data["enterprise"],
            product_category=data["product_category"],
            domain=data["domain"],
            inspectors=data["inspectors"],
            scheduled_for=data["scheduled_for"],
            checklist=data.get("checklist") or None,
        )
        inspection = selectors.inspection_get_visible(user=request.user, inspection_id=inspection.pk)
        return Response(InspectionSerializer(inspection).data, status=status.HTTP_201_CREATED)


class InspectionDetailApi(APIView):
    def get_permissions(self):
        return [Schedulers()] if self.request.method == "PATCH" else [Viewers()]

    def _get(self, request, pk):
        inspection = selectors.inspection_get_visible(user=request.user, inspection_id=pk)
        if inspection is None:
            raise Http404
        return inspection

    @extend_schema(responses=InspectionSerializer)
    def get(self, request, pk):
        return Response(InspectionSerializer(self._get(request, pk)).data)

    @extend_schema(request=InspectorsInputSerializer, responses=InspectionSerializer)
    def patch(self, request, pk):
        inspection = self._get(request, pk)
        serializer = InspectorsInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.inspection_set_inspectors(
            actor=request.user, inspection=inspection, inspectors=serializer.validated_data["inspectors"]
        )
        return Response(InspectionSerializer(self._get(request, pk)).data)
