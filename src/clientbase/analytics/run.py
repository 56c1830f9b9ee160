"""The one place the profitability analysis executes: build the Ibis expressions, run them, assemble the result.

The engine reads each fact table once and returns exact sums per customer and span of the timeline (a few
rows per customer; :mod:`clientbase.analytics.timeline`). Everything after that works on per-customer-sized
data in exact integers and ``Decimal`` (:mod:`clientbase.analytics.facts` adds the spans into periods; the
P&L rounded to the cent, whale curve, bridge, roll-ups, headline), so the numbers are the same to the cent on
DuckDB, PostgreSQL and Spark.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from clientbase.analytics import cost_to_serve as cts
from clientbase.analytics.bridge import Bridge, bridge
from clientbase.analytics.credit import credit_columns, financing_rate, invoice_spans, payment_spans
from clientbase.analytics.facts import by_customer
from clientbase.analytics.headline import headline
from clientbase.analytics.period import Periods, resolve_periods
from clientbase.analytics.pnl import (
    CustomerPnL,
    Facts,
    PnL,
    Totals,
    build_pnl,
    customer_dicts,
    totals,
)
from clientbase.analytics.rollup import ROLLUP_ATTRIBUTES, RollupRow, rollup
from clientbase.analytics.sales import (
    order_columns,
    order_spans,
    orders_from_lines,
    sales_columns,
    sales_spans,
)
from clientbase.analytics.tables import Tables
from clientbase.analytics.timeline import Timeline
from clientbase.analytics.whale import WhaleCurve, whale_curve
from clientbase.errors import ClientbaseError, StoreError
from clientbase.schema import DEFAULT_SETTINGS

CUR, PREV = "cur", "prev"


@dataclass(frozen=True)
class Analysis:
    """The per-customer net profit analysis of one period against another."""

    periods: Periods
    currency: str
    financing_rate: Decimal
    customers: PnL
    customers_previous: PnL
    totals: Totals
    totals_previous: Totals
    whale: WhaleCurve
    bridge: Bridge
    headline: str
    rollups: dict[str, list[RollupRow]]
    capacity: list[cts.CapacityUse]
    #: counterparty attributes (name, segment, ...), indexed by counterparty_id
    attributes: pd.DataFrame

    def ranked_ids(self) -> list[str]:
        """Customers of the analysed period by net contribution, highest first."""
        return [str(cid) for cid in self.whale.ids]

    def name(self, cid: str) -> str | None:
        """The name of counterparty ``cid``."""
        if cid not in self.attributes.index:
            return None
        value = self.attributes.at[cid, "name"]
        return None if value is None else str(value)

    def ranked_customers(self, ids: list[str] | None = None) -> list[CustomerPnL]:
        """The P&L of ``ids`` (default: every customer by net contribution, highest first)."""
        return [self.customers[cid] for cid in (self.ranked_ids() if ids is None else ids)]

    def document(self) -> dict[str, Any]:
        """The analysis as one JSON-ready document (Decimal money, ISO dates)."""
        p = self.periods
        known = self.attributes["name"].reindex(self.whale.ids).tolist()
        names = [None if v is None or v != v else str(v) for v in known]
        return {
            "currency": self.currency,
            "financing_rate_annual": self.financing_rate,
            "period": {**p.current.as_dict(), "as_of": p.as_of.isoformat()},
            "compare_period": {**p.previous.as_dict(), "as_of": p.as_of_previous.isoformat()},
            "totals": self.totals.as_dict(),
            "totals_previous": self.totals_previous.as_dict(),
            "customers": customer_dicts(self.customers, self.whale.ids, first={"name": names}),
            "whale": self.whale.summary(),
            "bridge": {
                **self.bridge.summary(),
                "customers": self.bridge.customer_dicts(),
            },
            "headline": self.headline,
            "capacity": [u.as_dict() for u in self.capacity],
            "rollups": {by: [r.as_dict() for r in rows] for by, rows in self.rollups.items()},
        }


def _run(step: str, run: Callable[[], Any]) -> Any:
    try:
        return run()
    except ClientbaseError:
        raise
    except Exception as exc:
        raise StoreError(f"The analysis step {step!r} failed in the database engine: {exc}") from exc


def _arrow(step: str, expr: ir.Table) -> pa.Table:
    return _run(step, expr.to_pyarrow)


def _rows(step: str, expr: ir.Table) -> list[dict[str, Any]]:
    return list(_arrow(step, expr).to_pylist())


def _overview(tables: Tables) -> tuple[dt.date | None, dt.date | None, bool]:
    """The latest order date, the latest date of any order, activity, invoice or payment, and whether the
    ``orders`` headers are filled (one query)."""
    parts = [
        (tables.order_lines, "order_date"),
        (tables.activities, "activity_date"),
        (tables.invoices, "issue_date"),
        (tables.payments, "paid_date"),
    ]
    combined = tables.orders.aggregate(headers=tables.orders.count())
    for i, (table, column) in enumerate(parts):
        combined = combined.cross_join(table.aggregate(**{f"latest_{i}": table[column].max()}))
    row = _rows("latest dates", combined)[0]
    dates = [_as_date(row[f"latest_{i}"]) for i in range(len(parts))]
    known = [d for d in dates if d is not None]
    return dates[0], (max(known) if known else None), bool(row["headers"])


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def analyze(
    source: Any,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    as_of: dt.date | None = None,
    compare_start: dt.date | None = None,
    compare_end: dt.date | None = None,
) -> Analysis:
    """Run the analysis on ``source``: a :class:`~clientbase.store.Store`, an Ibis backend or :class:`Tables`.

    Defaults: the last 12 months ending at the latest order date against the 12 months before; ``as_of`` is
    the latest date in the data (see :mod:`clientbase.analytics.period`).

    Example:
        >>> from clientbase.store import connect
        >>> with connect("duckdb:///:memory:") as store:
        ...     a = analyze(store, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
        >>> a.totals.lines["net_contribution"], a.headline
        (Decimal('0.00'), 'Sales n/a, net contribution n/a: no change in net contribution.')
    """
    tables = Tables.of(source)
    latest_order, latest_any, has_orders = _overview(tables)
    periods = resolve_periods(
        latest_order_date=latest_order,
        latest_date=latest_any,
        start=start,
        end=end,
        as_of=as_of,
        compare_start=compare_start,
        compare_end=compare_end,
    )
    settings = {r["key"]: r["value"] for r in _rows("settings", tables.settings)}
    rate = financing_rate(settings.get("financing_rate_annual", DEFAULT_SETTINGS["financing_rate_annual"]))
    currency = str(settings.get("currency", DEFAULT_SETTINGS["currency"]))
    drivers = _rows("cost drivers", tables.cost_drivers)
    cts.check_drivers(drivers)

    timeline = Timeline({CUR: periods.current, PREV: periods.previous})
    as_of_dates = {CUR: periods.as_of, PREV: periods.as_of_previous}
    headers = tables.orders if has_orders else orders_from_lines(tables.order_lines)
    priced = cts.priced_activities(tables.activities, tables.cost_drivers)
    results = {
        "order_lines": _arrow("sales per customer", sales_spans(tables.order_lines, timeline)),
        "orders": _arrow("orders per customer", order_spans(headers, timeline)),
        "activities": _arrow("cost-to-serve per customer", cts.activity_spans(priced, timeline)),
        "invoices": _arrow("invoices per customer", invoice_spans(tables.invoices, timeline, as_of_dates)),
        "payments": _arrow(
            "payments per customer", payment_spans(tables.invoices, tables.payments, timeline, as_of_dates)
        ),
    }
    cts.check_priced(results["activities"], timeline)
    kinds = sorted({str(d["kind"]) for d in drivers})
    cp = tables.counterparties
    attribute_cols = ["counterparty_id", "name", *[c for c in ROLLUP_ATTRIBUTES if c in cp.columns]]
    attributes = _arrow("counterparties", cp.select(*attribute_cols)).to_pandas().set_index("counterparty_id")

    ids, g = by_customer(results)
    columns = {
        **sales_columns(g["order_lines"], timeline),
        **order_columns(g["orders"], timeline),
        **cts.cost_columns(g["activities"], timeline, kinds),
        **credit_columns(g["invoices"], g["payments"], timeline, as_of_dates),
    }
    facts = Facts(pd.Index(ids.to_pylist(), name="counterparty_id"), columns, kinds)
    current = build_pnl(CUR, facts, financing_rate=rate)
    previous = build_pnl(PREV, facts, financing_rate=rate)
    used = cts.driver_usage(results["activities"], timeline, CUR)
    total_now, total_before = totals(current), totals(previous)
    the_bridge = bridge(previous, current, from_period=periods.previous, to_period=periods.current)
    aligned = attributes.reindex(current.frame.index)  # once, not once per roll-up
    return Analysis(
        periods=periods,
        currency=currency,
        financing_rate=rate,
        customers=current,
        customers_previous=previous,
        totals=total_now,
        totals_previous=total_before,
        whale=whale_curve(current.frame.index, current.cents("net_contribution")),
        bridge=the_bridge,
        headline=headline(
            the_bridge,
            sales_before=total_before.lines["net_revenue"],
            sales_after=total_now.lines["net_revenue"],
            attributes=attributes,
        ),
        rollups={by: rollup(current, aligned, by) for by in ROLLUP_ATTRIBUTES if by in cp.columns},
        capacity=cts.capacity_use(drivers, used, periods.current),
        attributes=attributes,
    )
