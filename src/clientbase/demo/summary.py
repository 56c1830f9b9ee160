"""A first look at any database: rows per table, net revenue and gross margin per year, customers per
status and acquisition mode. Computed in the engine with Ibis (DuckDB or PostgreSQL alike)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import ibis

from clientbase import schema

if TYPE_CHECKING:
    from clientbase.store import Store

CENT = Decimal("0.01")


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def yearly_sales(store: Store) -> list[dict[str, Any]]:
    """Net revenue and gross margin per 12-month period ending at the latest order date (oldest first).

    Periods are 365 days counted back from the latest order date, so a data set that ends in October has
    whole, comparable years. Net revenue = quantity x net price; gross margin = quantity x (net price -
    unit cost); credit-note lines (negative quantity) reduce both.
    """
    lines = store.table("order_lines")
    latest = lines.order_date.max().to_pyarrow().as_py()
    if latest is None:
        return []
    if not isinstance(latest, date):
        latest = latest.date()
    back = ibis.literal(latest).delta(lines.order_date, unit="day") // 365
    revenue = lines.quantity * lines.net_price
    margin = lines.quantity * (lines.net_price - lines.unit_cost)
    per_year = (
        lines.mutate(period=back, revenue=revenue, margin=margin)
        .group_by("period")
        .aggregate(
            net_revenue=ibis._.revenue.sum(),
            gross_margin=ibis._.margin.sum(),
            order_lines=ibis._.count(),
            orders=ibis._.order_id.nunique(),
            customers=ibis._.counterparty_id.nunique(),
        )
        .order_by(ibis.desc("period"))
    )
    rows = []
    for r in per_year.to_pyarrow().to_pylist():
        end = latest - timedelta(days=365 * int(r["period"]))
        net, gross = _money(r["net_revenue"]), _money(r["gross_margin"])
        rows.append(
            {
                "period_start": end - timedelta(days=364),
                "period_end": end,
                "net_revenue": net,
                "gross_margin": gross,
                "gross_margin_pct": (gross / net * 100).quantize(CENT) if net else None,
                "orders": int(r["orders"]),
                "order_lines": int(r["order_lines"]),
                "customers": int(r["customers"]),
            }
        )
    return rows


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
        "years": yearly_sales(store),
        "counterparties_by_status": by_status.to_pyarrow().to_pylist(),
        "customers_by_acquisition_mode": by_mode.to_pyarrow().to_pylist(),
    }
