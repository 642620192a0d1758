from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from server.accounts.models import Role
from server.api import query, tables
from server.api.permissions import HasRole

from . import selectors, services
from .choices import ProductCategory
from .serializers import (
    CertificateInputSerializer, CertificateSerializer, EnterpriseInputSerializer, EnterpriseSerializer,
    EnterpriseUpdateSerializer, LicenceInputSerializer, LicenceSerializer, UnqualifiedProductInputSerializer,
    UnqualifiedProductSerializer,
)

Managers = HasRole.of(Role.ADMIN, Role.SUPERVISOR)


class _EnterpriseScoped(APIView):
    def get_enterprise(self, request, pk: int):
        enterprise = selectors.enterprise_get_visible(user=request.user, enterprise_id=pk)
        if enterprise is None:
            raise Http404
        return enterprise


class EnterpriseListCreateApi(APIView):
    enterprise_access = True  # an operator's account: its own record only (selectors.enterprise_list_visible)

    def get_permissions(self):
        return [Managers()] if self.request.method == "POST" else super().get_permissions()

    @extend_schema(responses=EnterpriseSerializer(many=True), parameters=[query.param("jurisdiction")])
    def get(self, request):
        qs = selectors.enterprise_list_visible(user=request.user)
        jurisdiction = query.jurisdiction(request)
        if jurisdiction:
            qs = qs.filter(jurisdiction_id=jurisdiction)
        return Response(EnterpriseSerializer(qs, many=True).data)

    @extend_schema(request=EnterpriseInputSerializer, responses={201: EnterpriseSerializer})
    def post(self, request):
        serializer = EnterpriseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        enterprise = services.enterprise_create(actor=request.user, **serializer.validated_data)
        return Response(EnterpriseSerializer(enterprise).data, status=status.HTTP_201_CREATED)


class EnterpriseDetailApi(_EnterpriseScoped):
    enterprise_access = True  # GET of its own record; PATCH is Managers only

    def get_permissions(self):
        return [Managers()] if self.request.method == "PATCH" else super().get_permissions()

    @extend_schema(responses=EnterpriseSerializer)
    def get(self, request, pk: int):
        return Response(EnterpriseSerializer(self.get_enterprise(request, pk)).data)

    @extend_schema(request=EnterpriseUpdateSerializer, responses=EnterpriseSerializer)
    def patch(self, request, pk: int):
        enterprise = self.get_enterprise(request, pk)
        serializer = EnterpriseUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        enterprise = services.enterprise_update(actor=request.user, enterprise=enterprise, **serializer.validated_data)
        return Response(EnterpriseSerializer(enterprise).data)


class LicenceCreateApi(_EnterpriseScoped):
    permission_classes = [Managers]

    @extend_schema(request=LicenceInputSerializer, responses={201: LicenceSerializer})
    def post(self, request, pk: int):
        enterprise = self.get_enterprise(request, pk)
        serializer = LicenceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        licence = services.licence_add(actor=request.user, enterprise=enterprise, **serializer.validated_data)
        return Response(LicenceSerializer(licence).data, status=status.HTTP_201_CREATED)


class CertificateCreateApi(_EnterpriseScoped):
    permission_classes = [Managers]

    @extend_schema(request=CertificateInputSerializer, responses={201: CertificateSerializer})
    def post(self, request, pk: int):
        enterprise = self.get_enterprise(request, pk)
        serializer = CertificateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        certificate = services.certificate_add(actor=request.user, enterprise=enterprise, **serializer.validated_data)
        return Response(CertificateSerializer(certificate).data, status=status.HTTP_201_CREATED)


class UnqualifiedProductListCreateApi(APIView):
    """GET: every unqualified product (optionally `?product_category=`); POST: admin or supervisor."""

    def get_permissions(self):
        return [Managers()] if self.request.method == "POST" else super().get_permissions()

    @extend_schema(responses=UnqualifiedProductSerializer(many=True),
                   parameters=[query.param("product_category", enum=ProductCategory.values)])
    def get(self, request):
        qs = selectors.unqualified_product_list(
            product_category=query.choice(request, "product_category", choices=ProductCategory.values))
        return Response(UnqualifiedProductSerializer(qs, many=True).data)

    @extend_schema(request=UnqualifiedProductInputSerializer, responses={201: UnqualifiedProductSerializer})
    def post(self, request):
        serializer = UnqualifiedProductInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = services.unqualified_product_create(actor=request.user, **serializer.validated_data)
        return Response(UnqualifiedProductSerializer(product).data, status=status.HTTP_201_CREATED)


class EnterpriseRegisterExportApi(APIView):
    """GET /api/v1/enterprises/export.csv | export.xlsx: the register of what the caller may see."""

    @extend_schema(responses={(200, "text/csv"): bytes, (200, tables.XLSX_TYPE): bytes},
                   parameters=[query.param("jurisdiction")])
    def get(self, request, fmt: str):
        from .register_export import COLUMNS, WIDTHS, register_rows

        qs = selectors.enterprise_list_visible(user=request.user)
        jurisdiction = query.jurisdiction(request)
        if jurisdiction:
            qs = qs.filter(jurisdiction_id=jurisdiction)
        rows = register_rows(enterprises=qs.prefetch_related("register_entries").order_by("jurisdiction_id", "name"))
        if fmt == "csv":
            return tables.download(data=tables.csv_bytes(columns=COLUMNS, rows=rows), filename="enterprises.csv")
        data = tables.xlsx_bytes(columns=COLUMNS, rows=rows, title="企业信息库", widths=WIDTHS)
        return tables.download(data=data, filename="enterprises.xlsx")
