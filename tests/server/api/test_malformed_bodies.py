"""A hand-made corpus of malformed bodies (deep JSON, lone surrogates, wrong types, huge numbers,
wrong content types) sent to every POST/PUT/PATCH endpoint found in the URLconf (issue 14): never
a 5xx; on JSON endpoints the limits and bad text are 400s naming the limit or the field, a foreign
Content-Type a 415. New endpoints are found by walking the URLconf; their path parameters come
from the authorisation matrix's PARAMS (tests/server/authz/table.py)."""
from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests.server.authz import world as authz_world
from tests.server.authz.table import MATRIX, PARAMS, PASS
from tests.server.authz.test_matrix import url_patterns, view_methods

pytestmark = pytest.mark.django_db

KEYS = ["inspection", "decision", "comment", "doc_id", "rev", "value", "jurisdiction", "count", "title", "state",
        "note", "result", "finding", "findings", "requirements", "deadline", "description", "severity", "item_code",
        "method", "inputs", "username", "password", "role", "name", "credit_code", "enterprise", "certificate",
        "category", "date", "reason", "status", "inspectors", "scheduled_for", "product_category", "domain"]
JSON = "application/json"


def _all_keys(value) -> bytes:
    return json.dumps({key: value for key in KEYS}).encode()


# (label, raw body, content type, expectation): "400-limit" = 400 naming a limit; "400-field" =
# 400 naming one of KEYS (or a key); "415"; "4xx"; "<500" (whatever the view makes of it, not 5xx).
CORPUS = [
    ("deep array", b"[" * 5000 + b"]" * 5000, JSON, "400-limit"),
    ("deep object", b'{"a":' * 3000 + b"1" + b"}" * 3000, JSON, "400-limit"),
    ("lone surrogate in every field", _all_keys("\ud800"), JSON, "400-field"),
    ("lone surrogate as a key", b'{"\\udc00": 1}', JSON, "400-field"),
    ("low surrogate in a list", json.dumps({"findings": [1, "\udfff"]}).encode(), JSON, "400-field"),
    ("number beyond double range", b'{"count": 1e400, "findings": [1e999]}', JSON, "400-field"),
    ("5000-digit integer", b'{"count": ' + b"9" * 5000 + b"}", JSON, "4xx"),
    ("huge integers everywhere", _all_keys(2**200), JSON, "<500"),
    ("floats everywhere", _all_keys(-1.7976931348623157e308), JSON, "<500"),
    ("objects everywhere", _all_keys({"a": {"b": [1]}}), JSON, "<500"),
    ("lists everywhere", _all_keys([[], {}, None]), JSON, "<500"),
    ("nulls everywhere", _all_keys(None), JSON, "<500"),
    ("long strings everywhere", _all_keys("长" * 20000), JSON, "<500"),
    ("NUL in strings", _all_keys("a\x00b"), JSON, "<500"),
    ("impossible dates", _all_keys("2019-02-30"), JSON, "<500"),
    ("body a list", b"[1, 2, 3]", JSON, "<500"),
    ("body a string", b'"x"', JSON, "<500"),
    ("body a number", b"12", JSON, "<500"),
    ("body null", b"null", JSON, "<500"),
    ("NaN literal", b'{"count": NaN}', JSON, "4xx"),
    ("truncated JSON", b'{"count": ', JSON, "4xx"),
    ("invalid UTF-8", b'{"comment": "\xff\xfe\xfa"}', JSON, "4xx"),
    ("unknown charset", b'{"comment": "x"}', "application/json; charset=x-no-such", "415"),
    ("text/plain", b'{"comment": "x"}', "text/plain", "415"),
    ("application/xml", b"<a/>", "application/xml", "415"),
    ("multipart without boundary", b"--x\r\n", "multipart/form-data", "<500"),
    ("multipart garbage", b"garbage", "multipart/form-data; boundary=zzz", "<500"),
    ("form garbage", b"%%%&&&=\xff", "application/x-www-form-urlencoded", "<500"),
]


def _write_endpoints():
    """(name, method, route) of every POST/PUT/PATCH the URLconf answers (function views: per the table)."""
    out = []
    for name, route, callback in url_patterns():
        if name is None or name == "admin:*" or callback is None:
            continue
        methods = view_methods(callback)
        if methods is None:
            methods = {m for n, m in MATRIX if n == name}
        for method in sorted(methods & {"POST", "PUT", "PATCH"}):
            out.append((name, method, route))
    return out


def _json_endpoint(callback) -> bool:
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view is None or not hasattr(view, "parser_classes"):
        return False
    return any(getattr(p, "media_type", "") == JSON for p in view().get_parsers()) if hasattr(view, "get_parsers") else False


def _caller(world, name: str, method: str):
    """A role the matrix lets through for the `own` objects, so the body is what is judged."""
    cells = MATRIX[(name, method)]
    for role in ("admin", "supervisor", "inspector", "certifier", "enterprise"):
        cell = cells[role]
        if (cell if isinstance(cell, str) else cell["own"]) == PASS:
            return world.users[role]
    return None


def test_every_write_endpoint_survives_the_corpus(media_dirs):
    world = authz_world.build()
    callbacks = {name: callback for name, _, callback in url_patterns() if name}
    endpoints = _write_endpoints()
    assert len(endpoints) >= 25, endpoints
    failures, sent = [], 0
    for name, method, _route in endpoints:
        user = _caller(world, name, method)
        client = Client()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
            client.force_login(user)
        path = reverse(name, kwargs=PARAMS[name](world, "own") if name in PARAMS else {})
        json_view = _json_endpoint(callbacks[name]) and user is not None
        # Pages (/ui/) read forms: the content-type and garbage entries are the ones that concern them.
        corpus = CORPUS if not name.startswith("web-") else [c for c in CORPUS if c[2] != JSON]
        for label, raw, content_type, expect in corpus:
            response = client.generic(method, path, raw, content_type=content_type)
            sent += 1
            status = response.status_code
            content = (b"".join(response.streaming_content) if response.streaming  # the draw pages stream progress
                       else response.content)
            where = f"{method} {path} [{name}] {label}: {status} {content[:160]!r}"
            if status >= 500:
                failures.append(where)
                continue
            if not json_view:
                continue
            body = response.json() if response.get("Content-Type", "").startswith(JSON) else {}
            if expect == "400-limit" and not (status == 400 and "API_JSON_MAX_DEPTH" in body.get("limit", "")):
                failures.append(where)
            elif expect == "400-field" and not (status == 400 and body.get("field")):
                failures.append(where)
            elif expect == "415" and status != 415:
                failures.append(where)
            elif expect == "4xx" and not 400 <= status < 500:
                failures.append(where)
    print(f"malformed-body corpus: {sent} requests over {len(endpoints)} write endpoints")
    assert not failures, f"{len(failures)} of {sent}:\n  " + "\n  ".join(failures)
