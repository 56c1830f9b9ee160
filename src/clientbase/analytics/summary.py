"""A first look at any database: rows per table, net revenue, gross margin and customers per year, records
per status and acquisition mode. Computed in the engine with Ibis (DuckDB or PostgreSQL alike); like
:mod:`clientbase.analytics.run` it executes its queries.

The years are the analysis' periods: 12 calendar months ending at the latest order date, then the 12 before
(:func:`~clientbase.analytics.period.twelve_months_to`), and a year's ``customers`` are the customers in the
period as :func:`~clientbase.analytics.pnl.with_sales` defines them (an order line in it), so the latest
year's count is the one ``clientbase analyze`` and ``clientbase value`` give.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import ibis

from clientbase import schema
from clientbase.analytics.period import Period, twelve_months_to
from clientbase.analytics.standing import CUSTOMER_DEFINITION
from clientbase.analytics.timeline import bucket
from clientbase.store.connection import consistent_read

if TYPE_CHECKING:
    from clientbase.store import Store

CENT = Decimal("0.01")


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def _as_date(value: Any) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def years_back(first: date, latest: date) -> list[Period]:
    """The 12-month periods ending at ``latest``, then the 12 before, back to the one holding ``first``
    (oldest first).

    Example:
        >>> [(p.start, p.end) for p in years_back(date(2023, 11, 2), date(2025, 10, 31))]
        [(datetime.date(2023, 11, 1), datetime.date(2024, 10, 31)), (datetime.date(2024, 11, 1), datetime.date(2025, 10, 31))]
    """
    periods = [twelve_months_to(latest)]
    while periods[-1].start > first:
        periods.append(twelve_months_to(periods[-1].start - timedelta(days=1)))
    return periods[::-1]


def yearly_sales(store: Store) -> list[dict[str, Any]]:
    """Net revenue, gross margin, orders, lines and customers per 12-month period ending at the latest order
    date (oldest first); ``partial`` marks a year that starts before the first order line.

    Net revenue = quantity x net price; gross margin = quantity x (net price - unit cost); credit-note lines
    (negative quantity) reduce both. A year's customers have an order line in it.
    """
    lines = store.table("order_lines")
    bounds = lines.aggregate(first=lines.order_date.min(), latest=lines.order_date.max()).to_pyarrow()
    first, latest = bounds["first"][0].as_py(), bounds["latest"][0].as_py()
    if latest is None:
        return []
    first, latest = _as_date(first), _as_date(latest)
    years = years_back(first, latest)
    cuts = [p.start for p in years] + [latest + timedelta(days=1)]
    revenue = lines.quantity * lines.net_price
    margin = lines.quantity * (lines.net_price - lines.unit_cost)
    per_year = (
        lines.mutate(year=bucket(lines.order_date, cuts), revenue=revenue, margin=margin)
        .group_by("year")
        .aggregate(
            net_revenue=ibis._.revenue.sum(),
            gross_margin=ibis._.margin.sum(),
            order_lines=ibis._.count(),
            orders=ibis._.order_id.nunique(),
            customers=ibis._.counterparty_id.nunique(),
        )
    )
    found = {int(r["year"]): r for r in per_year.to_pyarrow().to_pylist()}
    rows = []
    for i, period in enumerate(years, start=1):
        r = found.get(i, {})
        net, gross = _money(r.get("net_revenue")), _money(r.get("gross_margin"))
        rows.append(
            {
                "period_start": period.start,
                "period_end": period.end,
                "partial": period.start < first,
                "net_revenue": net,
                "gross_margin": gross,
                "gross_margin_pct": (gross / net * 100).quantize(CENT) if net else None,
                "orders": int(r.get("orders") or 0),
                "order_lines": int(r.get("order_lines") or 0),
                "customers": int(r.get("customers") or 0),
            }
        )
    return rows


@consistent_read  # every query of it reads one committed state of the store
def summary(store: Store) -> dict[str, Any]:
    """The summary of the database behind ``store``.

    Example:
        >>> from clientbase.store import connect
        >>> with connect("duckdb:///:memory:") as store:
        ...     summary(store)["tables"]["order_lines"]
        0
    """
    names = [t.name for t in schema.EXCHANGE_TABLES] + [schema.demo_truth.name]
    counts = {name: int(store.table(name).count().to_pyarrow().as_py()) for name in names}
    cps = store.table("counterparties")
    by_status = cps.group_by("status").aggregate(counterparties=ibis._.count()).order_by("status")
    customers = cps.filter(cps.roles.contains("customer"))
    by_mode = (
        customers.group_by(["acquisition_mode", "status"])
        .aggregate(customers=ibis._.count())
        .order_by(["acquisition_mode", "status"])
    )
    return {
        "tables": counts,
        "customer_definition": CUSTOMER_DEFINITION,
        "years": yearly_sales(store),
        "counterparties_by_status": by_status.to_pyarrow().to_pylist(),
        "customers_by_acquisition_mode": by_mode.to_pyarrow().to_pylist(),
    }
