"""Progress of a running import, for the page that started it: a small JSON file per import in
DATA_DIR/import-progress/ (written outside the import's transaction, so every worker process of
the same host can answer a progress request while the import runs)."""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

from django.conf import settings

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
KEEP_S = 24 * 3600


def _dir() -> Path:
    path = Path(settings.DATA_DIR) / "import-progress"
    path.mkdir(parents=True, exist_ok=True)
    return path


def valid_key(key: object) -> bool:
    return isinstance(key, str) and bool(KEY_PATTERN.match(key))


class Progress:
    """`Progress(key, user_id, kind)`; `update(rows=…)` at most a few times a second."""

    def __init__(self, *, key: str | None, user_id: int, kind: str):
        self.key = key if valid_key(key) else None
        self.user_id = user_id
        self.kind = kind
        self._last = 0.0
        self.rows = 0

    def _write(self, **state) -> None:
        if self.key is None:
            return
        body = {"user": self.user_id, "kind": self.kind, "rows": self.rows, "at": time.time(), **state}
        path = _dir() / f"{self.key}.json"
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            pass  # progress is a courtesy; the import itself goes on

    def start(self) -> None:
        self._write(state="running", phase="reading")

    def update(self, *, rows: int, phase: str = "checking") -> None:
        self.rows = rows
        now = time.monotonic()
        if now - self._last >= 0.2:
            self._last = now
            self._write(state="running", phase=phase)

    def finish(self, *, state: str, result: dict | None = None) -> None:
        self._write(state=state, phase="done", result=result or {})
        _sweep()


def read(*, key: str, user_id: int) -> dict | None:
    if not valid_key(key):
        return None
    path = _dir() / f"{key}.json"
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if body.get("user") != user_id:
        return None
    return body


def _sweep() -> None:
    cutoff = time.time() - KEEP_S
    for path in _dir().glob("*.json"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass
