"""The API's JSON parser (DEFAULT_PARSER_CLASSES): hostile bodies are 400s naming what is wrong,
never 500s (contract §7).

- Size: a JSON body larger than API_JSON_MAX_BYTES (default 1 MiB; a view may raise it with a
  `json_max_bytes` attribute, e.g. certification audits carrying a base64 report) → 400 naming
  the limit. (Django's DATA_UPLOAD_MAX_MEMORY_SIZE bounds what is read at all.)
- Depth: objects/arrays nested deeper than API_JSON_MAX_DEPTH (default 32) → 400 naming the limit;
  a body so deep that the JSON decoder itself recurses too far (thousands of levels) is the same 400.
- Text: a lone UTF-16 surrogate (`"\\ud800"`, legal JSON escape, not a Unicode character; it cannot
  be encoded to UTF-8 nor stored) in any key or string → 400 naming the field (`findings[0]`,
  `inputs.material`, a key itself).
- Numbers: a number the decoder turns into ±infinity (`1e999`) → 400 naming the field; integers of
  more than 4300 digits are refused by Python's decoder (400 "JSON parse error").
- Content-Type: DRF picks a parser by Content-Type; none matching (or none given) → 415 naming the
  type; an unknown charset → 415 naming it (Django would silently decode as UTF-8).
"""
from __future__ import annotations

import codecs
import json
import math
import re
from typing import Any

from django.conf import settings
from django.utils.http import parse_header_parameters
from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.parsers import JSONParser

_SURROGATE = re.compile("[\ud800-\udfff]")


class JsonLimitError(ParseError):
    """400 {"detail", "field", "limit"}: the body breaks one of the parser's limits."""

    def __init__(self, *, field: str, message: str, limit: str | None = None):
        detail: dict[str, Any] = {"detail": f"{field}: {message}", "field": field, field: [message]}
        if limit:
            detail["limit"] = limit
        super().__init__(detail)


def max_depth() -> int:
    return int(getattr(settings, "API_JSON_MAX_DEPTH", 32))


def max_bytes() -> int:
    return int(getattr(settings, "API_JSON_MAX_BYTES", 1024 * 1024))


def _name(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]" if path else f"[{key}]"
    return f"{path}.{key}" if path else str(key)


def _printable(key: str) -> str:
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", key)


def check_value(data: Any, *, depth_limit: int) -> None:
    """Walks the decoded body without recursion: depth, lone surrogates, non-finite numbers."""
    stack: list[tuple[Any, str, int]] = [(data, "", 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, dict):
            if depth > depth_limit:
                raise JsonLimitError(field=path or "body", message=f"JSON 嵌套层数超过上限 {depth_limit}",
                                     limit=f"API_JSON_MAX_DEPTH={depth_limit}")
            for key, item in value.items():
                if _SURROGATE.search(key):
                    raise JsonLimitError(field=_name(path, _printable(key)),
                                         message="键名含有不成对的 UTF-16 代理字符（不是有效的 Unicode 文本）")
                stack.append((item, _name(path, key), depth + 1))
        elif isinstance(value, list):
            if depth > depth_limit:
                raise JsonLimitError(field=path or "body", message=f"JSON 嵌套层数超过上限 {depth_limit}",
                                     limit=f"API_JSON_MAX_DEPTH={depth_limit}")
            for index, item in enumerate(value):
                stack.append((item, _name(path, index), depth + 1))
        elif isinstance(value, str):
            if _SURROGATE.search(value):
                raise JsonLimitError(field=path or "body",
                                     message="含有不成对的 UTF-16 代理字符（如 \\ud800），不是有效的 Unicode 文本")
        elif isinstance(value, float) and not math.isfinite(value):
            raise JsonLimitError(field=path or "body", message="数值超出范围（双精度浮点数无法表示）")


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        view = parser_context.get("view")
        limit = int(getattr(view, "json_max_bytes", 0) or max_bytes())
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise JsonLimitError(field="body", message=f"JSON 请求体超过上限 {limit} 字节",
                                 limit=f"API_JSON_MAX_BYTES={limit}")
        _, params = parse_header_parameters(media_type or "")
        if "charset" in params:
            # Django ignores a charset it does not know and decodes as UTF-8; a lying header is the
            # client's mistake, said so rather than guessed around.
            try:
                codecs.lookup(params["charset"])
            except LookupError:
                raise UnsupportedMediaType(media_type, detail=f"不支持的字符集 charset={params['charset']!r} "
                                                              f"(unsupported charset in Content-Type)") from None
        encoding = parser_context.get("encoding") or settings.DEFAULT_CHARSET
        try:
            text = raw.decode(encoding)
        except (LookupError, UnicodeError) as exc:
            raise ParseError(f"请求体不是有效的 {encoding} 文本 (body is not valid {encoding}: {exc.reason if hasattr(exc, 'reason') else exc})")
        if not text.strip():
            raise JsonLimitError(field="body", message="请求体为空，需要 JSON")
        parse_constant = _refuse_constant if self.strict else None
        depth_limit = max_depth()
        try:
            data = json.loads(text, parse_constant=parse_constant)
        except RecursionError:
            raise JsonLimitError(field="body", message=f"JSON 嵌套层数超过上限 {depth_limit}",
                                 limit=f"API_JSON_MAX_DEPTH={depth_limit}") from None
        except ValueError as exc:
            raise ParseError(f"JSON 解析错误 (JSON parse error): {exc}") from None
        check_value(data, depth_limit=depth_limit)
        return data
