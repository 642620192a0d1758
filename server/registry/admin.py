from django.contrib import admin

from .models import (
    CccCertificate, DisposalReport, Enterprise, NoticeRecipient, ProductionLicence, RegisterEntry, UnqualifiedNotice,
    UnqualifiedProduct,
)


class LicenceInline(admin.TabularInline):
    model = ProductionLicence
    extra = 0


class CertificateInline(admin.TabularInline):
    model = CccCertificate
    extra = 0


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code", "jurisdiction")
    list_filter = ("jurisdiction",)
    search_fields = ("name", "credit_code")
    inlines = [LicenceInline, CertificateInline]


@admin.register(UnqualifiedProduct)
class UnqualifiedProductAdmin(admin.ModelAdmin):
    list_display = ("product_name", "model", "product_category", "manufacturer", "found_in", "rectified")
    list_filter = ("product_category", "rectified")
    search_fields = ("product_name", "model", "brand", "manufacturer", "batch")

    def save_model(self, request, obj, form, change):
        from .services import unqualified_product_keep_key

        unqualified_product_keep_key(product=obj)
        super().save_model(request, obj, form, change)


@admin.register(RegisterEntry)
class RegisterEntryAdmin(admin.ModelAdmin):
    list_display = ("enterprise", "role", "product_category", "channel", "updated_at")
    list_filter = ("role", "product_category", "channel")
    search_fields = ("enterprise__name", "enterprise__credit_code")
    raw_id_fields = ("enterprise",)


class NoticeRecipientInline(admin.TabularInline):
    model = NoticeRecipient
    extra = 0
    raw_id_fields = ("enterprise",)
    readonly_fields = ("enterprise", "products")
    can_delete = False


@admin.register(UnqualifiedNotice)
class UnqualifiedNoticeAdmin(admin.ModelAdmin):
    list_display = ("pk", "jurisdiction", "product_categories", "sent_by", "sent_at")
    list_filter = ("jurisdiction",)
    readonly_fields = ("jurisdiction", "product_categories", "sent_by", "sent_at", "idempotency_key")
    inlines = [NoticeRecipientInline]


@admin.register(DisposalReport)
class DisposalReportAdmin(admin.ModelAdmin):
    list_display = ("enterprise", "unqualified_product", "action", "reported_on", "penalty_exemption")
    list_filter = ("action", "penalty_exemption")
    search_fields = ("enterprise__name",)
    raw_id_fields = ("enterprise", "unqualified_product", "submitted_by")
