"""Inspections: a visit to one enterprise for one product category, following one checklist
version (contract §3)."""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from server.registry.choices import Domain, ProductCategory
from server.registry.models import Enterprise


class Inspection(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="inspections", verbose_name="企业")
    product_category = models.CharField("产品类别", max_length=32, choices=ProductCategory.choices)
    domain = models.CharField("领域", max_length=16, choices=Domain.choices)
    inspectors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="assigned_inspections", verbose_name="检查人员")
    scheduled_for = models.DateField("计划日期")
    checklist_id = models.CharField("检查表", max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="created_inspections"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-scheduled_for", "-created_at"]
        verbose_name = verbose_name_plural = "现场检查"
        constraints = [
            models.CheckConstraint(condition=Q(product_category__in=ProductCategory.values), name="inspection_category_valid"),
            models.CheckConstraint(condition=Q(domain__in=Domain.values), name="inspection_domain_valid"),
        ]
        indexes = [models.Index(fields=["enterprise", "scheduled_for"])]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.get_product_category_display()} {self.scheduled_for}"
