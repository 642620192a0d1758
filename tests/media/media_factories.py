"""Builders for test images (made on the fly with Pillow, no binary fixtures)."""

from __future__ import annotations

import io
import random
import struct
import zlib

from PIL import Image

from media.exif import TAG_DATETIME_ORIGINAL, TAG_EXIF_IFD, TAG_GPS_IFD, TAG_OFFSET_TIME_ORIGINAL, TAG_ORIENTATION

RED = (220, 20, 20)
BLUE = (20, 20, 220)


def make_exif(
    *,
    taken: str | None = "2019:05:06 10:20:30",
    offset: str | None = None,
    gps: tuple[tuple[float, float, float], str, tuple[float, float, float], str] | None = (
        (23.0, 32.0, 24.0), "N", (116.0, 22.0, 12.0), "E",
    ),
    orientation: int | None = None,
) -> Image.Exif:
    exif = Image.Exif()
    if orientation is not None:
        exif[TAG_ORIENTATION] = orientation
    if taken is not None or offset is not None:
        sub = exif.get_ifd(TAG_EXIF_IFD)
        if taken is not None:
            sub[TAG_DATETIME_ORIGINAL] = taken
        if offset is not None:
            sub[TAG_OFFSET_TIME_ORIGINAL] = offset
    if gps is not None:
        lat, lat_ref, lon, lon_ref = gps
        g = exif.get_ifd(TAG_GPS_IFD)
        g[1], g[2], g[3], g[4] = lat_ref, lat, lon_ref, lon
    return exif


def split_image(*, width: int, height: int, mode: str = "RGB") -> Image.Image:
    """Left half red, right half blue (so rotations can be detected)."""
    img = Image.new("RGB", (width, height), BLUE)
    img.paste(Image.new("RGB", (width // 2, height), RED), (0, 0))
    return img.convert(mode) if mode != "RGB" else img


def noisy_image(*, width: int, height: int, seed: int = 1) -> Image.Image:
    rng = random.Random(seed)
    return Image.frombytes("RGB", (width, height), bytes(rng.getrandbits(8) for _ in range(width * height * 3)))


def encode(img: Image.Image, fmt: str, *, exif: Image.Exif | None = None, **params) -> bytes:
    out = io.BytesIO()
    if exif is not None:
        params["exif"] = exif.tobytes()
    img.save(out, format=fmt, **params)
    return out.getvalue()


def jpeg(*, width: int = 400, height: int = 200, exif: Image.Exif | None = None, noisy: bool = False) -> bytes:
    img = noisy_image(width=width, height=height) if noisy else split_image(width=width, height=height)
    return encode(img, "JPEG", exif=exif, quality=90)


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)


def png_header_only(*, width: int, height: int) -> bytes:
    """A tiny PNG whose IHDR claims ``width`` × ``height`` RGB pixels (a decompression-bomb shape)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")
