"""A real pouchdb-server (the dev sync store from deploy/syncstore) on a free loopback port.

    with start_syncstore(data_dir=tmp_path) as store:
        requests.put(f"{store.url}/field")

The server runs in its own process group and `stop()` kills that whole group, so no node process
outlives the test session. The store runs in "admin party" mode (no credentials) on loopback.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
SYNCSTORE_DIR = REPO_ROOT / "deploy" / "syncstore"
SERVER_JS = SYNCSTORE_DIR / "server.js"
POUCHDB_SERVER = SYNCSTORE_DIR / "node_modules" / "pouchdb-server" / "lib" / "index.js"


class SyncStoreError(RuntimeError):
    """The sync store could not be started."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SyncStore:
    """A running pouchdb-server; `url` has no trailing slash and no credentials."""

    def __init__(self, *, process: subprocess.Popen[bytes], port: int, data_dir: Path, log_path: Path) -> None:
        self.process = process
        self.port = port
        self.data_dir = data_dir
        self.log_path = log_path
        self.url = f"http://127.0.0.1:{port}"

    def is_running(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        """What the server wrote to stdout/stderr so far (for diagnostics)."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, *, timeout: float = 10.0) -> None:
        """Terminate the server's whole process group; SIGKILL if it does not exit in time."""
        if self.process.poll() is not None:
            return
        _signal_group(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _signal_group(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=timeout)

    def __enter__(self) -> SyncStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<SyncStore {self.url} pid={self.process.pid}>"


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass


class _PortTaken(SyncStoreError):
    pass


def start_syncstore(*, data_dir: Path, port: int | None = None, startup_timeout: float = 30.0) -> SyncStore:
    """Start pouchdb-server on 127.0.0.1 with its data, config.json and log.txt under `data_dir`.

    Without `port`, a free port is picked (and another one if it is taken meanwhile).
    Waits until `GET /` answers. Raises SyncStoreError (with the server's output) if it does not.
    """
    attempts = 1 if port is not None else 3
    for attempt in range(attempts):
        try:
            return _start_once(data_dir=data_dir, port=port, startup_timeout=startup_timeout)
        except _PortTaken:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _start_once(*, data_dir: Path, port: int | None, startup_timeout: float) -> SyncStore:
    if not POUCHDB_SERVER.exists():
        raise SyncStoreError(
            f"pouchdb-server is not installed in {SYNCSTORE_DIR}; run: (cd deploy/syncstore && npm ci)"
        )
    data_dir = Path(data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    chosen_port = port if port is not None else free_port()
    log_path = data_dir / "server-output.log"
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            [
                "node",
                str(SERVER_JS),
                "--host", "127.0.0.1",
                "--port", str(chosen_port),
                "--dir", str(data_dir),
                "--config", str(data_dir / "config.json"),
                "--no-color",
            ],
            cwd=data_dir,  # pouchdb-server writes log.txt into its working directory
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    store = SyncStore(process=process, port=chosen_port, data_dir=data_dir, log_path=log_path)
    deadline = time.monotonic() + startup_timeout
    while True:
        if not store.is_running():
            raise SyncStoreError(
                f"pouchdb-server exited with status {process.returncode} before answering:\n{store.log()}"
            )
        if "is already in use" in store.log():
            store.stop()
            raise _PortTaken(f"port {chosen_port} is already in use:\n{store.log()}")
        try:
            response = requests.get(f"{store.url}/", timeout=2)
            if response.ok and "version" in response.json():
                return store
        except (requests.RequestException, ValueError):
            pass
        if time.monotonic() > deadline:
            store.stop()
            raise SyncStoreError(
                f"pouchdb-server did not answer on {store.url} within {startup_timeout} s:\n{store.log()}"
            )
        time.sleep(0.1)
