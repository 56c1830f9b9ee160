"""Why profit lags sales: a bridge of net contribution from one period to the next.

Per customer, the change in net contribution is split exactly into seven parts (formulas and a worked example
in docs/methodology.md). With ``L`` = sales at list price, ``N`` = net revenue, ``C`` = cost of goods,
``GM = N - C``, index 0 for the earlier period and 1 for the later one, for a customer active in both:

* volume          = (L1 - L0) x GM0 / L0          the change in list-price volume at the old margin on list
* price_discount  = N1 - N0 x L1 / L0             net price realised against list, at the new volume
* mix_cogs        = -(C1 - C0 x L1 / L0)          cost of goods against list, at the new volume
* cost_to_serve   = -(CTS1 - CTS0)
* credit_cost     = -(CC1 - CC0)

volume and price_discount are rounded to the cent and mix_cogs is the remainder of the gross-margin change,
so the parts add up to the change to the cent. A customer active only in the later period is all
``new_customers`` (its whole contribution); one active only in the earlier period is all ``lost_customers``
(minus its contribution). Without list sales in the earlier period (L0 = 0) the whole gross-margin change is
volume.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from clientbase.analytics.money import ZERO, cents, exact_div
from clientbase.analytics.period import Period
from clientbase.analytics.pnl import CustomerPnL

COMPONENTS = (
    "new_customers",
    "lost_customers",
    "volume",
    "price_discount",
    "mix_cogs",
    "cost_to_serve",
    "credit_cost",
)


@dataclass(frozen=True)
class CustomerBridge:
    counterparty_id: str
    status: str  # new | lost | continuing
    before: Decimal
    after: Decimal
    components: dict[str, Decimal]

    @property
    def change(self) -> Decimal:
        return self.after - self.before

    def as_dict(self) -> dict[str, Any]:
        return {
            "counterparty_id": self.counterparty_id,
            "status": self.status,
            "before": self.before,
            "after": self.after,
            "change": self.change,
            **self.components,
        }


def customer_bridge(cid: str, before: CustomerPnL | None, after: CustomerPnL | None) -> CustomerBridge:
    """The bridge of one customer (``None`` = not active in that period).

    Example:
        >>> b0 = CustomerPnL("C1", gross_sales_list=Decimal("100.00"), net_revenue=Decimal("90.00"),
        ...                  cogs=Decimal("60.00"))
        >>> b1 = CustomerPnL("C1", gross_sales_list=Decimal("120.00"), net_revenue=Decimal("102.00"),
        ...                  cogs=Decimal("72.00"))
        >>> b = customer_bridge("C1", b0, b1)
        >>> b.components["volume"], b.components["price_discount"], b.components["mix_cogs"], b.change
        (Decimal('6.00'), Decimal('-6.00'), Decimal('0.00'), Decimal('0.00'))
    """
    parts = dict.fromkeys(COMPONENTS, ZERO)
    if before is None and after is None:
        raise ValueError(f"customer {cid} is active in neither period")
    if before is None:
        assert after is not None
        parts["new_customers"] = after.net_contribution
        return CustomerBridge(cid, "new", ZERO, after.net_contribution, parts)
    if after is None:
        parts["lost_customers"] = -before.net_contribution
        return CustomerBridge(cid, "lost", before.net_contribution, ZERO, parts)
    l0, l1 = before.gross_sales_list, after.gross_sales_list
    gm_change = after.gross_margin - before.gross_margin
    if l0 == 0:
        parts["volume"] = gm_change
    else:
        parts["volume"] = cents(exact_div((l1 - l0) * before.gross_margin, l0))
        parts["price_discount"] = cents(after.net_revenue - exact_div(before.net_revenue * l1, l0))
        parts["mix_cogs"] = gm_change - parts["volume"] - parts["price_discount"]
    parts["cost_to_serve"] = -(after.cost_to_serve - before.cost_to_serve)
    parts["credit_cost"] = -(after.credit_cost - before.credit_cost)
    return CustomerBridge(cid, "continuing", before.net_contribution, after.net_contribution, parts)


@dataclass(frozen=True)
class Bridge:
    """The bridge of every customer and its totals; ``sum(components) == total_change`` exactly."""

    from_period: Period
    to_period: Period
    customers: list[CustomerBridge]
    before_total: Decimal
    after_total: Decimal
    components: dict[str, Decimal]

    @property
    def total_change(self) -> Decimal:
        return self.after_total - self.before_total

    def summary(self) -> dict[str, Any]:
        return {
            "from_period": self.from_period.as_dict(),
            "to_period": self.to_period.as_dict(),
            "before": self.before_total,
            "after": self.after_total,
            "total_change": self.total_change,
            "components": dict(self.components),
        }


def bridge(
    before: Mapping[str, CustomerPnL],
    after: Mapping[str, CustomerPnL],
    *,
    from_period: Period,
    to_period: Period,
) -> Bridge:
    """The bridge from the P&L ``before`` (earlier period) to ``after`` (later period), customer by customer.

    Example:
        >>> import datetime as dt
        >>> p0 = Period(dt.date(2023, 1, 1), dt.date(2023, 12, 31))
        >>> p1 = Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
        >>> b = bridge({"A": CustomerPnL("A", net_revenue=Decimal("5.00"))},
        ...            {"B": CustomerPnL("B", net_revenue=Decimal("7.00"))}, from_period=p0, to_period=p1)
        >>> b.total_change, b.components["new_customers"], b.components["lost_customers"]
        (Decimal('2.00'), Decimal('7.00'), Decimal('-5.00'))
    """
    rows = [customer_bridge(cid, before.get(cid), after.get(cid)) for cid in sorted(set(before) | set(after))]
    components = dict.fromkeys(COMPONENTS, ZERO)
    for r in rows:
        for name, amount in r.components.items():
            components[name] += amount
    return Bridge(
        from_period=from_period,
        to_period=to_period,
        customers=rows,
        before_total=sum((c.net_contribution for c in before.values()), ZERO),
        after_total=sum((c.net_contribution for c in after.values()), ZERO),
        components=components,
    )
