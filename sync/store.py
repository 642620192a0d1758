"""The one place that opens connections to the sync store.

Every call has a timeout; TLS certificates are verified for any store that is not on loopback
(settings.COUCHDB_VERIFY_TLS). Sequences from the store are opaque: integers on pouchdb-server,
strings on CouchDB 3. Never compare or do arithmetic on them.
"""
from __future__ import annotations

import functools
import threading
from urllib.parse import quote, urlsplit, urlunsplit

import pycouchdb
import requests
from django.conf import settings
from requests.adapters import HTTPAdapter


class StoreUnavailable(Exception):
    """The store did not answer, or answered with a server error."""


def _split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    parts = urlsplit(url)
    if parts.username is None:
        return url.rstrip("/"), None
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    clean = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)).rstrip("/")
    from urllib.parse import unquote

    return clean, (unquote(parts.username), unquote(parts.password or ""))


def _verify() -> bool | str:
    if not settings.COUCHDB_VERIFY_TLS:
        return False
    return settings.COUCHDB_CA_BUNDLE or True


_local = threading.local()


def session() -> requests.Session:
    """A per-thread HTTP session to the store with connection pooling, auth and TLS settings."""
    sess = getattr(_local, "session", None)
    if sess is None:
        sess = requests.Session()
        _, credentials = _split_credentials(settings.COUCHDB_URL)
        if credentials:
            sess.auth = credentials
        sess.verify = _verify()
        # A store on loopback is never behind a proxy: skip requests' per-call proxy/netrc lookups.
        sess.trust_env = not settings.COUCHDB_IS_LOOPBACK
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=32, max_retries=0)
        sess.mount("http://", adapter)
        sess.mount("https://", adapter)
        _local.session = sess
    return sess


def base_url() -> str:
    return _split_credentials(settings.COUCHDB_URL)[0]


def db_url(*path: str) -> str:
    """URL of the field database, or of a path below it (each part percent-encoded)."""
    url = f"{base_url()}/{quote(settings.COUCHDB_DB, safe='')}"
    for part in path:
        url += "/" + quote(part, safe="")
    return url


@functools.cache
def server() -> pycouchdb.Server:
    clean, credentials = _split_credentials(settings.COUCHDB_URL)
    url = clean
    if credentials:
        scheme, rest = clean.split("://", 1)
        url = f"{scheme}://{quote(credentials[0], safe='')}:{quote(credentials[1], safe='')}@{rest}"
    return pycouchdb.Server(url, authmethod="basic", verify=_verify(), timeout=settings.COUCHDB_TIMEOUT_S)


def database() -> pycouchdb.client.Database:
    return server().database(settings.COUCHDB_DB)


def ensure_database() -> None:
    """Create the field database if it does not exist yet (idempotent)."""
    try:
        response = session().put(db_url(), timeout=settings.COUCHDB_TIMEOUT_S)
    except requests.RequestException as exc:
        raise StoreUnavailable(str(exc)) from exc
    if response.status_code not in (201, 202, 412):
        raise StoreUnavailable(f"creating database: HTTP {response.status_code} {response.text[:200]}")


def ping(*, timeout: float = 2.0) -> str | None:
    """None when the store and the field database answer, else the reason."""
    try:
        response = session().get(db_url(), timeout=timeout)
    except requests.RequestException as exc:
        return f"unreachable: {exc.__class__.__name__}"
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    return None
