"""The objects the authorisation matrix probes with, made with factories and the real services:
for every kind of object that a URL names, one in the callers' own jurisdiction (445202 榕城区,
enterprise `own`), one of another enterprise in the same jurisdiction (`sibling`), and one in
another jurisdiction (445203 揭东区, `other`)."""
from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from server.accounts.models import Role
from server.credit.models import SeriousDishonesty
from server.draws.models import Draw, InspectorUnavailability
from server.registry.models import CccCertificate, NoticeRecipient, UnqualifiedNotice, UnqualifiedProduct
from tests import factories
from tests.server.reviews import dossier_rows as rows

SCOPES = ("own", "sibling", "other")
ROLES = ("anonymous", "admin", "supervisor", "inspector", "certifier", "enterprise")


@dataclass
class Side:
    """The objects of one scope."""

    enterprise: Any
    inspection: Any
    photo: Any = None
    sample: Any = None
    batch: Any = None
    finding: Any = None
    order: Any = None
    case: Any = None
    notice: Any = None
    audit: Any = None
    certificate: Any = None
    unqualified_notice: Any = None
    draw: Any = None
    jurisdiction: str = "445202"
    inspector: Any = None
    supervisor: Any = None


@dataclass
class World:
    users: dict[str, Any]
    sides: dict[str, Side] = field(default_factory=dict)
    unqualified_product: Any = None

    def side(self, scope: str) -> Side:
        return self.sides[scope]


def build() -> World:
    from server.dossiers import labels
    from server.enforcement import services as enforcement
    from server.reviews import services

    admin = factories.user(Role.ADMIN, username="mx-admin")
    supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445202", username="mx-supervisor")
    inspector = factories.user(Role.INSPECTOR, jurisdiction="445202", username="mx-inspector")
    other_inspector = factories.user(Role.INSPECTOR, jurisdiction="445203", username="mx-inspector-other")
    other_supervisor = factories.user(Role.SUPERVISOR, jurisdiction="445203", username="mx-supervisor-other")
    certifier = factories.user(Role.CERTIFIER, username="mx-certifier")
    other_certifier = factories.user(Role.CERTIFIER, username="mx-certifier-other")
    own_enterprise = factories.enterprise("445202", name="矩阵本企业")
    enterprise_user = factories.user(Role.ENTERPRISE, enterprise=own_enterprise, username="mx-enterprise")
    world = World(users={"admin": admin, "supervisor": supervisor, "inspector": inspector, "certifier": certifier,
                         "enterprise": enterprise_user})
    plan = {
        "own": (own_enterprise, inspector, supervisor, certifier, "445202"),
        "sibling": (factories.enterprise("445202", name="矩阵同辖区他企业"), inspector, supervisor, certifier, "445202"),
        "other": (factories.enterprise("445203", name="矩阵他辖区企业"), other_inspector, other_supervisor,
                  other_certifier, "445203"),
    }
    for n, (scope, (enterprise, field_inspector, boss, body_user, code)) in enumerate(plan.items()):
        inspection = factories.inspection(enterprise_obj=enterprise, inspectors=[field_inspector], actor=admin)
        side = Side(enterprise=enterprise, inspection=inspection)
        rows.answer(inspection, "mark-1", False, note="无厂址")
        rows.conflict(inspection, "mark-2")
        side.photo = rows.photo(inspection, colour=(10 + 60 * n, 40, 40))
        side.batch = labels.label_batch_issue(actor=admin, jurisdiction=code, count=2,
                                              inspector=field_inspector.username)
        side.sample = rows.sample(inspection, label_code=side.batch.labels.order_by("serial").first().code)
        side.finding, _ = services.finding_create(actor=admin, inspection=inspection, item_code="mark-1",
                                                  severity="minor", description="无厂址")
        side.order, _ = services.rectification_issue(actor=admin, inspection=inspection, findings=[side.finding.pk],
                                                     requirements="补标厂址", deadline="2030-01-01")
        side.case, _ = enforcement.case_refer(actor=admin, inspection=inspection, findings=[side.finding.pk],
                                           reason="涉嫌无厂址")
        side.notice, _ = enforcement.notice_send(actor=admin, finding=side.finding, producer_name=enterprise.name,
                                              defect_description="标志缺厂址")
        side.certificate = CccCertificate.objects.create(
            enterprise=enterprise, number=f"20190101051234{n:02d}", product_category="wire-cable",
            certification_body=body_user.certification_body)
        side.audit, _ = services.certification_audit_create(
            actor=body_user, certificate_number=side.certificate.number, enterprise=enterprise.pk,
            product_category="wire-cable", result="maintained", findings="", audit_date=datetime.date.today().isoformat(),
            report={"name": "r.pdf", "content_base64": base64.b64encode(b"%PDF-1.4 report").decode()})
        rows.submitted(inspection)
        side.jurisdiction, side.inspector, side.supervisor = code, field_inspector, boss
        # issue 10: an unqualified-product notice whose one recipient is this scope's enterprise
        side.unqualified_notice = UnqualifiedNotice.objects.create(
            jurisdiction_id=code, product_categories=["wire-cable"], sent_by=boss)
        NoticeRecipient.objects.create(notice=side.unqualified_notice, enterprise=enterprise, products=[])
        # issue 11: an announced draw of this scope's jurisdiction (sibling: the same one as own)
        side.draw = (world.sides["own"].draw if scope == "sibling" else Draw.objects.create(
            jurisdiction_id=code, product_category="wire-cable", domain="production",
            population_kind="producers", percent=10, scheduled_for=datetime.date(2030, 1, 1), population_sha256="0" * 64,
            announced_by=admin, announced_at=timezone.now()))
        world.sides[scope] = side
    world.unqualified_product = UnqualifiedProduct.objects.create(
        product_category="wire-cable", product_name="矩阵电线", model="BV-2.5", manufacturer="矩阵电缆厂")
    return world


def unavailability(world: World, scope: str):
    """A fresh period of the scope's inspector (a DELETE probe removes the one it is given)."""
    side = world.side(scope)
    return InspectorUnavailability.objects.create(
        inspector=side.inspector, starts=datetime.date(2030, 1, 1), ends=datetime.date(2030, 1, 2), kind="leave")


def dishonesty(world: World, scope: str):
    """A fresh serious-dishonesty entry of the scope's enterprise (a removal probe removes it)."""
    enterprise = world.side(scope).enterprise
    listed = SeriousDishonesty.objects.filter(enterprise=enterprise, removed_at__isnull=True).first()
    if listed is not None:
        return listed
    SeriousDishonesty.objects.filter(enterprise=enterprise).delete()
    return SeriousDishonesty.objects.create(enterprise=enterprise, basis="矩阵探测",
                                            decided_on=datetime.date(2019, 7, 1), listed_by=world.users["admin"])


def import_progress(world: World, scope: str) -> str:
    """The key of an import started by the enterprise account (own) or by someone else."""
    from server.registry.imports.progress import Progress

    starter = {"own": world.users["enterprise"], "sibling": world.users["supervisor"],
               "other": world.side("other").supervisor}[scope]
    key = f"matrix-{scope}-progress"
    Progress(key=key, user_id=starter.pk, kind="producers").start()
    return key
