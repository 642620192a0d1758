"""The unqualified-product list import (plan 三(三)2, att. 4; contract §9). A product is the same
product when category, manufacturer, model, batch and sampling round are equal after
normalisation (matching.normalise); re-importing it updates name, brand and `rectified`."""
from __future__ import annotations

from typing import Any

from server.accounts.models import User

from ..matching import normalise, product_key
from ..models import UnqualifiedProduct
from .register import _category
from .runner import ChunkResult, RowError
from .spec import Column, RowSpec, boolean, text

SPEC = RowSpec([
    Column("product_category", ("product_category", "产品类别"), _category, required=True),
    Column("product_name", ("product_name", "产品名称"), text(max_length=200), required=True),
    Column("model", ("model", "型号规格", "规格型号"), text(max_length=200), header_required=False),
    Column("brand", ("brand", "商标", "品牌"), text(max_length=100), header_required=False),
    Column("manufacturer", ("manufacturer", "生产企业", "标称生产企业"), text(max_length=200), header_required=False),
    Column("batch", ("batch", "生产批次", "生产日期/批号"), text(max_length=100), header_required=False),
    Column("found_in", ("found_in", "抽查轮次", "抽查任务"), text(max_length=200), header_required=False),
    Column("rectified", ("rectified", "已整改", "是否整改"), boolean, header_required=False),
])

TEMPLATE_COLUMNS = ["product_category", "product_name", "model", "brand", "manufacturer", "batch", "found_in", "rectified"]
EXAMPLE = {"product_category": "电线电缆", "product_name": "聚氯乙烯绝缘电缆电线", "model": "BV 2.5mm²", "brand": "示例牌",
           "manufacturer": "示例电线电缆有限公司", "batch": "2018-06", "found_in": "2018年广东省电线电缆产品质量监督抽查",
           "rectified": "否"}


def natural_key(v: dict[str, Any]) -> tuple:
    return (v["product_category"], normalise(v.get("manufacturer")), normalise(v.get("model")),
            normalise(v.get("batch")), normalise(v.get("found_in")))


class UnqualifiedImporter:
    spec = SPEC

    def __init__(self, *, actor: User):
        self.actor = actor
        self.existing: dict[tuple, UnqualifiedProduct] = {}
        for product in UnqualifiedProduct.objects.all().order_by("id"):
            self.existing.setdefault(natural_key(product.__dict__), product)
        self.first_row: dict[tuple, tuple[int, tuple]] = {}

    def apply(self, rows: list[tuple[int, dict[str, Any]]]) -> ChunkResult:
        out = ChunkResult()
        for number, v in rows:
            key = natural_key(v)
            fingerprint = (v["product_name"], v.get("brand") or "", bool(v.get("rectified")))
            seen = self.first_row.get(key)
            if seen is not None and seen[1] != fingerprint:
                out.errors.append(RowError(number, "product_name", f"与第 {seen[0]} 行是同一产品（类别、生产企业、型号、批次、抽查轮次相同），内容不一致"))
                continue
            self.first_row.setdefault(key, (number, fingerprint))
            product = self.existing.get(key)
            if product is None:
                product = UnqualifiedProduct(
                    product_category=v["product_category"], product_name=v["product_name"], model=v.get("model") or "",
                    brand=v.get("brand") or "", manufacturer=v.get("manufacturer") or "", batch=v.get("batch") or "",
                    found_in=v.get("found_in") or "", rectified=bool(v.get("rectified")),
                    match_key=product_key(manufacturer=v.get("manufacturer"), model=v.get("model")),
                )
                product.save()
                self.existing[key] = product
                out.created += 1
                continue
            changes = {"product_name": v["product_name"], "brand": v.get("brand") or "", "rectified": bool(v.get("rectified"))}
            if all(getattr(product, k) == value for k, value in changes.items()):
                out.unchanged += 1
                continue
            for k, value in changes.items():
                setattr(product, k, value)
            product.save()
            out.updated += 1
        return out
