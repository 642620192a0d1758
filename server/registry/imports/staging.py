"""An uploaded file kept between the dry-run preview and the confirmation on the supervisor page,
so the user does not upload it twice: DATA_DIR/import-staging/<token>.bin + .json, owner-checked,
swept after a day."""
from __future__ import annotations

import json
import shutil
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files import File

KEEP_S = 24 * 3600


def _dir() -> Path:
    path = Path(settings.DATA_DIR) / "import-staging"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sweep() -> None:
    cutoff = time.time() - KEEP_S
    for path in _dir().iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass


def keep(*, upload, user_id: int, meta: dict) -> str:
    _sweep()
    token = uuid.uuid4().hex
    upload.seek(0)
    with open(_dir() / f"{token}.bin", "wb") as out:
        shutil.copyfileobj(upload, out, 1024 * 1024)
    (_dir() / f"{token}.json").write_text(json.dumps({**meta, "user": user_id}, ensure_ascii=False), encoding="utf-8")
    return token


def take(*, token: str, user_id: int) -> tuple[File, dict] | None:
    if not isinstance(token, str) or len(token) != 32 or not all(c in "0123456789abcdef" for c in token):
        return None
    meta_path, data_path = _dir() / f"{token}.json", _dir() / f"{token}.bin"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("user") != user_id or not data_path.exists():
        return None
    return File(open(data_path, "rb"), name=meta.get("filename", "upload")), meta


def discard(*, token: str) -> None:
    for suffix in (".json", ".bin"):
        try:
            (_dir() / f"{token}{suffix}").unlink()
        except OSError:
            pass
