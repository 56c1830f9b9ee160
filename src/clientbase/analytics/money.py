"""Exact money arithmetic on the small per-customer results: whole cents in int64, Decimal at the edges.

Engines agree on sums of decimals but not on division (DuckDB divides decimals in double precision), so the
engine only sums, exactly, and everything that rounds or divides runs here on integers: amounts are whole
cents (``int64``), ratios are rounded with integer arithmetic, half away from zero. Where a product could
overflow 64 bits the arithmetic falls back to Python integers, so results stay exact at any size.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

import numpy as np

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
#: 50 significant digits: far more than any amount x days x rate needs
EXACT = Context(prec=50, rounding=ROUND_HALF_UP)
#: a product of two int64 values below this magnitude cannot overflow
_INT_SAFE = 2**63
#: group sums run in float64 on two parts of each integer, the low 26 bits and the rest, each exact
_SPLIT = 26
_LOW = (1 << _SPLIT) - 1
_FLOAT_EXACT = 2**52


def cents(value: Decimal | int | None) -> Decimal:
    """``value`` rounded half away from zero to the cent; ``None`` is 0.00.

    Example:
        >>> cents(Decimal("2.345")), cents(Decimal("-2.345")), cents(None)
        (Decimal('2.35'), Decimal('-2.35'), Decimal('0.00'))
    """
    if value is None:
        return ZERO
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP, context=EXACT)


def from_cents(value: int | np.integer[Any]) -> Decimal:
    """Whole cents as a Decimal amount.

    Example:
        >>> from_cents(-1234)
        Decimal('-12.34')
    """
    return Decimal(int(value)).scaleb(-2)


def div_round(numerator: Any, denominator: Any) -> np.ndarray[Any, Any]:
    """Integer ``numerator / denominator`` rounded half away from zero, elementwise; 0 where denominator is 0.

    Example:
        >>> div_round(np.array([5, -5, 7]), np.array([2, 2, 0])).tolist()
        [3, -3, 0]
    """
    num = np.asarray(numerator)
    den = np.broadcast_to(np.asarray(denominator), num.shape)
    if num.size and (_too_big(num) or _too_big(den)):  # int64 could wrap: Python integers
        num, den = num.astype(object), den.astype(object)
    safe_den = np.where(den == 0, 1, den)
    top, bottom = np.abs(num), np.abs(safe_den)
    q = top // bottom + (2 * (top % bottom) >= bottom)
    out = np.where((num < 0) != (safe_den < 0), -q, q)
    return np.where(den == 0, 0, out)


def _too_big(values: np.ndarray[Any, Any]) -> bool:
    """``values`` are int64 with a magnitude that 2 x |value| or abs() could wrap."""
    return values.dtype != object and magnitude(values) >= 2**62


def magnitude(values: np.ndarray[Any, Any]) -> int:
    """The largest absolute value of an integer array, as a Python int (0 when empty; exact even for the
    smallest int64, whose ``np.abs`` wraps)."""
    if values.size == 0:
        return 0
    return max(abs(int(values.max())), abs(int(values.min())))


def mul(left: Any, right: Any) -> np.ndarray[Any, Any]:
    """Exact elementwise product of two integer arrays (Python integers when int64 could overflow)."""
    a, b = np.asarray(left), np.asarray(right)
    if a.size == 0 or b.size == 0:
        return a.astype(np.int64) * b.astype(np.int64)
    if a.dtype != object and b.dtype != object and magnitude(a) * magnitude(b) < _INT_SAFE:
        return a.astype(np.int64) * b.astype(np.int64)
    return a.astype(object) * b.astype(object)


def group_sum(groups: Any, values: Any, size: int, *, most: int | None = None) -> np.ndarray[Any, Any]:
    """The exact sum of integer ``values`` per group (``groups``: the group of each value, 0 to size - 1).

    Vectorised with ``np.bincount`` on the low 26 bits and on the rest of each value apart, which keeps every
    partial sum far below 2^53 (exact in float64); Python integers when the values or sums need more than
    64 bits. ``most`` (the most values one group has) is counted when not given.

    Example:
        >>> group_sum(np.array([1, 0, 1]), np.array([2**40 + 1, 5, -3]), 3).tolist()
        [5, 1099511627774, 0]
    """
    groups, values = np.asarray(groups), np.asarray(values)
    if most is None:
        most = int(np.bincount(groups).max()) if groups.size else 0
    biggest = magnitude(values) if values.dtype != object else -1
    if biggest >= 0 and most < 1 << _SPLIT and most * ((biggest >> _SPLIT) + 1) < _FLOAT_EXACT:
        low = np.bincount(groups, weights=values & _LOW, minlength=size).astype(np.int64)
        high = np.bincount(groups, weights=values >> _SPLIT, minlength=size).astype(np.int64)
        if magnitude(high) < 1 << (62 - _SPLIT):
            return (high << _SPLIT) + low
        return high.astype(object) * (1 << _SPLIT) + low.astype(object)
    out = np.zeros(size, dtype=object)
    np.add.at(out, groups, values.astype(object))
    return out


def ratio(numerator: Decimal | int, denominator: Decimal | int, places: int = 4) -> Decimal | None:
    """``numerator / denominator`` rounded to ``places`` decimals; ``None`` when the denominator is 0.

    Example:
        >>> ratio(1, 3), ratio(1, 0)
        (Decimal('0.3333'), None)
    """
    if denominator == 0:
        return None
    quotient = EXACT.divide(Decimal(numerator), Decimal(denominator))
    return quotient.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=EXACT)


def percent(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    """``numerator`` as a percentage of ``denominator``, to 0.01 %; ``None`` when the denominator is 0.

    Example:
        >>> percent(Decimal("25"), Decimal("200"))
        Decimal('12.50')
    """
    if denominator == 0:
        return None
    quotient = EXACT.divide(Decimal(numerator) * 100, Decimal(denominator))
    return quotient.quantize(CENT, rounding=ROUND_HALF_UP, context=EXACT)


def exact_div(numerator: Decimal, denominator: Decimal) -> Decimal:
    """``numerator / denominator`` to 50 significant digits (caller rounds)."""
    return EXACT.divide(numerator, denominator)
