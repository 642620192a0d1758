"""Unqualified products (不合格产品): reference data published to tablets (contract §5)."""
from __future__ import annotations

import pytest

from server.accounts.models import Role
from server.registry.models import UnqualifiedProduct
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/unqualified-products/"
PRODUCT = {"product_category": "wire-cable", "product_name": "聚氯乙烯绝缘电缆", "model": "BV 2.5",
           "brand": "某牌", "manufacturer": "某电缆厂", "batch": "20190301", "found_in": "2019 年第一轮省抽"}


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR])
def test_managers_register_and_everyone_lists(api, role):
    creator = factories.user(role)
    response = api(creator).post(URL, PRODUCT, format="json")
    assert response.status_code == 201, response.data
    assert response.data["rectified"] is False and response.data["product_name"] == PRODUCT["product_name"]
    listing = api(factories.user(Role.INSPECTOR)).get(URL)
    assert [p["id"] for p in listing.data] == [response.data["id"]]
    assert api(factories.user(Role.INSPECTOR)).get(URL + "?product_category=grinding-wheel").data == []


def test_inspectors_may_not_register(api):
    response = api(factories.user(Role.INSPECTOR)).post(URL, PRODUCT, format="json")
    assert response.status_code == 403
    assert not UnqualifiedProduct.objects.exists()


@pytest.mark.parametrize("field, value", [("product_category", "toys"), ("product_name", "   ")])
def test_bad_fields_are_400_naming_the_field(api, field, value):
    response = api(factories.user(Role.ADMIN)).post(URL, dict(PRODUCT, **{field: value}), format="json")
    assert response.status_code == 400
    assert response.data["field"] == field


def test_anonymous_is_refused(api):
    assert api().get(URL).status_code in (401, 403)
