"""Post-sampling follow-up (plan 三(五)): national/provincial results imported (XLSX/CSV, every faulty
row reported with row and field, nothing stored on any fault, idempotent, dry run); each failed
product joins the unqualified list and its producer gets a written notice with an investigation
deadline; recall supervision is recorded on the notice."""
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from server.accounts.models import Role
from server.credit.models import RiskProfile
from server.enforcement.models import ProducerNotice, SamplingResult
from server.enforcement.sampling import INVESTIGATION_DAYS
from server.registry.models import UnqualifiedProduct
from server.reviews.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/api/v1/sampling-results/import/"
HEADER = ["检验报告编号", "抽查级别", "抽查轮次", "产品类别", "产品名称", "型号规格", "商标", "生产批次", "生产企业",
          "生产企业统一社会信用代码", "抽样日期", "检验结论", "不合格项目"]


def xlsx(rows, header=HEADER) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("results.xlsx", out.getvalue())


def csv_file(rows, header=HEADER, bom=True) -> SimpleUploadedFile:
    text = "\n".join(",".join(str(c) for c in r) for r in [header, *rows])
    return SimpleUploadedFile("results.csv", (("\ufeff" if bom else "") + text).encode("utf-8"))


@pytest.fixture
def world(api):
    producer = factories.enterprise("445202", name="揭阳市榕城电缆厂")
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445202")
    rows = [
        ["GD2019-001", "省抽", "2019年第二批", "电线电缆", "聚氯乙烯绝缘电缆", "BV 2.5", "粤缆", "20190601",
         "揭阳市榕城电缆厂", producer.credit_code, "2019-08-01", "不合格", "导体电阻"],
        ["GD2019-002", "国抽", "2019年国抽", "wire-cable", "橡套软电缆", "YZ 3×1.5", "", "", "外省某厂", "",
         "2019-08-02", "合格", ""],
        ["GD2019-003", "national", "2019年国抽", "砂轮", "树脂砂轮", "PSA 400", "", "B7", "外省砂轮厂", "",
         "2019-08-03", "不合格", "回转强度"],
    ]
    return {"producer": producer, "client": api(supervisor), "rows": rows, "api": api}


