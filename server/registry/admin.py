from django.contrib import admin

from .models import CccCertificate, Enterprise, ProductionLicence, UnqualifiedProduct


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
