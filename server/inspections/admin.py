from django.contrib import admin

from .models import Inspection


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ("id", "enterprise", "product_category", "domain", "scheduled_for", "checklist_id")
    list_filter = ("product_category", "domain")
    filter_horizontal = ("inspectors",)
    search_fields = ("enterprise__name", "enterprise__credit_code")
