from django.contrib import admin

from . import models


class _ReadOnly(admin.ModelAdmin):
    """Append-only tables: visible, never edited or deleted from the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.AuditEvent)
class AuditEventAdmin(_ReadOnly):
    list_display = ["at", "actor", "action", "subject", "reason"]
    list_filter = ["action"]
    search_fields = ["subject", "reason"]


@admin.register(models.Review)
class ReviewAdmin(_ReadOnly):
    list_display = ["created_at", "inspection", "decision", "reviewer", "from_status", "to_status"]
    list_filter = ["decision"]


@admin.register(models.CertificationAudit)
class CertificationAuditAdmin(_ReadOnly):
    list_display = ["audit_date", "certificate", "enterprise", "result", "created_by"]
    list_filter = ["result"]


@admin.register(models.ConflictResolution)
class ConflictResolutionAdmin(_ReadOnly):
    list_display = ["created_at", "doc_id", "mode", "chosen_rev", "state", "resolved_by"]
    list_filter = ["state", "mode"]


@admin.register(models.Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ["created_at", "inspection", "item_code", "severity", "source"]
    list_filter = ["severity", "source"]
    readonly_fields = ["inspection", "created_by", "idempotency_key"]


@admin.register(models.RectificationOrder)
class RectificationOrderAdmin(_ReadOnly):
    list_display = ["issued_at", "inspection", "deadline", "status", "result"]


@admin.register(models.InspectionFlag)
class InspectionFlagAdmin(_ReadOnly):
    list_display = ["created_at", "inspection", "kind", "certificate"]
