"""Sales per customer: gross at list, net revenue and cost of goods, for several periods in one pass.

Order lines are the big table, so they are read ONCE: one GROUP BY counterparty with conditional sums for every
period. Sums are exact DECIMAL(38, 7) (quantity has 3 decimals, prices 4); rounding to the cent happens on the
per-customer result. Orders are counted on the order headers (:func:`orders_by_customer`).
"""

from __future__ import annotations

from collections.abc import Mapping

import ibis.expr.types as ir

from clientbase.analytics._periods_expr import in_any, in_period, money_sum
from clientbase.analytics.period import Period

#: scale of quantity x price
LINE_SCALE = 7


def sales_by_customer(
    order_lines: ir.Table,
    periods: Mapping[str, Period],
    *,
    customer_col: str = "counterparty_id",
    date_col: str = "order_date",
) -> ir.Table:
    """Per customer and period label ``p``: ``p_gross_list``, ``p_net_revenue``, ``p_cogs`` and ``p_lines``;
    customers with no line in any of the periods are left out.

    Example:
        >>> import datetime as dt, ibis
        >>> from decimal import Decimal as D
        >>> lines = ibis.memtable({"order_id": ["O1"], "counterparty_id": ["C1"],
        ...     "order_date": [dt.date(2024, 3, 1)], "quantity": [D("2")], "list_price": [D("10")],
        ...     "net_price": [D("9")], "unit_cost": [D("6")]})
        >>> year = Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
        >>> row = sales_by_customer(lines, {"cur": year}).to_pyarrow().to_pylist()[0]
        >>> row["cur_net_revenue"], row["cur_lines"]
        (Decimal('18.0000000'), 1)
    """
    t = order_lines.filter(in_any(order_lines[date_col], periods))
    aggs: dict[str, ir.Value] = {}
    for label, period in periods.items():
        inside = in_period(t[date_col], period)
        aggs[f"{label}_gross_list"] = money_sum(t.quantity * t.list_price, inside, LINE_SCALE)
        aggs[f"{label}_net_revenue"] = money_sum(t.quantity * t.net_price, inside, LINE_SCALE)
        aggs[f"{label}_cogs"] = money_sum(t.quantity * t.unit_cost, inside, LINE_SCALE)
        aggs[f"{label}_lines"] = t.count(where=inside)
    return t.group_by(t[customer_col].name("counterparty_id")).aggregate(**aggs)


def orders_by_customer(
    orders: ir.Table,
    periods: Mapping[str, Period],
    *,
    customer_col: str = "counterparty_id",
    date_col: str = "order_date",
) -> ir.Table:
    """Per customer and period label ``p``: ``p_orders``, the number of orders (credit notes included).

    Counted on the ``orders`` headers (derived from the lines when a folder has no orders.csv): a distinct
    count over the order lines costs DuckDB about five scans of them. See :func:`orders_from_lines`.
    """
    t = orders.filter(in_any(orders[date_col], periods))
    aggs = {
        f"{label}_orders": t.count(where=in_period(t[date_col], period)) for label, period in periods.items()
    }
    return t.group_by(t[customer_col].name("counterparty_id")).aggregate(**aggs)


def orders_from_lines(order_lines: ir.Table) -> ir.Table:
    """The order headers implied by the lines, for a database whose ``orders`` table is empty (slower)."""
    return order_lines.select("order_id", "counterparty_id", "order_date").distinct()
