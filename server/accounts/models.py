"""Users with a role, jurisdictions (GB/T 2260 tree) and certification bodies (contract §1)."""
from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q


class Jurisdiction(models.Model):
    """An administrative division named by its GB/T 2260 code; includes those below it."""

    code = models.CharField("行政区划代码", max_length=6, primary_key=True)
    name = models.CharField("名称", max_length=64)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name="上级"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "辖区"
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[1-9][0-9]{5}$"), name="jurisdiction_code_gb2260"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CertificationBody(models.Model):
    code = models.CharField("机构代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=128)

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "认证机构"

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", "管理员"
    SUPERVISOR = "supervisor", "监管人员"
    INSPECTOR = "inspector", "检查人员"
    CERTIFIER = "certifier", "认证机构人员"
    ENTERPRISE = "enterprise", "企业用户"  # v2: an operator's own account, bound to one enterprise


class FieldUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # `manage.py createsuperuser` (contract §0) makes an administrator: no jurisdiction needed.
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    role = models.CharField("角色", max_length=16, choices=Role.choices, default=Role.INSPECTOR)
    full_name = models.CharField("姓名", max_length=64, blank=True)
    jurisdiction = models.ForeignKey(
        Jurisdiction, null=True, blank=True, on_delete=models.PROTECT, related_name="users", verbose_name="辖区"
    )
    certification_body = models.ForeignKey(
        CertificationBody, null=True, blank=True, on_delete=models.PROTECT, related_name="users",
        verbose_name="认证机构",
    )

    enterprise = models.ForeignKey(
        "registry.Enterprise", null=True, blank=True, on_delete=models.PROTECT, related_name="accounts",
        verbose_name="所属企业",
    )

    objects = FieldUserManager()

    class Meta(AbstractUser.Meta):
        verbose_name = verbose_name_plural = "用户"
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]), name="user_role_valid"
            ),
            models.CheckConstraint(
                condition=~Q(role__in=[Role.SUPERVISOR, Role.INSPECTOR]) | Q(jurisdiction__isnull=False),
                name="user_field_roles_have_jurisdiction",
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.CERTIFIER) | Q(certification_body__isnull=False),
                name="user_certifier_has_body",
            ),
            models.CheckConstraint(
                condition=(Q(role=Role.ENTERPRISE) & Q(enterprise__isnull=False))
                | (~Q(role=Role.ENTERPRISE) & Q(enterprise__isnull=True)),
                name="user_enterprise_role_has_enterprise",
            ),
        ]

    @property
    def effective_role(self) -> str:
        return Role.ADMIN if self.is_superuser else self.role
