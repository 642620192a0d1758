from django.db import models


class ProductCategory(models.TextChoices):
    FOOD_PAPER_PACKAGING = "food-paper-packaging", "食品用纸包装"
    WIRE_CABLE = "wire-cable", "电线电缆"
    EXPLOSION_PROOF_ELECTRICAL = "explosion-proof-electrical", "防爆电气"
    GRINDING_WHEEL = "grinding-wheel", "砂轮"
    HAZARDOUS_CHEMICAL = "hazardous-chemical", "危险化学品"
    HAZCHEM_PACKAGING = "hazchem-packaging", "危险化学品包装物、容器"


class EnterpriseRole(models.TextChoices):
    PRODUCER = "producer", "生产企业"
    SELLER = "seller", "销售者"
    USER = "user", "经营性用户"


class Domain(models.TextChoices):
    PRODUCTION = "production", "生产"
    DISTRIBUTION = "distribution", "流通"
    USE = "use", "使用"


# The enterprise role an inspection domain needs.
DOMAIN_ROLE = {
    Domain.PRODUCTION: EnterpriseRole.PRODUCER,
    Domain.DISTRIBUTION: EnterpriseRole.SELLER,
    Domain.USE: EnterpriseRole.USER,
}


class CertificateStatus(models.TextChoices):
    VALID = "valid", "有效"
    SUSPENDED = "suspended", "暂停"
    REVOKED = "revoked", "撤销"
    CANCELLED = "cancelled", "注销"
