"""Exact money arithmetic on the small per-customer results: cents, ratios and percentages as Decimal.

Engines agree on sums of decimals but not on division (DuckDB divides decimals in double precision), so
everything that divides runs here, on Python ``Decimal`` with 50 significant digits, after the engine has
summed. Rounding is half away from zero, to the cent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
#: 50 significant digits: far more than any amount x days x rate needs
EXACT = Context(prec=50, rounding=ROUND_HALF_UP)


def cents(value: Decimal | int | None) -> Decimal:
    """``value`` rounded half away from zero to the cent; ``None`` is 0.00.

    Example:
        >>> cents(Decimal("2.345")), cents(Decimal("-2.345")), cents(None)
        (Decimal('2.35'), Decimal('-2.35'), Decimal('0.00'))
    """
    if value is None:
        return ZERO
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP, context=EXACT)


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
