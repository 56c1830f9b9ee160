"""Roll-ups of the per-customer P&L by a counterparty attribute: segment, industry, region, owner, ...

The analysis rolls up the customers in the period (:func:`~clientbase.analytics.pnl.with_sales`). Each
group's lines are sums of its customers' lines, so the groups of one roll-up add up to the customers'
totals. Customers without the attribute form the group ``None``; :func:`top_and_others` keeps the largest
groups and sums the rest into one row, for tables a person reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from clientbase.analytics.money import from_cents, group_sum, percent
from clientbase.analytics.pnl import MONEY_LINES, PnL

#: the attributes the analysis rolls up by (columns of ``counterparties``)
ROLLUP_ATTRIBUTES = (
    "segment",
    "industry",
    "region",
    "owner_id",
    "acquisition_channel",
    "acquisition_mode",
    "size_band",
)


@dataclass(frozen=True)
class RollupRow:
    attribute: str
    value: str | None
    customers: int
    lines: dict[str, Decimal]
    loss_makers: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "customers": self.customers,
            **self.lines,
            "net_margin_pct": percent(self.lines["net_contribution"], self.lines["net_revenue"]),
            "loss_makers": self.loss_makers,
        }


def rollup(pnl: PnL, attributes: pd.DataFrame, by: str) -> list[RollupRow]:
    """The P&L summed by the counterparty attribute ``by``, groups by net contribution descending.

    ``attributes`` holds the counterparty attributes (columns of ``counterparties``) by counterparty_id.

    Example:
        >>> from clientbase.analytics.pnl import COLUMNS
        >>> frame = pd.DataFrame({c: [0, 0] for c in COLUMNS}, index=["A", "B"])
        >>> frame["net_revenue"] = frame["net_contribution"] = [500, 200]
        >>> rows = rollup(PnL(frame, pd.DataFrame()), pd.DataFrame({"region": ["North", "North"]}, index=["A", "B"]), "region")
        >>> rows[0].value, rows[0].customers, rows[0].lines["net_contribution"]
        ('North', 2, Decimal('7.00'))
    """
    column = attributes[by]
    if column.index is not pnl.frame.index and not column.index.equals(pnl.frame.index):
        column = column.reindex(pnl.frame.index)
    codes, values = pd.factorize(column.to_numpy(dtype=object), use_na_sentinel=False)
    n = len(values)
    most = int(np.bincount(codes).max()) if len(codes) else 0
    sums = {name: group_sum(codes, pnl.frame[name].to_numpy(), n, most=most) for name in MONEY_LINES}
    customers = np.bincount(codes, minlength=n)
    losers = np.bincount(codes, weights=pnl.frame["net_contribution"].to_numpy() < 0, minlength=n)
    rows = [
        RollupRow(
            attribute=by,
            value=None if value is None or value != value else str(value),
            customers=int(customers[i]),
            lines={name: from_cents(int(sums[name][i])) for name in MONEY_LINES},
            loss_makers=int(losers[i]),
        )
        for i, value in enumerate(values)
    ]
    rows.sort(key=lambda r: (-r.lines["net_contribution"], r.value or ""))
    return rows


def top_and_others(rows: list[RollupRow], keep: int = 15) -> list[RollupRow]:
    """The ``keep`` groups with the most net revenue (in the order of ``rows``), then one row summing all
    the others, whose ``value`` says how many groups it holds (``"12 others"``); ``rows`` as they are when
    at most one group would be left over.

    Example:
        >>> def row(v, revenue):
        ...     return RollupRow("region", v, 1, {m: Decimal(revenue if m == "net_revenue" else 0)
        ...                      for m in MONEY_LINES}, 0)
        >>> rows = top_and_others([row("N", 50), row("S", 10), row("E", 30), row("W", 5)], keep=2)
        >>> [(r.value, r.customers, r.lines["net_revenue"]) for r in rows]
        [('N', 1, Decimal('50')), ('E', 1, Decimal('30')), ('2 others', 2, Decimal('15'))]
    """
    if len(rows) <= keep + 1:
        return rows
    biggest = sorted(range(len(rows)), key=lambda i: (-rows[i].lines["net_revenue"], i))[:keep]
    kept = [rows[i] for i in sorted(biggest)]
    rest = [r for i, r in enumerate(rows) if i not in set(biggest)]
    others = RollupRow(
        attribute=rows[0].attribute,
        value=f"{len(rest)} others",
        customers=sum(r.customers for r in rest),
        lines={name: sum((r.lines[name] for r in rest), Decimal(0)) for name in MONEY_LINES},
        loss_makers=sum(r.loss_makers for r in rest),
    )
    return [*kept, others]
