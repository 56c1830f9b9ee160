"""Analysis periods: the period analysed, the one it is compared with, and the ``as_of`` date of each.

Dates are inclusive. The default is the last 12 months ending at the latest order date against the 12 months
before. Credit is observed with the same lag in both periods: ``as_of`` of the earlier period is its end plus
the distance from the later period's end to ``as_of``, so both periods' invoices had the same time to be paid.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from clientbase.errors import ConfigurationError

#: the inputs of the periods (the keywords of :func:`resolve_periods`) as the CLI's options name them
CLI_NAMES = {
    "start": "--from",
    "end": "--to",
    "as_of": "--as-of",
    "compare_start": "--compare-from",
    "compare_end": "--compare-to",
}


class PeriodError(ConfigurationError):
    """Periods that cannot work, saying which inputs to change; each front end names them in its own terms.

    ``fields`` are the inputs concerned, as the keywords of :func:`resolve_periods` (``start``, ``end``,
    ``as_of``, ``compare_start``, ``compare_end``); ``no_sales`` says the base has no order lines to take a
    default period from. The message names the inputs as the CLI's options (:data:`CLI_NAMES`);
    :meth:`worded` names them as another front end does.

    Example:
        >>> e = PeriodError("Give both {compare_start} and {compare_end}.", "compare_start", "compare_end")
        >>> str(e), e.worded({"compare_start": "compare_from", "compare_end": "compare_to"})
        ('Give both --compare-from and --compare-to.', 'Give both compare_from and compare_to.')
    """

    def __init__(self, template: str, *fields: str, no_sales: bool = False) -> None:
        self.template, self.fields, self.no_sales = template, fields, no_sales
        super().__init__(self.worded(CLI_NAMES))

    def worded(self, names: Mapping[str, str]) -> str:
        """The message with each input called by ``names`` (keyword of :func:`resolve_periods` -> name)."""
        return self.template.format_map(names)


@dataclass(frozen=True)
class Period:
    """Dates ``start`` to ``end``, both included.

    Example:
        >>> Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31)).days
        366
    """

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodError(
                f"The period {self.start} to {self.end} ends before it starts; give {{start}} before {{end}}.",
                "start",
                "end",
            )

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def as_dict(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


@dataclass(frozen=True)
class Periods:
    """The analysed period (``current``), the compared one (``previous``) and the as-of date of each."""

    current: Period
    previous: Period
    as_of: dt.date
    as_of_previous: dt.date

    def __post_init__(self) -> None:
        if self.as_of < self.current.end:
            raise PeriodError(
                f"{{as_of}} {self.as_of} is before the period ends ({self.current.end}): invoices issued after "
                "it would count negative days of credit; give {as_of} on or after {end}.",
                "as_of",
                "end",
            )


def shift_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months, clamped to the month's last day.

    Example:
        >>> shift_months(dt.date(2024, 2, 29), -12)
        datetime.date(2023, 2, 28)
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def twelve_months_to(end: dt.date) -> Period:
    """The 12 months ending at ``end``: ``twelve_months_to(2024-06-30)`` is 2023-07-01 to 2024-06-30.

    Example:
        >>> twelve_months_to(dt.date(2024, 6, 30))
        Period(start=datetime.date(2023, 7, 1), end=datetime.date(2024, 6, 30))
    """
    return Period(shift_months(end, -12) + dt.timedelta(days=1), end)


def resolve_periods(
    *,
    latest_order_date: dt.date | None,
    latest_date: dt.date | None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    as_of: dt.date | None = None,
    compare_start: dt.date | None = None,
    compare_end: dt.date | None = None,
) -> Periods:
    """Fill in what the caller left open with the defaults described in the module docstring.

    ``latest_order_date`` and ``latest_date`` (the latest date of any order, activity, invoice or payment)
    come from the data; without them (an empty database) ``end`` must be given.

    Example:
        >>> p = resolve_periods(latest_order_date=dt.date(2024, 6, 30), latest_date=dt.date(2024, 7, 15))
        >>> p.current.start, p.previous.start, p.previous.end, p.as_of, p.as_of_previous
        (datetime.date(2023, 7, 1), datetime.date(2022, 7, 1), datetime.date(2023, 6, 30), datetime.date(2024, 7, 15), datetime.date(2023, 7, 15))
    """
    if end is None:
        if latest_order_date is None:
            raise PeriodError(
                "The database has no order lines, so there is no default period; give {start} and {end}.",
                "start",
                "end",
                no_sales=True,
            )
        end = latest_order_date
    start = start or twelve_months_to(end).start
    current = Period(start, end)
    if (compare_start is None) != (compare_end is None):
        raise PeriodError(
            "Give both {compare_start} and {compare_end}, or neither.", "compare_start", "compare_end"
        )
    if compare_start is not None and compare_end is not None:
        if compare_end < compare_start:
            raise PeriodError(
                f"The compared period {compare_start} to {compare_end} ends before it starts; "
                "give {compare_start} before {compare_end}.",
                "compare_start",
                "compare_end",
            )
        previous = Period(compare_start, compare_end)
    else:
        previous = _period_before(current)
    if as_of is None:
        as_of = max(latest_date or end, end)
    lag = as_of - current.end
    return Periods(current=current, previous=previous, as_of=as_of, as_of_previous=previous.end + lag)


def _period_before(period: Period) -> Period:
    """The period of the same length just before ``period``: whole months when it is whole months."""
    prev_end = period.start - dt.timedelta(days=1)
    for months in range(1, 121):
        if shift_months(period.end, -months) + dt.timedelta(days=1) == period.start:
            return Period(shift_months(prev_end, -months) + dt.timedelta(days=1), prev_end)
    return Period(prev_end - dt.timedelta(days=period.days - 1), prev_end)


def coverage_notes(periods: Periods, first: dt.date | None, last: dt.date | None) -> list[str]:
    """Where a period reaches beyond the data (``first`` to ``last``: the earliest and latest date of any
    order line, activity, invoice or payment), one sentence each: a change measured against such a period
    compares a part of it, not a trend.

    Example:
        >>> p = resolve_periods(latest_order_date=dt.date(2024, 12, 31), latest_date=dt.date(2024, 12, 31),
        ...     start=dt.date(2024, 1, 1))
        >>> coverage_notes(p, dt.date(2023, 11, 2), dt.date(2024, 12, 31))
        ['the compared period 2023-01-01 to 2023-12-31 starts before the data begins on 2023-11-02']
    """
    if first is None or last is None:
        return []
    notes = []
    for label, p in (("analysed period", periods.current), ("compared period", periods.previous)):
        name = f"the {label} {p.start} to {p.end}"
        if p.end < first or p.start > last:
            notes.append(f"{name} holds no data (the data runs from {first} to {last})")
            continue
        if p.start < first:
            notes.append(f"{name} starts before the data begins on {first}")
        if p.end > last:
            notes.append(f"{name} ends after the data ends on {last}")
    return notes
