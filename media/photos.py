"""Photo processing API in one place (re-exports of the small modules)."""

from .errors import PhotoError
from .flags import FLAG_CODES, FLAG_LABELS_ZH, evidence_flags, haversine_m
from .hashing import is_sha256_hex, sha256_hex, sha256_hex_stream, verify_declared_hash
from .thumbnails import make_thumbnail
from .verify import ALLOWED_FORMATS, FORMAT_MIME, MAX_BYTES, MAX_PIXELS, ImageInfo, inspect_image, sniff_format

__all__ = [
    "ALLOWED_FORMATS",
    "FLAG_CODES",
    "FLAG_LABELS_ZH",
    "FORMAT_MIME",
    "MAX_BYTES",
    "MAX_PIXELS",
    "ImageInfo",
    "PhotoError",
    "evidence_flags",
    "haversine_m",
    "inspect_image",
    "is_sha256_hex",
    "make_thumbnail",
    "sha256_hex",
    "sha256_hex_stream",
    "sniff_format",
    "verify_declared_hash",
]
