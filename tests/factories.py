"""factory_boy factories for the models the tests need. Passwords are hashed once with the real
argon2 hasher and shared, so creating many users stays fast."""
from __future__ import annotations

import datetime
import functools
import random

import factory
from django.contrib.auth.hashers import make_password

from server.accounts.models import CertificationBody, Jurisdiction, Role, User
from server.registry.identifiers import CREDIT_CODE_CHARSET, credit_code_check_char
from server.registry.models import Enterprise

PASSWORD = "correct-horse-42"


@functools.cache
def _password_hash() -> str:
    return make_password(PASSWORD)


def make_credit_code(*, jurisdiction: str = "445202", seed: int | None = None) -> str:
    rng = random.Random(seed)
    org = "".join(rng.choice(CREDIT_CODE_CHARSET) for _ in range(9))
    first17 = "91" + jurisdiction + org
    return first17 + credit_code_check_char(first17)


class CertificationBodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertificationBody
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"CB{n:03d}")
    name = factory.Sequence(lambda n: f"认证机构{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.INSPECTOR
    full_name = factory.Sequence(lambda n: f"检查员{n}")
    password = factory.LazyFunction(_password_hash)

    @factory.lazy_attribute
    def jurisdiction(self):
        if self.role in (Role.SUPERVISOR, Role.INSPECTOR):
            return Jurisdiction.objects.get(code="445202")
        return None

    @factory.lazy_attribute
    def certification_body(self):
        return CertificationBodyFactory() if self.role == Role.CERTIFIER else None

    @factory.lazy_attribute
    def enterprise(self):
        return EnterpriseFactory() if self.role == Role.ENTERPRISE else None


def user(role: str = Role.INSPECTOR, jurisdiction: str | None = None, **kwargs) -> User:
    if jurisdiction is not None:
        kwargs["jurisdiction"] = Jurisdiction.objects.get(code=jurisdiction)
    if role == Role.ADMIN:
        kwargs.setdefault("is_staff", True)
    return UserFactory(role=role, **kwargs)


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"揭阳市测试电缆有限公司{n}")
    address = "揭阳市榕城区测试路1号"
    roles = factory.LazyFunction(lambda: ["producer", "seller", "user"])
    product_categories = factory.LazyFunction(
        lambda: ["wire-cable", "food-paper-packaging", "explosion-proof-electrical", "grinding-wheel",
                 "hazardous-chemical", "hazchem-packaging"]
    )

    @factory.lazy_attribute
    def jurisdiction(self):
        return Jurisdiction.objects.get(code="445202")

    @factory.lazy_attribute_sequence
    def credit_code(self, n):
        return make_credit_code(jurisdiction=self.jurisdiction.code, seed=n)


def enterprise(jurisdiction: str = "445202", **kwargs) -> Enterprise:
    return EnterpriseFactory(jurisdiction=Jurisdiction.objects.get(code=jurisdiction), **kwargs)


def inspection(*, enterprise_obj: Enterprise | None = None, inspectors: list[User] | None = None,
               category: str = "wire-cable", domain: str = "production", actor: User | None = None):
    """An inspection created through the real service (with its dossier)."""
    from server.inspections.services import inspection_create

    enterprise_obj = enterprise_obj or enterprise()
    inspectors = inspectors or [user(Role.INSPECTOR, jurisdiction=enterprise_obj.jurisdiction_id)]
    actor = actor or user(Role.ADMIN)
    return inspection_create(
        actor=actor,
        enterprise_id=enterprise_obj.pk,
        product_category=category,
        domain=domain,
        inspectors=[u.username for u in inspectors],
        scheduled_for=datetime.date(2019, 7, 1),
    )


def two_counties() -> dict:
    """Two counties: 榕城区 (445202) with inspections a (alice, bob) and b (carol); 揭东区 (445203)
    with c (dave). Returns the users and inspections by those names."""
    alice, bob, carol = (user(Role.INSPECTOR, jurisdiction="445202") for _ in range(3))
    dave = user(Role.INSPECTOR, jurisdiction="445203")
    a = inspection(enterprise_obj=enterprise("445202"), inspectors=[alice, bob])
    b = inspection(enterprise_obj=enterprise("445202"), inspectors=[carol])
    c = inspection(enterprise_obj=enterprise("445203"), inspectors=[dave])
    return {"alice": alice, "bob": bob, "carol": carol, "dave": dave, "a": a, "b": b, "c": c}


# --- draws (issue 11) ---------------------------------------------------------------------------

_licence_numbers = iter(range(1, 10**7))


def licence(enterprise_obj: Enterprise, category: str = "wire-cable", valid_until=None):
    from server.registry.models import ProductionLicence

    return ProductionLicence.objects.create(enterprise=enterprise_obj, number=f"XK06-{next(_licence_numbers):08d}",
                                            product_category=category, valid_until=valid_until)


def ccc_certificate(enterprise_obj: Enterprise, category: str = "wire-cable", status: str = "valid"):
    from server.registry.models import CccCertificate

    return CccCertificate.objects.create(enterprise=enterprise_obj, number=f"2019{next(_licence_numbers):012d}",
                                         product_category=category, status=status)
