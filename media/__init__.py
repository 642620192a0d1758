"""Plain-Python media handling (no Django): photo verification, EXIF, thumbnails,
evidence flags, and QR seal labels. See media/README.md."""

from .photos import (
    FLAG_CODES,
    ImageInfo,
    PhotoError,
    evidence_flags,
    haversine_m,
    inspect_image,
    make_thumbnail,
    sha256_hex,
    sha256_hex_stream,
    verify_declared_hash,
)
from .labels import check_label_code, make_label_code, make_label_codes, parse_label_code

__all__ = [
    "FLAG_CODES",
    "ImageInfo",
    "PhotoError",
    "check_label_code",
    "evidence_flags",
    "haversine_m",
    "inspect_image",
    "make_label_code",
    "make_label_codes",
    "make_thumbnail",
    "parse_label_code",
    "sha256_hex",
    "sha256_hex_stream",
    "verify_declared_hash",
]
