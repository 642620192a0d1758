"""NUL characters in the path or the query string are a 400 naming the parameter, never a 500 (on
PostgreSQL a NUL in a query parameter used to reach a query and raise DataError)."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from server.accounts.models import Role
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path, params, field", [
    ("/api/v1/dossiers/", {"status": "a\x00b"}, "status"),
    ("/api/v1/enterprises/", {"jurisdiction": "\x00"}, "jurisdiction"),
    ("/api/v1/dossiers/export.csv", {"product_category": "x\x00"}, "product_category"),
    ("/sync/field/_changes", {"since": "\x00"}, "since"),
])
def test_nul_in_a_query_parameter_is_a_400_naming_it(path, params, field):
    client = APIClient()
    client.force_authenticate(factories.user(Role.ADMIN))
    response = client.get(path, params)
    assert response.status_code == 400
    body = response.json()
    assert field in (body.get("field") or body.get("reason"))


def test_nul_in_the_path_is_a_400():
    client = APIClient()
    client.force_authenticate(factories.user(Role.ADMIN))
    assert client.get("/api/v1/samples/a%00b/").status_code == 400


def test_a_value_the_database_cannot_hold_is_a_400_not_a_500():
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "a\x00b", "password": "x"}, format="json")
    assert response.status_code in (400, 401)
