"""Sales per customer: gross at list, net revenue and cost of goods, for every period in one pass.

Order lines are the big table, so they are read ONCE: one GROUP BY (customer, span) with plain sums
(:class:`~clientbase.analytics.timeline.Timeline`); the spans are added up per period in exact integers
(:mod:`clientbase.analytics.facts`). Sums are exact DECIMAL(38, 7) (quantity has 3 decimals, prices 4);
rounding to the cent happens on the per-customer total. Orders are counted on the order headers
(:func:`order_spans`).
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import numpy as np

from clientbase.analytics.facts import Grouped
from clientbase.analytics.timeline import Timeline

#: scale of quantity x price
LINE_SCALE = 7
_MONEY = f"decimal(38, {LINE_SCALE})"
SALES_COLUMNS = ("gross_list", "net_revenue", "cogs")


def sales_spans(order_lines: ir.Table, timeline: Timeline) -> ir.Table:
    """Per customer and span: ``gross_list``, ``net_revenue``, ``cogs`` (exact) and ``lines``.

    Example:
        >>> import datetime as dt, ibis
        >>> from decimal import Decimal as D
        >>> from clientbase.analytics.period import Period
        >>> lines = ibis.memtable({"order_id": ["O1"], "counterparty_id": ["C1"],
        ...     "order_date": [dt.date(2024, 3, 1)], "quantity": [D("2")], "list_price": [D("10")],
        ...     "net_price": [D("9")], "unit_cost": [D("6")]})
        >>> year = Timeline({"cur": Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31))})
        >>> row = sales_spans(lines, year).to_pyarrow().to_pylist()[0]
        >>> row["span"], row["net_revenue"], row["lines"]
        (1, Decimal('18.0000000'), 1)
    """
    t = order_lines.filter(timeline.in_window(order_lines.order_date))
    return t.group_by("counterparty_id", span=timeline.span(t.order_date)).aggregate(
        gross_list=(t.quantity * t.list_price).sum().cast(_MONEY),
        net_revenue=(t.quantity * t.net_price).sum().cast(_MONEY),
        cogs=(t.quantity * t.unit_cost).sum().cast(_MONEY),
        lines=t.count(),
    )


def sales_columns(spans: Grouped, timeline: Timeline) -> dict[str, np.ndarray]:
    """Per customer and period label ``p``: ``p_gross_list``, ``p_net_revenue``, ``p_cogs`` in whole cents
    and ``p_lines``, from :func:`sales_spans`."""
    out = {}
    for label in timeline.periods:
        inside = timeline.contains(spans.keys("span"), label)
        for name in SALES_COLUMNS:
            out[f"{label}_{name}"] = spans.cents(name, LINE_SCALE, inside)
        out[f"{label}_lines"] = spans.total("lines", inside)
    return out


def order_spans(orders: ir.Table, timeline: Timeline) -> ir.Table:
    """Per customer and span: ``orders``, the number of orders (credit notes included).

    Counted on the ``orders`` headers (derived from the lines when a folder has no orders.csv): a distinct
    count over the order lines costs DuckDB about five scans of them. See :func:`orders_from_lines`.
    """
    t = orders.filter(timeline.in_window(orders.order_date))
    return t.group_by("counterparty_id", span=timeline.span(t.order_date)).aggregate(orders=t.count())


def order_columns(spans: Grouped, timeline: Timeline) -> dict[str, np.ndarray]:
    """Per customer and period label ``p``: ``p_orders``, from :func:`order_spans`."""
    return {
        f"{label}_orders": spans.total("orders", timeline.contains(spans.keys("span"), label))
        for label in timeline.periods
    }


def orders_from_lines(order_lines: ir.Table) -> ir.Table:
    """The order headers implied by the lines, for a database whose ``orders`` table is empty (slower)."""
    return order_lines.select("order_id", "counterparty_id", "order_date").distinct()


def first_orders(order_lines: ir.Table, counterparties: ir.Table, *, up_to: dt.date) -> ir.Table:
    """The first order date (``first_order``) of each counterparty of ``counterparties`` (a table with a
    ``counterparty_id`` column) that has an order line on or before ``up_to``; the others never ordered.

    Example:
        >>> from decimal import Decimal as D
        >>> lines = ibis.memtable({"counterparty_id": ["A", "A", "B"],
        ...     "order_date": [dt.date(2023, 5, 2), dt.date(2022, 1, 3), dt.date(2025, 1, 1)]})
        >>> asked = ibis.memtable({"counterparty_id": ["A", "B", "C"]})
        >>> first_orders(lines, asked, up_to=dt.date(2024, 12, 31)).to_pyarrow().to_pylist()
        [{'counterparty_id': 'A', 'first_order': datetime.date(2022, 1, 3)}]
    """
    t = order_lines.filter(order_lines.order_date <= ibis.literal(up_to))
    t = t.semi_join(counterparties, "counterparty_id")
    return t.group_by("counterparty_id").aggregate(first_order=t.order_date.min())
