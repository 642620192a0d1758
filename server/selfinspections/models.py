"""Enterprises' self-inspection and rectification reports (plan 三(三)1; att. 5–6; contract §10)."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from server.campaigns.models import Campaign
from server.registry.choices import ProductCategory
from server.registry.models import Enterprise


class SelfInspectionStatus(models.TextChoices):
    CLEAN = "clean", "无问题"
    RECTIFYING = "rectifying", "整改中"
    RECTIFIED = "rectified", "已整改"
    OVERDUE = "overdue", "逾期未整改"


class SelfInspection(models.Model):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="self_inspections", verbose_name="企业")
    product_category = models.CharField("产品类别", max_length=32, choices=ProductCategory.choices)
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="self_inspections",
                                 verbose_name="专项行动")
    submitted_on = models.DateField("提交日期")
    items = models.JSONField("自查项目", default=list)  # [{"topic", "result": "ok"|"problem", "description"}]
    problems = models.PositiveIntegerField("问题数", default=0)
    rectification_measures = models.TextField("整改措施", blank=True)
    rectification_deadline = models.DateField("整改期限", null=True, blank=True)
    rectification_completed_on = models.DateField("整改完成日期", null=True, blank=True)
    status = models.CharField("状态", max_length=16, choices=SelfInspectionStatus.choices)
    late = models.BooleanField("逾期提交", default=False)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="提交人")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-submitted_on", "-id"]
        verbose_name = verbose_name_plural = "企业自查报告"
        constraints = [
            models.CheckConstraint(condition=Q(product_category__in=ProductCategory.values), name="selfinspection_category_valid"),
            models.CheckConstraint(condition=Q(status__in=SelfInspectionStatus.values), name="selfinspection_status_valid"),
            # One report per enterprise, category and day: a retried submission is never a second report.
            models.UniqueConstraint(fields=["enterprise", "product_category", "submitted_on"],
                                    name="selfinspection_natural_key"),
        ]
        indexes = [models.Index(fields=["campaign", "product_category"], name="selfinspection_campaign_cat")]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.product_category} {self.submitted_on}"
