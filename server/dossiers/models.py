"""Dossiers: what the field sent for one inspection, folded by the reconciler (contract §6).

Field records are immutable: every applied revision of a field document is kept as its own
`FieldRevision` row (doc id, rev, body); the other tables hold the *current* state derived from the
winning revision of each document. Only the reconciler (through `services.fold_field_docs`) writes
field data; reviews set `Dossier.status` to approved/returned.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from server.accounts.models import Jurisdiction
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
    # When the current closeout was folded; cleared when a field doc arrives after a return
    # (the dossier goes back to in_progress until a new closeout arrives).
    closed_out_at = models.DateTimeField("现场检查完成登记时间", null=True, blank=True)
    first_field_doc_at = models.DateTimeField("首个现场文档时间", null=True, blank=True)
    last_field_doc_at = models.DateTimeField("最近现场文档时间", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "检查档案"
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DossierStatus.values), name="dossier_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id} {self.status}"


class FieldDocType(models.TextChoices):
    ANSWER = "answer", "检查项答案"
    PHOTO = "photo", "照片"
    QUICKTEST = "quicktest", "快检"
    SAMPLE = "sample", "抽样"
    CLOSEOUT = "closeout", "现场检查完成"


class FieldRevision(models.Model):
    """One applied revision of a field document, never changed or deleted (the audit trail)."""

    doc_id = models.CharField(max_length=200)
    rev = models.CharField(max_length=100)
    doc_type = models.CharField(max_length=16, choices=FieldDocType.choices)
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="field_revisions")
    body = models.JSONField()
    deleted = models.BooleanField(default=False)
    author = models.CharField(max_length=150, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "现场文档修订"
        constraints = [
            models.UniqueConstraint(fields=["doc_id", "rev"], name="field_revision_unique"),
            models.CheckConstraint(condition=Q(doc_type__in=FieldDocType.values), name="field_revision_type_valid"),
        ]
        indexes = [models.Index(fields=["inspection", "doc_type"])]

    def __str__(self) -> str:
        return f"{self.doc_id}@{self.rev}"


class Answer(models.Model):
    """Current answer to one checklist item (winning revision of `answer:{inspection}:{item}`)."""

    doc_id = models.CharField(max_length=200, unique=True)
    rev = models.CharField(max_length=100)
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="answers")
    item_code = models.CharField(max_length=64)
    value = models.JSONField(null=True)
    note = models.TextField(blank=True)
    author = models.CharField(max_length=150, blank=True)
    device_id = models.CharField(max_length=100, blank=True)
    answered_at = models.CharField(max_length=40, blank=True)  # ISO 8601 as sent
    problem = models.TextField(blank=True)  # value does not fit the item (kept, shown to reviewers)

    class Meta:
        ordering = ["item_code"]
        verbose_name = verbose_name_plural = "检查项答案"
        indexes = [models.Index(fields=["inspection", "item_code"])]


class DocConflict(models.Model):
    """A field doc with conflicting revisions (`_conflicts`); the row exists while the conflict is open.

    `revisions` = [{"rev", "winning", "author", "value", "answered_at", "body"}] (winner first).
    """

    doc_id = models.CharField(max_length=200, unique=True)
    doc_type = models.CharField(max_length=16, choices=FieldDocType.choices)
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="conflicts")
    winning_rev = models.CharField(max_length=100)
    revisions = models.JSONField(default=list)
    detected_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["doc_id"]
        verbose_name = verbose_name_plural = "修订冲突"
        constraints = [
            models.CheckConstraint(condition=Q(doc_type__in=FieldDocType.values), name="doc_conflict_type_valid"),
        ]


class Blob(models.Model):
    """Original image bytes, content-addressed: default_storage path blobs/ab/cd/<sha256>."""

    sha256 = models.CharField(max_length=64, primary_key=True)
    size = models.BigIntegerField()
    mime = models.CharField(max_length=32, blank=True)
    path = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "照片原件"
        constraints = [
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="blob_sha256_hex"),
        ]


class PhotoStatus(models.TextChoices):
    PENDING = "pending", "待处理"
    AWAITING_BLOB = "awaiting_blob", "等待原图"
    VERIFIED = "verified", "已核验"
    REJECTED = "rejected", "不合格"


class Photo(models.Model):
    """Current state of `photo:{uuid}`; processed after the fold (status pending → verified/rejected)."""

    doc_id = models.CharField(max_length=200, unique=True)
    rev = models.CharField(max_length=100)
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    item_code = models.CharField(max_length=64, blank=True)
    taken_at = models.CharField(max_length=40, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    caption = models.TextField(blank=True)
    author = models.CharField(max_length=150, blank=True)
    device_id = models.CharField(max_length=100, blank=True)
    has_attachment = models.BooleanField(default=False)
    # Processing (the photo job):
    status = models.CharField(max_length=16, choices=PhotoStatus.choices, default=PhotoStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    blob = models.ForeignKey(Blob, null=True, blank=True, on_delete=models.PROTECT, related_name="photos")
    thumbnail_path = models.CharField(max_length=200, blank=True)
    mime = models.CharField(max_length=32, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    exif = models.JSONField(default=dict)  # {"taken_at", "gps": {"lat", "lon"} | None}
    flags = models.JSONField(default=list)  # media.flags codes
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["taken_at", "doc_id"]
        verbose_name = verbose_name_plural = "照片"
        constraints = [
            models.CheckConstraint(condition=Q(status__in=PhotoStatus.values), name="photo_status_valid"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["sha256"]),
            models.Index(fields=["inspection", "item_code"]),
        ]


class QuickTest(models.Model):
    """Current state of `quicktest:{uuid}` with the server's own verdict (checklists.engine)."""

    doc_id = models.CharField(max_length=200, unique=True)
    rev = models.CharField(max_length=100)
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="quicktests")
    item_code = models.CharField(max_length=64, blank=True)
    method = models.CharField(max_length=64, blank=True)
    inputs = models.JSONField(default=dict)
    instrument = models.JSONField(default=dict)
    measured_at = models.CharField(max_length=40, blank=True)
    author = models.CharField(max_length=150, blank=True)
    device_id = models.CharField(max_length=100, blank=True)
    verdict = models.CharField(max_length=16, blank=True)  # pass | fail | invalid | "" (inputs rejected)
    result = models.JSONField(null=True)
    limit = models.JSONField(null=True)
    basis = models.TextField(blank=True)
    error = models.TextField(blank=True)  # engine InputError "field: message"
    device_verdict = models.CharField(max_length=16, blank=True)
    verdict_differs = models.BooleanField(default=False)

    class Meta:
        ordering = ["measured_at", "doc_id"]
        verbose_name = verbose_name_plural = "快检"


