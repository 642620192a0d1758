"""The authorisation matrix, generated from the URLconf (issue 14): every URL pattern × every method
its view answers × every role × own/sibling/other objects, each answer checked against the one
table in table.py. A pattern without a row fails the test naming it."""
from __future__ import annotations

import json
import os
import time
from typing import Any

import pytest
from django.contrib.admin.sites import site as admin_site
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import Token

from . import world as world_module
from .table import BODY, GATEWAY_ROWS, MATRIX, PARAMS, PASS, QUERY, REFERENCES, REFUSED

pytestmark = pytest.mark.django_db

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def url_patterns():
    """(name, route, callback) of every URL pattern; the Django admin collapsed into one 'admin:*'."""
    out = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if getattr(pattern, "app_name", None) == "admin" or pattern.urlconf_name is admin_site.urls[0]:
                    out.append(("admin:*", prefix + str(pattern.pattern), None))
                    continue
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                out.append((pattern.name, prefix + str(pattern.pattern), pattern.callback))

    walk(get_resolver().url_patterns)
    return out


def view_methods(callback) -> set[str] | None:
    """Methods a class-based view answers; None for a function view (the table says)."""
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view is None:
        return None
    allowed = {m.upper() for m in getattr(view, "http_method_names", [])}
    return {m for m in METHODS if m in allowed and hasattr(view, m.lower())}


def test_every_url_pattern_and_method_is_in_the_table():
    _check_table(MATRIX)


def test_a_url_missing_from_the_table_is_named():
    table = dict(MATRIX)
    del table[("dossier-review", "POST")]
    with pytest.raises(AssertionError) as caught:
        _check_table(table)
    assert "dossier-review POST (api/v1/dossiers/<uuid:pk>/review/)" in str(caught.value)


def _check_table(matrix):
    missing, unnamed = [], []
    rows_by_name: dict[str, set[str]] = {}
    for name, method in matrix:
        rows_by_name.setdefault(name, set()).add(method)
    names = set()
    for name, route, callback in url_patterns():
        if name is None:
            unnamed.append(route)
            continue
        names.add(name)
        methods = view_methods(callback) if callback is not None else {"GET"}
        if methods is None:  # a function view: at least one row
            if name not in rows_by_name:
                missing.append(f"{name} ({route}): any method")
            continue
        for method in sorted(methods - rows_by_name.get(name, set())):
            missing.append(f"{name} {method} ({route})")
    assert not unnamed, f"URL patterns without a name (the matrix keys rows by name): {unnamed}"
    assert not missing, ("URL patterns missing from the authorisation matrix (tests/server/authz/table.py), add a "
                         "row for each:\n  " + "\n  ".join(missing))
    stale = sorted(f"{n} {m}" for n, m in matrix if n not in names)
    assert not stale, f"rows for URL names that no longer exist: {stale}"
    needs_params = sorted({name for name, route, _ in url_patterns() if name and "<" in route and name not in PARAMS})
    assert not needs_params, f"URL names with path parameters but no PARAMS entry in table.py: {needs_params}"


_CLIENTS: dict = {}


def _client(world, role: str, path: str) -> Client:
    """One client per (world, role, token or session), reused across probes."""
    kind = "token" if path.startswith("/api/") or path.startswith("/sync/") else "session"
    key = (id(world), role, kind)
    if key in _CLIENTS and "logout" not in path:
        return _CLIENTS[key]
    client = Client()
    if role != "anonymous":
        user = world.users[role]
        if kind == "token":
            token, _ = Token.objects.get_or_create(user=user)
            client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
        else:
            client.force_login(user)
    if "logout" not in path:
        _CLIENTS[key] = client
    return client


def _verdict(response, name: str = "") -> str:
    status = response.status_code
    if status in (401, 403, 404):
        return REFUSED
    if status in (301, 302) and "login" in response.get("Location", "") and "next=" in response.get("Location", ""):
        return REFUSED
    if status == 400 and name in REFERENCES and response.get("Content-Type", "").startswith("application/json"):
        if response.json().get("field") == REFERENCES[name]:
            return REFUSED
    if status == 503 and name == "healthz":  # no sync store in this run; the caller was let in
        return PASS
    if status >= 500:
        return f"server error {status}"
    return PASS


def _expected(cells: dict[str, Any], role: str, scope: str) -> str:
    cell = cells[role]
    return cell[scope] if isinstance(cell, dict) else cell


def _probe(world, role: str, scope: str, name: str, method: str, route_path: str) -> tuple[str, int]:
    client = _client(world, role, route_path)
    query = QUERY.get(name)
    path = route_path + (f"?{query(world, scope)}" if query else "")
    if method == "GET":
        response = client.get(path)
    else:
        body_of = BODY.get((name, method))
        body = body_of(world, scope) if body_of else {}
        if route_path.startswith("/ui/") or route_path.startswith("/admin/") or name.startswith("web-"):
            response = client.generic(method, path, "", content_type="application/x-www-form-urlencoded")
        else:
            response = client.generic(method, path, json.dumps(body), content_type="application/json")
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    return _verdict(response, name), response.status_code


def _scopes(name: str, role: str) -> tuple[str, ...]:
    has_scope = name in PARAMS or name in QUERY or any(n == name for n, _ in BODY)
    if not has_scope:
        return ("own",)
    return ("own", "sibling", "other") if role == "enterprise" else ("own", "other")


def test_every_cell_answers_as_the_table_says(media_dirs):
    _CLIENTS.clear()
    world = world_module.build()
    wrong = []
    probes = 0
    timing: dict = {}
    for (name, method), cells in sorted(MATRIX.items()):
        for role in world_module.ROLES:
            for scope in _scopes(name, role):
                if name == "admin:*":
                    path = "/admin/"
                else:
                    kwargs = PARAMS[name](world, scope) if name in PARAMS else {}
                    path = reverse(name, kwargs=kwargs)
                started = time.perf_counter()
                got, status = _probe(world, role, scope, name, method, path)
                timing[(name, method)] = timing.get((name, method), 0) + time.perf_counter() - started
                probes += 1
                want = _expected(cells, role, scope)
                if got != want:
                    wrong.append(f"{method} {path} [{name}] as {role} ({scope}): expected {want}, got {got} ({status})")
    if os.environ.get("MATRIX_TIMING"):
        for key, seconds in sorted(timing.items(), key=lambda kv: -kv[1])[:15]:
            print(f"{seconds:7.2f} s  {key}")
    assert not wrong, f"{len(wrong)} of {probes} cells differ from the matrix:\n  " + "\n  ".join(wrong)


def test_sync_gateway_entry_points(sync_store, media_dirs):
    _CLIENTS.clear()
    world = world_module.build()
    wrong = []
    for (key, method), cells in sorted(GATEWAY_ROWS.items()):
        path = "/sync/field/" + key.split(":", 1)[1]
        for role in world_module.ROLES:
            client = _client(world, role, path)
            body = {"docs": []} if key.endswith("_bulk_docs") else {}
            response = (client.get(path) if method == "GET"
                        else client.generic(method, path, json.dumps(body), content_type="application/json"))
            got, want = _verdict(response), _expected(cells, role, "own")
            if got != want:
                wrong.append(f"{method} {path} as {role}: expected {want}, got {got} ({response.status_code})")
    assert not wrong, "\n  ".join(wrong)
