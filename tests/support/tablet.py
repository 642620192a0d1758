"""Simulated field tablets: PouchDB 9 (in-memory) in a node process, driven from Python.

    with Tablet.start(name="tablet-a") as tablet:
        tablet.put({"_id": "answer:…", "type": "answer", …})
        info = tablet.push(url, auth=("insp1", "secret"))
        assert info["result"]["docs_written"] == 1

Older clients: `Tablet.start(name=…, pouchdb_version=7)` (or 8) runs that PouchDB major instead
(tests/e2e/node/package.json installs 7, 8 and 9). Without it the tablet runs
$TABLET_POUCHDB_VERSION if set, else 9; `tablet.pouchdb_version` is the full version it runs.

Every command has a timeout; on a timeout or a dead process, TabletError carries the node
process's stderr. `close()` kills the process (and its process group).

Auth for remote URLs: `auth=("user", "password")` sends HTTP Basic (PouchDB's `auth` option);
`headers={"Authorization": "Token …"}` sends any header instead.
"""
from __future__ import annotations

import base64
import itertools
import json
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
NODE_DIR = REPO_ROOT / "tests" / "e2e" / "node"
TABLET_JS = NODE_DIR / "tablet.js"

DEFAULT_TIMEOUT_S = 30.0

# PouchDB majors that tablet.js can load, and the npm package (alias) each one is installed as.
POUCHDB_PACKAGES = {"9": "pouchdb-node", "8": "pouchdb-node-8", "7": "pouchdb-node-7"}
DEFAULT_POUCHDB_VERSION = "9"

Auth = tuple[str, str] | Mapping[str, str] | None


class TabletError(RuntimeError):
    """A command failed in the tablet, timed out, or the tablet process died."""

    def __init__(self, message: str, *, error: Mapping[str, Any] | None = None, stderr: str = "") -> None:
        detail = f"{message}"
        if stderr:
            detail += f"\n--- tablet stderr (last lines) ---\n{stderr[-4000:]}"
        super().__init__(detail)
        self.error = dict(error or {})
        self.name = self.error.get("name")
        self.status = self.error.get("status")


def _auth_payload(auth: Auth) -> dict[str, str] | None:
    if auth is None:
        return None
    if isinstance(auth, Mapping):
        return {"username": auth["username"], "password": auth["password"]}
    username, password = auth
    return {"username": username, "password": password}


