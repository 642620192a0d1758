"""Older PouchDB clients through the gateway: PouchDB 7 and 8 tablets (tests/e2e/node installs
them beside 9 as npm aliases) run the same scenarios as the PouchDB 9 tests in
test_gateway_e2e.py, with the same fixtures and the same assertions: push then pull with a photo
attachment, refused documents coming back alone, live sync delivering a colleague's document, an
interrupted push resuming from its checkpoint, and two tablets editing one document keeping both
revisions.

The test functions are taken from test_gateway_e2e.py as they are; only the `tablets` fixture
differs here (it starts tablets of the PouchDB version the test is parametrised with), so the
scenarios cannot drift apart between versions. A scenario that fails with one version against
the gateway goes in KNOWN_GATEWAY_FAILURES with the failing request, and runs as a strict xfail.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e import test_gateway_e2e as through_gateway
from tests.e2e.test_gateway_e2e import world  # noqa: F401 - fixture
from tests.support.tablet import Tablet

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OLDER_POUCHDB_VERSIONS = ("7", "8")

# (test name, PouchDB major) -> why it fails against the gateway (the request it fails on).
KNOWN_GATEWAY_FAILURES: dict[tuple[str, str], str] = {}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "pouchdb_version" not in metafunc.fixturenames:
        return
    name = metafunc.function.__name__
    params = []
    for version in OLDER_POUCHDB_VERSIONS:
        reason = KNOWN_GATEWAY_FAILURES.get((name, version))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(version, id=f"pouchdb{version}", marks=marks))
    metafunc.parametrize("pouchdb_version", params)


@pytest.fixture
def tablets(pouchdb_version: str) -> Iterator[callable]:
    """Like test_gateway_e2e's `tablets`, with tablets running PouchDB `pouchdb_version`."""
    started: list[Tablet] = []

    def start(name: str) -> Tablet:
        tablet = Tablet.start(name=name, pouchdb_version=pouchdb_version)
        started.append(tablet)
        assert tablet.pouchdb_version.split(".")[0] == pouchdb_version
        return tablet

    yield start
    for tablet in started:
        tablet.close()


test_push_then_pull_with_attachments = through_gateway.test_push_then_pull_with_attachments
test_refused_docs_come_back_alone_and_the_rest_is_stored = (
    through_gateway.test_refused_docs_come_back_alone_and_the_rest_is_stored
)
test_live_sync_delivers_a_colleagues_doc = through_gateway.test_live_sync_delivers_a_colleagues_doc
test_an_interrupted_push_resumes_from_its_checkpoint = through_gateway.test_an_interrupted_push_resumes_from_its_checkpoint
test_two_tablets_editing_one_document_keep_both_revisions = (
    through_gateway.test_two_tablets_editing_one_document_keep_both_revisions
)
test_token_authentication_replicates_too = through_gateway.test_token_authentication_replicates_too
