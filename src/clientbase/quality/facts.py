"""Per-counterparty facts the audit compares records with, aggregated in the engine (Ibis).

Only one row per counterparty leaves the database: the last order date, the median payment days actually
given on invoices, the discount depth actually given on order lines, and the net revenue (customer value),
the last three over a look-back window.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from clientbase.store import Store


@dataclass(frozen=True)
class Facts:
    last_order: dict[str, dt.date]
    #: median of due date - issue date over invoices issued in the window
    payment_days: dict[str, float]
    #: 100 x (1 - net / list) over sold lines in the window, in percent
    discount_pct: dict[str, float]
    #: net revenue (quantity x net price) in the window
    value: dict[str, Decimal]


def _to_dict(table: Any, key: str, value: str) -> dict[str, Any]:
    data = table.to_pyarrow()
    return {
        k: v
        for k, v in zip(data.column(key).to_pylist(), data.column(value).to_pylist(), strict=True)
        if v is not None
    }


def load_facts(store: Store, *, as_of: dt.date, window_days: int) -> Facts:
    """The facts of every counterparty with orders or invoices, as of ``as_of``.

    Example:
        >>> from clientbase.store import connect
        >>> with connect("duckdb:///:memory:") as store:
        ...     load_facts(store, as_of=dt.date(2024, 12, 31), window_days=365).value
        {}
    """
    import ibis

    start = as_of - dt.timedelta(days=window_days)
    orders = store.table("orders")
    last = (
        orders.filter(orders.order_date <= as_of)
        .group_by("counterparty_id")
        .agg(last=orders.order_date.max())
    )

    inv = store.table("invoices")
    inv = inv.filter((inv.issue_date > start) & (inv.issue_date <= as_of) & (inv.amount > 0))
    days = inv.due_date.delta(inv.issue_date, unit="day")
    terms = inv.group_by("counterparty_id").agg(days=days.median())

    lines = store.table("order_lines")
    lines = lines.filter((lines.order_date > start) & (lines.order_date <= as_of) & (lines.quantity > 0))
    sold = lines.group_by("counterparty_id").agg(
        net=(lines.quantity * lines.net_price).sum(), list=(lines.quantity * lines.list_price).sum()
    )
    depth = sold.mutate(
        pct=ibis.ifelse(sold.list > 0, (1 - sold.net.cast("float64") / sold.list.cast("float64")) * 100, None)
    )
    return Facts(
        last_order=_to_dict(last, "counterparty_id", "last"),
        payment_days={k: float(v) for k, v in _to_dict(terms, "counterparty_id", "days").items()},
        discount_pct={k: float(v) for k, v in _to_dict(depth, "counterparty_id", "pct").items()},
        value={k: Decimal(str(v)) for k, v in _to_dict(sold, "counterparty_id", "net").items()},
    )
