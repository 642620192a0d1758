from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import CertificationBody, Jurisdiction, User


@admin.register(User)
class FieldUserAdmin(UserAdmin):
    list_display = ("username", "full_name", "role", "jurisdiction", "certification_body", "is_active")
    list_filter = ("role", "jurisdiction", "is_active")
    fieldsets = UserAdmin.fieldsets + (("角色与辖区", {"fields": ("role", "full_name", "jurisdiction", "certification_body")}),)
    add_fieldsets = UserAdmin.add_fieldsets + (("角色与辖区", {"fields": ("role", "full_name", "jurisdiction", "certification_body")}),)


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent")
    search_fields = ("code", "name")


@admin.register(CertificationBody)
class CertificationBodyAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
