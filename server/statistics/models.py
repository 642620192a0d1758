"""The campaign's contact persons (联络员信息表, att. 7): one liaison per county per campaign, who
files the county's statistics (plan 五(三))."""
from __future__ import annotations

from django.conf import settings
from django.db import models

from server.accounts.models import Jurisdiction
from server.campaigns.models import Campaign


class Liaison(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="liaisons", verbose_name="专项行动")
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="liaisons", verbose_name="单位（辖区）")
    name = models.CharField("姓名", max_length=64)
    department = models.CharField("科室", max_length=100, blank=True)
    position = models.CharField("职务", max_length=64, blank=True)
    phone = models.CharField("办公电话", max_length=32, blank=True)
    mobile = models.CharField("手机", max_length=32)
    email = models.EmailField("电子邮箱", max_length=254, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["campaign", "jurisdiction"]
        verbose_name = verbose_name_plural = "联络员"
        constraints = [models.UniqueConstraint(fields=["campaign", "jurisdiction"], name="liaison_one_per_county")]