def test_import_feeds_the_unqualified_list_and_notifies_the_producer(world):
    client, producer = world["client"], world["producer"]
    dry = client.post(URL, {"file": xlsx(world["rows"]), "dry_run": "true"})
    assert dry.status_code == 200, dry.content
    assert (dry.json()["created"], dry.json()["failed"], dry.json()["notices"]) == (3, 2, 1)
    assert SamplingResult.objects.count() == 0 and UnqualifiedProduct.objects.count() == 0
    response = client.post(URL, {"file": xlsx(world["rows"])})
    assert response.status_code == 200, response.content
    assert {k: response.json()[k] for k in ("created", "unchanged", "rows", "failed", "notices")} == {
        "created": 3, "unchanged": 0, "rows": 3, "failed": 2, "notices": 1}
    unqualified = list(UnqualifiedProduct.objects.order_by("id").values_list("product_name", "manufacturer", "found_in"))
    assert unqualified == [("聚氯乙烯绝缘电缆", "揭阳市榕城电缆厂", "省级监督抽查 2019年第二批"),
                           ("树脂砂轮", "外省砂轮厂", "国家监督抽查 2019年国抽")]
    notice = ProducerNotice.objects.get()
    assert notice.producer == producer and notice.finding is None
    assert notice.investigation_deadline == timezone.localdate() + dt.timedelta(days=INVESTIGATION_DAYS)
    assert "导体电阻" in notice.defect_description and "GD2019-001" in notice.defect_description
    assert RiskProfile.objects.get(enterprise=producer).signals[0]["kind"] == "unqualified_product"
    assert AuditEvent.objects.filter(action="sampling_imported").count() == 3
    # the same file again changes nothing; so does the same content as CSV
    again = client.post(URL, {"file": xlsx(world["rows"])})
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 3)
    as_csv = client.post(URL, {"file": csv_file(world["rows"])})
    assert as_csv.status_code == 200 and as_csv.json()["unchanged"] == 3, as_csv.content
    assert UnqualifiedProduct.objects.count() == 2 and ProducerNotice.objects.count() == 1

    # recall supervision on the notice, forward only, each step in the audit trail
    recall = f"/api/v1/producer-notices/{notice.pk}/recall/"
    for stage in ("investigating", "defect", "recalling", "recalled"):
        step = client.post(recall, {"stage": stage, "note": f"记录 {stage}"}, format="json")
        assert step.status_code == 200 and step.json()["recall_stage"] == stage, step.content
    assert client.post(recall, {"stage": "recalled", "note": "记录 recalled"}, format="json").status_code == 200
    backwards = client.post(recall, {"stage": "investigating", "note": "x"}, format="json")
    assert backwards.status_code == 409
    bad = client.post(recall, {"stage": "lost", "note": "x"}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "stage"
    assert [e.to_value["recall_stage"] for e in AuditEvent.objects.filter(action="notice_recall").order_by("id")] == [
        "investigating", "defect", "recalling", "recalled"]
    other = world["api"](factories.user(Role.SUPERVISOR, jurisdiction="445203"))
    assert other.post(recall, {"stage": "recalled", "note": "x"}, format="json").status_code == 404
    listed = client.get("/api/v1/producer-notices/").json()
    assert [n["id"] for n in listed] == [notice.pk] and listed[0]["unqualified_product"] is not None


def test_every_faulty_row_is_reported_and_nothing_stored(world):
    rows = [list(r) for r in world["rows"]]
    rows[0][3] = "玩具"           # row 2: unknown category
    rows[1][10] = "2019-02-30"    # row 3: bad date
    rows[2][12] = ""              # row 4: unqualified without failed items
    rows.append(["GD2019-001", "省抽", "r", "砂轮", "p", "", "", "", "m", "", "2019-08-01", "合格", ""])  # duplicate
    rows.append(["GD2019-009", "市抽", "r", "砂轮", "p", "", "", "", "m", "91445202MA4W000000", "2019-08-01", "合格", ""])
    response = world["client"].post(URL, {"file": xlsx(rows)})
    assert response.status_code == 400
    errors = {(e["row"], e["field"]) for e in response.json()["errors"]}
    assert {(2, "product_category"), (3, "sampled_on"), (4, "failed_items"), (6, "level"),
            (6, "manufacturer_credit_code")} <= errors
    assert SamplingResult.objects.count() == 0 and UnqualifiedProduct.objects.count() == 0
    missing = world["client"].post(URL, {"file": csv_file([], header=["检验报告编号", "产品名称"])})
    assert missing.status_code == 400 and all(e["row"] == 1 for e in missing.json()["errors"])
    changed = [list(r) for r in world["rows"]]
    world["client"].post(URL, {"file": xlsx(world["rows"])})
    changed[1][4] = "改过的名字"
    conflict = world["client"].post(URL, {"file": xlsx(changed)})
    assert conflict.status_code == 400 and conflict.json()["errors"] == [
        {"row": 3, "field": "report_number", "message": conflict.json()["errors"][0]["message"]}]


def test_files_that_are_not_spreadsheets_and_roles(world):
    client, api = world["client"], world["api"]
    for content in (b"\xff\xfe\x00garbage", b"PK\x03\x04 not a zip", b""):
        response = client.post(URL, {"file": SimpleUploadedFile("x.xlsx", content)})
        assert response.status_code == 400 and response.json()["field"] == "file", response.content
    assert client.post(URL, {}).json()["field"] == "file"
    outside = factories.enterprise("445203", name="揭东电缆厂")
    row = ["GD2019-010", "省抽", "r", "电线电缆", "p", "", "", "", "揭东电缆厂", outside.credit_code, "2019-08-01",
           "不合格", "绝缘"]
    response = client.post(URL, {"file": xlsx([row])})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "manufacturer"
    for role in (Role.INSPECTOR, Role.CERTIFIER, Role.ENTERPRISE):
        assert api(factories.user(role)).post(URL, {"file": xlsx([row])}).status_code == 403
    assert api().post(URL, {"file": xlsx([row])}).status_code == 401
    assert api(factories.user(Role.ADMIN)).post(URL, {"file": xlsx([row])}).status_code == 200
