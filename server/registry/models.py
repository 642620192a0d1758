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
    contact = models.CharField("联系人", max_length=64, blank=True)
    phone = models.CharField("联系电话", max_length=32, blank=True)
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
    # manufacturer + model after normalisation (matching.product_key); "" when either is blank.
    match_key = models.CharField("比对键", max_length=420, blank=True, db_index=True, editable=False)
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


class SalesChannel(models.TextChoices):
    SPECIALISED_MARKET = "specialised-market", "专业市场"
    WHOLESALE_MARKET = "wholesale-market", "批发市场"
    MALL = "mall", "商场"
    SUPERMARKET = "supermarket", "超市"
    SHOP = "shop", "门店"
    ONLINE_SHOP = "online-shop", "网店"


class RegisterEntry(models.Model):
    """One row of the register survey (plan 三(一), att. 8–10): an enterprise in one role for one
    product category, with the seller's channel."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="register_entries", verbose_name="企业")
    role = models.CharField("经营角色", max_length=16)
    product_category = models.CharField("产品类别", max_length=32, choices=ProductCategory.choices)
    channel = models.CharField("销售渠道", max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = verbose_name_plural = "信息库登记"
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "role", "product_category"], name="register_entry_unique"),
            models.CheckConstraint(condition=Q(role__in=["producer", "seller", "user"]), name="register_entry_role_valid"),
            models.CheckConstraint(condition=Q(product_category__in=ProductCategory.values), name="register_entry_category_valid"),
            models.CheckConstraint(condition=Q(channel="") | Q(channel__in=SalesChannel.values), name="register_entry_channel_valid"),
        ]


class UnqualifiedNotice(models.Model):
    """Sending the unqualified-product list to the sellers and users of a jurisdiction (plan 三(三)2)."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+", verbose_name="辖区")
    product_categories = models.JSONField("产品类别", default=list)
    sent_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name="发送人")
    sent_at = models.DateTimeField("发送时间", auto_now_add=True)
    idempotency_key = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = verbose_name_plural = "不合格产品名单通知"
        constraints = [
            models.UniqueConstraint(fields=["sent_by", "idempotency_key"], condition=~Q(idempotency_key=""),
                                    name="unqualified_notice_idempotency_key"),
        ]


class NoticeRecipient(models.Model):
    """One enterprise's copy of a notice, with the list exactly as it was sent."""

    notice = models.ForeignKey(UnqualifiedNotice, on_delete=models.CASCADE, related_name="recipients", verbose_name="通知")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="unqualified_notices", verbose_name="企业")
    products = models.JSONField("名单（发送时）", default=list)

    class Meta:
        ordering = ["notice", "enterprise"]
        verbose_name = verbose_name_plural = "通知接收企业"
        constraints = [models.UniqueConstraint(fields=["notice", "enterprise"], name="notice_recipient_unique")]


class DisposalAction(models.TextChoices):
    STOPPED_SALE = "stopped-sale", "停止销售"
    RETURNED = "returned", "退货"
    DESTROYED = "destroyed", "销毁"
    RECALLED = "recalled", "召回"


class PenaltyExemption(models.TextChoices):
    ELIGIBLE = "eligible", "可免予行政处罚"
    NOT_ELIGIBLE = "not-eligible", "不符合免罚条件"


class DisposalReport(models.Model):
    """An operator's report of what it did with an unqualified product (plan 三(三)2)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="disposal_reports", verbose_name="企业")
    unqualified_product = models.ForeignKey(UnqualifiedProduct, on_delete=models.PROTECT, related_name="disposal_reports",
                                            verbose_name="不合格产品")
    action = models.CharField("处置方式", max_length=16, choices=DisposalAction.choices)
    quantity = models.DecimalField("数量", max_digits=14, decimal_places=3, null=True, blank=True)
    stopped_sale_on = models.DateField("停止销售日期", null=True, blank=True)
    reported_on = models.DateField("报告日期")
    harm_caused = models.BooleanField("造成危害", default=False)
    complaint_received_on = models.DateField("被举报日期", null=True, blank=True)
    penalty_exemption = models.CharField("免罚判定", max_length=16, choices=PenaltyExemption.choices)
    exemption_reason = models.TextField("判定理由")
    found_on = models.DateField("检查发现日期", null=True, blank=True)
    submitted_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name="提交人")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-reported_on", "-id"]
        verbose_name = verbose_name_plural = "不合格产品处置报告"
        constraints = [
            # The natural key: a retry of the same report is never a second report.
            models.UniqueConstraint(fields=["enterprise", "unqualified_product", "action", "reported_on"],
                                    name="disposal_report_natural_key"),
            models.CheckConstraint(condition=Q(action__in=DisposalAction.values), name="disposal_action_valid"),
            models.CheckConstraint(condition=Q(penalty_exemption__in=PenaltyExemption.values), name="disposal_exemption_valid"),
            models.CheckConstraint(condition=Q(quantity__isnull=True) | Q(quantity__gte=0), name="disposal_quantity_positive"),
        ]
