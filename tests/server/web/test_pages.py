import re

import pytest
from django.test import Client

from server.accounts.models import Role
from server.dossiers.models import Dossier
from server.reviews.models import ConflictResolution, Finding, Review
from tests import factories
from tests.server.reviews import dossier_rows as rows

pytestmark = pytest.mark.django_db


def signed_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


@pytest.fixture
def supervisor():
    return factories.user(Role.SUPERVISOR, jurisdiction="445200", full_name="李监管")


def test_anonymous_is_sent_to_login_and_can_sign_in(supervisor):
    client = Client()
    response = client.get("/ui/")
    assert response.status_code == 302 and response["Location"].startswith("/ui/login/")
    page = client.get("/ui/login/")
    assert page.status_code == 200 and "登录" in page.content.decode()
    bad = client.post("/ui/login/", {"username": supervisor.username, "password": "wrong"})
    assert "用户名或密码错误" in bad.content.decode()
    good = client.post("/ui/login/", {"username": supervisor.username, "password": factories.PASSWORD})
    assert good.status_code == 302 and good["Location"] == "/ui/"
    assert client.get("/ui/").status_code == 200


def test_inspectors_and_certifiers_are_refused():
    for role in (Role.INSPECTOR, Role.CERTIFIER):
        response = signed_in(factories.user(role)).get("/ui/")
        assert response.status_code == 403 and "无权访问" in response.content.decode()


def test_list_filters(supervisor):
    a = rows.submitted(factories.inspection(enterprise_obj=factories.enterprise(name="甲电缆厂")))
    rows.quicktest(a, verdict="fail")
    b = factories.inspection(enterprise_obj=factories.enterprise(jurisdiction="445281", name="乙砂轮厂"),
                             category="grinding-wheel")
    outside = factories.user(Role.SUPERVISOR, jurisdiction="445224")
    client = signed_in(supervisor)

    def ids(query=""):
        html = client.get(f"/ui/{query}").content.decode()
        return set(re.findall(r'data-id="([0-9a-f-]{36})"', html))

    assert ids() == {str(a.pk), str(b.pk)}
    assert ids("?status=submitted") == {str(a.pk)}
    assert ids("?jurisdiction=445281") == {str(b.pk)}
    assert ids("?product_category=grinding-wheel") == {str(b.pk)}
    assert ids("?verdict=fail") == {str(a.pk)}
    assert ids("?verdict=pass") == {str(b.pk)}
    bad = client.get("/ui/?status=nonsense")
    assert bad.status_code == 200 and "class=\"error\"" in bad.content.decode()
    assert "/api/v1/dossiers/export.csv?status=submitted" in client.get("/ui/?status=submitted").content.decode()
    other = signed_in(outside).get("/ui/").content.decode()
    assert "甲电缆厂" not in other and "乙砂轮厂" not in other


def test_detail_shows_the_dossier(supervisor):
    inspection = rows.full(factories.inspection(enterprise_obj=factories.enterprise(name="丙电线厂")))
    rows.conflict(inspection, "mark-2")
    html = signed_in(supervisor).get(f"/ui/dossiers/{inspection.pk}/").content.decode()
    for text in ("丙电线厂", "产品或包装上标注厂名、厂址", "不符合", "包装上无厂址", "不合格", "合格",
                 "聚氯乙烯绝缘电线", "JY-445202-000123-1", "导体直流电阻", "冲突", "登记为问题",
                 f"/api/v1/dossiers/{inspection.pk}/export.pdf"):
        assert text in html, text
    assert html.count('class="photo"') == 2 and html.count("/thumbnail/") == 2
    assert 'class="verdict fail"' in html and 'class="verdict pass"' in html
    assert 'value="approve"' not in html  # open conflict: no approve button
    assert signed_in(factories.user(Role.SUPERVISOR, jurisdiction="445224")).get(
        f"/ui/dossiers/{inspection.pk}/").status_code == 404


def test_review_forms_need_csrf(supervisor):
    inspection = rows.submitted(factories.inspection())
    client = signed_in(supervisor, enforce_csrf_checks=True)
    response = client.post(f"/ui/dossiers/{inspection.pk}/review/", {"decision": "approve"})
    assert response.status_code == 403
    assert Dossier.objects.get(pk=inspection.pk).status == "submitted"


