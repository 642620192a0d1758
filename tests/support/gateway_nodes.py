"""Gateway nodes for e2e tests: the web process as `make run` and production run it (gunicorn with
uvicorn workers serving sync.asgi), as separate processes on free loopback ports, over the test's
own database and sync store.

    node = start_node(tmp_path, name="a", env={"SYNC_MAX_WAITING_FEEDS": "2"})
    ... node.url + "/sync/field" ...
    node.stop()

The test must use a transactional database (`@pytest.mark.django_db(transaction=True)`): the nodes
see what the test committed. On PostgreSQL they use the test database itself; on SQLite (an
in-memory test database no other process can open) `share_database()` copies it into a file first,
so set-up data must be made before it is called (nodes then share that file, and each other's
writes, but not the test process's later writes).
"""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.support.syncstore import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
GUNICORN = REPO_ROOT / ".venv" / "bin" / "gunicorn"


@dataclass
class Node:
    name: str
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


def share_database(tmp_path: Path) -> dict[str, str]:
    """Environment that points a node process at the test's database (see the module doc)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        s = connection.settings_dict
        auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
        return {"DATABASE_URL": f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"}
    connection.ensure_connection()
    data_dir = tmp_path / "nodes-data"
    data_dir.mkdir(exist_ok=True)
    target = sqlite3.connect(data_dir / "fieldinspect.sqlite3")
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    return {"DATA_DIR": str(data_dir)}


def start_node(tmp_path: Path, *, name: str, database_env: dict[str, str], env: dict[str, str] | None = None,
               workers: int = 1, timeout: float = 60.0) -> Node:
    """Start one node and wait until /healthz answers."""
    from django.conf import settings

    port = free_port()
    data_dir = database_env.get("DATA_DIR") or str(tmp_path / f"node-{name}")
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    full_env = {
        **os.environ,
        "DATA_DIR": data_dir,
        "COUCHDB_URL": settings.COUCHDB_URL,
        "COUCHDB_DB": settings.COUCHDB_DB,
        "SECRET_KEY": settings.SECRET_KEY,
        "WEB_WORKERS": str(workers),
        "WEB_ACCESS_LOG": "",
        "LOG_LEVEL": "WARNING",
        "SYNC_WATCH_INTERVAL_S": "0.05",
        **database_env,
        **(env or {}),
    }
    full_env.pop("DJANGO_SETTINGS_MODULE", None)
    log_path = tmp_path / f"node-{name}-{uuid.uuid4().hex[:6]}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(GUNICORN), "sync.asgi:application", "--config", "deploy/gunicorn_dev.py",
             "--bind", f"127.0.0.1:{port}"],
            cwd=REPO_ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    node = Node(name=name, port=port, process=process, log_path=log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"node {name} exited:\n{node.log()[-3000:]}")
        try:
            if requests.get(f"{node.url}/healthz", timeout=2).status_code in (200, 503):
                return node
        except requests.RequestException:
            pass
        time.sleep(0.2)
    node.stop()
    raise RuntimeError(f"node {name} did not answer within {timeout} s:\n{node.log()[-3000:]}")
