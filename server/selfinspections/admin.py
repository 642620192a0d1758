from django.contrib import admin

from .models import SelfInspection


@admin.register(SelfInspection)
class SelfInspectionAdmin(admin.ModelAdmin):
    list_display = ("enterprise", "product_category", "campaign", "submitted_on", "problems", "status", "late")
    list_filter = ("campaign", "product_category", "status", "late")
    search_fields = ("enterprise__name", "enterprise__credit_code")
    raw_id_fields = ("enterprise", "submitted_by")
