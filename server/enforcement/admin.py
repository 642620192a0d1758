from django.contrib import admin

from server.reviews.admin import _ReadOnly

from . import models


@admin.register(models.EnforcementCase)
class EnforcementCaseAdmin(_ReadOnly):
    list_display = ["referred_at", "inspection", "status", "case_number", "outcome"]


@admin.register(models.ProducerNotice)
class ProducerNoticeAdmin(_ReadOnly):
    list_display = ["sent_at", "producer_name", "status"]
