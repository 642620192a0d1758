import pytest

from server.accounts import jurisdictions
from server.accounts.models import Jurisdiction
from server.accounts.services import jurisdictions_load_csv
from server.api.errors import FieldError

pytestmark = pytest.mark.django_db


def test_contract_jurisdictions_are_loaded():
    codes = dict(Jurisdiction.objects.values_list("code", "name"))
    assert codes == {
        "445200": "揭阳市", "445202": "榕城区", "445203": "揭东区",
        "445222": "揭西县", "445224": "惠来县", "445281": "普宁市",
    }
    assert jurisdictions.descendants_of(code="445200") == set(codes)
    assert jurisdictions.covers(ancestor="445200", code="445281")
    assert not jurisdictions.covers(ancestor="445202", code="445281")
    assert jurisdictions.covers(ancestor="445202", code="445202")


def test_more_jurisdictions_load_from_csv():
    count = jurisdictions_load_csv(text="code,name,parent\n440000,广东省,\n445200,揭阳市,440000\n")
    assert count == 2
    jurisdictions.invalidate_cache()
    assert jurisdictions.covers(ancestor="440000", code="445224")


def test_csv_with_unknown_parent_changes_nothing():
    with pytest.raises(FieldError) as info:
        jurisdictions_load_csv(text="445299,新区,449999\n")
    assert "449999" in info.value.message
    assert not Jurisdiction.objects.filter(code="445299").exists()
