"""Risk classes per enterprise (stored, recomputed in the transaction that changes a signal) and the
serious-dishonesty list (严重质量失信, plan 三(八)), contract §12."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from server.registry.models import Enterprise


class RiskClass(models.TextChoices):
    A = "A", "A 低风险"
    B = "B", "B 一般风险"
    C = "C", "C 较高风险"
    D = "D", "D 高风险"


class RiskProfile(models.Model):
    """An enterprise's current risk, written only by server.credit.risk.recompute. No row = class A
    with no signals. `stale_on`: the first day a time-bound signal (a deadline passing) changes it;
    readers recompute profiles whose day has come before answering."""

    enterprise = models.OneToOneField(Enterprise, primary_key=True, on_delete=models.CASCADE, related_name="risk_profile")
    risk_class = models.CharField("风险等级", max_length=1, choices=RiskClass.choices)
    score = models.PositiveIntegerField("风险分值")
    signals = models.JSONField("风险信号", default=list)  # [{"kind", "at", "weight", "source"}]
    computed_at = models.DateTimeField("计算时间")
    stale_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "企业风险"
        constraints = [models.CheckConstraint(condition=Q(risk_class__in=RiskClass.values), name="risk_class_valid")]
        indexes = [
            models.Index(fields=["risk_class", "score"], name="risk_class_score"),
            models.Index(fields=["stale_on"], name="risk_stale_on"),
        ]


class RiskPending(models.Model):
    """An enterprise whose risk a quick-test fold changed, not yet recomputed. The reconciler's fold
    marks it (same transaction as the quick tests) instead of recomputing per batch: a recompute reads
    every failed quick test of the enterprise, and a backlog folds in batches of 150. The reconciler
    recomputes marked profiles within about a second (`risk.refresh_stale`, one of its periodic jobs),
    and every reader of risk does so before answering. `marked_at` moves with each new mark, so a
    recompute that read the signals before a later mark does not clear it."""

    enterprise = models.OneToOneField(Enterprise, primary_key=True, on_delete=models.CASCADE, related_name="+")
    marked_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "待重算风险"


class SeriousDishonesty(models.Model):
    """An entry of the serious-dishonesty list. Removal keeps the row (removed_at, by, reason) and the
    audit trail keeps both events; an enterprise has at most one active entry."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="dishonesty_entries",
                                   verbose_name="企业")
    basis = models.TextField("认定依据")
    decided_on = models.DateField("认定日期")
    listed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    listed_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField("移出时间", null=True, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    removal_reason = models.TextField("移出理由", blank=True)

    class Meta:
        ordering = ["-decided_on", "-id"]
        verbose_name = verbose_name_plural = "严重质量失信名单"
        constraints = [
            models.UniqueConstraint(fields=["enterprise"], condition=Q(removed_at__isnull=True),
                                    name="dishonesty_one_active_per_enterprise"),
            models.CheckConstraint(condition=Q(removed_at__isnull=True) | ~Q(removal_reason=""),
                                   name="dishonesty_removal_has_reason"),
        ]
        indexes = [models.Index(fields=["removed_at", "decided_on"], name="dishonesty_active")]
