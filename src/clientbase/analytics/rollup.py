"""Roll-ups of the per-customer P&L by a counterparty attribute: segment, industry, region, owner, ...

Each group's lines are sums of its customers' lines, so the groups of one roll-up add up to the totals.
Customers without the attribute form the group ``None``.
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
ROLLUP_ATTRIBUTES = ("segment", "industry", "region", "owner_id", "acquisition_mode", "size_band")


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
