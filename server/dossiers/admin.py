from django.contrib import admin

from .models import Answer, Blob, DocConflict, Dossier, FieldRevision, Label, LabelBatch, Photo, QuickTest, Sample


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    list_display = ["inspection", "status", "updated_at"]
    list_filter = ["status"]


@admin.register(FieldRevision)
class FieldRevisionAdmin(admin.ModelAdmin):
    list_display = ["doc_id", "rev", "doc_type", "inspection", "received_at"]
    search_fields = ["doc_id"]

    def has_change_permission(self, request, obj=None):
        return False  # immutable


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ["doc_id", "inspection", "item_code", "status", "flags"]
    list_filter = ["status"]


@admin.register(Sample)
class SampleAdmin(admin.ModelAdmin):
    list_display = ["label_code", "inspection", "custody_state", "flags"]


@admin.register(LabelBatch)
class LabelBatchAdmin(admin.ModelAdmin):
    list_display = ["id", "jurisdiction", "inspector", "count", "created_at"]


admin.site.register([Answer, Blob, DocConflict, Label, QuickTest])
