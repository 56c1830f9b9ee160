"""Sales series from the base, built in the engine: one measure per period for the total and every level.

The engine groups each fact table once by the *bottom* keys and the period (``date_trunc`` of the month or
ISO week, Monday first) with exact sums; only those aggregated rows leave it. The bottom is the finest level
asked for: the customers when ``customer`` is a level, otherwise the cells of the attributes asked for
(e.g. segment x owner), otherwise the total. Every other level is an exact integer sum of the bottom, so
the levels add up to the cent by construction.

Measures (``docs/forecast.md``): ``net_revenue`` (quantity x net price, returns negative), ``quantity``
(units, returns negative), ``orders`` (order headers, credit notes included) and ``net_contribution``
(net revenue - cost of goods - cost-to-serve of the activities in the period - the credit cost of the
invoices issued in it, counted to ``as_of`` as in docs/methodology.md; each part rounded to the cent per
bottom key and period). Levels group by the counterparty's *current* attributes: ``owner`` is the record's
owner today, not the manager who took the order.

The last period is *incomplete* when ``as_of`` falls before its last day: it is kept in the history,
marked, and never fitted (the models see complete periods only). So is the first period when the data
start after its first day (a demo or an export that begins mid-month would look like a slump), as long as
two complete periods remain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from clientbase.analytics.cost_to_serve import COST_SCALE, priced_activities
from clientbase.analytics.credit import financing_rate
from clientbase.analytics.facts import unscaled
from clientbase.analytics.money import div_round, mul
from clientbase.analytics.sales import LINE_SCALE, orders_from_lines
from clientbase.analytics.tables import Tables
from clientbase.errors import ClientbaseError, ConfigurationError, Problem, StoreError, ValidationError
from clientbase.schema import DEFAULT_SETTINGS

MEASURES = ("net_revenue", "quantity", "orders", "net_contribution")
#: decimals each measure is counted in (history and forecasts): money in cents, units in thousandths
SCALES = {"net_revenue": 2, "quantity": 3, "orders": 2, "net_contribution": 2}
#: the levels a forecast may show, and the counterparty column each groups by
LEVEL_COLUMNS = {
    "total": None,
    "segment": "segment",
    "region": "region",
    "owner": "owner_id",
    "acquisition_mode": "acquisition_mode",
    "customer": "counterparty_id",
}
LEVELS = tuple(LEVEL_COLUMNS)
DEFAULT_LEVELS = ("total", "segment", "owner")
FREQUENCIES = {"month": "M", "week": "W"}
#: season length of each frequency (a year)
SEASON = {"month": 12, "week": 52}
#: the label of an attribute left empty on the record
NONE_LABEL = "(none)"
_KEY = "k_"


@dataclass(frozen=True)
class SeriesSet:
    """Every series of one measure, aligned on one calendar of periods.

    ``values`` holds whole units of ``10**-scale`` (cents for money), one row per series: the aggregate
    levels first, then the bottom (the order hierarchicalforecast's summing matrix expects); ``members[i]``
    lists the bottom rows aggregate row ``i`` adds up, so each aggregate row is their exact sum.
    """

    measure: str
    freq: str
    scale: int
    as_of: dt.date
    #: first day of every period, oldest first; the last one may be incomplete
    periods: list[dt.date]
    #: whether the last period ends after ``as_of`` (marked, never fitted)
    last_incomplete: bool
    #: per series: ``{"level": ..., <column>: value}``
    keys: list[dict[str, str]]
    levels: list[str]
    values: np.ndarray[Any, Any]
    #: per aggregate row, the bottom rows (0-based among the bottom) it adds up
    members: list[np.ndarray[Any, Any]]
    #: the levels asked for; a hidden bottom of cells (level ``cell``) is not among them
    shown_levels: tuple[str, ...]
    #: attributes of each bottom series (segment, owner ...), for roll-ups such as plans
    bottom_attributes: list[dict[str, str]]
    #: whether the data start after the first day of the first period (then it is not fitted)
    first_incomplete: bool = False

    @property
    def n_bottom(self) -> int:
        return len(self.keys) - len(self.members)

    def summing_matrix(self) -> np.ndarray[Any, Any]:
        """The summing matrix S (series x bottom, 0/1 floats): every row is S @ bottom."""
        n_aggregates, n_bottom = len(self.members), self.n_bottom
        s = np.zeros((n_aggregates + n_bottom, n_bottom), dtype=np.float64)
        for i, rows in enumerate(self.members):
            s[i, rows] = 1.0
        s[n_aggregates:] = np.eye(n_bottom)
        return s

    def aggregate(self, bottom: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """Every row from the bottom rows ``bottom`` (bottom x periods), summed exactly in their dtype."""
        rows = [bottom[m].sum(axis=0) for m in self.members]
        return np.vstack([*rows, bottom]) if rows else np.asarray(bottom)

    @property
    def complete(self) -> int:
        """Number of complete periods (those a model may fit)."""
        return len(self.periods) - int(self.last_incomplete)

    @property
    def fitted(self) -> slice:
        """The periods a model fits: the complete ones, without a partial first period when two remain."""
        start = 1 if self.first_incomplete and self.complete >= 3 else 0
        return slice(start, self.complete)

    @property
    def ids(self) -> list[str]:
        """One readable id per series: ``total``, ``segment=installers``, ``customer=C000042`` ..."""
        return [series_id(k) for k in self.keys]

    def as_float(self) -> np.ndarray[Any, Any]:
        """The values in the measure's unit (e.g. currency), as floats for the models."""
        return np.asarray(self.values, dtype=np.float64) / 10**self.scale

    def shown(self) -> list[int]:
        """Rows of the levels asked for, in the order of the rows."""
        return [i for i, level in enumerate(self.levels) if level in self.shown_levels]


def series_id(key: dict[str, str]) -> str:
    """``total`` or ``<level>=<value>`` (a cell joins its parts with ``|``).

    Example:
        >>> series_id({"level": "segment", "segment": "installers"})
        'segment=installers'
    """
    level = key["level"]
    if level == "total":
        return "total"
    parts = [f"{k}={v}" for k, v in key.items() if k != "level"]
    return parts[0] if level != "cell" else "cell:" + "|".join(parts)


def check_request(measure: str, freq: str, levels: Sequence[str]) -> tuple[str, ...]:
    """The levels asked for, checked and in canonical order (``total`` always first).

    Raises:
        ConfigurationError: an unknown measure, frequency or level (the message lists the known ones).
    """
    if measure not in MEASURES:
        raise ConfigurationError(f"Unknown measure {measure!r}; use one of {', '.join(MEASURES)}.")
    if freq not in FREQUENCIES:
        raise ConfigurationError(f"Unknown frequency {freq!r}; use one of {', '.join(FREQUENCIES)}.")
    unknown = [level for level in levels if level not in LEVEL_COLUMNS]
    if unknown:
        raise ConfigurationError(f"Unknown level {unknown[0]!r}; use any of {', '.join(LEVELS)}.")
    return tuple(level for level in LEVELS if level in set(levels) | {"total"})


def period_starts(first: dt.date, last: dt.date, freq: str) -> list[dt.date]:
    """The first day of every period from the one holding ``first`` to the one holding ``last``.

    Example:
        >>> period_starts(dt.date(2024, 11, 20), dt.date(2025, 2, 3), "month")
        [datetime.date(2024, 11, 1), datetime.date(2024, 12, 1), datetime.date(2025, 1, 1), datetime.date(2025, 2, 1)]
    """
    out, day = [], period_start(first, freq)
    while day <= last:
        out.append(day)
        day = next_period(day, freq)
    return out


def period_start(day: dt.date, freq: str) -> dt.date:
    """The first day of the month, or the Monday of the ISO week, holding ``day``."""
    if freq == "month":
        return day.replace(day=1)
    return day - dt.timedelta(days=day.weekday())


def next_period(start: dt.date, freq: str) -> dt.date:
    """The first day of the period after the one starting on ``start``."""
    if freq == "week":
        return start + dt.timedelta(days=7)
    return dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)


