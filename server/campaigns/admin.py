from django.contrib import admin

from .models import Campaign, Deadline, Phase


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


class DeadlineInline(admin.TabularInline):
    model = Deadline
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "jurisdiction")
    search_fields = ("code", "title")
    inlines = [PhaseInline, DeadlineInline]
