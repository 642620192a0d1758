"""How a product named on site is compared with the unqualified-product list (contract §9):
manufacturer and model, each trimmed, full-width folded to half-width (Unicode NFKC), runs of
white space made one space, and case-folded. Both must be present to match."""
from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
SEPARATOR = "\x1f"


def normalise(text: object) -> str:
    if not isinstance(text, str):
        return ""
    folded = unicodedata.normalize("NFKC", text)
    return _SPACES.sub(" ", folded).strip().casefold()


def product_key(*, manufacturer: object, model: object) -> str:
    """The match key of a manufacturer + model, or "" when either is blank."""
    m, n = normalise(manufacturer), normalise(model)
    if not m or not n:
        return ""
    return f"{m}{SEPARATOR}{n}"[:420]