def test_review_through_the_forms(supervisor):
    inspection = rows.submitted(factories.inspection())
    answer = rows.answer(inspection, "mark-1", False)
    conflict = rows.conflict(inspection, "mark-2")
    client = signed_in(supervisor)
    url = f"/ui/dossiers/{inspection.pk}"
    # approving with an open conflict is refused with a message
    page = client.post(f"{url}/review/", {"decision": "approve"}, follow=True).content.decode()
    assert "审核未完成" in page and Dossier.objects.get(pk=inspection.pk).status == "submitted"
    # resolve the conflict by entering a value
    client.post(f"{url}/conflicts/resolve/", {"doc_id": conflict.doc_id, "choice": "value", "value": "false",
                                              "comment": "现场复核"})
    resolution = ConflictResolution.objects.get()
    assert (resolution.mode, resolution.value, resolution.comment) == ("value", False, "现场复核")
    # record a finding from the non-conforming answer
    client.post(f"{url}/findings/", {"source_doc_id": answer.doc_id, "item_code": "mark-1", "severity": "major",
                                     "description": "无厂址"})
    assert Finding.objects.get().source_doc_id == answer.doc_id
    # returning without a comment fails; approving now works
    page = client.post(f"{url}/review/", {"decision": "return", "comment": ""}, follow=True).content.decode()
    assert "comment" in page and not Review.objects.exists()
    page = client.post(f"{url}/review/", {"decision": "approve", "comment": "同意"}, follow=True).content.decode()
    assert "已通过该档案" in page and Dossier.objects.get(pk=inspection.pk).status == "approved"
    assert "操作记录" in page and "现场复核" in page


def test_statistics_counts(supervisor):
    rows.submitted(factories.inspection())
    rows.submitted(factories.inspection(category="grinding-wheel"))
    factories.inspection(enterprise_obj=factories.enterprise(jurisdiction="445281"))
    html = signed_in(supervisor).get("/ui/statistics/").content.decode()
    assert "<svg" in html
    assert re.search(r'data-label="已提交" data-count="2"', html)
    assert re.search(r'data-label="已分派" data-count="1"', html)
    assert re.search(r'data-label="砂轮" data-count="1"', html)
    assert re.search(r'data-label="电线电缆" data-count="2"', html)
    assert re.search(r'data-label="普宁市" data-count="1"', html)
    assert re.search(r'data-label="榕城区" data-count="2"', html)


def test_followup_through_the_forms(supervisor):
    import datetime

    from server.enforcement.models import EnforcementCase
    from server.reviews.models import RectificationOrder

    inspection = rows.submitted(factories.inspection())
    answer = rows.answer(inspection, "mark-1", False)
    client = signed_in(supervisor)
    url = f"/ui/dossiers/{inspection.pk}"
    assert 'id="followup"' not in client.get(f"{url}/").content.decode()
    client.post(f"{url}/findings/", {"source_doc_id": answer.doc_id, "item_code": "mark-1", "severity": "major",
                                     "description": "无厂址"})
    deadline = (datetime.date.today() + datetime.timedelta(days=15)).isoformat()
    page = client.post(f"{url}/rectification/", {"requirements": "补标厂址", "deadline": deadline}, follow=True)
    assert "已下达责令限期改正" in page.content.decode()
    page = client.post(f"{url}/rectification/close/", {"result": "not_rectified", "note": "逾期未改"}, follow=True)
    assert "整改已结案" in page.content.decode()
    assert RectificationOrder.objects.get().result == "not_rectified"
    client.post(f"{url}/cases/", {"reason": "逾期未整改"})
    case = EnforcementCase.objects.get()
    page = client.post(f"{url}/cases/{case.pk}/", {"status": "closed"}, follow=True).content.decode()
    assert "操作未完成" in page and "outcome" in page
    client.post(f"{url}/cases/{case.pk}/", {"status": "filed", "case_number": "揭市监立〔2019〕7号"})
    client.post(f"{url}/cases/{case.pk}/", {"status": "closed", "outcome": "penalized"})
    case.refresh_from_db()
    assert (case.status, case.case_number, case.outcome) == ("closed", "揭市监立〔2019〕7号", "penalized")
