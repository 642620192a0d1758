"""Unqualified-product notices, letters, disposal reports and the operator's account (contract §9, §1)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from server.accounts.models import Role
from server.dossiers.fold import FieldChange, fold_field_docs
from server.registry.models import DisposalReport, NoticeRecipient, UnqualifiedNotice
from server.registry.services import unqualified_product_create
from tests import factories

pytestmark = pytest.mark.django_db

NOTICES = "/api/v1/unqualified-products/notices/"
DISPOSAL = "/api/v1/disposal-reports/"


def product(category="wire-cable", **kw):
    return unqualified_product_create(actor=factories.user(Role.ADMIN), product_category=category,
                                      product_name=kw.pop("product_name", "电线"), model=kw.pop("model", "BV 2.5"),
                                      manufacturer=kw.pop("manufacturer", "某电缆厂"), found_in="2019 省抽", **kw)


@pytest.fixture
def county():
    seller = factories.enterprise("445202", roles=["seller"], product_categories=["wire-cable"])
    user_ = factories.enterprise("445202", roles=["user"], product_categories=["wire-cable", "grinding-wheel"])
    producer = factories.enterprise("445202", roles=["producer"], product_categories=["wire-cable"])
    other_cat = factories.enterprise("445202", roles=["seller"], product_categories=["hazardous-chemical"])
    elsewhere = factories.enterprise("445203", roles=["seller"], product_categories=["wire-cable"])
    return {"seller": seller, "user": user_, "producer": producer, "other_cat": other_cat, "elsewhere": elsewhere}


def test_notice_goes_to_sellers_and_users_of_the_categories_with_the_list_as_sent(api, county):
    cable, wheel = product(), product("grinding-wheel", model="PF 400")
    product(rectified=True, model="BV 4")  # rectified products are not sent
    supervisor = api(factories.user(Role.SUPERVISOR, jurisdiction="445202"))
    response = supervisor.post(NOTICES, {"jurisdiction": "445202", "product_categories": ["wire-cable", "grinding-wheel"]},
                               format="json")
    assert response.status_code == 201, response.data
    assert sorted(response.data["recipients"]) == sorted([county["seller"].pk, county["user"].pk])
    copies = {r.enterprise_id: [p["id"] for p in r.products] for r in NoticeRecipient.objects.all()}
    assert copies == {county["seller"].pk: [cable.pk], county["user"].pk: [cable.pk, wheel.pk]}
    # A retry of the same sending is not a second notice.
    again = supervisor.post(NOTICES, {"jurisdiction": "445202", "product_categories": ["grinding-wheel", "wire-cable"]},
                            format="json")
    assert again.status_code == 200 and again.data["id"] == response.data["id"]
    assert UnqualifiedNotice.objects.count() == 1
    # The list changes later; the notice keeps what was sent, and sending again is a new notice.
    cable.product_name = "改名"
    cable.save()
    assert NoticeRecipient.objects.get(enterprise=county["seller"]).products[0]["product_name"] == "电线"
    assert supervisor.post(NOTICES, {"jurisdiction": "445202", "product_categories": ["wire-cable"]},
                           format="json").status_code == 201


def test_notice_roles_and_jurisdiction(api, county):
    body = {"jurisdiction": "445202", "product_categories": ["wire-cable"]}
    assert api(factories.user(Role.SUPERVISOR, jurisdiction="445203")).post(NOTICES, body, format="json").status_code == 400
    for role in (Role.INSPECTOR, Role.CERTIFIER, Role.ENTERPRISE, Role.ADMIN):
        assert api(factories.user(role)).post(NOTICES, body, format="json").status_code == 403
    for bad, field in (({"jurisdiction": "x"}, "jurisdiction"), ({"product_categories": ["toys"]}, "product_categories"),
                       ({"product_categories": "wire-cable"}, "product_categories")):
        response = api(factories.user(Role.SUPERVISOR, jurisdiction="445202")).post(NOTICES, {**body, **bad}, format="json")
        assert response.status_code == 400 and response.data["field"] == field
    assert not UnqualifiedNotice.objects.exists()


def test_enterprise_account_reads_only_its_own_copy_and_letter(api, county):
    product()
    sent = api(factories.user(Role.SUPERVISOR, jurisdiction="445202")).post(
        NOTICES, {"jurisdiction": "445202", "product_categories": ["wire-cable"]}, format="json").data
    mine = factories.user(Role.ENTERPRISE, enterprise=county["seller"])
    client = api(mine)
    listing = client.get(NOTICES).data
    assert [n["id"] for n in listing] == [sent["id"]]
    assert listing[0]["recipients"] == [county["seller"].pk]
    assert [c["enterprise"] for c in listing[0]["copies"]] == [county["seller"].pk]
    letter = client.get(f"{NOTICES}{sent['id']}/letter/{county['seller'].pk}.pdf")
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
    assert letter.content.startswith(b"%PDF") and b"FontFile2" in letter.content  # the CJK font is embedded
    assert client.get(f"{NOTICES}{sent['id']}/letter/{county['user'].pk}.pdf").status_code == 404
    outsider = api(factories.user(Role.ENTERPRISE, enterprise=county["elsewhere"]))
    assert outsider.get(NOTICES).data == []
    assert outsider.get(f"{NOTICES}{sent['id']}/").status_code == 404
    assert api(factories.user(Role.SUPERVISOR, jurisdiction="445203")).get(f"{NOTICES}{sent['id']}/").status_code == 404


def _disposal(ent, prod, **kw):
    return {"enterprise": ent.pk, "unqualified_product": prod.pk, "action": "stopped-sale", "quantity": 12,
            "stopped_sale_on": "2019-07-01", "reported_on": "2019-07-02", "harm_caused": False, **kw}


def test_disposal_report_before_any_inspection_is_eligible_and_a_retry_is_not_a_duplicate(api, county):
    prod = product()
    client = api(factories.user(Role.SUPERVISOR, jurisdiction="445202"))
    response = client.post(DISPOSAL, _disposal(county["seller"], prod), format="json")
    assert response.status_code == 201, response.data
    assert response.data["penalty_exemption"] == "eligible" and "三(三)2" in response.data["reason"]
    again = client.post(DISPOSAL, _disposal(county["seller"], prod), format="json")
    assert again.status_code == 200 and again.data["id"] == response.data["id"]
    assert DisposalReport.objects.count() == 1
    assert client.post(DISPOSAL, _disposal(county["seller"], prod, quantity=13), format="json").status_code == 409


def test_disposal_after_the_inspection_that_found_it_is_not_eligible(api, county):
    prod = product()
    inspection = factories.inspection(enterprise_obj=county["seller"], domain="distribution")  # scheduled 2019-07-01
    fold_field_docs(changes=[FieldChange(doc={
        "_id": "sample:JY-T-1", "_rev": "1-a", "type": "sample", "inspection_id": str(inspection.pk), "author": "i",
        "device_id": "d", "label_code": "JY-T-1", "product": {"manufacturer": "某电缆厂", "model": "bv 2.5"},
        "sealed_at": "2019-07-01T10:00:00+08:00"})])
    response = api(factories.user(Role.ADMIN)).post(
        DISPOSAL, _disposal(county["seller"], prod, stopped_sale_on="2019-07-03", reported_on="2019-07-03"), format="json")
    assert response.status_code == 201, response.data
    assert response.data["penalty_exemption"] == "not-eligible"
    assert response.data["found_on"] == "2019-07-01" and "2019-07-01" in response.data["reason"]


def test_harm_caused_is_never_eligible(api, county):
    response = api(factories.user(Role.ADMIN)).post(DISPOSAL, _disposal(county["seller"], product(), harm_caused=True),
                                                    format="json")
    assert response.data["penalty_exemption"] == "not-eligible" and "危害" in response.data["reason"]


def test_enterprise_account_reports_for_itself_today_only(api, county):
    prod = product()
    client = api(factories.user(Role.ENTERPRISE, enterprise=county["seller"]))
    today = timezone.localdate().isoformat()
    ok = client.post(DISPOSAL, _disposal(county["seller"], prod, reported_on=today, stopped_sale_on=today), format="json")
    assert ok.status_code == 201, ok.data
    backdated = client.post(DISPOSAL, _disposal(county["seller"], prod, action="returned"), format="json")
    assert backdated.status_code == 400 and backdated.data["field"] == "reported_on"
    other = client.post(DISPOSAL, _disposal(county["user"], prod, reported_on=today), format="json")
    assert other.status_code == 403
    api(factories.user(Role.ADMIN)).post(DISPOSAL, _disposal(county["user"], prod), format="json")
    assert [r["enterprise"] for r in client.get(DISPOSAL).data] == [county["seller"].pk]


@pytest.mark.parametrize("role, jurisdiction, expected", [
    (Role.SUPERVISOR, "445203", 403), (Role.INSPECTOR, "445202", 403), (Role.CERTIFIER, None, 403)])
def test_disposal_role_boundaries(api, county, role, jurisdiction, expected):
    user = factories.user(role, jurisdiction=jurisdiction) if jurisdiction else factories.user(role)
    assert api(user).post(DISPOSAL, _disposal(county["seller"], product()), format="json").status_code == expected
    assert not DisposalReport.objects.exists()


@pytest.mark.parametrize("patch, field", [
    ({"action": "burned"}, "action"), ({"quantity": -1}, "quantity"), ({"quantity": 10**20}, "quantity"),
    ({"quantity": "NaN"}, "quantity"), ({"unqualified_product": 99999}, "unqualified_product"),
    ({"enterprise": "x"}, "enterprise"), ({"harm_caused": "perhaps"}, "harm_caused"),
    ({"reported_on": (dt.date.today() + dt.timedelta(days=400)).isoformat()}, "reported_on"),
])
def test_disposal_malformed_input_is_400_naming_the_field(api, county, patch, field):
    response = api(factories.user(Role.ADMIN)).post(DISPOSAL, _disposal(county["seller"], product(), **patch), format="json")
    assert response.status_code == 400, response.data
    assert response.data["field"] == field


def test_operator_reads_only_its_rectification_orders_and_its_own_record(api, county):
    from server.reviews.models import Finding, RectificationOrder

    admin = factories.user(Role.ADMIN)
    mine = factories.inspection(enterprise_obj=county["seller"], domain="distribution")
    theirs = factories.inspection(enterprise_obj=county["user"], domain="use")
    for inspection in (mine, theirs):
        finding = Finding.objects.create(inspection=inspection, item_code="trade-2", severity="major",
                                         description="销售不合格产品", created_by=admin)
        order = RectificationOrder.objects.create(inspection=inspection, requirements="下架", deadline=dt.date(2019, 8, 1),
                                                  issued_by=admin)
        order.findings.add(finding)
    client = api(factories.user(Role.ENTERPRISE, enterprise=county["seller"]))
    orders = client.get("/api/v1/operator/rectification-orders/").data
    assert [o["inspection"] for o in orders] == [str(mine.pk)]
    assert orders[0]["findings"][0]["description"] == "销售不合格产品"
    assert [e["id"] for e in client.get("/api/v1/enterprises/").data] == [county["seller"].pk]
    assert client.get(f"/api/v1/enterprises/{county['user'].pk}/").status_code == 404
    assert api(factories.user(Role.SUPERVISOR)).get("/api/v1/operator/rectification-orders/").status_code == 403
