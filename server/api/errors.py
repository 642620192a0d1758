"""One error shape for the whole API (contract §7): JSON with a human-readable `detail`, and for
client mistakes the field at fault in `field` plus DRF's per-field messages."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler, set_rollback


class FieldError(exceptions.ValidationError):
    """A client mistake in one named field; answers 400 `{"detail", "field", "<field>": [msg]}`."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__({field: [message]})

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict"
    default_code = "conflict"


def _first_field(data: Any, prefix: str = "") -> tuple[str | None, str | None]:
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "non_field_errors":
                name = prefix or None
            if isinstance(value, (dict, list)):
                inner_field, inner_msg = _first_field(value, name or "")
                if inner_msg is not None:
                    return inner_field or name, inner_msg
            else:
                return name, str(value)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            if isinstance(value, dict):
                inner_field, inner_msg = _first_field(value, f"{prefix}[{index}]" if prefix else str(index))
                if inner_msg is not None:
                    return inner_field, inner_msg
            elif isinstance(value, list):
                inner_field, inner_msg = _first_field(value, prefix)
                if inner_msg is not None:
                    return inner_field, inner_msg
            else:
                return prefix or None, str(value)
    return None, None


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DataError):
        # A value the database cannot hold (e.g. a NUL character in a JSON string on PostgreSQL):
        # the request's fault, not the server's.
        set_rollback()
        return Response({"detail": "请求中有数据库无法保存的值（如 NUL 字符）(a value the database cannot hold)"},
                        status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        field, message = _first_field(response.data)
        body: dict[str, Any] = {"detail": f"{field}: {message}" if field else (message or "请求无效")}
        if field:
            body["field"] = field
        if isinstance(response.data, dict):
            body.update({k: v for k, v in response.data.items() if k not in ("detail", "field")})
        else:
            body["errors"] = response.data
        response.data = body
    elif not isinstance(response.data, dict):
        response.data = {"detail": response.data}
    return response


def json_error(request, message: str, status_code: int) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status_code, json_dumps_params={"ensure_ascii": False})


def handler400(request, exception=None):
    return json_error(request, "请求无效 (bad request)", 400)


def handler403(request, exception=None):
    return json_error(request, "无权访问 (forbidden)", 403)


def handler404(request, exception=None):
    return json_error(request, "未找到 (not found)", 404)


def handler500(request):
    return json_error(request, "服务器内部错误 (server error)", 500)
