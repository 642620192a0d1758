"""Moving cases out of server.reviews keeps every row: a case written before the move is there after
it, with its enterprise, county, category and opening date filled from its inspection."""
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from server.accounts.models import Role
from tests import factories

BEFORE = [("reviews", "0001_initial"), ("enforcement", None)]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_case_from_before_the_move_survives_it():
    inspection = factories.inspection()
    admin = factories.user(Role.ADMIN)
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate([("enforcement", None)])
    executor = MigrationExecutor(connection)
    executor.migrate([("reviews", "0001_initial")])
    old = MigrationExecutor(connection).loader.project_state([("reviews", "0001_initial")]).apps
    Finding = old.get_model("reviews", "Finding")
    Case = old.get_model("reviews", "EnforcementCase")
    finding = Finding.objects.create(inspection_id=inspection.pk, item_code="mark-1", severity="major",
                                     description="标志不规范", created_by_id=admin.pk)
    case = Case.objects.create(inspection_id=inspection.pk, findings_key=str(finding.pk), reason="r", report="报告",
                               status="closed", outcome="transferred", referred_by_id=admin.pk)
    case.findings.set([finding])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(latest)
    from server.enforcement.models import EnforcementCase

    moved = EnforcementCase.objects.get(pk=case.pk)
    assert moved.enterprise_id == inspection.enterprise_id
    assert moved.jurisdiction_id == inspection.enterprise.jurisdiction_id
    assert moved.product_category == "wire-cable" and moved.opened_on is not None
    assert [f.pk for f in moved.findings.all()] == [finding.pk]
    assert moved.source == "inspection" and moved.transferred_to