def _run(step: str, expr: ir.Table) -> pa.Table:
    try:
        return expr.to_pyarrow()
    except ClientbaseError:
        raise
    except Exception as exc:
        raise StoreError(f"The forecast step {step!r} failed in the database engine: {exc}") from exc


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def data_dates(tables: Tables) -> tuple[dt.date | None, dt.date | None]:
    """The first order date and the latest date of any order, activity or invoice (one query)."""
    lines = tables.order_lines
    combined = lines.aggregate(first=lines.order_date.min(), last_0=lines.order_date.max())
    for i, (table, column) in enumerate(
        ((tables.activities, "activity_date"), (tables.invoices, "issue_date"))
    ):
        combined = combined.cross_join(table.aggregate(**{f"last_{i + 1}": table[column].max()}))
    row = _run("data dates", combined).to_pylist()[0]
    latest = [d for d in (_as_date(row[f"last_{i}"]) for i in range(3)) if d is not None]
    return _as_date(row["first"]), (max(latest) if latest else None)


def _attributes(tables: Tables, columns: list[str], owner_id: str | None) -> ir.Table:
    cp = tables.counterparties
    if owner_id is not None:
        cp = cp.filter(cp.owner_id == owner_id)
    keys = {
        f"{_KEY}{c}": (cp[c] if c == "counterparty_id" else cp[c].cast("string").fill_null(NONE_LABEL))
        for c in columns
    }
    return cp.select(c_id=cp.counterparty_id, **keys)


