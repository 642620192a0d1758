"""Response helpers shared by the gateway views: CouchDB-shaped JSON errors, body reading with a
size limit, JSON parsing, CORS."""
from __future__ import annotations

import json
from typing import Any

import orjson

from django.conf import settings
from django.http import HttpResponse

JSON_TYPE = "application/json"


class GatewayError(Exception):
    """Answered as `{"error", "reason"}` with `status` (CouchDB's error shape)."""

    def __init__(self, status: int, error: str, reason: str, headers: dict[str, str] | None = None):
        super().__init__(f"{status} {error}: {reason}")
        self.status = status
        self.error = error
        self.reason = reason
        self.headers = headers or {}


def bad_request(reason: str) -> GatewayError:
    return GatewayError(400, "bad_request", reason)


def dumps(data: Any) -> bytes:
    try:
        return orjson.dumps(data)
    except (TypeError, orjson.JSONEncodeError):
        # e.g. an integer beyond 64 bits or a lone surrogate: the standard encoder takes both (ASCII
        # escapes keep any string encodable)
        return json.dumps(data, separators=(",", ":")).encode()


def json_response(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    body = dumps(data)
    response = HttpResponse(body, status=status, content_type=JSON_TYPE)
    response["Content-Length"] = str(len(body))
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def error_response(exc: GatewayError) -> HttpResponse:
    return json_response({"error": exc.error, "reason": exc.reason}, status=exc.status, headers=exc.headers)


def max_request_bytes() -> int:
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 256 * 1024 * 1024)


def read_body(request) -> bytes:
    """The request body, refusing (413) anything beyond DATA_UPLOAD_MAX_MEMORY_SIZE."""
    limit = max_request_bytes()
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise bad_request("Content-Length is not a number") from None
    if length > limit:
        raise GatewayError(413, "too_large", f"请求体 {length} 字节，超过上限 {limit} 字节 (request body too large)")
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = request.read(1024 * 1024)
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            raise GatewayError(413, "too_large", f"请求体超过上限 {limit} 字节 (request body too large)")
        chunks.append(chunk)
    return b"".join(chunks)


# Body and query parsing live in inputs.py (every check on client input in one place); these names
# stay for the modules that import them from here.

def parse_json(raw: bytes, *, what: str = "request body") -> Any:
    from .inputs import parse_json as parse

    return parse(raw, what=what)


def optional_object_body(request) -> dict:
    """A POST's JSON object body, where an empty body means {} (_changes, _all_docs)."""
    from .inputs import json_object

    return json_object(request, optional=True)


def json_object_body(request) -> dict:
    from .inputs import json_object

    return json_object(request)


def query_bool(request, name: str, default: bool = False) -> bool:
    from .inputs import query_bool as parse

    return parse(request, name, default)


def query_int(request, name: str, default: int | None = None, *, minimum: int = 0) -> int | None:
    from .inputs import query_int as parse

    return parse(request, name, default, minimum=minimum)


CORS_ALLOW_HEADERS = "Accept, Authorization, Content-Type, Origin, Referer, X-Requested-With, If-Match"
CORS_ALLOW_METHODS = "GET, HEAD, POST, PUT, DELETE, OPTIONS"
CORS_EXPOSE_HEADERS = "Cache-Control, Content-Type, ETag, Server, Transfer-Encoding, Retry-After"


def cors_origin(request) -> str | None:
    origin = request.META.get("HTTP_ORIGIN")
    if origin and origin in settings.SYNC_CORS_ORIGINS:
        return origin
    return None


def add_cors(request, response) -> None:
    origin = cors_origin(request)
    if origin is None:
        return
    response["Access-Control-Allow-Origin"] = origin
    response["Access-Control-Allow-Credentials"] = "true"
    response["Access-Control-Expose-Headers"] = CORS_EXPOSE_HEADERS
    response["Vary"] = "Origin"


def preflight(request) -> HttpResponse:
    response = HttpResponse(status=204)
    response["Content-Length"] = "0"
    if cors_origin(request) is not None:
        add_cors(request, response)
        response["Access-Control-Allow-Methods"] = CORS_ALLOW_METHODS
        response["Access-Control-Allow-Headers"] = request.META.get(
            "HTTP_ACCESS_CONTROL_REQUEST_HEADERS", CORS_ALLOW_HEADERS
        )
        response["Access-Control-Max-Age"] = "600"
    return response
