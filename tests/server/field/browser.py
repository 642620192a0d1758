"""Real headless Chromium (Debian's /usr/bin/chromium through Playwright) for the field app's tests,
with the live gateway and a real sync store (tests/support/live_gateway.py)."""
from __future__ import annotations

import io
import os
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def fake_camera_args(y4m: Path) -> list[str]:
    return ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", f"--use-file-for-fake-video-capture={y4m}"]


def write_y4m(path: Path, text: str, *, width: int = 640, height: int = 480, frames: int = 4) -> Path:
    """A Y4M video (what Chromium's fake camera plays) showing the QR code of `text`, centred."""
    import qrcode
    from PIL import Image

    qr = qrcode.QRCode(border=4, box_size=10)
    qr.add_data(text)
    qr.make(fit=True)
    code = qr.make_image(fill_color="black", back_color="white").convert("L")
    side = min(width, height) - 40
    code = code.resize((side, side), Image.NEAREST)
    frame = Image.new("L", (width, height), 255)
    frame.paste(code, ((width - side) // 2, (height - side) // 2))
    y = frame.tobytes()
    chroma = bytes([128]) * ((width // 2) * (height // 2))
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + y + chroma + chroma)
    return path


def exif_jpeg() -> bytes:
    """A real JPEG carrying EXIF (time taken and GPS), as a tablet camera writes it."""
    from tests.media.media_factories import jpeg, make_exif

    return jpeg(width=800, height=600, exif=make_exif(taken="2019:07:01 10:20:30", offset="+08:00"), noisy=True)


def qr_png(text: str) -> bytes:
    import qrcode

    out = io.BytesIO()
    qrcode.make(text).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def one_request_at_a_time(monkeypatch):
    """live_server shares one in-memory SQLite connection between its request threads: handle one
    request at a time (a waiting longpoll's streamed body runs outside the lock)."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connections

    lock = threading.Lock()
    original = WSGIHandler.__call__

    def call(self, environ, start_response):
        with lock:
            return original(self, environ, start_response)

    monkeypatch.setattr(WSGIHandler, "__call__", call)
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)


@pytest.fixture
def playwright_session(gateway, one_request_at_a_time):
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browsers = []

    def launch(extra_args: list[str] | None = None):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + (extra_args or []))
        browsers.append(browser)
        return browser

    with sync_playwright() as playwright:
        try:
            yield launch
        finally:
            from django.db import connections

            for browser in browsers:
                for context in browser.contexts:
                    context.close()
                browser.close()
            connections.close_all()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def new_tablet(browser, **kwargs):
    """A fresh browser context (its own IndexedDB, service worker and cache): one tablet."""
    kwargs.setdefault("viewport", {"width": 1280, "height": 800})
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **kwargs)
    page = context.new_page()
    page.set_default_timeout(20000)
    return context, page


def wait_until(page, expression: str, *, timeout_s: float = 20.0) -> None:
    """`page.wait_for_function` without eval in the page. Playwright polls a string predicate with
    eval, which the field app's CSP (`script-src 'self'`, no 'unsafe-eval') refuses whenever the first
    look is false; `page.evaluate` goes through the DevTools protocol, to which the CSP does not apply.
    Promises are awaited."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout_s} s: {expression}")
        page.wait_for_timeout(50)


def sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/field/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    # the service worker controls the page once it is activated (it claims its clients)
    wait_until(page, "navigator.serviceWorker && navigator.serviceWorker.controller !== null")
