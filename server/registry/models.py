"""Enterprises of the campaign's information base, with their production licences and CCC
certificates (contract §3)."""
from __future__ import annotations

from django.db import models
from django.db.models import Q

from server.accounts.models import CertificationBody, Jurisdiction

from .choices import CertificateStatus, ProductCategory


class Enterprise(models.Model):
    name = models.CharField("企业名称", max_length=200)
    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    address = models.CharField("地址", max_length=300)
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="enterprises", verbose_name="辖区")
    roles = models.JSONField("经营角色", default=list)
    product_categories = models.JSONField("产品类别", default=list)
    latitude = models.FloatField("纬度", null=True, blank=True)
    longitude = models.FloatField("经度", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = verbose_name_plural = "企业"
        constraints = [
            models.CheckConstraint(condition=Q(credit_code__regex=r"^[0-9A-Z]{18}$"), name="enterprise_credit_code_shape"),
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | (Q(latitude__gte=-90) & Q(latitude__lte=90) & Q(longitude__gte=-180) & Q(longitude__lte=180)),
                name="enterprise_location_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProductionLicence(models.Model):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="licences")
    number = models.CharField("许可证编号", max_length=32, unique=True)
    product_category = models.CharField("产品类别", max_length=32, choices=ProductCategory.choices)
    valid_until = models.DateField("有效期至", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = verbose_name_plural = "生产许可证"
        constraints = [
            models.CheckConstraint(condition=Q(product_category__in=ProductCategory.values), name="licence_category_valid"),
        ]

    def __str__(self) -> str:
        return self.number


class CccCertificate(models.Model):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="certificates")
    number = models.CharField("证书编号", max_length=16, unique=True)
    product_category = models.CharField("产品类别", max_length=32, choices=ProductCategory.choices)
    certification_body = models.ForeignKey(
        CertificationBody, null=True, blank=True, on_delete=models.PROTECT, related_name="certificates", verbose_name="发证机构"
    )
    status = models.CharField("状态", max_length=16, choices=CertificateStatus.choices, default=CertificateStatus.VALID)
    valid_until = models.DateField("有效期至", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = verbose_name_plural = "CCC 证书"
        constraints = [
            models.CheckConstraint(condition=Q(number__regex=r"^[0-9]{16}$"), name="ccc_number_shape"),
            models.CheckConstraint(condition=Q(product_category__in=ProductCategory.values), name="ccc_category_valid"),
            models.CheckConstraint(condition=Q(status__in=CertificateStatus.values), name="ccc_status_valid"),
        ]

    def __str__(self) -> str:
        return self.number


class UnqualifiedProduct(models.Model):
    """A product found unqualified in a sampling round (不合格产品), sent to every tablet as a
    read-only reference doc `unqualified-product:{id}` (contract §5)."""

    product_category = models.CharField("产品类别", max_length=32, choices=ProductCategory.choices)
    product_name = models.CharField("产品名称", max_length=200)
    model = models.CharField("型号规格", max_length=200, blank=True)
    brand = models.CharField("商标", max_length=100, blank=True)
    manufacturer = models.CharField("生产企业", max_length=200, blank=True)
    batch = models.CharField("生产批次", max_length=100, blank=True)
    found_in = models.CharField("抽查轮次", max_length=200, blank=True)
    rectified = models.BooleanField("已整改", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = verbose_name_plural = "不合格产品"
        constraints = [
            models.CheckConstraint(condition=Q(product_category__in=ProductCategory.values), name="unqualified_category_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.product_name} {self.model}".strip()
