"""Deeply nested or non-object JSON bodies on the issue-10 endpoints: 400, never 500."""
import pytest

from server.accounts.models import Role
from tests import factories

pytestmark = pytest.mark.django_db

URLS = ["/api/v1/self-inspections/", "/api/v1/disposal-reports/", "/api/v1/unqualified-products/notices/"]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("raw", [
    "[" * 100_000 + "]" * 100_000,
    '{"enterprise": 1, "items": ' + "[" * 5000 + "]" * 5000 + "}",
    "[1, 2]", '"text"', "{", '{"enterprise": 1e999}',
])
def test_malformed_bodies_are_400(api, url, raw):
    response = api(factories.user(Role.SUPERVISOR)).post(url, raw, content_type="application/json")
    assert response.status_code == 400, response.content[:200]
    assert response.json()["detail"]
