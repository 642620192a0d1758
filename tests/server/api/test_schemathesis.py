"""schemathesis over the OpenAPI schema in the suite, with a small budget (issue 14): every
operation the schema lists, as admin and as inspector, positive and negative cases, half of them
on real objects; no answer may be a 5xx. The longer run is tests/fuzz/fuzz_api.py."""
import os

import pytest
from django.core.handlers.wsgi import WSGIHandler
from rest_framework.authtoken.models import Token

from tests.server.authz import world as authz_world
from tests.support import api_fuzz

# Transactional: requests run in autocommit as in production (a database error inside the test's
# own transaction would poison every later request on PostgreSQL).
pytestmark = pytest.mark.django_db(transaction=True)

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_SUITE_EXAMPLES", "3"))


def test_no_operation_answers_5xx(media_dirs):
    world = authz_world.build()
    roles = {role: Token.objects.get_or_create(user=world.users[role])[0].key for role in ("admin", "inspector")}
    report = api_fuzz.fuzz(app=WSGIHandler(), roles=roles, max_examples=MAX_EXAMPLES, seed=14,
                           path_values=api_fuzz.path_values_from(world))
    print("\n".join(report.lines()))
    assert report.operations >= 50, report.operations  # the schema lists every endpoint
    assert report.requests >= report.operations * 4
    assert not report.server_errors, "\n".join(report.lines())
