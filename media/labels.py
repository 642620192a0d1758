"""Pre-issued QR seal labels for samples: code format, check character and printable sheets.

Format: ``JY-<jurisdiction>-<serial>-<check>``, e.g. ``JY-445202-000123-1``

- ``JY``: fixed prefix (抽样封条 labels of this system; 检验).
- jurisdiction: 6-digit GB/T 2260 code of the issuing jurisdiction.
- serial: 6 digits, 000001..999999, unique within the jurisdiction.
- check: ISO 7064 MOD 11-2 over the 12 digits (jurisdiction + serial), ``0``-``9`` or ``X``
  (the same scheme as the check character of Chinese resident ID numbers). It detects every
  single-character substitution and every transposition of adjacent digits (and of digits
  one apart); the hyphens keep the check character from being transposed with a digit.
"""

from __future__ import annotations

import re

LABEL_PREFIX = "JY"
SERIAL_MIN = 1
SERIAL_MAX = 999_999
_CODE_RE = re.compile(r"([A-Z]{2})-(\d{6})-(\d{6})-([0-9X])")
_JURISDICTION_RE = re.compile(r"[1-9]\d{5}")
FORMAT_HINT = f"{LABEL_PREFIX}-<6-digit jurisdiction>-<6-digit serial>-<check 0-9 or X>"


def mod11_2_check(digits: str) -> str:
    """ISO 7064 MOD 11-2 check character (``0``-``9`` or ``X``) for a string of digits."""
    if not digits or not digits.isascii() or not digits.isdigit():
        raise ValueError("digits: expected a non-empty string of ASCII digits")
    p = 0
    for ch in digits:
        p = ((p + int(ch)) * 2) % 11
    value = (12 - p) % 11
    return "X" if value == 10 else str(value)


def make_label_code(*, jurisdiction: str, serial: int) -> str:
    """Build the code for ``serial`` in ``jurisdiction``; ValueError naming the bad argument."""
    if not isinstance(jurisdiction, str) or not _JURISDICTION_RE.fullmatch(jurisdiction):
        raise ValueError(f"jurisdiction: expected a 6-digit GB/T 2260 code, got {jurisdiction!r}")
    if not isinstance(serial, int) or isinstance(serial, bool):
        raise ValueError(f"serial: expected an integer, got {serial!r}")
    if not SERIAL_MIN <= serial <= SERIAL_MAX:
        raise ValueError(f"serial: must be between {SERIAL_MIN} and {SERIAL_MAX}, got {serial}")
    body = f"{jurisdiction}{serial:06d}"
    return f"{LABEL_PREFIX}-{jurisdiction}-{serial:06d}-{mod11_2_check(body)}"


def make_label_codes(*, jurisdiction: str, first_serial: int, count: int) -> list[str]:
    """``count`` consecutive codes starting at ``first_serial``."""
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ValueError(f"count: expected a positive integer, got {count!r}")
    if isinstance(first_serial, int) and first_serial + count - 1 > SERIAL_MAX:
        raise ValueError(f"count: serials would run past {SERIAL_MAX}")
    return [make_label_code(jurisdiction=jurisdiction, serial=first_serial + i) for i in range(count)]


def parse_label_code(code: str) -> dict[str, object]:
    """Validate and split a label code.

    Surrounding blanks are ignored and lowercase is accepted (``x`` for ``X``); the
    canonical form is returned as ``code``. Returns
    ``{"code", "prefix", "jurisdiction", "serial" (int), "check"}``.
    Raises ValueError with a message starting ``label_code:``.
    """
    if not isinstance(code, str):
        raise ValueError(f"label_code: expected a string, got {type(code).__name__}")
    text = code.strip().upper()
    match = _CODE_RE.fullmatch(text)
    if not match:
        raise ValueError(f"label_code: {code!r} is not of the form {FORMAT_HINT}")
    prefix, jurisdiction, serial_text, check = match.groups()
    if prefix != LABEL_PREFIX:
        raise ValueError(f"label_code: prefix must be {LABEL_PREFIX!r}, got {prefix!r}")
    if not _JURISDICTION_RE.fullmatch(jurisdiction):
        raise ValueError(f"label_code: {jurisdiction!r} is not a GB/T 2260 jurisdiction code")
    serial = int(serial_text)
    if serial < SERIAL_MIN:
        raise ValueError("label_code: serial 000000 is never issued")
    if mod11_2_check(jurisdiction + serial_text) != check:
        raise ValueError(f"label_code: check character of {text!r} does not match (mistyped or misread code)")
    return {"code": text, "prefix": prefix, "jurisdiction": jurisdiction, "serial": serial, "check": check}


def check_label_code(code: str) -> bool:
    """True when ``code`` is a well-formed label code with a correct check character."""
    try:
        parse_label_code(code)
    except ValueError:
        return False
    return True


def normalize_label_code(code: str) -> str:
    """Canonical form of a valid code (raises ValueError like :func:`parse_label_code`)."""
    return str(parse_label_code(code)["code"])


def render_label_sheet_png(*, codes: list[str], title: str) -> bytes:
    """One A4 page (150 dpi PNG) of up to 24 labels; see :mod:`media.label_sheets`."""
    from .label_sheets import render_label_sheet_png as _render

    return _render(codes=codes, title=title)


def render_label_sheet_pdf(*, codes: list[str], title: str) -> bytes:
    """A4 PDF, 24 labels per page, as many pages as needed; see :mod:`media.label_sheets`."""
    from .label_sheets import render_label_sheet_pdf as _render

    return _render(codes=codes, title=title)
