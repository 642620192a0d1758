"""Dossiers: what the field sent for one inspection, folded by the reconciler (contract §6)."""
from __future__ import annotations

from django.db import models
from django.db.models import Q

from server.inspections.models import Inspection


class DossierStatus(models.TextChoices):
    ASSIGNED = "assigned", "已分派"
    IN_PROGRESS = "in_progress", "检查中"
    SUBMITTED = "submitted", "已提交"
    INCOMPLETE = "incomplete", "不完整"
    APPROVED = "approved", "已通过"
    RETURNED = "returned", "已退回"


class Dossier(models.Model):
    inspection = models.OneToOneField(Inspection, primary_key=True, on_delete=models.CASCADE, related_name="dossier")
    status = models.CharField("状态", max_length=16, choices=DossierStatus.choices, default=DossierStatus.ASSIGNED)
    completeness = models.JSONField("完整性", default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "检查档案"
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DossierStatus.values), name="dossier_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id} {self.status}"