def _grouped(
    facts: ir.Table, date_col: str, attrs: ir.Table, keys: list[str], freq: str, as_of: dt.date
) -> tuple[ir.Table, list[Any]]:
    """``facts`` up to ``as_of`` joined to the counterparty keys, with the grouping keys (keys + period)."""
    t = facts.filter(facts[date_col] <= ibis.literal(as_of))
    j = t.join(attrs, t.counterparty_id == attrs.c_id)
    period = j[date_col].truncate(FREQUENCIES[freq]).cast("date").name("period")
    return j, [*(j[k] for k in keys), period]


def _sales(tables: Tables, attrs: ir.Table, keys: list[str], freq: str, as_of: dt.date) -> pa.Table:
    j, by = _grouped(tables.order_lines, "order_date", attrs, keys, freq, as_of)
    return _run(
        "sales per period",
        j.group_by(by).aggregate(
            net_revenue=(j.quantity * j.net_price).sum().cast(f"decimal(38, {LINE_SCALE})"),
            cogs=(j.quantity * j.unit_cost).sum().cast(f"decimal(38, {LINE_SCALE})"),
            quantity=j.quantity.sum().cast("decimal(38, 3)"),
        ),
    )


def _orders(tables: Tables, attrs: ir.Table, keys: list[str], freq: str, as_of: dt.date) -> pa.Table:
    headers = tables.orders
    has_headers = _run("order headers", headers.aggregate(n=headers.count())).to_pylist()[0]["n"]
    if not has_headers:
        headers = orders_from_lines(tables.order_lines)
    j, by = _grouped(headers, "order_date", attrs, keys, freq, as_of)
    return _run("orders per period", j.group_by(by).aggregate(orders=j.count()))


