"""Reconciler state kept in SQL: the checkpoint in the store's _changes feed and the errors table."""
from __future__ import annotations

from django.db import models
from django.db.models import Q


class Checkpoint(models.Model):
    """Where the reconciler is in the store's _changes feed.

    `seq` is opaque (int on pouchdb-server, string on CouchDB 3); it is kept as JSON text and only
    ever sent back to the store as `since`. Never compared, never used in arithmetic.
    """

    name = models.CharField(max_length=64, primary_key=True)
    database = models.CharField(max_length=200, blank=True)  # store database the seq belongs to
    seq = models.TextField(default="0")  # JSON-encoded last folded seq
    caught_up = models.BooleanField(default=False)  # last read reached the end of the feed
    pending_since = models.DateTimeField(null=True, blank=True)  # first seen unfolded changes
    last_advanced_at = models.DateTimeField(null=True, blank=True)
    last_seen_update_seq = models.TextField(blank=True)  # store's update_seq as last seen (opaque)
    folded_total = models.BigIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)  # a running reconciler touches it every few s
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "同步检查点"


class ChangeErrorState(models.TextChoices):
    PENDING = "pending", "待重试"
    RESOLVED = "resolved", "已解决"
    DEAD = "dead", "已放弃"


class ChangeError(models.Model):
    """A change that failed to fold; retried with backoff, never blocks the others."""

    doc_id = models.CharField(max_length=200, unique=True)
    rev = models.CharField(max_length=100, blank=True)
    seq = models.TextField(blank=True)  # opaque
    error = models.TextField()
    attempts = models.PositiveIntegerField(default=1)
    state = models.CharField(max_length=16, choices=ChangeErrorState.choices, default=ChangeErrorState.PENDING)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "同步错误"
        constraints = [
            models.CheckConstraint(condition=Q(state__in=ChangeErrorState.values), name="change_error_state_valid"),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.doc_id}@{self.rev}: {self.error[:60]}"
