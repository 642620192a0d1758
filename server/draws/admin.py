from django.contrib import admin

from .models import Draw, InspectorUnavailability


@admin.register(InspectorUnavailability)
class InspectorUnavailabilityAdmin(admin.ModelAdmin):
    list_display = ("inspector", "starts", "ends", "kind", "note")
    list_filter = ("kind",)
    search_fields = ("inspector__username", "inspector__full_name")
    autocomplete_fields = ("inspector",)
    exclude = ("created_by",)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Draw)
class DrawAdmin(admin.ModelAdmin):
    """Read-only: draws are announced and executed through the API or the supervisor pages."""

    list_display = ("id", "jurisdiction", "product_category", "population_kind", "status", "population_count",
                    "announced_at", "executed_at")
    list_filter = ("status", "product_category")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
