"""On-site alerts (contract §9): a field doc of the inspection that names a manufacturer + model
equal, after normalisation (server.registry.matching), to an unqualified product not rectified.

Where a doc names a product:
- `sample`: its `product` {"manufacturer", "model"} (folded into Sample.product);
- `quicktest` and `answer`: a `product` {"manufacturer", "model"} object in the doc (or in a
  quicktest's `inputs`), or an answer `value` that is such an object; read from the folded
  revision the dossier currently shows.

Alerts are derived when the dossier is read, from what the fold stored, so they follow the list:
a product marked rectified stops alerting, and a product added to the list later alerts on
dossiers folded before. The fold itself is unchanged (and stays idempotent).
"""
from __future__ import annotations

import functools
from typing import Any

import checklists

from server.registry.matching import product_key
from server.registry.models import UnqualifiedProduct

from .models import Answer, FieldRevision, QuickTest, Sample

UNQUALIFIED_PROMPT_MARK = "不合格且未整改"


def _key_of(value: Any) -> str:
    if not isinstance(value, dict):
        return ""
    return product_key(manufacturer=value.get("manufacturer"), model=value.get("model"))


def mentions(*, inspection_id) -> list[tuple[str, str, str]]:
    """[(doc_id, match key, item_code)] for every current field doc of the inspection naming a product."""
    out: list[tuple[str, str, str]] = []
    for doc_id, product in Sample.objects.filter(inspection_id=inspection_id).values_list("doc_id", "product"):
        key = _key_of(product)
        if key:
            out.append((doc_id, key, ""))
    current: dict[str, tuple[str, str]] = {}
    for doc_id, rev, item_code, value in Answer.objects.filter(inspection_id=inspection_id).values_list(
            "doc_id", "rev", "item_code", "value"):
        current[doc_id] = (rev, item_code)
        key = _key_of(value)
        if key:
            out.append((doc_id, key, item_code))
    for doc_id, rev, item_code, inputs in QuickTest.objects.filter(inspection_id=inspection_id).values_list(
            "doc_id", "rev", "item_code", "inputs"):
        current[doc_id] = (rev, item_code)
        key = _key_of((inputs or {}).get("product") if isinstance(inputs, dict) else None)
        if key:
            out.append((doc_id, key, item_code))
    if current:
        named = FieldRevision.objects.filter(inspection_id=inspection_id, doc_type__in=["answer", "quicktest"],
                                             body__has_key="product").values_list("doc_id", "rev", "body")
        for doc_id, rev, body in named:
            if current.get(doc_id, ("",))[0] != rev:
                continue  # not the revision the dossier shows
            key = _key_of((body or {}).get("product"))
            if key:
                out.append((doc_id, key, current[doc_id][1]))
    return list(dict.fromkeys(out))


def alerts_for(*, inspection_id) -> list[dict[str, Any]]:
    found = mentions(inspection_id=inspection_id)
    if not found:
        return []
    products: dict[str, list[UnqualifiedProduct]] = {}
    for product in UnqualifiedProduct.objects.filter(match_key__in={k for _, k, _ in found}, rectified=False).order_by("pk"):
        products.setdefault(product.match_key, []).append(product)
    alerts = []
    for doc_id, key, item_code in found:
        for product in products.get(key, []):
            alerts.append({
                "kind": "unqualified-product", "unqualified_product": product.pk, "doc_id": doc_id,
                "item_code": item_code or None, "product_name": product.product_name, "model": product.model,
                "manufacturer": product.manufacturer, "found_in": product.found_in,
            })
    return alerts


@functools.lru_cache(maxsize=64)
def unqualified_item_code(checklist_id: str) -> str | None:
    """The checklist item that asks about unqualified, unrectified products (plan 三(三)2), if any."""
    doc = checklists.get(checklist_id) or {}
    for section in doc.get("sections", []):
        for item in section.get("items", []):
            if UNQUALIFIED_PROMPT_MARK in str(item.get("prompt", "")):
                return item["code"]
    return None


def finding_candidates(*, inspection) -> list[dict[str, Any]]:
    """Finding candidates for the alerts (source doc, item code, detail)."""
    out = []
    for alert in alerts_for(inspection_id=inspection.pk):
        item_code = alert["item_code"] or unqualified_item_code(inspection.checklist_id)
        if not item_code:
            continue
        out.append({
            "source_doc_id": alert["doc_id"], "item_code": item_code, "kind": "unqualified-product",
            "unqualified_product": alert["unqualified_product"],
            "detail": f"现场产品与不合格产品名单一致且未整改：{alert['manufacturer']} {alert['product_name']} {alert['model']}"
                      f"（{alert['found_in'] or '监督抽查'}）",
        })
    return out
