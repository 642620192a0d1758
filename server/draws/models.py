"""双随机、一公开 draws (contract v2 §11): a population frozen at announcement, the beacon and seed
at execution, the selection with the inspectors drawn for each entry; and the inspector roster's
unavailability periods (执法检查人员名录库)."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from server.accounts.models import Jurisdiction
from server.campaigns.models import Campaign
from server.registry.choices import Domain, EnterpriseRole, ProductCategory
from server.registry.models import Enterprise


class PopulationKind(models.TextChoices):
    LICENSED_PRODUCERS = "licensed-producers", "获证生产企业"
    PRODUCERS = "producers", "生产企业"
    SELLERS = "sellers", "销售者"
    USERS = "users", "经营性用户"


# The register role each population is drawn from, and the inspection domain it implies.
POPULATION_ROLE = {
    PopulationKind.LICENSED_PRODUCERS: EnterpriseRole.PRODUCER,
    PopulationKind.PRODUCERS: EnterpriseRole.PRODUCER,
    PopulationKind.SELLERS: EnterpriseRole.SELLER,
    PopulationKind.USERS: EnterpriseRole.USER,
}
POPULATION_DOMAIN = {
    PopulationKind.LICENSED_PRODUCERS: Domain.PRODUCTION,
    PopulationKind.PRODUCERS: Domain.PRODUCTION,
    PopulationKind.SELLERS: Domain.DISTRIBUTION,
    PopulationKind.USERS: Domain.USE,
}


class DrawStatus(models.TextChoices):
    ANNOUNCED = "announced", "已公布名单"
    DRAWN = "drawn", "已抽取"


class Draw(models.Model):
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="draws",
                                 verbose_name="专项行动")
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="draws", verbose_name="辖区")
    product_category = models.CharField("产品类别", max_length=32, choices=ProductCategory.choices)
    domain = models.CharField("领域", max_length=16, choices=Domain.choices)
    population_kind = models.CharField("抽查对象", max_length=24, choices=PopulationKind.choices)
    percent = models.PositiveSmallIntegerField("抽查比例（%）")
    inspectors_per_inspection = models.PositiveSmallIntegerField("每户检查人员数", default=2)
    scheduled_for = models.DateField("计划检查日期")
    status = models.CharField("状态", max_length=16, choices=DrawStatus.choices, default=DrawStatus.ANNOUNCED)
    population_sha256 = models.CharField("名单哈希", max_length=64)
    population_count = models.PositiveIntegerField("名单户数", default=0)
    announced_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="公布人")
    announced_at = models.DateTimeField("公布时间")
    idempotency_key = models.CharField(max_length=80, blank=True)
    beacon = models.CharField("公开随机数", max_length=500, blank=True)
    beacon_source = models.CharField("随机数来源", max_length=500, blank=True)
    seed = models.CharField("种子", max_length=64, blank=True)
    executed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="抽取人")
    executed_at = models.DateTimeField("抽取时间", null=True, blank=True)

    class Meta:
        ordering = ["-announced_at", "-id"]
        verbose_name = verbose_name_plural = "双随机抽查"
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DrawStatus.values), name="draw_status_valid"),
            models.CheckConstraint(condition=Q(product_category__in=ProductCategory.values), name="draw_category_valid"),
            models.CheckConstraint(condition=Q(domain__in=Domain.values), name="draw_domain_valid"),
            models.CheckConstraint(condition=Q(population_kind__in=PopulationKind.values), name="draw_population_valid"),
            models.CheckConstraint(condition=Q(percent__gte=1) & Q(percent__lte=100), name="draw_percent_range"),
            models.CheckConstraint(condition=Q(inspectors_per_inspection__gte=2), name="draw_inspectors_at_least_two"),
            models.CheckConstraint(
                condition=Q(status=DrawStatus.ANNOUNCED, seed="", executed_at__isnull=True)
                | (Q(status=DrawStatus.DRAWN) & ~Q(seed="") & Q(executed_at__isnull=False)),
                name="draw_seed_iff_drawn",
            ),
            models.UniqueConstraint(fields=["announced_by", "idempotency_key"], condition=~Q(idempotency_key=""),
                                    name="draw_idempotency_key"),
        ]
        indexes = [models.Index(fields=["product_category", "status", "executed_at"])]

    def __str__(self) -> str:
        return f"{self.pk} {self.jurisdiction_id} {self.product_category} {self.status}"


class PopulationEntry(models.Model):
    """One enterprise of a draw's frozen population, as it stood at announcement."""

    # No index of their own: (draw, credit_code) is unique and leads with draw; the enterprise is
    # never looked up from here. Fewer indexes keep freezing 100,000 entries fast.
    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="population", db_index=False)
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+", db_index=False)
    credit_code = models.CharField(max_length=18)
    name = models.CharField(max_length=200)
    jurisdiction = models.CharField(max_length=6)  # the county (6-digit code) the per-county rule groups by

    class Meta:
        ordering = ["draw", "credit_code"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "credit_code"], name="population_entry_unique"),
        ]


class Selection(models.Model):
    """An entry drawn, the inspectors drawn for it, who was eligible and who was excluded, and the
    inspection created with it (in the same transaction)."""

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="selections")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    credit_code = models.CharField(max_length=18)
    name = models.CharField(max_length=200)
    jurisdiction = models.CharField(max_length=6)
    position = models.PositiveIntegerField()  # rank within its county, 0 = smallest key
    inspectors = models.JSONField(default=list)   # usernames, in rank order
    eligible = models.JSONField(default=list)     # every eligible username, in rank order
    excluded = models.JSONField(default=list)     # [{"username", "reason"}]
    avoidance_waived = models.BooleanField(default=False)
    inspection = models.OneToOneField("inspections.Inspection", on_delete=models.PROTECT, related_name="draw_selection")

    class Meta:
        ordering = ["draw", "jurisdiction", "position"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "credit_code"], name="selection_unique"),
        ]
        indexes = [models.Index(fields=["enterprise", "draw"])]


class UnavailabilityKind(models.TextChoices):
    LEAVE = "leave", "休假"
    TRAINING = "training", "培训"
    OTHER = "other", "其他"


class InspectorUnavailability(models.Model):
    """A period (inclusive) in which an inspector is not eligible for draws."""

    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unavailability",
                                  verbose_name="检查人员")
    starts = models.DateField("开始")
    ends = models.DateField("结束")
    kind = models.CharField("原因", max_length=16, choices=UnavailabilityKind.choices)
    note = models.CharField("备注", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["inspector", "starts"]
        verbose_name = verbose_name_plural = "检查人员不可用期间"
        constraints = [
            models.CheckConstraint(condition=Q(ends__gte=F("starts")), name="unavailability_ends_after_start"),
            models.CheckConstraint(condition=Q(kind__in=UnavailabilityKind.values), name="unavailability_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.inspector} {self.starts}..{self.ends} {self.kind}"
