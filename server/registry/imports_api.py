"""Register and unqualified-product imports over the API (contract §9)."""
from __future__ import annotations

from django.db import IntegrityError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from server.accounts.models import Role
from server.api import tables
from server.api.errors import FieldError
from server.api.permissions import HasRole

from .imports import blank_forms, progress as progress_mod
from .imports.reader import ImportFileError, max_bytes
from .imports.register import KINDS, RegisterImporter
from .imports.runner import run_import
from .imports.unqualified import UnqualifiedImporter

Managers = HasRole.of(Role.ADMIN, Role.SUPERVISOR)


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)
    dry_run = serializers.BooleanField(required=False, default=False)
    progress_key = serializers.CharField(required=False, allow_blank=True, max_length=64)


class RegisterImportRequestSerializer(ImportRequestSerializer):
    kind = serializers.ChoiceField(choices=sorted(KINDS))


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rows = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.DictField())
    dry_run = serializers.BooleanField()


def _file_error(exc: ImportFileError) -> Response:
    return Response({"detail": f"{exc.field}: {exc.message}", "field": exc.field, exc.field: [exc.message]},
                    status=exc.status)


class _ImportApi(APIView):
    permission_classes = [Managers]
    parser_classes = [MultiPartParser, FormParser]
    request_serializer = ImportRequestSerializer

    def importer(self, request, data):
        raise NotImplementedError

    def post(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > max_bytes() + 64 * 1024:
            return _file_error(ImportFileError(f"文件过大：上限 {max_bytes()} 字节", status=413))
        serializer = self.request_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        key = data.get("progress_key") or None
        if key and not progress_mod.valid_key(key):
            raise FieldError("progress_key", "应为 8–64 位字母、数字、- 或 _")
        importer, kind = self.importer(request, data)
        progress = progress_mod.Progress(key=key, user_id=request.user.pk, kind=kind)
        try:
            result = run_import(upload=data["file"], importer=importer, dry_run=data["dry_run"], progress=progress)
        except ImportFileError as exc:
            return _file_error(exc)
        except IntegrityError:
            # Another import wrote the same enterprise or number meanwhile; nothing of this one was stored.
            return Response({"detail": "file: 另一个导入同时写入了相同的企业或证照编号，本次未导入任何数据，请重试",
                             "field": "file"}, status=status.HTTP_409_CONFLICT)
        body = result.as_dict()
        if result.errors:
            first = result.errors[0]
            return Response({"detail": f"{len(result.errors)} 处错误，未导入任何数据；第 {first.row} 行 {first.field}：{first.message}",
                             "field": "file", **body}, status=status.HTTP_400_BAD_REQUEST)
        return Response(body)


class RegisterImportApi(_ImportApi):
    """POST /api/v1/enterprises/import/: admin; supervisor for enterprises in their jurisdiction."""

    request_serializer = RegisterImportRequestSerializer

    def importer(self, request, data):
        return RegisterImporter(actor=request.user, kind=data["kind"]), f"register:{data['kind']}"

    @extend_schema(request={"multipart/form-data": RegisterImportRequestSerializer},
                   responses={200: ImportResultSerializer, 400: dict, 413: dict, 415: dict})
    def post(self, request):
        return super().post(request)


class UnqualifiedImportApi(_ImportApi):
    """POST /api/v1/unqualified-products/import/: admin, supervisor."""

    def importer(self, request, data):
        return UnqualifiedImporter(actor=request.user), "unqualified-products"

    @extend_schema(request={"multipart/form-data": ImportRequestSerializer},
                   responses={200: ImportResultSerializer, 400: dict, 413: dict, 415: dict})
    def post(self, request):
        return super().post(request)


class RegisterTemplateApi(APIView):
    """GET /api/v1/enterprises/import/template.xlsx|.csv?kind=producers|sellers|users (signed in)."""

    @extend_schema(parameters=[OpenApiParameter("kind", str)],
                   responses={(200, "text/csv"): bytes, (200, tables.XLSX_TYPE): bytes})
    def get(self, request, fmt: str):
        kind = request.query_params.get("kind", "")
        if kind not in KINDS:
            raise FieldError("kind", "应为 producers、sellers 或 users")
        data, name = blank_forms.register_template(kind=kind, fmt=fmt)
        return tables.download(data=data, filename=name)


class UnqualifiedTemplateApi(APIView):
    """GET /api/v1/unqualified-products/import/template.xlsx|.csv (signed in)."""

    @extend_schema(responses={(200, "text/csv"): bytes, (200, tables.XLSX_TYPE): bytes})
    def get(self, request, fmt: str):
        data, name = blank_forms.unqualified_template(fmt=fmt)
        return tables.download(data=data, filename=name)


class ImportProgressApi(APIView):
    """GET /api/v1/imports/progress/<key>/: the caller's own running or finished import."""

    enterprise_access = True  # keyed by the user who started the import (progress.read); nobody else's

    @extend_schema(responses={200: dict, 404: dict})
    def get(self, request, key: str):
        body = progress_mod.read(key=key, user_id=request.user.pk)
        if body is None:
            return Response({"detail": "没有该导入任务"}, status=status.HTTP_404_NOT_FOUND)
        body.pop("user", None)
        return Response(body)
