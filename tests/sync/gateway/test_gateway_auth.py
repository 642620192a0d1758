"""Authentication at the gateway: Basic and Token, the short-lived verified-credential cache."""
from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from server.accounts.models import Role
from sync.gateway import auth
from tests import factories
from tests.sync.gateway.conftest import SyncClient, body_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    auth.clear_credential_cache()
    yield
    auth.clear_credential_cache()


@pytest.fixture
def counted_checks(monkeypatch):
    calls = {"n": 0}
    real = auth.check_password

    def counting(password, encoded):
        calls["n"] += 1
        return real(password, encoded)

    monkeypatch.setattr(auth, "check_password", counting)
    return calls


def test_no_or_wrong_credentials_are_401_json(sync_store):
    user = factories.user(Role.INSPECTOR)
    for client in (SyncClient(), SyncClient(user, password="wrong-password"), SyncClient(token="nope")):
        response = client.get("")
        assert response.status_code == 401
        assert body_of(response)["error"] == "unauthorized"
    malformed = SyncClient()
    malformed.headers["HTTP_AUTHORIZATION"] = "Basic %%%not-base64"
    assert malformed.get("").status_code == 401


def test_basic_and_token_both_work(sync_store):
    user = factories.user(Role.INSPECTOR)
    token, _ = Token.objects.get_or_create(user=user)
    assert SyncClient(user).get("").status_code == 200
    assert SyncClient(token=token.key).get("").status_code == 200


def test_a_verified_password_is_not_hashed_again_until_it_changes(sync_store, counted_checks):
    user = factories.user(Role.INSPECTOR)
    client = SyncClient(user)
    for _ in range(5):
        assert client.get("_changes").status_code == 200
    assert counted_checks["n"] == 1
    user.set_password("another-password-77")
    user.save()
    assert client.get("_changes").status_code == 401
    assert SyncClient(user, password="another-password-77").get("_changes").status_code == 200


def test_a_deactivated_user_is_refused_at_once(sync_store, counted_checks):
    user = factories.user(Role.INSPECTOR)
    client = SyncClient(user)
    assert client.get("_changes").status_code == 200
    user.is_active = False
    user.save()
    assert client.get("_changes").status_code == 401


def test_the_cache_expires(sync_store, counted_checks, settings):
    settings.SYNC_CREDENTIAL_CACHE_S = 0
    user = factories.user(Role.INSPECTOR)
    client = SyncClient(user)
    client.get("_changes")
    client.get("_changes")
    assert counted_checks["n"] == 2


def test_the_cache_holds_no_password():
    auth._remember(auth._digest("basic:secret"), 1, "fp")
    assert all("secret" not in key for key in auth._cache)


def test_a_credential_verified_by_another_process_is_not_hashed_again(sync_store, counted_checks):
    """The verified-credential cache is shared through SQL: a process whose own cache is empty (a
    second worker, another node) takes the credential without an argon2 check."""
    user = factories.user(Role.INSPECTOR)
    assert SyncClient(user).get("_changes").status_code == 200
    auth.clear_credential_cache()  # as if the next request reached another process
    assert SyncClient(user).get("_changes").status_code == 200
    assert counted_checks["n"] == 1
    from sync.gateway.models import VerifiedCredential

    stored = VerifiedCredential.objects.get(user=user)
    assert factories.PASSWORD not in stored.key and len(stored.key) == 64


def test_the_shared_cache_ends_with_a_password_change_or_deactivation(sync_store, counted_checks):
    user = factories.user(Role.INSPECTOR)
    assert SyncClient(user).get("_changes").status_code == 200
    user.set_password("another-password-77")
    user.save()
    auth.clear_credential_cache()
    assert SyncClient(user).get("_changes").status_code == 401
    fresh = factories.user(Role.INSPECTOR)
    assert SyncClient(fresh).get("_changes").status_code == 200
    fresh.is_active = False
    fresh.save()
    auth.clear_credential_cache()
    assert SyncClient(fresh).get("_changes").status_code == 401


def test_repeated_wrong_passwords_are_throttled_with_retry_after(sync_store, settings, counted_checks):
    settings.SYNC_AUTH_FAILURES_PER_USER = 3
    user = factories.user(Role.INSPECTOR)
    already = SyncClient(user)
    assert already.get("_changes").status_code == 200  # a tablet signed in before the guessing
    guesser = SyncClient(user, password="wrong-password")
    assert [guesser.get("").status_code for _ in range(3)] == [401, 401, 401]
    checks = counted_checks["n"]
    refused = guesser.get("")
    assert refused.status_code == 429 and body_of(refused)["error"] == "too_many_requests"
    assert 1 <= int(refused["Retry-After"]) <= settings.SYNC_AUTH_FAILURE_WINDOW_S + 1
    assert counted_checks["n"] == checks  # no hash checked while throttled
    auth.clear_credential_cache()
    assert SyncClient(user).get("_changes").status_code == 200  # verified before: still works
    other = factories.user(Role.INSPECTOR)
    assert SyncClient(other).get("_changes").status_code == 200  # other users are not affected


def test_failures_from_one_address_are_throttled_across_usernames(sync_store, settings):
    settings.SYNC_AUTH_FAILURES_PER_IP = 4
    statuses = [SyncClient(factories.user(Role.INSPECTOR), password="wrong-password").get("").status_code
                for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
