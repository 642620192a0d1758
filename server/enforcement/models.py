"""Enforcement cases (立案查处, 一案一报) and notices to producers (缺陷线索通报), moved here from
server.reviews (contract §12). The tables keep their names (`reviews_enforcementcase`,
`reviews_producernotice`): the move changed Django's state only, no row was copied."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from server.accounts.models import Jurisdiction
from server.campaigns.models import Campaign
from server.inspections.models import Inspection
from server.registry.choices import ProductCategory
from server.registry.models import Enterprise, UnqualifiedProduct
from server.reviews.models import Finding, ImmutableModel, _choice_check

class CaseStatus(models.TextChoices):
    REFERRED = "referred", "已移送"
    FILED = "filed", "已立案"
    CLOSED = "closed", "已结案"


class CaseOutcome(models.TextChoices):
    PENALIZED = "penalized", "行政处罚"
    NO_VIOLATION = "no_violation", "不予处罚"
    TRANSFERRED = "transferred", "移送司法机关"


class CaseSource(models.TextChoices):
    INSPECTION = "inspection", "监督检查"
    SAMPLING = "sampling", "监督抽查"
    PROVINCE_REFERRAL = "province-referral", "省局交办"
    COMPLAINT = "complaint", "举报投诉"
    CROSS_REGION = "cross-region", "跨地区移送"


class EnforcementCase(models.Model):
    """A case handled to its outcome (立案 → 调查 → 处理 → 结案), reported one by one (一案一报).

    `inspection`/`findings` are set for cases opened from an inspection's findings; other sources
    name the enterprise directly. `jurisdiction` is the county handling it (the enterprise's)."""

    inspection = models.ForeignKey(Inspection, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="enforcement_cases")
    findings = models.ManyToManyField(Finding, related_name="enforcement_cases")
    findings_key = models.CharField(max_length=200)  # sorted finding ids: one case per finding set
    enterprise = models.ForeignKey(Enterprise, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="enforcement_cases", verbose_name="当事企业")
    jurisdiction = models.ForeignKey(Jurisdiction, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="enforcement_cases", verbose_name="承办辖区")
    product_category = models.CharField("产品类别", max_length=32, blank=True)
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="enforcement_cases", verbose_name="专项行动")
    source = models.CharField("案件来源", max_length=20, choices=CaseSource.choices, default=CaseSource.INSPECTION)
    referral_number = models.CharField("交办函编号", max_length=64, blank=True)
    referral_deadline = models.DateField("交办期限", null=True, blank=True)
    opened_on = models.DateField("登记日期", null=True, blank=True)
    reason = models.TextField("移送理由")
    report = models.TextField("移送报告")
    status = models.CharField("状态", max_length=8, choices=CaseStatus.choices, default=CaseStatus.REFERRED)
    case_number = models.CharField("立案号", max_length=64, blank=True)
    outcome = models.CharField("处理结果", max_length=16, choices=CaseOutcome.choices, blank=True)
    outcome_note = models.TextField("结果说明", blank=True)
    transferred_to = models.CharField("移送司法机关", max_length=200, blank=True)
    closed_on = models.DateField("结案日期", null=True, blank=True)
    report_due = models.DateField("下次报告期限", null=True, blank=True)
    major = models.BooleanField("大案要案（挂牌督办）", default=False)
    supervising_office = models.CharField("督办单位", max_length=200, blank=True)
    client_key = models.CharField(max_length=80, blank=True)
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    referred_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["referred_at", "id"]
        verbose_name = verbose_name_plural = "执法案件"
        constraints = [
            _choice_check("status", CaseStatus, "case_status_valid"),
            models.CheckConstraint(condition=Q(outcome="") | Q(outcome__in=CaseOutcome.values), name="case_outcome_valid"),
            models.CheckConstraint(
                condition=~Q(status=CaseStatus.CLOSED) | ~Q(outcome=""), name="case_closed_has_outcome"
            ),
            models.UniqueConstraint(fields=["inspection", "findings_key"], name="case_one_per_finding_set"),
            _choice_check("source", CaseSource, "case_source_valid"),
            models.CheckConstraint(
                condition=~Q(source=CaseSource.PROVINCE_REFERRAL)
                | (~Q(referral_number="") & Q(referral_deadline__isnull=False)),
                name="case_referral_has_letter",
            ),
            models.CheckConstraint(condition=Q(major=False) | ~Q(supervising_office=""), name="case_major_has_office"),
            models.CheckConstraint(
                condition=~Q(outcome=CaseOutcome.TRANSFERRED) | ~Q(transferred_to=""), name="case_transfer_names_authority"
            ),
            models.CheckConstraint(condition=~Q(status=CaseStatus.CLOSED) | Q(report_due__isnull=True),
                                   name="case_closed_no_report_due"),
            models.UniqueConstraint(fields=["client_key"], condition=~Q(client_key=""), name="case_client_key"),
            models.UniqueConstraint(fields=["referral_number", "enterprise"], condition=~Q(referral_number=""),
                                    name="case_one_per_referral_letter"),
        ]
        indexes = [
            models.Index(fields=["jurisdiction", "product_category"], name="case_county_category"),
            models.Index(fields=["report_due"], name="case_report_due"),
            models.Index(fields=["campaign", "jurisdiction"], name="case_campaign_county"),
        ]
        db_table = "reviews_enforcementcase"

    def __str__(self) -> str:
        return f"案件 #{self.pk} {self.get_source_display()} {self.get_status_display()}"


