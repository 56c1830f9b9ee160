"""Small helpers the step modules share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pandas as pd


def share(part: float, whole: float) -> float | None:
    """``part / whole`` to four places; ``None`` when ``whole`` is 0.

    Example:
        >>> share(1, 3), share(0, 0)
        (0.3333, None)
    """
    return None if not whole else round(float(part) / float(whole), 4)


def customers_link(**filters: str) -> str:
    """A link to the customer list with ``filters`` (the list's query-string filters).

    Example:
        >>> customers_link(owner_id="B7", status="active")
        '/customers?owner_id=B7&status=active'
    """
    return "/customers" + ("?" + urlencode(filters) if filters else "")


def per_manager(
    frame: pd.DataFrame, owners: pd.Series, value: Callable[[pd.DataFrame], float | None]
) -> dict[str, float | None]:
    """``value`` of the rows of each owner (``owners`` aligned with ``frame``; rows without one left out)."""
    out: dict[str, float | None] = {}
    for owner, rows in frame.groupby(owners.reindex(frame.index), sort=True):
        out[str(owner)] = value(rows)
    return out


def in_window(days: pd.Series, start: dt.date, end: dt.date) -> pd.Series:
    """Whether each date (``None`` allowed) lies in ``start..end``."""
    return days.map(lambda d: d is not None and not pd.isna(d) and start <= _day(d) <= end).astype(bool)


def _day(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def worst(by_manager: dict[str, float | None], better: str) -> str | None:
    """The manager with the worst value (``better``: ``higher`` or ``lower``); ``None`` when all are equal.

    Example:
        >>> worst({"A": 0.5, "B": 0.9}, "higher"), worst({"A": 1.0, "B": 1.0}, "lower")
        ('A', None)
    """
    known = [(v, m) for m, v in by_manager.items() if v is not None]
    if not known or min(known)[0] == max(known)[0]:
        return None  # no manager stands out
    return (min(known) if better == "higher" else max(known))[1]


def pct(value: float | None) -> str:
    """A share in words: ``41 %``."""
    return "n/a" if value is None else f"{100 * value:.0f} %"
