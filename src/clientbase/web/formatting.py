"""How values are shown on the pages: money with thousands separators, dates, percentages, empty cells."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any


def money(value: Any) -> str:
    """An amount with thousands separators and two decimals; empty for none.

    Example:
        >>> money(Decimal("-1234567.5")), money(None)
        ('-1,234,567.50', '')
    """
    if value is None or value == "":
        return ""
    return f"{Decimal(str(value)):,.2f}"


def number(value: Any, places: int = 0) -> str:
    """A number with thousands separators.

    Example:
        >>> number(12345.678, 1)
        '12,345.7'
    """
    if value is None or value == "":
        return ""
    return f"{float(value):,.{places}f}" if places else f"{Decimal(str(value)):,.0f}"


def percent(value: Any) -> str:
    """A fraction (0.93) as a percentage (93 %).

    Example:
        >>> percent(0.934)
        '93 %'
    """
    if value is None:
        return ""
    return f"{float(value) * 100:.0f} %"


def when(value: Any) -> str:
    """A date as YYYY-MM-DD, a time (UTC) to the minute."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def cell(value: Any, kind: str = "text") -> str:
    """A value as the list shows it in a column of ``kind`` (see :class:`~clientbase.registry.listing.ListColumn`)."""
    if value is None:
        return ""
    if kind == "money":
        return money(value)
    if kind == "percent":
        return percent(value)
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "number":
        return number(value, 1 if isinstance(value, float) else 0)
    return when(value)


def as_input(value: Any) -> str:
    """A stored value as a form field shows it for editing (numbers without trailing zeros)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value != value.to_integral_value() else str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