class CaseReport(ImmutableModel):
    """One progress report of a case (一案一报). Append-only."""

    case = models.ForeignKey(EnforcementCase, on_delete=models.PROTECT, related_name="reports")
    summary = models.TextField("报告内容")
    status = models.CharField("报告时状态", max_length=8, choices=CaseStatus.choices)
    reported_on = models.DateField("报告日期")
    due_before = models.DateField("原报告期限", null=True, blank=True)
    due_after = models.DateField("新报告期限", null=True, blank=True)
    client_key = models.CharField(max_length=80, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["reported_at", "id"]
        verbose_name = verbose_name_plural = "案件报告"
        constraints = [
            _choice_check("status", CaseStatus, "case_report_status_valid"),
            models.UniqueConstraint(fields=["case", "client_key"], condition=~Q(client_key=""),
                                    name="case_report_client_key"),
        ]


class NoticeStatus(models.TextChoices):
    SENT = "sent", "已发出"
    ACKNOWLEDGED = "acknowledged", "已确认"


class RecallStage(models.TextChoices):
    """Post-sampling follow-up on the producer (plan 三(五)): investigation, then recall supervision."""

    NOTIFIED = "notified", "已书面通知"
    INVESTIGATING = "investigating", "调查分析中"
    NO_DEFECT = "no-defect", "认定非缺陷"
    DEFECT = "defect", "认定缺陷产品"
    RECALLING = "recalling", "召回实施中"
    RECALLED = "recalled", "召回完成"


class ProducerNotice(models.Model):
    """A written notice to the producer (缺陷线索通报 / 书面通知): from a finding of an inspection, or
    from a failed national/provincial sampling result, with the deadline for the producer's
    investigation and the recall supervision that follows."""

    finding = models.OneToOneField(Finding, null=True, blank=True, on_delete=models.PROTECT, related_name="producer_notice")
    unqualified_product = models.ForeignKey(UnqualifiedProduct, null=True, blank=True, on_delete=models.PROTECT,
                                            related_name="producer_notices", verbose_name="不合格产品")
    producer = models.ForeignKey(Enterprise, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    producer_name = models.CharField("生产者", max_length=200)
    defect_description = models.TextField("疑似缺陷")
    status = models.CharField("状态", max_length=16, choices=NoticeStatus.choices, default=NoticeStatus.SENT)
    investigation_deadline = models.DateField("调查分析期限", null=True, blank=True)
    recall_stage = models.CharField("召回监督", max_length=16, choices=RecallStage.choices, default=RecallStage.NOTIFIED)
    recall_note = models.TextField("召回监督记录", blank=True)
    recall_updated_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "缺陷通知"
        constraints = [
            _choice_check("status", NoticeStatus, "notice_status_valid"),
            _choice_check("recall_stage", RecallStage, "notice_recall_stage_valid"),
            models.CheckConstraint(condition=Q(finding__isnull=False) | Q(unqualified_product__isnull=False),
                                   name="notice_has_origin"),
        ]
        db_table = "reviews_producernotice"


class SamplingLevel(models.TextChoices):
    NATIONAL = "national", "国家监督抽查"
    PROVINCIAL = "provincial", "省级监督抽查"


class SamplingResult(models.Model):
    """One product's result in a national or provincial sampling round (国抽/省抽), imported from the
    round's spreadsheet. A failed one feeds the unqualified list and a written notice to its producer."""

    report_number = models.CharField("检验报告编号", max_length=64, unique=True)
    level = models.CharField("抽查级别", max_length=12, choices=SamplingLevel.choices)
    round = models.CharField("抽查轮次", max_length=200)
    product_category = models.CharField("产品类别", max_length=32, choices=ProductCategory.choices)
    product_name = models.CharField("产品名称", max_length=200)
    model = models.CharField("型号规格", max_length=200, blank=True)
    brand = models.CharField("商标", max_length=100, blank=True)
    batch = models.CharField("生产批次", max_length=100, blank=True)
    manufacturer = models.CharField("生产企业", max_length=200)
    producer = models.ForeignKey(Enterprise, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="sampling_results", verbose_name="生产企业（登记）")
    sampled_on = models.DateField("抽样日期")
    qualified = models.BooleanField("合格")
    failed_items = models.TextField("不合格项目", blank=True)
    hazard = models.BooleanField("涉及人身财产安全", default=False)
    unqualified_product = models.OneToOneField(UnqualifiedProduct, null=True, blank=True, on_delete=models.PROTECT,
                                               related_name="sampling_result")
    notice = models.OneToOneField(ProducerNotice, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="sampling_result")
    content_sha256 = models.CharField(max_length=64)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sampled_on", "id"]
        verbose_name = verbose_name_plural = "监督抽查结果"
        constraints = [
            _choice_check("level", SamplingLevel, "sampling_level_valid"),
            models.CheckConstraint(condition=Q(product_category__in=ProductCategory.values), name="sampling_category_valid"),
            models.CheckConstraint(condition=Q(qualified=True) | ~Q(failed_items=""), name="sampling_failed_names_items"),
        ]
