"""Campaigns (专项整治行动) with their phases and deadlines (contract §8)."""
from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from server.accounts.models import Jurisdiction


class Campaign(models.Model):
    code = models.SlugField("代码", max_length=64, unique=True)
    title = models.CharField("名称", max_length=200)
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="campaigns", verbose_name="辖区")
    product_categories = models.JSONField("产品类别", default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "专项整治行动"

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Phase(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phases", verbose_name="行动")
    code = models.SlugField("代码", max_length=64)
    title = models.CharField("名称", max_length=200)
    starts = models.DateField("开始")
    ends = models.DateField("结束")

    class Meta:
        ordering = ["campaign", "starts", "code"]
        verbose_name = verbose_name_plural = "阶段"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="phase_code_unique_in_campaign"),
            models.CheckConstraint(condition=Q(ends__gte=F("starts")), name="phase_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.title


class Deadline(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="deadlines", verbose_name="行动")
    code = models.SlugField("代码", max_length=64)
    title = models.CharField("名称", max_length=200)
    due = models.DateField("截止日期")

    class Meta:
        ordering = ["campaign", "due", "code"]
        verbose_name = verbose_name_plural = "截止日期"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="deadline_code_unique_in_campaign"),
        ]

    def __str__(self) -> str:
        return self.title
