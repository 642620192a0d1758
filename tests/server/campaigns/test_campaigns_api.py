import datetime as dt

import pytest

from server.accounts.models import Role
from server.api.errors import FieldError
from server.campaigns import selectors
from tests import factories

pytestmark = pytest.mark.django_db


def test_fresh_install_holds_the_seed_campaign(api):
    body = api(factories.user(Role.INSPECTOR)).get("/api/v1/campaigns/").json()
    [campaign] = [c for c in body if c["code"] == "jieyang-2019"]
    assert campaign["jurisdiction"] == "445200"
    assert len(campaign["product_categories"]) == 6
    assert [(p["code"], p["starts"], p["ends"]) for p in campaign["phases"]] == [
        ("preparation", "2019-05-01", "2019-06-30"),
        ("self-inspection", "2019-07-01", "2019-08-31"),
        ("inspection-enforcement", "2019-09-01", "2019-10-31"),
    ]
    assert {d["code"]: d["due"] for d in campaign["deadlines"]} == {
        "register-report": "2019-06-30",
        "self-inspection-report": "2019-08-25",
        "summary-report": "2019-10-20",
    }


def test_campaigns_need_sign_in(api):
    assert api().get("/api/v1/campaigns/").status_code in (401, 403)


def test_campaign_of_a_dated_record():
    assert selectors.campaign_for(jurisdiction="445202", on=dt.date(2019, 9, 2)).code == "jieyang-2019"
    assert selectors.campaign_for(jurisdiction="445202", on=dt.date(2019, 11, 2)) is None
    assert selectors.campaign_for(jurisdiction="445202", on=dt.date(2030, 1, 1), code="jieyang-2019").code == "jieyang-2019"
    with pytest.raises(FieldError):
        selectors.campaign_for(jurisdiction="445202", on=dt.date(2019, 9, 2), code="nope")