def _cost_to_serve(tables: Tables, attrs: ir.Table, keys: list[str], freq: str, as_of: dt.date) -> pa.Table:
    priced = priced_activities(tables.activities, tables.cost_drivers)
    j, by = _grouped(priced, "activity_date", attrs, keys, freq, as_of)
    result = _run(
        "cost-to-serve per period",
        j.group_by([*by, j.kind]).aggregate(
            cost=j.cost.sum().cast(f"decimal(38, {COST_SCALE})"),
            unpriced=j.valid_from.isnull().sum().cast("int64"),
            count=j.count(),
        ),
    )
    unpriced = [
        (str(k), int(n))
        for k, n in zip(result["kind"].to_pylist(), result["unpriced"].to_pylist(), strict=True)
        if n
    ]
    if unpriced:
        totals: dict[str, int] = {}
        for kind, n in unpriced:
            totals[kind] = totals.get(kind, 0) + n
        raise ValidationError(
            [
                Problem(
                    "activities",
                    None,
                    "kind",
                    kind,
                    f"{n} activit(ies) of kind {kind!r} have no cost driver valid on their date; "
                    "add a cost_drivers row for this kind covering those dates",
                )
                for kind, n in sorted(totals.items())
            ]
        )
    return result


def _credit(
    tables: Tables, attrs: ir.Table, keys: list[str], freq: str, as_of: dt.date, origin: dt.date
) -> tuple[pa.Table, pa.Table]:
    """Per key and period of issue: invoiced cents and cents x issue day; their payments made by ``as_of``:
    paid cents and cents x paid day (days counted from ``origin``)."""
    j, by = _grouped(tables.invoices, "issue_date", attrs, keys, freq, as_of)
    cents = (j.amount * 100).cast("int64")
    day = j.issue_date.delta(ibis.literal(origin), unit="day")
    invoiced = _run(
        "invoices per period",
        j.group_by(by).aggregate(
            amount=cents.sum().cast("int64"), amount_days=(cents * day).sum().cast("int64")
        ),
    )
    inv = j.select(p_invoice_id=j.invoice_id, **{k: j[k] for k in keys}, period=by[-1])
    pay = tables.payments.filter(tables.payments.paid_date <= ibis.literal(as_of))
    p = pay.join(inv, pay.invoice_id == inv.p_invoice_id)
    paid_cents = (p.amount * 100).cast("int64")
    paid_day = p.paid_date.delta(ibis.literal(origin), unit="day")
    paid = _run(
        "payments per period",
        p.group_by([*(p[k] for k in keys), p.period]).aggregate(
            paid=paid_cents.sum().cast("int64"), paid_days=(paid_cents * paid_day).sum().cast("int64")
        ),
    )
    return invoiced, paid


class _Grid:
    """Rows of engine results placed on (bottom key, period) cells."""

    def __init__(self, keys: list[str], periods: list[dt.date]) -> None:
        self.keys = keys
        self.period_index = {p: i for i, p in enumerate(periods)}
        self.bottom: dict[tuple[str, ...], int] = {}

    def cells(self, table: pa.Table) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        rows = np.zeros(table.num_rows, dtype=np.int64)
        if not self.keys:  # the total is the bottom: one series
            self.bottom.setdefault((), 0)
        else:
            columns = [table[k].to_pylist() for k in self.keys]
            for i, key in enumerate(zip(*columns, strict=True)):
                rows[i] = self.bottom.setdefault(tuple(str(v) for v in key), len(self.bottom))
        days = [_as_date(d) for d in table["period"].to_pylist()]
        cols = np.array([self.period_index[d] for d in days if d is not None], dtype=np.int64)
        return rows, cols

    def add(
        self, out: dict[tuple[int, int], int], table: pa.Table, values: np.ndarray[Any, Any], sign: int = 1
    ) -> None:
        rows, cols = self.cells(table)
        for r, c, v in zip(rows.tolist(), cols.tolist(), values.tolist(), strict=True):
            out[(r, c)] = out.get((r, c), 0) + sign * int(v)


def _rate(tables: Tables) -> Decimal:
    rows = _run("settings", tables.settings).to_pylist()
    settings = {r["key"]: r["value"] for r in rows}
    return financing_rate(settings.get("financing_rate_annual", DEFAULT_SETTINGS["financing_rate_annual"]))


