"""Who a counterparty in a period's P&L is: a customer, a prospect, or a former customer without sales.

A counterparty is in a period's P&L when it has an order line, an activity or an invoice in the period
(:mod:`clientbase.analytics.pnl`). Of those:

* a **customer** in the period has an order line dated in it (:func:`~clientbase.analytics.pnl.with_sales`).
  The whale curve, the loss tail, the roll-ups and every customer count are over the customers only;
* a **prospect** in the period has no order line on or before the period's last day: it was worked
  (visits, calls ...) but has not bought yet. What its activities cost at the cost-driver rates (plus the
  credit cost of any invoice) is **acquisition cost**, reported by acquisition channel and mode
  (:func:`acquisition_cost`);
* a **former customer without sales** bought before the period but not in it, and still had activities or
  invoices in it (a win-back visit, an invoice for an earlier order).

All three count in the company's total: the company's net contribution is the customers' plus the
prospects' plus the former customers' (both of the latter are costs, less any margin a credit note brings).

Example (docs/methodology.md, section 5): in 2024 A and B bought (customers) and C only had a call and had
never ordered (a prospect: its 15.00 of calls is acquisition cost); the company's -29.13 is the customers'
-14.13 and the prospect's -15.00.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from clientbase.analytics.money import from_cents, group_sum
from clientbase.analytics.pnl import PnL, with_sales

CUSTOMER, PROSPECT, FORMER = "customer", "prospect", "former"
STANDINGS = (CUSTOMER, PROSPECT, FORMER)
#: what a count of customers counts, said with every such count: "1,373 customers with an order line ..."
CUSTOMER_DEFINITION = "customers with an order line in the period"


def standing(pnl: PnL, first_orders: pd.Series, period_end: dt.date) -> pd.Series:
    """Each counterparty of ``pnl``: ``customer``, ``prospect`` or ``former`` (see the module docstring).

    ``first_orders`` holds the first order date of counterparties (index ``counterparty_id``); one not in it
    never ordered.

    Example:
        >>> from clientbase.analytics.pnl import COLUMNS
        >>> frame = pd.DataFrame({c: [0, 0, 0] for c in COLUMNS}, index=["A", "C", "D"])
        >>> frame["lines"], frame["activities"] = [2, 0, 0], [1, 1, 1]
        >>> first = pd.Series([dt.date(2023, 6, 1), dt.date(2023, 9, 1)], index=["A", "D"])
        >>> standing(PnL(frame, pd.DataFrame()), first, dt.date(2024, 12, 31)).tolist()
        ['customer', 'prospect', 'former']
    """
    index = pnl.frame.index
    first = first_orders.reindex(index)
    bought_before = np.array(
        [d is not None and d == d and d <= period_end for d in first.tolist()], dtype=bool
    )
    values = np.where(with_sales(pnl.frame), CUSTOMER, np.where(bought_before, FORMER, PROSPECT))
    return pd.Series(values, index=index, name="standing")


def split(pnl: PnL, standings: pd.Series) -> dict[str, PnL]:
    """The P&L of each standing (:data:`STANDINGS`), ``standings`` aligned on ``pnl.frame``."""
    values = standings.to_numpy()
    return {name: pnl.subset(values == name) for name in STANDINGS}


@dataclass(frozen=True)
class AcquisitionRow:
    """What the prospects of one acquisition channel and mode cost in the period."""

    channel: str | None
    mode: str | None
    prospects: int
    activities: int
    cost_to_serve: Decimal
    credit_cost: Decimal
    #: what they cost in all: minus their net contribution (prospects have no sales)
    cost: Decimal

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _label(value: Any) -> str | None:
    return None if value is None or value != value else str(value)


def acquisition_cost(pnl: PnL, standings: pd.Series, attributes: pd.DataFrame) -> list[AcquisitionRow]:
    """The cost of the prospects in ``pnl`` by ``acquisition_channel`` and ``acquisition_mode`` (the
    counterparty attributes in ``attributes``, indexed by counterparty_id), largest cost first.

    Example:
        >>> from clientbase.analytics.pnl import COLUMNS
        >>> frame = pd.DataFrame({c: [0, 0, 0] for c in COLUMNS}, index=["A", "P", "Q"])
        >>> frame["lines"], frame["activities"] = [2, 0, 0], [1, 3, 1]
        >>> frame["cost_to_serve"] = [500, 4500, 1000]
        >>> frame["net_contribution"] = [900, -4500, -1000]
        >>> attrs = pd.DataFrame({"acquisition_channel": ["web", "fair", "fair"],
        ...     "acquisition_mode": ["spontaneous", "targeted", "targeted"]}, index=["A", "P", "Q"])
        >>> rows = acquisition_cost(PnL(frame, pd.DataFrame()), pd.Series(["customer", "prospect",
        ...     "prospect"], index=["A", "P", "Q"]), attrs)
        >>> [(r.channel, r.mode, r.prospects, r.activities, r.cost) for r in rows]
        [('fair', 'targeted', 2, 4, Decimal('55.00'))]
    """
    prospects = pnl.subset(standings.to_numpy() == PROSPECT).frame
    attrs = attributes.reindex(prospects.index)
    channel = attrs["acquisition_channel"] if "acquisition_channel" in attrs else pd.Series(None, attrs.index)
    mode = attrs["acquisition_mode"] if "acquisition_mode" in attrs else pd.Series(None, attrs.index)
    keys = np.empty(len(prospects), dtype=object)
    keys[:] = [(_label(c), _label(m)) for c, m in zip(channel.tolist(), mode.tolist(), strict=True)]
    codes, groups = pd.factorize(keys, use_na_sentinel=False)
    n = len(groups)
    most = int(np.bincount(codes).max()) if len(codes) else 0

    def summed(column: str) -> np.ndarray[Any, Any]:
        return group_sum(codes, prospects[column].to_numpy(), n, most=most)

    cts, credit, contribution = summed("cost_to_serve"), summed("credit_cost"), summed("net_contribution")
    activities = np.bincount(codes, weights=prospects["activities"].to_numpy(), minlength=n)
    counts = np.bincount(codes, minlength=n)
    rows = [
        AcquisitionRow(
            channel=key[0],
            mode=key[1],
            prospects=int(counts[i]),
            activities=int(activities[i]),
            cost_to_serve=from_cents(cts[i]),
            credit_cost=from_cents(credit[i]),
            cost=from_cents(-contribution[i]),
        )
        for i, key in enumerate(groups)
    ]
    return sorted(rows, key=lambda r: (-r.cost, r.channel or "", r.mode or ""))
