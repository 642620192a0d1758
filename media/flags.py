"""Evidence flags shown next to each photo in a dossier, and the distance helper they use."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from .exif import DEFAULT_UTC_OFFSET

FLAG_NO_EXIF = "no_exif"
FLAG_TAKEN_FAR_FROM_INSPECTION_DATE = "taken_far_from_inspection_date"
FLAG_REUSED_ACROSS_INSPECTIONS = "reused_across_inspections"
FLAG_FAR_FROM_ENTERPRISE = "far_from_enterprise"

# Stable order in which flags are reported.
FLAG_CODES = (
    FLAG_NO_EXIF,
    FLAG_TAKEN_FAR_FROM_INSPECTION_DATE,
    FLAG_REUSED_ACROSS_INSPECTIONS,
    FLAG_FAR_FROM_ENTERPRISE,
)

# Chinese labels for the user interface.
FLAG_LABELS_ZH = {
    FLAG_NO_EXIF: "照片无拍摄时间信息（EXIF）",
    FLAG_TAKEN_FAR_FROM_INSPECTION_DATE: "拍摄日期与检查日期不符",
    FLAG_REUSED_ACROSS_INSPECTIONS: "同一照片用于多次检查",
    FLAG_FAR_FROM_ENTERPRISE: "拍摄地点远离受检企业",
}

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)


def _check_point(name: str, point: Any) -> tuple[float, float]:
    try:
        lat, lon = (float(v) for v in point)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected (latitude, longitude)") from None
    if not (-90.0 <= lat <= 90.0) or not (-180.0 <= lon <= 180.0):
        raise ValueError(f"{name}: ({lat}, {lon}) is not a valid latitude/longitude")
    return lat, lon


def haversine_m(*, a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (lat, lon) points in degrees."""
    lat1, lon1 = _check_point("a", a)
    lat2, lon2 = _check_point("b", b)
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _field(info: Any, *names: str) -> Any:
    for name in names:
        if isinstance(info, Mapping):
            if name in info:
                return info[name]
        elif hasattr(info, name):
            return getattr(info, name)
    return None


def _local_date(taken_at: Any) -> date | None:
    if isinstance(taken_at, datetime):
        moment = taken_at
    elif isinstance(taken_at, str):
        try:
            moment = datetime.fromisoformat(taken_at)
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=DEFAULT_UTC_OFFSET)
    # Compare calendar days in China local time, where inspections are scheduled.
    return moment.astimezone(DEFAULT_UTC_OFFSET).date()


def _gps(value: Any) -> tuple[float, float] | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        value = (value.get("lat"), value.get("lon"))
    try:
        return _check_point("gps", value)
    except ValueError:
        return None


def evidence_flags(
    *,
    info: Any,
    inspection_date: date | None,
    enterprise_location: tuple[float, float] | None,
    reused: bool,
    max_days: int = 2,
    max_distance_m: float = 2000,
) -> list[str]:
    """Flag codes (in ``FLAG_CODES`` order) that a reviewer should look at.

    ``info`` is an :class:`~media.verify.ImageInfo` or a mapping with ``exif_taken_at``
    (or ``taken_at``) and ``gps`` (``(lat, lon)`` or ``{"lat", "lon"}``), e.g. a stored
    ``ImageInfo.exif_dict()``.

    - ``no_exif``: no EXIF capture time.
    - ``taken_far_from_inspection_date``: EXIF capture day (China local time) more than
      ``max_days`` days from ``inspection_date``.
    - ``reused_across_inspections``: ``reused`` is true (same sha256 seen in another inspection).
    - ``far_from_enterprise``: EXIF GPS more than ``max_distance_m`` from ``enterprise_location``.
    Checks whose inputs are missing raise no flag (except ``no_exif`` itself).
    """
    if isinstance(inspection_date, datetime):
        inspection_date = _local_date(inspection_date)
    if inspection_date is not None and not isinstance(inspection_date, date):
        raise ValueError("inspection_date: expected a date or None")
    if max_days < 0:
        raise ValueError("max_days: must not be negative")
    if max_distance_m < 0:
        raise ValueError("max_distance_m: must not be negative")
    if enterprise_location is not None:
        enterprise_location = _check_point("enterprise_location", enterprise_location)

    flags: set[str] = set()
    taken_day = _local_date(_field(info, "exif_taken_at", "taken_at"))
    if taken_day is None:
        flags.add(FLAG_NO_EXIF)
    elif inspection_date is not None and abs((taken_day - inspection_date).days) > max_days:
        flags.add(FLAG_TAKEN_FAR_FROM_INSPECTION_DATE)
    if reused:
        flags.add(FLAG_REUSED_ACROSS_INSPECTIONS)
    gps = _gps(_field(info, "gps"))
    if gps is not None and enterprise_location is not None:
        if haversine_m(a=gps, b=enterprise_location) > max_distance_m:
            flags.add(FLAG_FAR_FROM_ENTERPRISE)
    return [code for code in FLAG_CODES if code in flags]
