"""The whole stack as `make run` starts it, for scripts (fuzzing, fault injection): a pouchdb-server,
the Django app under gunicorn (deploy/gunicorn_dev.py) and, when asked, the reconciler, on free
loopback ports with a throw-away DATA_DIR (SQLite there, or DATABASE_URL when set).

    with LiveStack() as stack:
        inspector = stack.inspector("fuzz-1")
        inspections = stack.inspections(inspector, count=3)
        url = stack.start_web()            # http://127.0.0.1:<port>
        stack.start_reconciler()

Every process runs in its own process group; `close()` stops each group it started (SIGTERM, then
SIGKILL) and nothing else. Django is set up in this process too (same settings), so a script can
read SQL directly."""
from __future__ import annotations

import datetime
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.support.syncstore import free_port, start_syncstore  # noqa: E402

PASSWORD = "live-stack-password-42"


def stop_group(process: subprocess.Popen | None, *, timeout: float = 10.0) -> None:
    if process is None or process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _pg_admin(server: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{server.rstrip('/')}/postgres", autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql)


class LiveStack:
    def __init__(self, *, keep: bool = False, store_url: str | None = None, extra_env: dict | None = None,
                 postgres: str | None = None):
        """`postgres`: a server URL (postgres://user@host:port); a throw-away database is created
        there for this stack and dropped by close(). Default: SQLite in the work directory."""
        self.workdir = Path(tempfile.mkdtemp(prefix="fieldinspect-live-"))
        self.keep = keep
        self.store = None
        self.processes: dict[str, subprocess.Popen] = {}
        self.store = start_syncstore(data_dir=self.workdir / "store")
        self.store_url = self.store.url
        self.env = {
            "DATA_DIR": str(self.workdir / "data"), "COUCHDB_URL": store_url or self.store.url,
            "COUCHDB_DB": "fieldinspect", "SECRET_KEY": "live-" + uuid.uuid4().hex, "DEBUG": "0",
            "LOG_LEVEL": "WARNING", "GATEWAY_INDEX_CHECK_S": "5",
        }
        self.pg_server, self.pg_db = postgres, None
        if postgres:
            self.pg_db = f"live_{uuid.uuid4().hex[:10]}"
            _pg_admin(postgres, f'CREATE DATABASE "{self.pg_db}"')
            self.env["DATABASE_URL"] = f"{postgres.rstrip('/')}/{self.pg_db}"
        else:
            os.environ.pop("DATABASE_URL", None)
        self.env.update(extra_env or {})
        os.environ.update(self.env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from sync import store

        store.ensure_database()
        from server.accounts.models import Role
        from tests.factories import user

        self.admin = user(Role.ADMIN, username=f"live-admin-{uuid.uuid4().hex[:6]}")
        self.admin.set_password(PASSWORD)
        self.admin.save()
        self.web_url: str | None = None

    # --- data --------------------------------------------------------------------------------
    def inspector(self, username: str):
        from server.accounts.models import Role
        from tests.factories import user

        inspector = user(Role.INSPECTOR, username=username, jurisdiction="445202")
        inspector.set_password(PASSWORD)
        inspector.save()
        return inspector

    def inspections(self, inspector, *, count: int = 1) -> list[str]:
        from server.inspections.services import inspection_create
        from tests.factories import enterprise

        company = enterprise("445202")
        return [str(inspection_create(actor=self.admin, enterprise_id=company.pk, product_category="wire-cable",
                                      domain="production", inspectors=[inspector.username],
                                      scheduled_for=datetime.date(2019, 7, 1)).pk) for _ in range(count)]

    def publish(self) -> None:
        from sync import publisher

        publisher.publish_all_pending(full=True)

    # --- processes -------------------------------------------------------------------------------
    def _spawn(self, name: str, argv: list[str], env: dict | None = None) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "ab")
        process = subprocess.Popen(argv, cwd=REPO, env={**os.environ, **self.env, **(env or {})}, stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        self.processes[name] = process
        return process

    def start_web(self, *, port: int | None = None, env: dict | None = None) -> str:
        port = port or free_port()
        self._spawn("web", [str(REPO / ".venv/bin/gunicorn"), "sync.asgi:application", "--config",
                            str(REPO / "deploy/gunicorn_dev.py"), "--bind", f"127.0.0.1:{port}"], env)
        self.web_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{self.web_url}/sync/field/", auth=(self.admin.username, PASSWORD), timeout=5).status_code == 200:
                    return self.web_url
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start: {self.log('web')[-3000:]}")
            time.sleep(0.2)

    def start_reconciler(self, *, supervised: bool = False, env: dict | None = None) -> subprocess.Popen:
        argv = [str(REPO / ".venv/bin/python"), "manage.py", "reconcile", "--wait-for-store", "--poll-seconds", "0.5"]
        if supervised:
            argv = [str(REPO / ".venv/bin/python"), "deploy/supervise.py", "--name", "reconciler", "--", *argv]
        return self._spawn("reconciler", argv, env)

    def log(self, name: str) -> str:
        try:
            return (self.workdir / f"{name}.log").read_text(errors="replace")
        except OSError:
            return ""

    def close(self) -> None:
        for process in self.processes.values():
            stop_group(process)
        if self.store is not None:
            self.store.stop()
        from django.db import connections

        connections.close_all()
        if self.pg_db:
            try:
                _pg_admin(self.pg_server, f'DROP DATABASE IF EXISTS "{self.pg_db}" WITH (FORCE)')
            except Exception as exc:  # noqa: BLE001 - report, never hide the script's own result
                print(f"could not drop database {self.pg_db}: {exc}", file=sys.stderr)
        if not self.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> LiveStack:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
