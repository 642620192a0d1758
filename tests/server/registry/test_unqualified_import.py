"""Unqualified-product list import (att. 4; contract §9)."""
from __future__ import annotations

import pytest

from server.accounts.models import Role
from server.registry.models import UnqualifiedProduct
from tests import factories
from tests.server.registry import sheets

pytestmark = pytest.mark.django_db

URL = "/api/v1/unqualified-products/import/"
EN = ["product_category", "product_name", "model", "brand", "manufacturer", "batch", "found_in", "rectified"]
ZH = ["产品类别", "产品名称", "型号规格", "商标", "生产企业", "生产批次", "抽查轮次", "已整改"]
ROW = ["电线电缆", "聚氯乙烯绝缘电缆", "BV 2.5", "某牌", "某电缆厂", "20190301", "2019 年第一轮省抽", "否"]


def post(client, data, name="list.csv", **extra):
    return client.post(URL, {"file": sheets.upload(data, name), **extra}, format="multipart")


def test_import_xlsx_with_chinese_headers_then_reimport_unchanged(api):
    admin = api(factories.user(Role.ADMIN))
    data = sheets.xlsx_bytes([ROW, ["砂轮", "树脂砂轮", "PF 400", "", "某磨具厂", "", "2018 国抽", "是"]], headers=ZH)
    first = post(admin, data, "att4.xlsx")
    assert first.status_code == 200, first.data
    assert first.data["created"] == 2
    wheel = UnqualifiedProduct.objects.get(product_category="grinding-wheel")
    assert wheel.rectified is True and wheel.match_key == "某磨具厂\x1fpf 400"
    again = post(admin, data, "att4.xlsx")
    assert (again.data["created"], again.data["updated"], again.data["unchanged"]) == (0, 0, 2)


def test_reimport_marks_rectified(api):
    admin = api(factories.user(Role.SUPERVISOR))
    post(admin, sheets.csv_bytes([ROW], headers=EN, bom=True))
    changed = post(admin, sheets.csv_bytes([ROW[:-1] + ["是"]], headers=EN))
    assert changed.data["updated"] == 1
    assert UnqualifiedProduct.objects.get().rectified is True


def test_bad_rows_store_nothing(api):
    admin = api(factories.user(Role.ADMIN))
    bad = ["玩具", "", "x", "", "", "", "", "也许"]
    response = post(admin, sheets.csv_bytes([ROW, bad], headers=ZH))
    assert response.status_code == 400
    assert {(e["row"], e["field"]) for e in response.data["errors"]} == {
        (3, "product_category"), (3, "product_name"), (3, "rectified")}
    assert not UnqualifiedProduct.objects.exists()


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.CERTIFIER, Role.ENTERPRISE])
def test_only_managers_import(api, role):
    assert post(api(factories.user(role)), sheets.csv_bytes([ROW], headers=ZH)).status_code == 403


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_template_imports_as_it_is(api, fmt):
    admin = api(factories.user(Role.ADMIN))
    template = admin.get(f"/api/v1/unqualified-products/import/template.{fmt}")
    assert template.status_code == 200
    response = post(admin, template.content, f"t.{fmt}")
    assert response.status_code == 200, response.data
    assert response.data["created"] == 1
