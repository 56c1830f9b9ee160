"""The customer matrix of Shapiro, Rangan, Moriarty & Ross (HBR 1987, "Manage customers for profits (not just
sales)"): net price realised against cost-to-serve.

Every customer with net revenue in the period is placed by

* **net price realised** = net revenue / gross sales at list (1 - discount depth), in % of list, and
* **cost-to-serve** in % of net revenue,

into four quadrants split at two thresholds, by default the revenue-weighted medians (half the company's net
revenue is on each side; :func:`~clientbase.decisions.peers.weighted_median`), or set in the rules
(``[matrix]``). A value equal to a threshold counts as high.

=================  ============  ===========  =================================================================
quadrant           net price     cost         levers
=================  ============  ===========  =================================================================
carriage trade     high          high         keep the price; charge for the extras they use (rush, special
                                              requests, visits) or trim the service they do not value
passive            high          low          the most profitable: protect them (retain); do not invite a
                                              price review by over-serving
bargain basement   low           low          price-sensitive and cheap to serve: keep them lean (standard
                                              terms, self-service); add no service without a price
aggressive         low           high         want low prices and high service: reprice, minimum orders and
                                              fees, cut the cost-to-serve, or exit
=================  ============  ===========  =================================================================
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from clientbase.analytics.pnl import amounts
from clientbase.analytics.run import Analysis, analyze
from clientbase.decisions.peers import weighted_median
from clientbase.decisions.rules import Rules
from clientbase.registry.access import Actor

QUADRANTS = ("carriage_trade", "passive", "bargain_basement", "aggressive")
#: what to do with the customers of each quadrant (the table of the module docstring)
LEVERS = {
    "carriage_trade": "keep the price; charge for the extras they use (rush, special requests, visits) or trim "
    "the service they do not value",
    "passive": "the most profitable: protect them (retain); do not invite a price review by over-serving",
    "bargain_basement": "price-sensitive and cheap to serve: keep them lean (standard terms, self-service); "
    "add no service without a price",
    "aggressive": "want low prices and high service: reprice, minimum orders and fees, cut the cost-to-serve, "
    "or exit",
}


@dataclass(frozen=True)
class MatrixPoint:
    """One customer on the matrix."""

    counterparty_id: str
    name: str | None
    owner_id: str | None
    net_revenue: Decimal
    net_contribution: Decimal
    net_price_pct: float
    cost_to_serve_pct: float
    quadrant: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "counterparty_id": self.counterparty_id,
            "name": self.name,
            "owner_id": self.owner_id,
            "net_revenue": self.net_revenue,
            "net_contribution": self.net_contribution,
            "net_price_pct": self.net_price_pct,
            "cost_to_serve_pct": self.cost_to_serve_pct,
            "quadrant": self.quadrant,
        }


@dataclass(frozen=True)
class CustomerMatrix:
    """The matrix of one period: thresholds, every placed customer (largest revenue first) and the quadrants."""

    period: dict[str, str]
    currency: str
    price_threshold_pct: float
    cost_threshold_pct: float
    #: "revenue-weighted median" or "set in the rules", per threshold
    threshold_source: dict[str, str]
    points: list[MatrixPoint]

    def quadrants(self) -> dict[str, dict[str, Any]]:
        """Per quadrant: customers, net revenue, net contribution and the levers."""
        out: dict[str, dict[str, Any]] = {
            q: {"customers": 0, "net_revenue": Decimal("0.00"), "net_contribution": Decimal("0.00")}
            for q in QUADRANTS
        }
        for p in self.points:
            out[p.quadrant]["customers"] += 1
            out[p.quadrant]["net_revenue"] += p.net_revenue
            out[p.quadrant]["net_contribution"] += p.net_contribution
        for q in QUADRANTS:
            out[q]["levers"] = LEVERS[q]
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "currency": self.currency,
            "price_threshold_pct": self.price_threshold_pct,
            "cost_threshold_pct": self.cost_threshold_pct,
            "threshold_source": self.threshold_source,
            "quadrants": self.quadrants(),
            "customers": [p.as_dict() for p in self.points],
        }


def quadrant_of(
    price_pct: Any, cost_pct: Any, price_threshold: float, cost_threshold: float
) -> np.ndarray[Any, Any]:
    """The quadrant of each (net price %, cost-to-serve %) pair; a value on a threshold counts as high.

    Example:
        >>> quadrant_of(np.array([95.0, 95.0, 80.0, 80.0]), np.array([20.0, 5.0, 5.0, 20.0]), 90.0, 10.0).tolist()
        ['carriage_trade', 'passive', 'bargain_basement', 'aggressive']
    """
    high_price = np.asarray(price_pct) >= price_threshold
    high_cost = np.asarray(cost_pct) >= cost_threshold
    return np.where(
        high_price,
        np.where(high_cost, "carriage_trade", "passive"),
        np.where(high_cost, "aggressive", "bargain_basement"),
    )


def customer_matrix(analysis: Analysis, *, rules: Rules | None = None) -> CustomerMatrix:
    """Place every customer with net revenue of ``analysis`` on the matrix (thresholds: module docstring).

    Example:
        >>> from clientbase.store import connect
        >>> with connect("duckdb:///:memory:") as store:
        ...     m = customer_matrix(analyze(store, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31)))
        >>> m.points, m.threshold_source["price"]
        ([], 'revenue-weighted median')
    """
    settings = (rules or Rules()).matrix
    frame = analysis.customers.frame
    placed = frame[(frame["net_revenue"] > 0) & (frame["gross_sales_list"] > 0)]
    revenue = placed["net_revenue"].to_numpy(dtype=np.float64)
    price = 100 * revenue / placed["gross_sales_list"].to_numpy(dtype=np.float64)
    cost = 100 * placed["cost_to_serve"].to_numpy(dtype=np.float64) / revenue
    price_t = settings.price_threshold_pct or weighted_median(price, revenue) or 0.0
    cost_t = settings.cost_threshold_pct or weighted_median(cost, revenue) or 0.0
    source = {
        "price": "set in the rules" if settings.price_threshold_pct else "revenue-weighted median",
        "cost": "set in the rules" if settings.cost_threshold_pct else "revenue-weighted median",
    }
    quadrant = quadrant_of(price, cost, price_t, cost_t)
    ids = [str(i) for i in placed.index]
    attributes = analysis.attributes.reindex(ids)
    names = attributes["name"].tolist()
    owners = attributes["owner_id"].tolist() if "owner_id" in attributes else [None] * len(ids)
    points = [
        MatrixPoint(
            counterparty_id=cid,
            name=None if name != name else name,
            owner_id=None if owner != owner else owner,
            net_revenue=rev,
            net_contribution=nc,
            net_price_pct=round(float(p), 2),
            cost_to_serve_pct=round(float(c), 2),
            quadrant=str(q),
        )
        for cid, name, owner, rev, nc, p, c, q in zip(
            ids,
            names,
            owners,
            amounts(placed["net_revenue"].to_numpy()),
            amounts(placed["net_contribution"].to_numpy()),
            price,
            cost,
            quadrant,
            strict=True,
        )
    ]
    points.sort(key=lambda p: (-p.net_revenue, p.counterparty_id))
    period = analysis.periods
    return CustomerMatrix(
        period={**period.current.as_dict(), "as_of": period.as_of.isoformat()},
        currency=analysis.currency,
        price_threshold_pct=round(price_t, 2),
        cost_threshold_pct=round(cost_t, 2),
        threshold_source=source,
        points=points,
    )


def matrix_for(
    store: Any,
    *,
    actor: Actor,
    rules: Rules | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    as_of: dt.date | None = None,
    analysis: Analysis | None = None,
) -> CustomerMatrix:
    """The matrix as ``actor`` may see it: thresholds from the whole company, the points of the customers
    the actor sees (a manager: their own; the head and analysts: all)."""
    analysis = analysis or analyze(store, start=start, end=end, as_of=as_of)
    full = customer_matrix(analysis, rules=rules)
    if actor.sees_all:
        return full
    mine = [p for p in full.points if actor.can_read({"owner_id": p.owner_id})]
    return CustomerMatrix(
        period=full.period,
        currency=full.currency,
        price_threshold_pct=full.price_threshold_pct,
        cost_threshold_pct=full.cost_threshold_pct,
        threshold_source=full.threshold_source,
        points=mine,
    )