class Tablet:
    """One node process holding one or more in-memory PouchDB databases (default: `name`)."""

    def __init__(self, *, process: subprocess.Popen[str], name: str, timeout: float) -> None:
        self.process = process
        self.name = name
        self.timeout = timeout
        self.pouchdb_version: str | None = None  # e.g. "9.0.0", known once the tablet answered
        self._ids = itertools.count(1)
        self._pending: dict[int, queue.Queue[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._stderr: list[str] = []
        self._stray: list[str] = []
        self._reader = threading.Thread(target=self._read_stdout, name=f"tablet-{name}-stdout", daemon=True)
        self._err_reader = threading.Thread(target=self._read_stderr, name=f"tablet-{name}-stderr", daemon=True)
        self._reader.start()
        self._err_reader.start()

    # -- lifecycle -------------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        *,
        name: str = "tablet",
        timeout: float = DEFAULT_TIMEOUT_S,
        pouchdb_version: int | str | None = None,
    ) -> Tablet:
        """Spawn `node tablet.js` and open the in-memory database `name`.

        `pouchdb_version`: the PouchDB major to run (7, 8 or 9; "8.0.1" means 8); None means
        $TABLET_POUCHDB_VERSION, else 9."""
        wanted = pouchdb_version if pouchdb_version is not None else os.environ.get("TABLET_POUCHDB_VERSION")
        major = str(wanted or DEFAULT_POUCHDB_VERSION).strip().split(".")[0]
        if major not in POUCHDB_PACKAGES:
            raise ValueError(f"unsupported PouchDB version {wanted!r}; one of: {', '.join(sorted(POUCHDB_PACKAGES))}")
        if not (NODE_DIR / "node_modules" / POUCHDB_PACKAGES[major]).exists():
            raise TabletError(
                f"PouchDB {major} ({POUCHDB_PACKAGES[major]}) is not installed in {NODE_DIR}; "
                "run: (cd tests/e2e/node && npm ci)"
            )
        process = subprocess.Popen(
            ["node", str(TABLET_JS), f"--pouchdb={major}"],
            cwd=NODE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            bufsize=1,
            start_new_session=True,
        )
        tablet = cls(process=process, name=name, timeout=timeout)
        try:
            pong = tablet.command("ping", timeout=min(timeout, 20.0))
            tablet.pouchdb_version = pong["pouchdb"]
            if tablet.pouchdb_version.split(".")[0] != major:
                raise TabletError(f"tablet {name}: asked for PouchDB {major}, runs {tablet.pouchdb_version}")
            tablet.command("open", db=name)
        except Exception:
            tablet.close()
            raise
        return tablet

    def close(self) -> None:
        """Stop the node process (closing stdin first lets it cancel live replications)."""
        if self.process.poll() is None:
            try:
                assert self.process.stdin is not None
                self.process.stdin.close()
            except (OSError, ValueError):
                pass
            try:
                self.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._kill_group(signal.SIGTERM)
                try:
                    self.process.wait(timeout=3)
                except subprocess.TimeoutExpired:
                    self._kill_group(signal.SIGKILL)
                    self.process.wait(timeout=3)
        self._reader.join(timeout=2)
        self._err_reader.join(timeout=2)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    def _kill_group(self, sig: signal.Signals) -> None:
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass

    def __enter__(self) -> Tablet:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)

    # -- transport -------------------------------------------------------------------------

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                self._stray.append(line)
                continue
            waiter = None
            with self._lock:
                if isinstance(message, dict) and message.get("id") in self._pending:
                    waiter = self._pending.pop(message["id"])
            if waiter is not None:
                waiter.put(message)
            else:
                self._stray.append(line)
        # Process gone: wake everybody still waiting.
        with self._lock:
            waiters = list(self._pending.values())
            self._pending.clear()
        for waiter in waiters:
            waiter.put({"ok": False, "error": {"name": "tablet_exited", "message": "tablet process exited"}})

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._stderr.append(line)

    def command(self, cmd: str, *, timeout: float | None = None, **args: Any) -> Any:
        """Send one command and return its `result`; raise TabletError on failure or timeout."""
        if self.process.poll() is not None:
            raise TabletError(f"tablet {self.name} is not running (exit {self.process.returncode})", stderr=self.stderr)
        command_id = next(self._ids)
        waiter: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=1)
        with self._lock:
            self._pending[command_id] = waiter
        payload = {"id": command_id, "cmd": cmd, **{k: v for k, v in args.items() if v is not None}}
        try:
            with self._write_lock:
                assert self.process.stdin is not None
                self.process.stdin.write(json.dumps(payload) + "\n")
                self.process.stdin.flush()
        except (OSError, ValueError) as exc:
            with self._lock:
                self._pending.pop(command_id, None)
            raise TabletError(f"tablet {self.name}: cannot send {cmd}: {exc}", stderr=self.stderr) from exc
        wait_s = self.timeout if timeout is None else timeout
        try:
            message = waiter.get(timeout=wait_s)
        except queue.Empty:
            with self._lock:
                self._pending.pop(command_id, None)
            raise TabletError(f"tablet {self.name}: {cmd} timed out after {wait_s} s", stderr=self.stderr) from None
        if not message.get("ok"):
            error = message.get("error") or {}
            raise TabletError(
                f"tablet {self.name}: {cmd} failed: {error.get('name')}: {error.get('message')}",
                error=error,
                stderr=self.stderr if error.get("name") in {"tablet_exited", "timeout"} else "",
            )
        return message.get("result")

    # -- local database --------------------------------------------------------------------

    def open(self, *, db: str) -> None:
        """Open (or create) another in-memory database; it becomes the default for commands."""
        self.command("open", db=db)

    def info(self, *, db: str | None = None) -> dict[str, Any]:
        return self.command("info", db=db)

    def put(self, doc: Mapping[str, Any], *, db: str | None = None) -> dict[str, Any]:
        return self.command("put", doc=dict(doc), db=db)

    def bulk_docs(
        self, docs: Iterable[Mapping[str, Any]], *, new_edits: bool | None = None, db: str | None = None
    ) -> list[dict[str, Any]]:
        options = {} if new_edits is None else {"new_edits": new_edits}
        return self.command("bulk_docs", docs=[dict(d) for d in docs], options=options, db=db)

    def get(
        self,
        doc_id: str,
        *,
        conflicts: bool = False,
        attachments: bool = False,
        rev: str | None = None,
        open_revs: str | list[str] | None = None,
        db: str | None = None,
    ) -> Any:
        options: dict[str, Any] = {"conflicts": conflicts, "attachments": attachments}
        if rev is not None:
            options["rev"] = rev
        if open_revs is not None:
            options["open_revs"] = open_revs
        return self.command("get", doc_id=doc_id, options=options, db=db)

    def all_docs(self, *, include_docs: bool = False, db: str | None = None, **options: Any) -> dict[str, Any]:
        return self.command("all_docs", options={"include_docs": include_docs, **options}, db=db)

    def doc_ids(self, *, db: str | None = None) -> list[str]:
        return [row["id"] for row in self.all_docs(db=db)["rows"]]

    def remove(self, doc_id: str, *, rev: str | None = None, db: str | None = None) -> dict[str, Any]:
        return self.command("remove", doc_id=doc_id, rev=rev, db=db)

    def put_attachment(
        self,
        doc_id: str,
        name: str,
        data: bytes,
        *,
        content_type: str,
        rev: str | None = None,
        db: str | None = None,
    ) -> dict[str, Any]:
        """Attach `data`; without `rev` the doc's current rev is used (or a new doc is made)."""
        return self.command(
            "put_attachment",
            doc_id=doc_id,
            name=name,
            data_base64=base64.b64encode(data).decode("ascii"),
            content_type=content_type,
            rev=rev,
            db=db,
        )

    def get_attachment(self, doc_id: str, name: str, *, rev: str | None = None, db: str | None = None) -> bytes:
        result = self.command("get_attachment", doc_id=doc_id, name=name, rev=rev, db=db)
        return base64.b64decode(result["data_base64"])

    def changes(self, *, db: str | None = None, **options: Any) -> dict[str, Any]:
        return self.command("changes", options=options, db=db)

    # -- replication -----------------------------------------------------------------------

    def replicate(
        self,
        *,
        direction: str,
        url: str,
        auth: Auth = None,
        headers: Mapping[str, str] | None = None,
        options: Mapping[str, Any] | None = None,
        timeout: float | None = None,
        db: str | None = None,
    ) -> dict[str, Any]:
        """One-shot replication, awaited. Returns {"result": {docs_written, doc_write_failures,
        errors, status, …} (for sync: {"push": …, "pull": …}), "error": fatal error or None,
        "denied": [errors of refused docs], "events": [...], "done": True}.
        A failed replication does not raise: inspect "error"."""
        wait_s = self.timeout if timeout is None else timeout
        return self.command(
            "replicate",
            direction=direction,
            url=url,
            auth=_auth_payload(auth),
            headers=dict(headers) if headers else None,
            options=dict(options or {}),
            timeout_ms=int(wait_s * 1000),
            timeout=wait_s + 5,
            db=db,
        )

    def push(self, url: str, *, auth: Auth = None, headers: Mapping[str, str] | None = None, **kw: Any) -> dict[str, Any]:
        return self.replicate(direction="to", url=url, auth=auth, headers=headers, **kw)

    def pull(self, url: str, *, auth: Auth = None, headers: Mapping[str, str] | None = None, **kw: Any) -> dict[str, Any]:
        return self.replicate(direction="from", url=url, auth=auth, headers=headers, **kw)

    def sync(self, url: str, *, auth: Auth = None, headers: Mapping[str, str] | None = None, **kw: Any) -> dict[str, Any]:
        return self.replicate(direction="sync", url=url, auth=auth, headers=headers, **kw)

    def replication_start(
        self,
        *,
        direction: str,
        url: str,
        auth: Auth = None,
        headers: Mapping[str, str] | None = None,
        live: bool = False,
        options: Mapping[str, Any] | None = None,
        cancel_after_docs: int | None = None,
        rep_id: str | None = None,
        db: str | None = None,
    ) -> str:
        """Start a replication in the background; returns its rep_id.
        `cancel_after_docs=N` cancels it once N docs were written (an interrupted sync)."""
        result = self.command(
            "replication_start",
            direction=direction,
            url=url,
            auth=_auth_payload(auth),
            headers=dict(headers) if headers else None,
            live=live,
            options=dict(options or {}),
            cancel_after_docs=cancel_after_docs,
            rep_id=rep_id,
            db=db,
        )
        return result["rep_id"]

    def replication_status(self, rep_id: str, *, since: int = 0) -> dict[str, Any]:
        return self.command("replication_status", rep_id=rep_id, since=since)

    def replication_wait(self, rep_id: str, *, timeout: float | None = None) -> dict[str, Any]:
        wait_s = self.timeout if timeout is None else timeout
        return self.command("replication_wait", rep_id=rep_id, timeout_ms=int(wait_s * 1000), timeout=wait_s + 5)

    def replication_cancel(self, rep_id: str, *, timeout: float = 10.0) -> dict[str, Any]:
        return self.command("replication_cancel", rep_id=rep_id, timeout_ms=int(timeout * 1000), timeout=timeout + 5)

    def live_sync_start(
        self,
        url: str,
        *,
        auth: Auth = None,
        headers: Mapping[str, str] | None = None,
        direction: str = "sync",
        options: Mapping[str, Any] | None = None,
        db: str | None = None,
    ) -> str:
        """Start a live (continuous, retrying) replication; returns its rep_id."""
        return self.replication_start(
            direction=direction, url=url, auth=auth, headers=headers, live=True, options=options, db=db
        )

    def live_sync_stop(self, rep_id: str) -> dict[str, Any]:
        """Cancel a live replication; returns its status with every recorded event."""
        return self.replication_cancel(rep_id)

    def wait_for_doc(
        self, doc_id: str, *, timeout: float = 10.0, rev: str | None = None, db: str | None = None
    ) -> dict[str, Any]:
        """Wait until the local db holds `doc_id` (at `rev` if given); returns it (with _conflicts)."""
        return self.command(
            "wait_for_doc", doc_id=doc_id, rev=rev, timeout_ms=int(timeout * 1000), timeout=timeout + 5, db=db
        )

    def wait_for_event(self, rep_id: str, *, event: str, timeout: float = 10.0) -> dict[str, Any]:
        """Poll a replication's events until one named `event` shows up; returns it."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.replication_status(rep_id)
            for recorded in status["events"]:
                if recorded["event"] == event:
                    return recorded
            if time.monotonic() > deadline:
                raise TabletError(
                    f"tablet {self.name}: no {event!r} event on {rep_id} within {timeout} s; "
                    f"events: {[e['event'] for e in status['events']]}",
                    stderr=self.stderr,
                )
            time.sleep(0.05)

    def __repr__(self) -> str:
        return f"<Tablet {self.name} pid={self.process.pid} pouchdb={self.pouchdb_version}>"
