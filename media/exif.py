"""Reading the few EXIF facts the dossier needs: capture time, GPS position, orientation.

Malformed EXIF never raises: a value that cannot be read is reported as missing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from PIL import Image

# Mainland China has used UTC+08:00 without daylight saving since 1991; EXIF
# DateTimeOriginal is local wall-clock time, so when the camera wrote no
# OffsetTimeOriginal we assume the photo was taken in Asia/Shanghai.
DEFAULT_UTC_OFFSET = timezone(timedelta(hours=8))

TAG_ORIENTATION = 0x0112
TAG_EXIF_IFD = 0x8769
TAG_GPS_IFD = 0x8825
TAG_DATETIME_ORIGINAL = 0x9003
TAG_DATETIME_DIGITIZED = 0x9004
TAG_OFFSET_TIME_ORIGINAL = 0x9011
TAG_OFFSET_TIME_DIGITIZED = 0x9012
GPS_LATITUDE_REF = 1
GPS_LATITUDE = 2
GPS_LONGITUDE_REF = 3
GPS_LONGITUDE = 4

_EXIF_DATETIME = re.compile(r"(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_EXIF_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")


@dataclass(frozen=True)
class ExifFacts:
    taken_at: str | None  # ISO 8601 with offset
    gps: tuple[float, float] | None  # (lat, lon) in decimal degrees
    orientation: int  # 1..8, 1 when absent
    present: bool  # any EXIF block at all


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    return value.strip("\x00 ").strip()


def parse_exif_datetime(value: Any, offset: Any = None) -> str | None:
    """``"2019:05:06 10:20:30"`` (+ optional ``"+08:00"``) -> ``"2019-05-06T10:20:30+08:00"``."""
    text = _text(value)
    if not text:
        return None
    match = _EXIF_DATETIME.match(text)
    if not match:
        return None
    try:
        naive = datetime(*(int(part) for part in match.groups()))
    except ValueError:
        return None
    tz = DEFAULT_UTC_OFFSET
    offset_text = _text(offset)
    if offset_text:
        om = _EXIF_OFFSET.fullmatch(offset_text)
        if om:
            hours, minutes = int(om.group(2)), int(om.group(3))
            if hours <= 14 and minutes < 60:
                delta = timedelta(hours=hours, minutes=minutes)
                tz = timezone(-delta if om.group(1) == "-" else delta)
    return naive.replace(tzinfo=tz).isoformat()


def _rational(value: Any) -> float | None:
    try:
        if isinstance(value, tuple) and len(value) == 2:  # (num, den) from some writers
            num, den = value
            result = float(num) / float(den)
        else:
            result = float(value)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return result if math.isfinite(result) else None


def _dms_to_degrees(dms: Any, ref: Any) -> float | None:
    if not isinstance(dms, (tuple, list)) or not 1 <= len(dms) <= 3:
        return None
    parts = [_rational(part) for part in dms]
    if any(part is None or part < 0 for part in parts):
        return None
    degrees = sum(part / (60**i) for i, part in enumerate(parts))  # type: ignore[operator]
    ref_text = (_text(ref) or "").upper()
    if ref_text in ("S", "W"):
        degrees = -degrees
    return degrees


def parse_gps(gps_ifd: Any) -> tuple[float, float] | None:
    """Decimal (lat, lon) from a GPS IFD mapping, or None when absent/implausible.

    Exactly (0, 0) is treated as "no fix" (cameras write zeros when they have none).
    """
    if not gps_ifd:
        return None
    try:
        lat = _dms_to_degrees(gps_ifd.get(GPS_LATITUDE), gps_ifd.get(GPS_LATITUDE_REF))
        lon = _dms_to_degrees(gps_ifd.get(GPS_LONGITUDE), gps_ifd.get(GPS_LONGITUDE_REF))
    except Exception:  # malformed IFD content: treat as missing
        return None
    if lat is None or lon is None:
        return None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return None
    if lat == 0.0 and lon == 0.0:
        return None
    return (round(lat, 7), round(lon, 7))


def read_exif(image: Image.Image) -> ExifFacts:
    """Extract capture time, GPS and orientation from an opened Pillow image."""
    try:
        exif = image.getexif()
    except Exception:
        return ExifFacts(taken_at=None, gps=None, orientation=1, present=False)
    if not exif:
        return ExifFacts(taken_at=None, gps=None, orientation=1, present=False)

    orientation = 1
    try:
        raw = exif.get(TAG_ORIENTATION)
        if raw is not None and 1 <= int(raw) <= 8:
            orientation = int(raw)
    except (TypeError, ValueError):
        pass

    taken_at = None
    try:
        sub = exif.get_ifd(TAG_EXIF_IFD)
        taken_at = parse_exif_datetime(sub.get(TAG_DATETIME_ORIGINAL), sub.get(TAG_OFFSET_TIME_ORIGINAL))
        if taken_at is None:
            taken_at = parse_exif_datetime(sub.get(TAG_DATETIME_DIGITIZED), sub.get(TAG_OFFSET_TIME_DIGITIZED))
    except Exception:
        taken_at = None

    gps = None
    try:
        gps = parse_gps(exif.get_ifd(TAG_GPS_IFD))
    except Exception:
        gps = None

    return ExifFacts(taken_at=taken_at, gps=gps, orientation=orientation, present=True)
