"""The web process's ASGI entry point (`make run`, production): `gunicorn -k sync.asgi.UvicornWorker
sync.asgi:application`.

- Waiting `_changes` feeds (`GET`/`POST /sync/field/_changes?feed=longpoll|continuous`) are served
  here as coroutines: the request is authenticated and its first page read in a small thread pool
  (SYNC_FEED_THREADS), then the feed waits on the process's index watcher holding no thread and
  making no query (sync/gateway/changes.py `stream`, sync/gateway/watcher.py).
- Everything else is Django's WSGI application, unchanged, run in thread pools (a2wsgi), so
  persistent database connections, streamed downloads and the middleware behave as under gunicorn's
  threads: the rest of the gateway (`/sync/`) in SYNC_GATEWAY_THREADS, the REST API and the pages in
  WEB_THREADS of their own. A waiting feed never holds a thread, and a storm of tablets signing in
  (argon2 checks) or pushing cannot take the API's threads.
- Basic credentials not yet verified in this process are checked before the request takes a
  gateway thread: one check per credential at a time (SYNC_AUTH_THREADS threads, argon2
  SYNC_AUTH_CONCURRENT_CHECKS at once), the tablet's other requests await it without a thread, so
  tablets already signed in are never queued behind a crowd signing in.
"""
from __future__ import annotations

import asyncio
import io
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qsl

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")

# The project's WSGI app, with its unread-body drain (server/wsgi.py), behind the thread pools.
from server.wsgi import application as django_wsgi  # noqa: E402

from a2wsgi import WSGIMiddleware  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.handlers.asgi import ASGIRequest  # noqa: E402
from django.db import connection  # noqa: E402
from django.middleware.security import SecurityMiddleware  # noqa: E402

from server.api.nul_guard import RejectNulMiddleware  # noqa: E402
from sync.gateway import auth, changes, views  # noqa: E402
from sync.gateway.http import GatewayError, add_cors, dumps, error_response, max_request_bytes  # noqa: E402
from sync.middleware import GATEWAY_PREFIX  # noqa: E402

log = logging.getLogger(__name__)

FEED_PATH = GATEWAY_PREFIX + "/_changes"
WAITING_FEEDS = {"longpoll", "continuous"}


def _db_unit(fn, *args):
    """Database work of a feed, in a feed thread; a connection left broken is closed."""
    try:
        return fn(*args)
    finally:
        if connection.connection is not None and connection.errors_occurred:
            connection.close_if_unusable_or_obsolete()


def is_waiting_feed(scope) -> bool:
    if scope.get("path") != FEED_PATH or scope.get("method") not in ("GET", "POST"):
        return False
    query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    return any(name == "feed" and value in WAITING_FEEDS for name, value in query)


