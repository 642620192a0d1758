"""SHA-256 helpers for photo bytes (the `sha256` field of photo docs is lowercase hex)."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import BinaryIO

_HEX64 = re.compile(r"[0-9a-f]{64}")
CHUNK_SIZE = 1024 * 1024


def sha256_hex(data: bytes) -> str:
    """Lowercase hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_hex_stream(fileobj: BinaryIO, *, chunk_size: int = CHUNK_SIZE, max_bytes: int | None = None) -> tuple[str, int]:
    """Hash a readable binary file object in chunks.

    Returns ``(hex digest, number of bytes read)``. When ``max_bytes`` is given and the
    stream is longer, raises ``ValueError`` as soon as the limit is passed (the stream
    is not read further).
    """
    digest = hashlib.sha256()
    total = 0
    while True:
        chunk = fileobj.read(chunk_size)
        if not chunk:
            break
        total += len(chunk)
        if max_bytes is not None and total > max_bytes:
            raise ValueError(f"stream is larger than {max_bytes} bytes")
        digest.update(chunk)
    return digest.hexdigest(), total


def is_sha256_hex(value: object) -> bool:
    """True for a 64-character lowercase hex string."""
    return isinstance(value, str) and _HEX64.fullmatch(value) is not None


def verify_declared_hash(*, data: bytes, declared: str) -> bool:
    """True when ``declared`` (hex, any case, surrounding blanks ignored) is the SHA-256 of ``data``.

    A declared value that is not 64 hex digits is simply a mismatch (False).
    """
    if not isinstance(declared, str):
        return False
    candidate = declared.strip().lower()
    if not is_sha256_hex(candidate):
        return False
    return hmac.compare_digest(candidate, sha256_hex(data))