def _measure_cells(
    tables: Tables, measure: str, grid: _Grid, attrs: ir.Table, freq: str, as_of: dt.date, origin: dt.date
) -> dict[tuple[int, int], int]:
    """The measure per (bottom key, period) cell, in units of 10^-scale."""
    keys = grid.keys
    out: dict[tuple[int, int], int] = {}
    if measure in ("net_revenue", "quantity", "net_contribution"):
        sales = _sales(tables, attrs, keys, freq, as_of)
        if measure == "quantity":
            grid.add(out, sales, unscaled(sales["quantity"], 3))
            return out
        shift = 10 ** (LINE_SCALE - 2)
        grid.add(out, sales, div_round(unscaled(sales["net_revenue"], LINE_SCALE), shift))
        if measure == "net_revenue":
            return out
        grid.add(out, sales, div_round(unscaled(sales["cogs"], LINE_SCALE), shift), -1)
        cts = _cost_to_serve(tables, attrs, keys, freq, as_of)
        grid.add(out, cts, div_round(unscaled(cts["cost"], COST_SCALE), 10 ** (COST_SCALE - 2)), -1)
        invoiced, paid = _credit(tables, attrs, keys, freq, as_of, origin)
        a = (as_of - origin).days
        numerator, denominator = _rate(tables).as_integer_ratio()
        # amount-days to as_of: each invoice counts to as_of, each payment takes back the days after it
        cells: dict[tuple[int, int], int] = {}
        inv_amount = unscaled(invoiced["amount"], 0)
        grid.add(cells, invoiced, mul(inv_amount, a) - unscaled(invoiced["amount_days"], 0))
        paid_amount = unscaled(paid["paid"], 0)
        grid.add(cells, paid, mul(paid_amount, a) - unscaled(paid["paid_days"], 0), -1)
        if cells:
            where = list(cells)
            amount_days = np.array([cells[w] for w in where], dtype=object)
            credit = div_round(amount_days * numerator, np.full(len(where), 365 * denominator, dtype=object))
            for w, c in zip(where, credit.tolist(), strict=True):
                out[w] = out.get(w, 0) - int(c)
        return out
    orders = _orders(tables, attrs, keys, freq, as_of)
    grid.add(out, orders, unscaled(orders["orders"], 2))
    return out


def build_series(
    source: Any,
    *,
    measure: str = "net_revenue",
    freq: str = "month",
    levels: Sequence[str] = DEFAULT_LEVELS,
    as_of: dt.date | None = None,
    owner_id: str | None = None,
) -> SeriesSet:
    """The series of ``measure`` for the total and every level of ``levels``, from a store or Ibis tables.

    Args:
        source: a :class:`~clientbase.store.Store`, an Ibis backend or :class:`Tables`.
        measure: one of :data:`MEASURES`.
        freq: ``month`` or ``week``.
        levels: any of :data:`LEVELS`; the total is always included.
        as_of: the last day of data (default: the latest order, activity or invoice date); later rows are
            ignored, and the period holding it is marked incomplete unless it is the period's last day.
        owner_id: only the customers this manager owns (a manager's own book).

    Raises:
        ConfigurationError: an unknown measure, frequency or level, or no sales on or before ``as_of``.

    Example:
        >>> from clientbase.demo.build import load_demo
        >>> from clientbase.demo.generate import generate
        >>> from clientbase.store import connect
        >>> with connect("duckdb:///:memory:") as store:
        ...     _ = load_demo(store, generate(customers=60, years=1, seed=3))
        ...     s = build_series(store, levels=["segment"])
        >>> bool((s.values == s.aggregate(s.values[-s.n_bottom:])).all()), s.ids[0], s.last_incomplete
        (True, 'total', False)
    """
    shown = check_request(measure, freq, levels)
    tables = Tables.of(source)
    first, latest = data_dates(tables)
    end = as_of or latest
    if first is None or end is None or first > end:
        raise ConfigurationError(f"The database has no order lines on or before {end}: nothing to forecast.")
    periods = period_starts(first, end, freq)
    last_incomplete = next_period(periods[-1], freq) - dt.timedelta(days=1) > end

    attributes = [LEVEL_COLUMNS[level] for level in shown if LEVEL_COLUMNS[level] is not None]
    if "counterparty_id" in attributes:  # the customers are the bottom; their attributes come with them
        attributes = ["counterparty_id", *[c for c in attributes if c != "counterparty_id"]]
    bottom_cols = [str(c) for c in attributes]
    attrs = _attributes(tables, bottom_cols, owner_id)
    grid = _Grid([f"{_KEY}{c}" for c in bottom_cols], periods)
    cells = _measure_cells(tables, measure, grid, attrs, freq, end, periods[0])
    if not grid.bottom:
        whose = f" among the customers of {owner_id}" if owner_id else ""
        raise ConfigurationError(f"No {measure} on or before {end}{whose}: there is nothing to forecast.")
    result = assemble(
        measure=measure,
        freq=freq,
        as_of=end,
        periods=periods,
        last_incomplete=last_incomplete,
        shown=shown,
        bottom_columns=bottom_cols,
        bottom_keys=sorted(grid.bottom, key=grid.bottom.__getitem__),
        cells=cells,
    )
    return replace(result, first_incomplete=first > periods[0])


