"""The whale curve: customers ranked by net contribution, cumulative share of profit against share of customers.

The curve starts at (0, 0), rises while customers add profit, peaks, and falls back to 100 % of total profit
as the loss-making tail takes away what the profitable customers earned. The peak is the highest cumulative
profit (first reached; 0 at 0 customers when nobody is profitable); ``tail_loss`` = peak - total is the
profit the tail gives back. The analysis draws it over the customers in the period (an order line in it):
prospects are acquisition cost, not customers who lose money (:mod:`clientbase.analytics.standing`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from clientbase.analytics.money import from_cents, ratio


@dataclass(frozen=True)
class WhalePoint:
    rank: int
    counterparty_id: str
    net_contribution: Decimal
    cumulative: Decimal


@dataclass(frozen=True)
class WhaleCurve:
    """The ranked customers (``ids``, ``contribution`` and ``cumulative`` in cents) and the curve's peak."""

    ids: np.ndarray[Any, Any]
    contribution: np.ndarray[Any, Any]
    cumulative: np.ndarray[Any, Any]
    customers_at_peak: int

    @property
    def customers(self) -> int:
        return len(self.ids)

    @property
    def total(self) -> Decimal:
        return from_cents(self.cumulative[-1]) if self.customers else from_cents(0)

    @property
    def peak(self) -> Decimal:
        return (
            from_cents(self.cumulative[self.customers_at_peak - 1])
            if self.customers_at_peak
            else from_cents(0)
        )

    @property
    def tail_loss(self) -> Decimal:
        """The profit the customers after the peak give back (>= 0)."""
        return self.peak - self.total

    @property
    def peak_share_of_profit(self) -> Decimal | None:
        """Cumulative profit at the peak as a fraction of total profit (1.5 = 150 %); None if total <= 0."""
        return ratio(self.peak, self.total) if self.total > 0 else None

    @property
    def customers_share_at_peak(self) -> Decimal | None:
        return ratio(self.customers_at_peak, self.customers)

    @property
    def loss_makers(self) -> int:
        return int((self.contribution < 0).sum())

    @property
    def points(self) -> list[WhalePoint]:
        """Every customer on the curve, most profitable first."""
        return [
            WhalePoint(i + 1, str(cid), from_cents(c), from_cents(k))
            for i, (cid, c, k) in enumerate(zip(self.ids, self.contribution, self.cumulative, strict=True))
        ]

    def summary(self) -> dict[str, Any]:
        return {
            "customers": self.customers,
            "total_net_contribution": self.total,
            "peak_net_contribution": self.peak,
            "customers_at_peak": self.customers_at_peak,
            "peak_share_of_profit": self.peak_share_of_profit,
            "customers_share_at_peak": self.customers_share_at_peak,
            "tail_loss": self.tail_loss,
            "loss_makers": self.loss_makers,
        }

    def sampled(self, max_points: int = 500) -> list[tuple[float, float]]:
        """At most ``max_points`` (share of customers, share of profit) pairs for a chart, (0, 0) first."""
        n = self.customers
        total = float(self.total)
        if n == 0 or total == 0:
            return [(0.0, 0.0)]
        step = max(1, n // max_points)
        picks = sorted({*range(step - 1, n, step), n - 1, max(self.customers_at_peak - 1, 0)})
        return [(0.0, 0.0)] + [((i + 1) / n, float(self.cumulative[i]) / 100 / total) for i in picks]


def whale_curve(ids: Any, net_contribution_cents: Any) -> WhaleCurve:
    """The whale curve of customers ``ids`` with their net contribution in cents; ties ranked by id.

    Example:
        >>> w = whale_curve(["A", "B", "C"], [10000, -4000, 2000])
        >>> w.peak, w.customers_at_peak, w.total, w.tail_loss, w.peak_share_of_profit
        (Decimal('120.00'), 2, Decimal('80.00'), Decimal('40.00'), Decimal('1.5000'))
    """
    id_values = np.asarray(list(ids), dtype=object)
    cents = np.asarray(net_contribution_cents)
    if len(id_values) > 1 and not pd.Index(id_values).is_monotonic_increasing:
        by_id = np.argsort(id_values, kind="stable")
        id_values, cents = id_values[by_id], cents[by_id]
    # ids ascending, then a stable sort on the contribution: ties stay in id order
    order = np.argsort(-cents, kind="stable")
    contribution = cents[order]
    cumulative = np.cumsum(contribution) if len(contribution) else contribution
    at_peak = 0
    if len(cumulative) and cumulative.max() > 0:
        at_peak = int(np.argmax(cumulative)) + 1
    return WhaleCurve(
        ids=id_values[order],
        contribution=contribution,
        cumulative=cumulative,
        customers_at_peak=at_peak,
    )