class FeedRouter:
    """ASGI app: waiting feeds as coroutines, everything else to the WSGI app in threads."""

    def __init__(self, wsgi_app, *, web_threads: int, gateway_threads: int, feed_threads: int, auth_threads: int):
        self.wsgi = WSGIMiddleware(wsgi_app, workers=web_threads)
        self.gateway = WSGIMiddleware(wsgi_app, workers=gateway_threads)
        self.auth_executor = ThreadPoolExecutor(max_workers=auth_threads, thread_name_prefix="auth")
        self._verifying: dict[str, asyncio.Future] = {}
        self.executor = ThreadPoolExecutor(max_workers=feed_threads, thread_name_prefix="feed")
        self._nul_guard = RejectNulMiddleware(lambda request: None)
        self._security = SecurityMiddleware(lambda request: None)

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await self.lifespan(receive, send)
        if scope["type"] == "http" and scope.get("path", "").startswith(GATEWAY_PREFIX):
            refused = await self.verify_basic(scope)
            if refused is not None:
                return await self.send_response(send, refused)
            if is_waiting_feed(scope):
                return await self.feed(scope, receive, send)
            return await self.gateway(scope, receive, send)
        return await self.wsgi(scope, receive, send)

    async def verify_basic(self, scope):
        """A Basic credential this process has not verified yet is checked here, once at a time per
        credential, before the request takes a gateway thread; its other requests wait without a
        thread. Returns the error answer (401, 429) when the check fails, else None."""
        if scope.get("method") == "OPTIONS":
            return None
        header = next((v for k, v in scope.get("headers", ()) if k == b"authorization"), b"").decode("latin-1")
        scheme, _, value = header.strip().partition(" ")
        value = value.strip()
        if scheme.lower() != "basic" or not value:
            return None
        key = auth._digest("basic:" + value)
        if auth._recall(key) is not None:
            return None
        loop = asyncio.get_running_loop()
        pending = self._verifying.get(key)
        if pending is None:
            pending = self._verifying[key] = loop.create_future()
            address = (scope.get("client") or ("",))[0] or ""
            try:
                await loop.run_in_executor(self.auth_executor, _db_unit, auth.verify_basic, value, address)
                pending.set_result(None)
            except GatewayError as exc:
                pending.set_result(exc)
            except Exception:  # noqa: BLE001 - let the request find out (and answer) in the gateway
                log.exception("verifying a credential failed")
                pending.set_result(None)
            finally:
                self._verifying.pop(key, None)
                if not pending.done():  # cancelled: the requests waiting on it check for themselves
                    pending.set_result(None)
        exc = await asyncio.shield(pending)
        if exc is None:
            return None
        request = ASGIRequest(scope, io.BytesIO(b""))
        response = error_response(exc)
        add_cors(request, response)
        return response

    async def send_response(self, send, response):
        headers = [(k.encode("latin-1"), str(v).encode("latin-1")) for k, v in response.items()]
        await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
        await send({"type": "http.response.body", "body": response.content})

    async def run(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self.executor, _db_unit, fn, *args)

    async def lifespan(self, receive, send):
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await asyncio.get_running_loop().run_in_executor(None, changes.end_waiting_feeds)
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _prepare(self, request):
        refused = self._nul_guard(request)
        if refused is not None:
            return refused
        response = views.handle(request, "_changes")
        return self._security.process_response(request, response)

    async def feed(self, scope, receive, send):
        body = b""
        if scope["method"] == "POST":
            limit, parts, total, more = max_request_bytes(), [], 0, True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                part = message.get("body", b"")
                total += len(part)
                if total > limit:
                    await _send_simple(send, 413, {"error": "too_large", "reason": "请求体过大 (request body too large)"})
                    return
                parts.append(part)
                more = message.get("more_body", False)
            body = b"".join(parts)
        request = ASGIRequest(scope, io.BytesIO(body))
        response = await self.run(self._prepare, request)
        headers = [(k.encode("latin-1"), str(v).encode("latin-1")) for k, v in response.items()]
        if not isinstance(response, changes.FeedResponse):
            await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
            await send({"type": "http.response.body", "body": response.content})
            return
        feed = response.feed
        await send({"type": "http.response.start", "status": response.status_code, "headers": headers})

        async def disconnected():
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    feed.abort()
                    return

        listener = asyncio.create_task(disconnected())
        try:
            async for chunk in changes.stream(feed, self.run):
                if feed.aborted and listener.done():
                    break
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        except OSError:
            pass  # the client went away
        except Exception:  # noqa: BLE001 - the answer has started: end it, log why
            log.exception("waiting feed failed")
            try:
                await send({"type": "http.response.body", "body": b""})
            except Exception:  # noqa: BLE001
                pass
        finally:
            listener.cancel()
            feed.release()


async def _send_simple(send, status: int, data: dict) -> None:
    body = dumps(data)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


application = FeedRouter(django_wsgi, web_threads=int(getattr(settings, "WEB_THREADS", 16)),
                         gateway_threads=int(getattr(settings, "SYNC_GATEWAY_THREADS", 16)),
                         auth_threads=int(getattr(settings, "SYNC_AUTH_THREADS", 4)),
                         feed_threads=int(getattr(settings, "SYNC_FEED_THREADS", 4)))


try:  # gunicorn's worker class for this app: waiting feeds answer at once when the worker stops
    from uvicorn_worker import UvicornWorker as _UvicornWorker

    class UvicornWorker(_UvicornWorker):
        CONFIG_KWARGS = {"loop": "auto", "http": "auto", "lifespan": "on"}

        def handle_exit(self, sig, frame):
            for feed in list(changes._feeds):
                feed.abort()
            super().handle_exit(sig, frame)
except ImportError:  # pragma: no cover - uvicorn-worker is a dependency of the web process
    pass
