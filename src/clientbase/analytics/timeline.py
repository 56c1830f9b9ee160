"""The dates of one analysis cut into spans, so each fact table is grouped ONCE for every period.

The periods' bounds cut the calendar into disjoint spans; every period is a union of whole spans, even when
the periods overlap or leave a gap. The engine groups a fact table by (customer, span) with plain sums — no
sum per period and condition, which costs DuckDB about half a scan more on the order lines — and the few
rows per customer are added up per period afterwards (:mod:`clientbase.analytics.facts`). The as-of dates
cut the payment and due dates the same way (:func:`bucket`), so "paid by as_of" and "due before as_of" are
group keys too.

Example: periods 2023 and 2024 give the cuts 2023-01-01, 2024-01-01 and 2025-01-01: span 1 is 2023 and
span 2 is 2024; a compare period from 2023-07-01 to 2024-06-30 adds two cuts and each year becomes two spans.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np

from clientbase.analytics.period import Period

_DAY = dt.timedelta(days=1)


def bucket(date: ir.DateValue, cuts: Sequence[dt.date]) -> ir.IntegerValue:
    """How many of ``cuts`` (ascending) fall on or before ``date``: 0 before the first cut, ``len(cuts)``
    from the last one on."""
    if not cuts:
        return ibis.literal(0, type="int8")
    branches = [(date < ibis.literal(cut), i) for i, cut in enumerate(cuts)]
    # int8 for the usual few spans; a long monthly timeline (targeting since 2000: 300 months) needs more
    return ibis.cases(*branches, else_=len(cuts)).cast("int8" if len(cuts) < 128 else "int32")


def day_number(date: ir.DateValue, origin: dt.date) -> ir.IntegerValue:
    """Days from ``origin`` to ``date`` (negative before it)."""
    return date.delta(ibis.literal(origin), unit="day")


@dataclass(frozen=True)
class Timeline:
    """The spans cut by ``periods`` (label -> period); rows outside every period lie outside the window."""

    periods: Mapping[str, Period]

    @property
    def cuts(self) -> list[dt.date]:
        """Every period's first day and the day after its last, ascending."""
        return sorted(
            {p.start for p in self.periods.values()} | {p.end + _DAY for p in self.periods.values()}
        )

    @property
    def origin(self) -> dt.date:
        """The first day of the window, from which :func:`day_number` counts."""
        return self.cuts[0]

    def in_window(self, date: ir.DateValue) -> ir.BooleanValue:
        """``date`` lies from the first period's start to the last period's end."""
        cuts = self.cuts
        return (date >= ibis.literal(cuts[0])) & (date < ibis.literal(cuts[-1]))

    def span(self, date: ir.DateValue) -> ir.IntegerValue:
        """The span of ``date`` (1 to len(cuts) - 1 inside the window)."""
        return bucket(date, self.cuts)

    def spans(self, label: str) -> list[int]:
        """The spans that make up period ``label``.

        Example:
            >>> t = Timeline({"cur": Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
            ...               "prev": Period(dt.date(2023, 7, 1), dt.date(2024, 6, 30))})
            >>> t.cuts
            [datetime.date(2023, 7, 1), datetime.date(2024, 1, 1), datetime.date(2024, 7, 1), datetime.date(2025, 1, 1)]
            >>> t.spans("cur"), t.spans("prev")
            ([2, 3], [1, 2])
        """
        period, cuts = self.periods[label], self.cuts
        return [
            i for i in range(1, len(cuts)) if cuts[i - 1] >= period.start and cuts[i] <= period.end + _DAY
        ]

    def contains(self, spans: np.ndarray[Any, Any], label: str) -> np.ndarray[Any, Any]:
        """Which of ``spans`` (a column of span numbers) belong to period ``label``."""
        return np.isin(spans, self.spans(label))
