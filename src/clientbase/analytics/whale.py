"""The whale curve: customers ranked by net contribution, cumulative share of profit against share of customers.

The curve starts at (0, 0), rises while customers add profit, peaks, and falls back to 100 % of total profit
as the loss-making tail takes away what the profitable customers earned. The peak is the highest cumulative
profit (first reached); ``tail_loss`` = peak - total is the profit the tail destroys.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from clientbase.analytics.money import ZERO, ratio


@dataclass(frozen=True)
class WhalePoint:
    rank: int
    counterparty_id: str
    net_contribution: Decimal
    cumulative: Decimal


@dataclass(frozen=True)
class WhaleCurve:
    """The ranked customers with their cumulative profit, and the curve's peak."""

    points: list[WhalePoint]
    total: Decimal
    peak: Decimal
    customers_at_peak: int

    @property
    def customers(self) -> int:
        return len(self.points)

    @property
    def tail_loss(self) -> Decimal:
        """The profit the customers after the peak destroy (>= 0)."""
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
        return sum(1 for p in self.points if p.net_contribution < 0)

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
        if n == 0 or self.total == 0:
            return [(0.0, 0.0)]
        step = max(1, n // max_points)
        picks = sorted({*range(step - 1, n, step), n - 1, max(self.customers_at_peak - 1, 0)})
        total = float(self.total)
        return [(0.0, 0.0)] + [((i + 1) / n, float(self.points[i].cumulative) / total) for i in picks]


def whale_curve(customers: Iterable[tuple[str, Decimal]]) -> WhaleCurve:
    """The whale curve of (counterparty_id, net_contribution) pairs; ties ranked by counterparty_id.

    Example:
        >>> w = whale_curve([("A", Decimal("100")), ("B", Decimal("-40")), ("C", Decimal("20"))])
        >>> w.peak, w.customers_at_peak, w.total, w.tail_loss, w.peak_share_of_profit
        (Decimal('120.00'), 2, Decimal('80.00'), Decimal('40.00'), Decimal('1.5000'))
    """
    ranked = sorted(customers, key=lambda c: (-c[1], c[0]))
    points = []
    cumulative = peak = ZERO
    at_peak = 0
    for rank, (cid, amount) in enumerate(ranked, start=1):
        cumulative += amount
        points.append(WhalePoint(rank, cid, amount, cumulative))
        if cumulative > peak:
            peak, at_peak = cumulative, rank
    return WhaleCurve(points=points, total=cumulative, peak=peak, customers_at_peak=at_peak)
