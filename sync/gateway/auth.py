"""Who is calling: HTTP Basic (username and password, what PouchDB's `auth` option sends) or
`Authorization: Token <key>` (DRF token).

A replication sends its credentials with every request; checking an argon2 hash each time would
make sync crawl. A verified Basic credential is remembered for SYNC_CREDENTIAL_CACHE_S seconds under
an HMAC of the header (keyed with SECRET_KEY, so the cache never holds a password), together with a
fingerprint of the user's password hash: a password change or deactivation ends it at once.

Verified credentials are shared by every process and node through SQL (`VerifiedCredential`, same
key, same fingerprint, an expiry): a tablet's requests spread over workers and nodes cost one argon2
check in all, not one per process. Within a process, checks of one credential run one at a time
(single flight), and across processes the first to start claims it in SQL (a pending row) while the
others wait up to SYNC_AUTH_PEER_WAIT_S for its answer, so a tablet's simultaneous first requests,
spread over workers and nodes, verify it once.

Wrong passwords are throttled like the token endpoint: more than SYNC_AUTH_FAILURES_PER_USER
failures for one username (or SYNC_AUTH_FAILURES_PER_IP from one address) within
SYNC_AUTH_FAILURE_WINDOW_S answer 429 with Retry-After (PouchDB retries later), before any hash
is checked. Credentials verified earlier keep working: a guesser cannot lock out a tablet that
already signed in.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework.authtoken.models import Token

from .http import GatewayError
from .models import AuthFailure, VerifiedCredential

_MAX_ENTRIES = 10_000
_FIELDS = ("pk", "username", "password", "is_active", "is_superuser", "role", "jurisdiction_id")


@dataclass(frozen=True)
class Principal:
    """The signed-in user, as much as the gateway needs (no model instance per request)."""

    pk: int
    username: str
    effective_role: str
    jurisdiction_id: str | None


def _principal(values: tuple) -> Principal:
    pk, username, _password, _active, superuser, role, jurisdiction_id = values
    return Principal(pk=pk, username=username, effective_role="admin" if superuser else role,
                     jurisdiction_id=jurisdiction_id)

_cache: dict[str, tuple[int, str, float]] = {}
_lock = threading.Lock()


def _digest(value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def _fingerprint(password_hash: str) -> str:
    return _digest("pw:" + password_hash)[:32]


def unauthorized(reason: str = "需要用户名和密码或令牌 (authentication required)") -> GatewayError:
    return GatewayError(401, "unauthorized", reason)


def clear_credential_cache() -> None:
    with _lock:
        _cache.clear()


def _remember(key: str, user_id: int, fingerprint: str) -> None:
    ttl = float(settings.SYNC_CREDENTIAL_CACHE_S)
    if ttl <= 0:
        return
    now = time.monotonic()
    with _lock:
        if len(_cache) >= _MAX_ENTRIES:
            for stale in [k for k, (_, _, exp) in _cache.items() if exp <= now]:
                del _cache[stale]
            if len(_cache) >= _MAX_ENTRIES:
                _cache.clear()
        _cache[key] = (user_id, fingerprint, now + ttl)


def _recall(key: str) -> tuple[int, str] | None:
    with _lock:
        entry = _cache.get(key)
        if entry is None:
            return None
        if entry[2] <= time.monotonic():
            del _cache[key]
            return None
        return entry[0], entry[1]


def _user_values(column: str, value) -> tuple | None:
    """(pk, username, password, is_active, is_superuser, role, jurisdiction_id) of one user, in one
    plain query (the ORM's query building would cost more than the query on every sync request)."""
    User = get_user_model()
    qn = connection.ops.quote_name
    columns = ", ".join(qn(User._meta.get_field(name).column) for name in _FIELDS[1:])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {qn(User._meta.pk.column)}, {columns} FROM {qn(User._meta.db_table)} "
                       f"WHERE {qn(column)} = %s", [value])
        return cursor.fetchone()


_hash_slots: threading.BoundedSemaphore | None = None


