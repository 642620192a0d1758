"""Verifying uploaded photo bytes: type, size, pixel count and a full bounded decode."""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from dataclasses import asdict, dataclass

from PIL import Image, UnidentifiedImageError

from .errors import PhotoError
from .exif import read_exif
from .hashing import sha256_hex

MAX_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 50_000_000

FORMAT_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
ALLOWED_FORMATS = tuple(FORMAT_MIME)

# Errors Pillow (and its decoders) raise on malformed input.
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    struct.error,
    zlib.error,
    Image.DecompressionBombError,
    MemoryError,
)


@dataclass(frozen=True)
class ImageInfo:
    format: str  # "JPEG" | "PNG" | "WEBP"
    mime: str
    width: int  # as stored, before EXIF orientation
    height: int
    exif_taken_at: str | None  # ISO 8601 with offset
    gps: tuple[float, float] | None  # (lat, lon)
    orientation: int  # EXIF orientation 1..8 (1 when absent)
    size_bytes: int
    sha256: str
    has_exif: bool

    @property
    def display_size(self) -> tuple[int, int]:
        """(width, height) after applying the EXIF orientation."""
        if self.orientation in (5, 6, 7, 8):
            return (self.height, self.width)
        return (self.width, self.height)

    def exif_dict(self) -> dict[str, object]:
        """The dossier's ``exif`` object: ``{"taken_at", "gps"}`` (gps as ``{"lat", "lon"}`` or None)."""
        gps = {"lat": self.gps[0], "lon": self.gps[1]} if self.gps else None
        return {"taken_at": self.exif_taken_at, "gps": gps}

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["gps"] = list(self.gps) if self.gps else None
        return data


def sniff_format(data: bytes) -> str | None:
    """Identify JPEG/PNG/WebP by magic bytes; None for anything else."""
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _describe_other(data: bytes) -> str:
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if data[:2] == b"BM":
        return "BMP"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypavif"):
        return "HEIF/AVIF"
    if data[:4] == b"%PDF":
        return "PDF"
    return "unrecognised data"


def _check_bytes(data: object, max_bytes: int) -> tuple[bytes, str]:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise PhotoError(code="corrupt", http_status=400, message="file: expected image bytes")
    data = bytes(data)
    if len(data) == 0:
        raise PhotoError(code="empty", http_status=400, message="file: the file is empty")
    if len(data) > max_bytes:
        raise PhotoError(
            code="too_large",
            http_status=413,
            message=f"file: {len(data)} bytes is more than the limit of {max_bytes} bytes",
        )
    fmt = sniff_format(data)
    if fmt is None:
        raise PhotoError(
            code="unsupported_type",
            http_status=415,
            message=f"file: {_describe_other(data)} is not a JPEG, PNG or WebP image",
        )
    return data, fmt


def open_checked(*, data: bytes, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> tuple[Image.Image, str]:
    """Open ``data`` after the size/type checks and the header pixel-count check.

    Returns the (lazy, not yet decoded) Pillow image and its format. Must be called
    inside ``warnings.catch_warnings()`` by callers that want Pillow warnings silenced;
    ``inspect_image`` and ``make_thumbnail`` do so.
    """
    data, fmt = _check_bytes(data, max_bytes)
    try:
        image = Image.open(io.BytesIO(data), formats=[fmt])
    except Image.DecompressionBombError as exc:
        raise PhotoError(code="too_many_pixels", http_status=413, message=f"file: {exc}") from None
    except (UnidentifiedImageError, *_DECODE_ERRORS) as exc:
        raise PhotoError(
            code="corrupt", http_status=400, message=f"file: not a readable {fmt} image ({exc.__class__.__name__})"
        ) from None
    if image.format != fmt:
        raise PhotoError(code="corrupt", http_status=400, message=f"file: content is not a valid {fmt} image")
    width, height = image.size
    if width <= 0 or height <= 0:
        raise PhotoError(code="corrupt", http_status=400, message="file: image has no pixels")
    if width * height > max_pixels:
        raise PhotoError(
            code="too_many_pixels",
            http_status=413,
            message=f"file: {width}×{height} = {width * height} pixels is more than the limit of {max_pixels}",
        )
    return image, fmt


def _decode_fully(image: Image.Image, fmt: str) -> None:
    try:
        image.load()
    except Image.DecompressionBombError as exc:
        raise PhotoError(code="too_many_pixels", http_status=413, message=f"file: {exc}") from None
    except _DECODE_ERRORS as exc:
        raise PhotoError(
            code="corrupt",
            http_status=400,
            message=f"file: the {fmt} image is truncated or corrupt ({exc})",
        ) from None


def _verify_png_chunks(data: bytes) -> None:
    """Check every PNG chunk's CRC (Pillow's decoder does not check IDAT CRCs)."""
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as probe:
            probe.verify()
    except Image.DecompressionBombError as exc:
        raise PhotoError(code="too_many_pixels", http_status=413, message=f"file: {exc}") from None
    except _DECODE_ERRORS as exc:
        raise PhotoError(
            code="corrupt", http_status=400, message=f"file: the PNG image is corrupt ({exc})"
        ) from None


def inspect_image(*, data: bytes, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> ImageInfo:
    """Verify photo bytes and describe them.

    Order of checks: empty (400 ``empty``), size (413 ``too_large``), type by magic bytes
    (415 ``unsupported_type``), header (400 ``corrupt``), pixel count from the header before
    any decoding (413 ``too_many_pixels``), one full decode (400 ``corrupt``), and for PNG a chunk CRC check.
    Raises only :class:`PhotoError`; Pillow warnings are swallowed.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        image, fmt = open_checked(data=data, max_bytes=max_bytes, max_pixels=max_pixels)
        try:
            width, height = image.size
            facts = read_exif(image)
            _decode_fully(image, fmt)
        finally:
            image.close()
        if fmt == "PNG":
            _verify_png_chunks(bytes(data))
    return ImageInfo(
        format=fmt,
        mime=FORMAT_MIME[fmt],
        width=width,
        height=height,
        exif_taken_at=facts.taken_at,
        gps=facts.gps,
        orientation=facts.orientation,
        size_bytes=len(data),
        sha256=sha256_hex(bytes(data)),
        has_exif=facts.present,
    )