def _level_of(shown: tuple[str, ...], bottom_columns: list[str]) -> str:
    if "customer" in shown:
        return "customer"
    if len(bottom_columns) == 1:
        return next(level for level in shown if LEVEL_COLUMNS[level] == bottom_columns[0])
    return "total" if not bottom_columns else "cell"


def assemble(
    *,
    measure: str,
    freq: str,
    as_of: dt.date,
    periods: list[dt.date],
    last_incomplete: bool,
    shown: tuple[str, ...],
    bottom_columns: list[str],
    bottom_keys: list[tuple[str, ...]],
    cells: dict[tuple[int, int], int],
) -> SeriesSet:
    """Lay the bottom cells out as a matrix, sorted by key, and add every level as exact integer sums."""
    order = sorted(range(len(bottom_keys)), key=lambda i: bottom_keys[i])
    position = {old: new for new, old in enumerate(order)}
    n_bottom = max(len(bottom_keys), 1)
    bottom = np.zeros((n_bottom, len(periods)), dtype=np.int64)
    for (r, c), v in cells.items():
        bottom[position[r], c] += v
    attrs = [dict(zip(bottom_columns, bottom_keys[i], strict=True)) for i in order] or [{}]
    bottom_level = _level_of(shown, bottom_columns)

    keys: list[dict[str, str]] = []
    levels: list[str] = []
    members: list[np.ndarray[Any, Any]] = []
    for level in shown:
        column = LEVEL_COLUMNS[level]
        if level == bottom_level:
            continue
        if column is None:
            keys.append({"level": level})
            levels.append(level)
            members.append(np.arange(len(attrs)))
            continue
        codes = np.array([a[column] for a in attrs], dtype=object)
        for value in sorted(set(codes.tolist())):
            keys.append({"level": level, level: value})
            levels.append(level)
            members.append(np.flatnonzero(codes == value))
    for a in attrs:
        if bottom_level == "total":
            key = {"level": "total"}
        elif bottom_level == "cell":
            key = {"level": "cell", **{_level_name(c): v for c, v in a.items()}}
        else:
            key = {"level": bottom_level, bottom_level: a[str(LEVEL_COLUMNS[bottom_level])]}
        keys.append(key)
        levels.append(bottom_level)
    rows = [bottom[m].sum(axis=0) for m in members]
    return SeriesSet(
        measure=measure,
        freq=freq,
        scale=SCALES[measure],
        as_of=as_of,
        periods=periods,
        last_incomplete=last_incomplete,
        keys=keys,
        levels=levels,
        values=np.vstack([*rows, bottom]) if rows else bottom,
        members=members,
        shown_levels=shown,
        bottom_attributes=[{_level_name(c): v for c, v in a.items()} for a in attrs],
    )


def _level_name(column: str) -> str:
    return next(level for level, c in LEVEL_COLUMNS.items() if c == column)