def _checked(password: str, encoded: str) -> bool:
    """An argon2 check, at most SYNC_AUTH_CONCURRENT_CHECKS at a time in this process: a crowd of
    tablets signing in at once queues here instead of all hashing at once (each check is ~0.3 s of one
    core; dozens in parallel starve every other thread of the CPU)."""
    global _hash_slots
    if _hash_slots is None:
        _hash_slots = threading.BoundedSemaphore(max(1, int(getattr(settings, "SYNC_AUTH_CONCURRENT_CHECKS", 1))))
    with _hash_slots:
        return check_password(password, encoded)


_flights: dict[str, threading.Lock] = {}
_flights_lock = threading.Lock()


def _flight(key: str) -> threading.Lock:
    with _flights_lock:
        lock = _flights.get(key)
        if lock is None:
            if len(_flights) > _MAX_ENTRIES:
                _flights.clear()
            lock = _flights[key] = threading.Lock()
        return lock


def _shared_recall(key: str, values: tuple) -> bool:
    """True when another process or node verified this credential for this user and password."""
    if float(settings.SYNC_CREDENTIAL_CACHE_S) <= 0:
        return False
    row = VerifiedCredential.objects.filter(key=key, user_id=values[0], expires_at__gt=timezone.now()).values_list(
        "fingerprint", flat=True).first()
    return row is not None and row == _fingerprint(values[2])


def _shared_remember(key: str, user_id: int, fingerprint: str) -> None:
    ttl = float(settings.SYNC_CREDENTIAL_CACHE_S)
    if ttl <= 0:
        return
    now = timezone.now()
    try:
        with transaction.atomic():
            VerifiedCredential.objects.filter(expires_at__lte=now).delete()
            VerifiedCredential.objects.update_or_create(
                key=key, defaults={"user_id": user_id, "fingerprint": fingerprint,
                                   "expires_at": now + timedelta(seconds=ttl)})
    except IntegrityError:  # another process wrote it meanwhile: as good
        pass


def _claim(key: str, user_id: int) -> bool:
    """Claim the verification of a credential for this process: False when another process or
    node is verifying the same credential right now (it will share its answer)."""
    if float(settings.SYNC_CREDENTIAL_CACHE_S) <= 0:
        return True
    now = timezone.now()
    pending_until = now + timedelta(seconds=float(settings.SYNC_AUTH_PEER_WAIT_S))
    try:
        with transaction.atomic():
            VerifiedCredential.objects.create(key=key, user_id=user_id, fingerprint="", expires_at=pending_until)
        return True
    except IntegrityError:
        pass
    row = VerifiedCredential.objects.filter(key=key).values_list("fingerprint", "expires_at").first()
    if row is not None and row[0] == "" and row[1] > now:
        return False
    VerifiedCredential.objects.filter(key=key).update(user_id=user_id, fingerprint="", expires_at=pending_until)
    return True


def _peer_verified(key: str, values: tuple) -> bool:
    """Wait (up to SYNC_AUTH_PEER_WAIT_S) for the process verifying this credential to answer."""
    deadline = time.monotonic() + float(settings.SYNC_AUTH_PEER_WAIT_S)
    fingerprint = _fingerprint(values[2])
    while time.monotonic() < deadline:
        time.sleep(0.05)
        row = VerifiedCredential.objects.filter(key=key).values_list("fingerprint", "expires_at").first()
        if row is None:  # the peer found it wrong
            return False
        if row[0]:
            return row[0] == fingerprint and row[1] > timezone.now()
    return False


def _unclaim(key: str) -> None:
    VerifiedCredential.objects.filter(key=key, fingerprint="").delete()


def _failure_keys(username: str, address: str) -> list[str]:
    return [_digest("fail-user:" + username.lower()), _digest("fail-ip:" + address)]


