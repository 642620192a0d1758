import hashlib
import io

import pytest

from media.hashing import is_sha256_hex, sha256_hex, sha256_hex_stream, verify_declared_hash


def test_sha256_hex_matches_hashlib():
    data = b"field photo bytes" * 1000
    assert sha256_hex(data) == hashlib.sha256(data).hexdigest()
    assert is_sha256_hex(sha256_hex(data))


def test_stream_variant_equals_one_shot_and_counts_bytes():
    data = bytes(range(256)) * 5000
    digest, size = sha256_hex_stream(io.BytesIO(data), chunk_size=4096)
    assert digest == sha256_hex(data)
    assert size == len(data)


def test_stream_variant_stops_past_limit():
    with pytest.raises(ValueError, match="larger than 100 bytes"):
        sha256_hex_stream(io.BytesIO(b"x" * 1000), chunk_size=10, max_bytes=100)


def test_verify_declared_hash():
    data = b"image"
    good = sha256_hex(data)
    assert verify_declared_hash(data=data, declared=good)
    assert verify_declared_hash(data=data, declared=f"  {good.upper()} ")
    assert not verify_declared_hash(data=data + b"!", declared=good)
    assert not verify_declared_hash(data=data, declared=good[:-1])
    assert not verify_declared_hash(data=data, declared="z" * 64)
    assert not verify_declared_hash(data=data, declared=None)  # type: ignore[arg-type]
