"""Full-value comparison (全数值比较法, GB/T 8170-2008 §4.3) for every quick-test method.

A measured or computed value is compared with a limit WITHOUT being rounded first, unless the
standard behind the limit itself prescribes a rounding (then the method says so and cites it).

To make "full value" exact rather than "full to double precision", every number is taken as the
decimal it was written as (a JSON number's shortest round-trip repr, a table string) and turned
into a ``Fraction``; formulas are evaluated in exact rational arithmetic and the comparison is
exact. 1.212 Ω on 100 m at 20 °C is exactly 12.12 Ω/km, which is > 12.1: fail; 1.21 Ω is exactly
12.1: pass. Floats appear only in the answer (``result``/``limit`` for display), never in a verdict.

A client that reimplements a verdict (the field app) must do the same: parse the decimal strings,
scale to integers (BigInt) and cross-multiply instead of dividing in binary floating point
(0.9 × 0.8 − 0.1 is 0.6200000000000001 in IEEE doubles, not 0.62).
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

# π to 50 digits: π is irrational, so a value involving it can never equal a rational limit; 50
# digits decide every comparison of inputs carrying at most 17 significant digits.
PI = Fraction(Decimal("3.14159265358979323846264338327950288419716939937510"))


def exact(value: Any) -> Fraction:
    """The exact rational value of an input or table value as written (float via its shortest repr)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise TypeError("booleans are not numbers here")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, Decimal):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(Decimal(repr(value)))
    return Fraction(Decimal(str(value)))


def at_most(value: Any, limit: Any) -> bool:
    """value ≤ limit on the full values (a maximum: the limit itself passes, any excess fails)."""
    return exact(value) <= exact(limit)


def at_least(value: Any, limit: Any) -> bool:
    """value ≥ limit on the full values (a minimum: the limit itself passes, any shortfall fails)."""
    return exact(value) >= exact(limit)


def to_float(value: Fraction) -> float:
    """The double nearest to the full value, for the JSON answer (display only)."""
    return float(value)


def display(value: Fraction, *, digits: int = 10) -> str:
    """The full value as decimal text for a person, `digits` significant digits, trailing zeros
    dropped. Display only: verdicts never use it (the basis text shows the comparison sign that the
    exact comparison gave, so a display that looks equal to the limit still reads correctly)."""
    if value == 0:
        return "0"
    with localcontext() as ctx:
        ctx.prec = digits
        text = Decimal(value.numerator) / Decimal(value.denominator)
    text = text.normalize()
    out = format(text, "f")
    return out


def display_against(value: Fraction, limit: Fraction, *, digits: int = 10) -> str:
    """`display(value)` with as many more digits as it takes to look different from the limit
    when it is different (R20 = 12.10000000000000142 > 12.1, never "12.1 > 12.1")."""
    shown = display(value, digits=digits)
    while value != limit and digits < 60 and exact(shown) == limit:
        digits += 4
        shown = display(value, digits=digits)
    return shown


def sign(value: Fraction, limit: Fraction) -> str:
    """'<', '=' or '>' from the exact comparison, for the basis text."""
    return "<" if value < limit else ("=" if value == limit else ">")