def _throttled(keys: list[str]) -> int | None:
    """Seconds until the next attempt is allowed, when over a limit; else None."""
    window = float(settings.SYNC_AUTH_FAILURE_WINDOW_S)
    if window <= 0:
        return None
    limits = dict(zip(keys, (settings.SYNC_AUTH_FAILURES_PER_USER, settings.SYNC_AUTH_FAILURES_PER_IP)))
    now = timezone.now()
    wait = None
    for key, count, started in AuthFailure.objects.filter(
            key__in=keys, window_start__gt=now - timedelta(seconds=window)).values_list("key", "count", "window_start"):
        if count >= limits[key]:
            left = max(1, int((started + timedelta(seconds=window) - now).total_seconds()) + 1)
            wait = max(wait or 0, left)
    return wait


def _record_failure(keys: list[str]) -> None:
    window = float(settings.SYNC_AUTH_FAILURE_WINDOW_S)
    if window <= 0:
        return
    now = timezone.now()
    for key in keys:
        counted = AuthFailure.objects.filter(key=key, window_start__gt=now - timedelta(seconds=window)).update(
            count=F("count") + 1)
        if not counted:
            try:
                with transaction.atomic():
                    AuthFailure.objects.update_or_create(key=key, defaults={"count": 1, "window_start": now})
            except IntegrityError:
                pass


def too_many_failures(wait: int) -> GatewayError:
    return GatewayError(429, "too_many_requests",
                        f"登录失败次数过多，请 {wait} 秒后再试 (too many failed sign-ins)",
                        headers={"Retry-After": str(wait)})


def _basic(encoded: str, address: str = "") -> Principal:
    User = get_user_model()
    key = _digest("basic:" + encoded)
    remembered = _recall(key)
    if remembered is not None:
        values = _user_values(User._meta.pk.column, remembered[0])
        if values is not None and values[3] and _fingerprint(values[2]) == remembered[1]:
            return _principal(values)
        with _lock:
            _cache.pop(key, None)
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise unauthorized("Authorization: Basic 凭据格式错误 (malformed Basic credentials)") from None
    username, sep, password = decoded.partition(":")
    if not sep or not username or "\x00" in username:
        raise unauthorized("Authorization: Basic 凭据格式错误 (malformed Basic credentials)")
    values = _user_values(User._meta.get_field("username").column, username)
    if values is not None and values[3] and _shared_recall(key, values):
        _remember(key, values[0], _fingerprint(values[2]))
        return _principal(values)
    with _flight(key):
        remembered = _recall(key)  # verified by another thread while this one waited
        if remembered is not None and values is not None and remembered == (values[0], _fingerprint(values[2])):
            return _principal(values)
        failure_keys = _failure_keys(username, address)
        wait = _throttled(failure_keys)
        if wait is not None:
            raise too_many_failures(wait)
        if values is not None and values[3] and not _claim(key, values[0]):
            if _peer_verified(key, values):  # another worker or node checked the same credential
                _remember(key, values[0], _fingerprint(values[2]))
                return _principal(values)
        if values is None or not values[3] or not _checked(password, values[2]):
            if values is not None:
                _unclaim(key)
            _record_failure(failure_keys)
            raise unauthorized("用户名或密码错误 (name or password is incorrect)")
        _remember(key, values[0], _fingerprint(values[2]))
        _shared_remember(key, values[0], _fingerprint(values[2]))
    return _principal(values)


def verify_basic(encoded: str, address: str = "") -> Principal:
    """Check a Basic credential (the part after "Basic "), remembering it when right; raises the
    401/429 GatewayError otherwise. The ASGI entry point calls it before a request takes a thread."""
    return _basic(encoded, address)


def _token(key: str) -> Principal:
    if "\x00" in key or len(key) > 64:
        raise unauthorized("令牌无效 (invalid token)")
    values = Token.objects.filter(key=key).values_list(*(f"user__{f}" for f in _FIELDS)).first()
    if values is None or not values[3]:
        raise unauthorized("令牌无效 (invalid token)")
    return _principal(values)


def authenticate(request) -> Principal:
    """The calling user; raises a 401 GatewayError when credentials are missing or wrong."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    scheme = scheme.lower()
    if scheme == "basic" and value:
        return _basic(value, request.META.get("REMOTE_ADDR", "") or "")
    if scheme in ("token", "bearer") and value:
        return _token(value)
    raise unauthorized()
