"""Operators' own accounts (role `enterprise`, contract §1 v2) cannot sync: every sync endpoint
answers 403, with HTTP Basic or a token, and nothing they push is stored."""
from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from server.accounts.models import Role
from server.dossiers.models import FieldRevision
from sync import publisher
from tests import factories
from tests.sync.gateway.conftest import SyncClient, answer

pytestmark = pytest.mark.django_db


def test_an_enterprise_account_is_refused_everywhere(sync_store):
    world = factories.two_counties()
    publisher.publish_all_pending(full=True)
    operator = factories.user(Role.ENTERPRISE, enterprise=world["a"].enterprise)
    token = Token.objects.create(user=operator).key
    doc = answer(world["a"], operator)
    for client in (SyncClient(operator), SyncClient(token=token)):
        assert client.get("").status_code == 403
        assert client.get("_changes").status_code == 403
        assert client.get("_all_docs").status_code == 403
        assert client.get(f"inspection:{world['a'].pk}").status_code == 403
        assert client.post("_bulk_get", {"docs": [{"id": f"inspection:{world['a'].pk}"}]}).status_code == 403
        assert client.push([doc]).status_code == 403
        assert client.put("_local/checkpoint", {"last_seq": "0"}).status_code == 403
    assert not FieldRevision.objects.filter(doc_id=doc["_id"]).exists()
