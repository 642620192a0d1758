"""The gateway's access index and per-user checkpoints.

IndexedDoc mirrors, for every document in the sync store, what pulls need without asking the store:
who may see it (`scope`: an inspection id, or "public" for checklists and reference docs), its leaf
revisions, the revisions already known (so _revs_diff needs no store call), the winning revision, and
the gateway's own sequence number. Sequences come from the single SeqCounter row, taken under a row
lock in the same transaction that writes the index rows, so they become visible in commit order.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models

PUBLIC_SCOPE = "public"


class SeqCounter(models.Model):
    """One row (pk=1): the last sequence handed out."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "同步序号"


class IndexedDoc(models.Model):
    doc_id = models.CharField(max_length=255, unique=True)
    doc_type = models.CharField(max_length=32)
    scope = models.CharField(max_length=64)
    seq = models.BigIntegerField()
    winning_rev = models.CharField(max_length=80)
    deleted = models.BooleanField(default=False)
    # [[rev, deleted], ...] of the leaf revisions.
    leaves = models.JSONField(default=list)
    # Every revision id the store holds for this doc (leaves and their ancestors).
    revs = models.JSONField(default=list)
    # Server-made documents only: sha256 of the published content, and who could see it.
    content_hash = models.CharField(max_length=64, blank=True, default="")
    access_key = models.CharField(max_length=2000, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "同步索引"
        indexes = [
            models.Index(fields=["scope", "seq"], name="gw_scope_seq"),
            models.Index(fields=["seq"], name="gw_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.doc_id} @{self.seq}"


class LocalDoc(models.Model):
    """A replication checkpoint (`_local/<id>`), kept per user and never sent to the store."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sync_checkpoints")
    local_id = models.CharField(max_length=255)
    rev_number = models.PositiveIntegerField(default=1)
    body = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "同步检查点"
        constraints = [models.UniqueConstraint(fields=["user", "local_id"], name="gw_local_per_user")]
        # The newest checkpoint tells the reconciler that tablets are syncing (activity.py).
        indexes = [models.Index(fields=["updated_at"], name="gw_local_updated")]


class VerifiedCredential(models.Model):
    """A Basic credential the gateway verified (argon2) recently, shared by every gateway process
    and node: `key` is an HMAC-SHA256 (keyed with SECRET_KEY) of the credential, never the password;
    `fingerprint` ties it to the user's password hash of the time, so a password change ends it, and
    the user row (active flag) is read on every request anyway."""

    key = models.CharField(max_length=64, primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    fingerprint = models.CharField(max_length=32)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "同步已验证凭据"


class AuthFailure(models.Model):
    """Failed Basic sign-ins per username and per client address (keys are HMACs), in a fixed
    window: beyond SYNC_AUTH_FAILURES_PER_USER / _PER_IP the gateway answers 429 with Retry-After."""

    key = models.CharField(max_length=64, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    window_start = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "同步登录失败"