class Closeout(models.Model):
    doc_id = models.CharField(max_length=200, unique=True)
    rev = models.CharField(max_length=100)
    inspection = models.OneToOneField(Inspection, on_delete=models.CASCADE, related_name="closeout")
    finished_at = models.CharField(max_length=40, blank=True)
    summary = models.TextField(blank=True)
    representative = models.JSONField(default=dict)
    author = models.CharField(max_length=150, blank=True)
    has_signature = models.BooleanField(default=False)

    class Meta:
        verbose_name = verbose_name_plural = "现场检查完成"


class LabelBatch(models.Model):
    """N pre-issued QR seal label codes for a jurisdiction (and optionally one inspector)."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="label_batches")
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="label_batches"
    )
    first_serial = models.PositiveIntegerField()
    count = models.PositiveIntegerField()
    title = models.CharField(max_length=80, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="issued_label_batches"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = verbose_name_plural = "封条批次"
        constraints = [models.CheckConstraint(condition=Q(count__gte=1), name="label_batch_count_positive")]


class Label(models.Model):
    code = models.CharField(max_length=20, primary_key=True)  # JY-445202-000123-1
    batch = models.ForeignKey(LabelBatch, on_delete=models.CASCADE, related_name="labels")
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="labels")
    serial = models.PositiveIntegerField()

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "封条"
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "serial"], name="label_serial_unique")]


class CustodyState(models.TextChoices):
    SEALED = "sealed", "已封样"
    DISPATCHED = "dispatched", "已寄送"
    RECEIVED_BY_LAB = "received_by_lab", "实验室已接收"
    RESULT = "result", "已出结果"


CUSTODY_ORDER = [CustodyState.SEALED, CustodyState.DISPATCHED, CustodyState.RECEIVED_BY_LAB, CustodyState.RESULT]


class Sample(models.Model):
    """Current state of `sample:{label_code}`; `flags` lists label problems."""

    doc_id = models.CharField(max_length=200, unique=True)
    rev = models.CharField(max_length=100)
    label_code = models.CharField(max_length=40, unique=True)
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="samples")
    label = models.ForeignKey(Label, null=True, blank=True, on_delete=models.SET_NULL, related_name="samples")
    product = models.JSONField(default=dict)
    quantity = models.JSONField(null=True)
    unit = models.CharField(max_length=32, blank=True)
    sealed_at = models.CharField(max_length=40, blank=True)
    photo_ids = models.JSONField(default=list)
    author = models.CharField(max_length=150, blank=True)
    custody_state = models.CharField(max_length=20, choices=CustodyState.choices, default=CustodyState.SEALED)
    flags = models.JSONField(default=list)

    class Meta:
        ordering = ["label_code"]
        verbose_name = verbose_name_plural = "样品"
        constraints = [
            models.CheckConstraint(condition=Q(custody_state__in=CustodyState.values), name="sample_custody_valid"),
        ]


class CustodyEvent(models.Model):
    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="custody_events")
    state = models.CharField(max_length=20, choices=CustodyState.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_name = models.CharField(max_length=150, blank=True)
    note = models.TextField(blank=True)
    result = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = verbose_name_plural = "样品流转记录"
        constraints = [
            models.CheckConstraint(condition=Q(state__in=CustodyState.values), name="custody_event_state_valid"),
            models.UniqueConstraint(fields=["sample", "state"], name="custody_event_once_per_state"),
        ]
