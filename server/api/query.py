"""Query parameters read and range-checked in one place: a bad value is a 400 naming the parameter
(contract §7), never a 500 from a query that could not take it (huge integers, `²` that
str.isdigit() accepts, unknown choices, impossible dates)."""
from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from server.api.errors import FieldError

_DIGITS = re.compile(r"[0-9]{1,18}")
_JURISDICTION = re.compile(r"[1-9][0-9]{5}")
MAX_TEXT = 200


def _raw(request, name: str) -> str | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    if len(value) > MAX_TEXT:
        raise FieldError(name, f"{name} 过长（最多 {MAX_TEXT} 个字符）")
    return value


def integer(request, name: str, *, minimum: int = 1, maximum: int = 2**63 - 1) -> int | None:
    value = _raw(request, name)
    if value is None:
        return None
    if not _DIGITS.fullmatch(value) or not minimum <= int(value) <= maximum:
        raise FieldError(name, f"{name} 必须是 {minimum} 到 {maximum} 之间的整数")
    return int(value)


def choice(request, name: str, *, choices: Iterable[str]) -> str | None:
    value = _raw(request, name)
    if value is None:
        return None
    options = list(choices)
    if value not in options:
        raise FieldError(name, f"未知的 {name} {value!r}，可选：{', '.join(options)}")
    return value


def jurisdiction(request, name: str = "jurisdiction") -> str | None:
    from server.accounts.models import Jurisdiction

    value = _raw(request, name)
    if value is None:
        return None
    if not _JURISDICTION.fullmatch(value) or not Jurisdiction.objects.filter(pk=value).exists():
        raise FieldError(name, f"未知辖区 {value!r}（GB/T 2260 六位代码）")
    return value


def uuid_value(request, name: str) -> uuid.UUID | None:
    value = _raw(request, name)
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise FieldError(name, f"{name} 必须是 UUID") from None


def date(request, name: str) -> dt.date | None:
    value = _raw(request, name)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value) if len(value) == 10 else _bad_date(name)
    except ValueError:
        _bad_date(name)


def _bad_date(name: str):
    raise FieldError(name, f"{name} 必须是有效日期 YYYY-MM-DD")


def param(name: str, kind=OpenApiTypes.STR, *, enum: Iterable[str] | None = None, description: str = "",
          required: bool = False) -> OpenApiParameter:
    """An OpenAPI query parameter, so the schema (and fuzzers) know the parameter exists."""
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, required=required, description=description,
                            enum=list(enum) if enum is not None else None)
