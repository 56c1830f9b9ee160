"""RFM / BTYD summary: frequency, recency, age and mean repeat spend per customer, computed in the engine.

The definitions are those of the "buy till you die" literature (Fader, Hardie & Lee 2005) and of lifetimes'
``summary_data_from_transaction_data``:

* purchases on the same day by the same customer are merged into one purchase (their amounts are added);
* ``frequency`` is the number of *repeat* purchase days (distinct purchase days - 1);
* ``recency`` is the time from the first to the last purchase day, ``T`` the time from the first purchase day to
  the end of the calibration period, both in the chosen time unit;
* ``monetary_value`` is the mean value of the repeat purchase days (the first day excluded), 0 without repeats.

Time units: ``day`` = 1 day, ``week`` = 7 days (lifetimes' ``freq="D", freq_multiplier=7``), ``month`` =
365.25 / 12 = 30.4375 days. Every function here is pure Ibis, table in, table out: nothing is executed, so the
same expression runs on DuckDB, PostgreSQL or Spark and only the per-customer result leaves the engine.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import ibis.expr.types as ir

from clientbase.errors import Problem, ValidationError

#: length of one time unit in days
TIME_UNIT_DAYS: dict[str, float] = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}


def _problem(where: str, column: str | None, rule: str, value: str | None = None) -> ValidationError:
    return ValidationError([Problem(file=where, row=None, column=column, value=value, rule=rule)])


def _as_date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _problem(
            where, None, "calibration end is not a date; give it as YYYY-MM-DD", str(value)
        ) from None


def _check_columns(table: ir.Table, where: str, columns: dict[str, str | None]) -> None:
    present = set(table.columns)
    for role, column in columns.items():
        if column is not None and column not in present:
            raise _problem(
                where,
                column,
                f"{role} column not found; the columns are {', '.join(table.columns)} "
                f"(choose one with the {role}_col argument)",
            )


def _purchase_day(table: ir.Table, date_col: str, where: str) -> ir.DateValue:
    column = table[date_col]
    dtype = column.type()
    if dtype.is_date():
        return column
    if dtype.is_timestamp():
        return column.date()
    if dtype.is_string():
        return column.cast("date")
    raise _problem(
        where,
        date_col,
        f"the date column has type {dtype}; it must hold dates, timestamps or ISO date text (YYYY-MM-DD)",
    )


def rfm_summary(
    transactions: ir.Table,
    *,
    calibration_end: dt.date | str,
    customer_col: str = "counterparty_id",
    date_col: str = "date",
    amount_col: str | None = None,
    time_unit: str = "week",
    where: str = "transactions",
) -> ir.Table:
    """Per-customer frequency, recency, T (and mean repeat spend) as of ``calibration_end``.

    Transactions after ``calibration_end`` are ignored; rows whose date or customer is null are ignored.

    Args:
        transactions: one row per purchase (or order line); any Ibis backend.
        calibration_end: last day of the calibration period (inclusive), a date or ``"YYYY-MM-DD"``.
        customer_col: column identifying the customer; kept under its name in the result.
        date_col: purchase date (date, timestamp or ISO text).
        amount_col: purchase value; when given the result has ``monetary_value``.
        time_unit: ``"day"``, ``"week"`` or ``"month"`` (see the module docstring).
        where: name of the input used in error messages (a file name, a table name).

    Returns:
        An Ibis table with ``customer_col``, ``frequency`` (int64), ``recency``, ``T`` (float64) and, with an
        amount column, ``monetary_value`` (float64); one row per customer with a purchase by the end date.

    Raises:
        ValidationError: a column is missing or has the wrong type, or the time unit/end date is unknown.

    Example:
        >>> import ibis
        >>> from clientbase.analytics.rfm import rfm_summary
        >>> tx = ibis.memtable({"customer": [1, 1, 1, 2],
        ...                     "day": ["2024-01-01", "2024-01-01", "2024-01-15", "2024-01-08"],
        ...                     "amount": [10.0, 5.0, 20.0, 7.0]})
        >>> s = rfm_summary(tx, customer_col="customer", date_col="day", amount_col="amount",
        ...                 calibration_end="2024-01-29", time_unit="week")
        >>> s.order_by("customer").execute().to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
        [{'customer': 1, 'frequency': 1, 'recency': 2.0, 'T': 4.0, 'monetary_value': 20.0},
         {'customer': 2, 'frequency': 0, 'recency': 0.0, 'T': 3.0, 'monetary_value': 0.0}]
    """
    if time_unit not in TIME_UNIT_DAYS:
        raise _problem(
            where, None, f"unknown time unit; use one of {', '.join(TIME_UNIT_DAYS)}", str(time_unit)
        )
    unit_days = TIME_UNIT_DAYS[time_unit]
    end = _as_date(calibration_end, where)
    _check_columns(transactions, where, {"customer": customer_col, "date": date_col, "amount": amount_col})
    if amount_col is not None and not transactions[amount_col].type().is_numeric():
        raise _problem(
            where,
            amount_col,
            f"the amount column has type {transactions[amount_col].type()}; it must be numeric",
        )

    end_lit = ibis.literal(end, type="date")
    day = _purchase_day(transactions, date_col, where)
    rows = transactions.mutate(_day=day)
    rows = rows.filter(rows[customer_col].notnull(), rows._day.notnull(), rows._day <= end_lit)

    # one row per customer and purchase day (same-day purchases merged)
    metrics: dict[str, Any] = {}
    if amount_col is not None:
        metrics["_amount"] = rows[amount_col].sum()
    days = (
        rows.group_by([customer_col, "_day"]).aggregate(**metrics)
        if metrics
        else rows.select(customer_col, "_day").distinct()
    )
    aggregates: dict[str, Any] = {
        "_n_days": days.count(),
        "_first_day": days._day.min(),
        "_last_day": days._day.max(),
    }
    if amount_col is not None:
        # repeat value = all days - the first day (arg-min by day: one aggregation, no window; days are unique)
        aggregates["_repeat_amount"] = days._amount.sum() - days._amount.argmin(days._day)
    per_customer = days.group_by(customer_col).aggregate(**aggregates)

    frequency = (per_customer._n_days - 1).cast("int64")
    columns: dict[str, Any] = {
        customer_col: per_customer[customer_col],
        "frequency": frequency,
        "recency": per_customer._last_day.delta(per_customer._first_day, unit="day").cast("float64")
        / unit_days,
        "T": end_lit.delta(per_customer._first_day, unit="day").cast("float64") / unit_days,
    }
    if amount_col is not None:
        columns["monetary_value"] = ibis.ifelse(
            frequency > 0,
            per_customer._repeat_amount.cast("float64") / frequency.cast("float64"),
            ibis.literal(0.0, type="float64"),
        )
    return per_customer.select(**columns)


def rfm_groups(summary: ir.Table, *, columns: tuple[str, ...] = ("frequency", "recency", "T")) -> ir.Table:
    """Identical rows of an RFM summary counted once, with their ``weight`` (number of customers).

    The BTYD likelihoods depend on a customer only through ``(frequency, recency, T)``, the Gamma-Gamma one
    through ``(frequency, monetary_value)``; a model fitted to the groups with ``weights`` is the model fitted
    to every customer, on far fewer rows.

    Args:
        summary: the output of :func:`rfm_summary`.
        columns: the columns that identify a group.

    Example:
        >>> import ibis
        >>> s = ibis.memtable({"frequency": [0, 0, 2], "recency": [0.0, 0.0, 3.0], "T": [5.0, 5.0, 5.0]})
        >>> rfm_groups(s).order_by("frequency").execute()["weight"].tolist()
        [2, 1]
    """
    missing = [c for c in columns if c not in summary.columns]
    if missing:
        raise _problem("RFM summary", missing[0], "column not found; pass the output of rfm_summary()")
    return summary.group_by(list(columns)).aggregate(weight=summary.count())
