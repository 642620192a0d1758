"""On-site alerts (contract §9): a sample, quick test or answer naming an unrectified unqualified
product (manufacturer + model, normalised) puts an alert on the dossier and a finding candidate."""
from __future__ import annotations

import uuid

import pytest

from server.accounts.models import Role
from server.dossiers.fold import FieldChange, fold_field_docs
from server.registry.matching import normalise, product_key
from server.registry.models import UnqualifiedProduct
from server.registry.services import unqualified_product_create
from tests import factories

pytestmark = pytest.mark.django_db


def listed(*, manufacturer="揭阳市某某电缆厂", model="BV 2.5mm²", rectified=False) -> UnqualifiedProduct:
    return unqualified_product_create(actor=factories.user(Role.ADMIN), product_category="wire-cable",
                                      product_name="聚氯乙烯绝缘电线", model=model, manufacturer=manufacturer,
                                      found_in="2019 省抽", rectified=rectified)


def fold(*docs):
    outcome = fold_field_docs(changes=[FieldChange(doc=d) for d in docs])
    assert not outcome.errors, outcome.errors
    return outcome


def sample_doc(inspection, *, manufacturer, model, rev="1-a"):
    return {"_id": "sample:JY-TEST-0001", "_rev": rev, "type": "sample", "inspection_id": str(inspection.pk),
            "author": "insp", "device_id": "t1", "label_code": "JY-TEST-0001",
            "product": {"name": "电线", "manufacturer": manufacturer, "model": model},
            "quantity": 2, "unit": "卷", "sealed_at": "2019-07-01T10:00:00+08:00"}


def dossier(api, inspection):
    response = api(factories.user(Role.ADMIN)).get(f"/api/v1/dossiers/{inspection.pk}/")
    assert response.status_code == 200
    return response.data


def test_normalisation_folds_width_case_and_spaces():
    assert normalise("  ＢＶ　２.５ｍｍ²  ") == "bv 2.5mm2"
    assert product_key(manufacturer="Ａｃｍｅ  Cable", model="bv2.5") == product_key(manufacturer="acme cable ", model="BV2.5")
    assert product_key(manufacturer="", model="BV") == ""


@pytest.mark.parametrize("manufacturer, model", [
    ("揭阳市某某电缆厂", "BV 2.5mm²"),
    ("  揭阳市某某电缆厂 ", "ｂｖ　２.５ＭＭ²"),  # full-width, case, spaces
    ("揭阳市某某电缆厂", "bv  2.5mm2"),
])
def test_a_sample_naming_a_listed_product_alerts(api, manufacturer, model):
    product = listed()
    inspection = factories.inspection()
    fold(sample_doc(inspection, manufacturer=manufacturer, model=model))
    body = dossier(api, inspection)
    assert [(a["kind"], a["unqualified_product"], a["doc_id"]) for a in body["alerts"]] == [
        ("unqualified-product", product.pk, "sample:JY-TEST-0001")]
    candidates = api(factories.user(Role.ADMIN)).get(f"/api/v1/dossiers/{inspection.pk}/finding-candidates/").data
    offered = [c for c in candidates if c["kind"] == "unqualified-product"]
    assert offered and offered[0]["source_doc_id"] == "sample:JY-TEST-0001" and offered[0]["item_code"] == "trade-2"


def test_a_different_model_or_a_rectified_product_never_alerts(api):
    listed(rectified=True)
    listed(model="BV 4mm²")
    inspection = factories.inspection()
    fold(sample_doc(inspection, manufacturer="揭阳市某某电缆厂", model="BV 2.5mm²"))
    assert dossier(api, inspection)["alerts"] == []


def test_rectifying_the_product_later_removes_the_alert_and_listing_later_adds_it(api):
    inspection = factories.inspection()
    fold(sample_doc(inspection, manufacturer="揭阳市某某电缆厂", model="BV 2.5mm²"))
    assert dossier(api, inspection)["alerts"] == []
    product = listed()
    assert len(dossier(api, inspection)["alerts"]) == 1
    product.rectified = True
    product.save()
    assert dossier(api, inspection)["alerts"] == []


def test_answers_and_quicktests_naming_a_product_alert_and_the_fold_stays_idempotent(api):
    product = listed(manufacturer="ACME Cable Co.", model="RVV 3x1.5")
    inspection = factories.inspection()
    answer = {"_id": f"answer:{inspection.pk}:trade-2", "_rev": "1-b", "type": "answer", "inspection_id": str(inspection.pk),
              "author": "insp", "device_id": "t1", "item_code": "trade-2", "value": False,
              "product": {"manufacturer": "ａｃｍｅ cable co.", "model": "rvv 3X1.5"},
              "answered_at": "2019-07-01T10:00:00+08:00"}
    qt_id = f"quicktest:{uuid.uuid4()}"
    quicktest = {"_id": qt_id, "_rev": "1-c", "type": "quicktest", "inspection_id": str(inspection.pk), "author": "insp",
                 "device_id": "t1", "item_code": "cr-1", "method": "conductor-resistance",
                 "inputs": {"material": "copper", "coated": False, "conductor_class": 1, "cross_section_mm2": 1.5,
                            "length_m": 100, "measured_ohm": 1.2, "temperature_c": 20,
                            "product": {"manufacturer": "ACME CABLE CO.", "model": "RVV 3x1.5"}},
                 "measured_at": "2019-07-01T10:30:00+08:00"}
    fold(answer, quicktest)
    fold(answer, quicktest)  # a replay changes nothing
    alerts = dossier(api, inspection)["alerts"]
    assert sorted(a["doc_id"] for a in alerts) == sorted([answer["_id"], qt_id])
    assert {a["unqualified_product"] for a in alerts} == {product.pk}
    # A newer revision that no longer names the product: the alert follows the current revision.
    fold({**answer, "_rev": "2-d", "product": {"manufacturer": "别的厂", "model": "RVV 3x1.5"}})
    assert [a["doc_id"] for a in dossier(api, inspection)["alerts"]] == [qt_id]
