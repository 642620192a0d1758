"""Calls from the gateway to the sync store: pooled session (sync.store), a timeout on every call,
and store failures turned into 503 answers with Retry-After."""
from __future__ import annotations

import logging
from typing import Any, Iterator

import requests
from django.conf import settings
from django.http import StreamingHttpResponse

from sync import store

from .http import GatewayError

log = logging.getLogger(__name__)

RETRY_AFTER_S = "5"
PASS_HEADERS = ("Content-Type", "ETag", "Cache-Control", "Content-Encoding")


class StoreDown(GatewayError, store.StoreUnavailable):
    """The store did not answer: a 503 for clients, a StoreUnavailable for everyone else."""


def unavailable(reason: str) -> GatewayError:
    return StoreDown(503, "service_unavailable", f"同步存储不可用，请稍后重试 ({reason})", {"Retry-After": RETRY_AFTER_S})


def call(
    method: str,
    *parts: str,
    params: Any = None,
    data: bytes | None = None,
    json_body: Any = None,
    headers: dict[str, str] | None = None,
    stream: bool = False,
    timeout: float | None = None,
    pass_5xx: bool = False,
) -> requests.Response:
    """One request to the field database (or a path below it). 5xx and connection failures → 503
    (`pass_5xx`: a 5xx answer is returned to the caller, which tells a doc's fault from the store's)."""
    url = store.db_url(*parts)
    send_headers = {"Accept": "application/json"}
    if data is not None or json_body is not None:
        send_headers["Content-Type"] = "application/json"
    send_headers.update(headers or {})
    try:
        response = store.session().request(
            method, url, params=params, data=data, json=json_body, headers=send_headers,
            timeout=timeout or settings.COUCHDB_TIMEOUT_S, stream=stream,
        )
    except requests.RequestException as exc:
        log.warning("sync store %s %s failed: %s", method, parts[:1], exc.__class__.__name__)
        raise unavailable(exc.__class__.__name__) from exc
    if response.status_code >= 500 and not pass_5xx:
        body = response.text[:200] if not stream else ""
        response.close()
        log.warning("sync store %s %s answered %s %s", method, parts[:1], response.status_code, body)
        raise unavailable(f"HTTP {response.status_code}")
    return response


def _iterate(response: requests.Response, chunk_size: int = 256 * 1024) -> Iterator[bytes]:
    try:
        yield from response.raw.stream(chunk_size, decode_content=True)
    except Exception as exc:  # noqa: BLE001 - a broken upstream mid-body ends the response
        log.warning("sync store stream broken: %s", exc.__class__.__name__)
    finally:
        response.close()


def stream_through(response: requests.Response) -> StreamingHttpResponse:
    """Relay a store response (status, type, body) without reading it into memory."""
    out = StreamingHttpResponse(_iterate(response), status=response.status_code)
    for header in PASS_HEADERS:
        if header == "Content-Encoding":
            continue  # decoded above
        if header in response.headers:
            out[header] = response.headers[header]
    return out


def json_of(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise unavailable("invalid JSON from store") from exc
