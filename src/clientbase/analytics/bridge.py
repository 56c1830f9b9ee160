"""Why profit lags sales: a bridge of net contribution from one period to the next.

Per customer, the change in net contribution is split exactly into seven parts (formulas and a worked example
in docs/methodology.md). With ``L`` = sales at list price, ``N`` = net revenue, ``C`` = cost of goods,
``GM = N - C``, index 0 for the earlier period and 1 for the later one, for a customer active in both:

* volume          = (L1 - L0) x GM0 / L0          the change in list-price volume at the old margin on list
* price_discount  = N1 - N0 x L1 / L0             net price realised against list, at the new volume
* mix_cogs        = -(C1 - C0 x L1 / L0)          cost of goods against list, at the new volume
* cost_to_serve   = -(CTS1 - CTS0)
* credit_cost     = -(CC1 - CC0)

volume and price_discount are rounded to the cent (half away from zero, integer arithmetic) and mix_cogs is the remainder of the gross-margin change,
so the parts add up to the change to the cent. A customer active only in the later period is all
``new_customers`` (its whole contribution); one active only in the earlier period is all ``lost_customers``
(minus its contribution). Without list sales in the earlier period (L0 = 0) the whole gross-margin change is
volume.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from clientbase.analytics import jsonwriter as jw
from clientbase.analytics.money import div_round, from_cents, mul
from clientbase.analytics.period import Period
from clientbase.analytics.pnl import PnL, amounts

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


@dataclass(frozen=True)
class Bridge:
    """The bridge of every customer (``parts``: one row per customer, cents) and its totals;
    ``sum(components) == total_change`` exactly."""

    from_period: Period
    to_period: Period
    parts: pd.DataFrame

    @property
    def before_total(self) -> Decimal:
        return from_cents(int(self.parts["before"].sum()))

    @property
    def after_total(self) -> Decimal:
        return from_cents(int(self.parts["after"].sum()))

    @property
    def total_change(self) -> Decimal:
        return self.after_total - self.before_total

    @property
    def components(self) -> dict[str, Decimal]:
        return {name: from_cents(int(self.parts[name].sum())) for name in COMPONENTS}

    @property
    def customers(self) -> list[CustomerBridge]:
        """Every customer's bridge, by counterparty_id."""
        return [
            CustomerBridge(
                counterparty_id=str(cid),
                status=str(row["status"]),
                before=from_cents(row["before"]),
                after=from_cents(row["after"]),
                components={name: from_cents(row[name]) for name in COMPONENTS},
            )
            for cid, row in self.parts.iterrows()
        ]

    def customer_dicts(self) -> list[dict[str, Any]]:
        """Every customer's bridge as :meth:`CustomerBridge.as_dict`, built column by column."""
        p = self.parts
        before, after = p["before"].to_numpy(), p["after"].to_numpy()
        columns: dict[str, list[Any]] = {
            "counterparty_id": [str(i) for i in p.index],
            "status": p["status"].tolist(),
            "before": amounts(before),
            "after": amounts(after),
            "change": amounts(after - before),
        }
        columns.update({name: amounts(p[name].to_numpy()) for name in COMPONENTS})
        names = list(columns)
        return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]

    def customer_records(self) -> jw.Records:
        """:meth:`customer_dicts` as :class:`~clientbase.analytics.jsonwriter.Records` (JSON text, column
        by column)."""
        p = self.parts
        before, after = p["before"].to_numpy(), p["after"].to_numpy()
        columns: dict[str, list[str]] = {
            "counterparty_id": jw.strings(p.index),
            "status": jw.texts(p["status"]),
            "before": jw.scaled(before, 2),
            "after": jw.scaled(after, 2),
            "change": jw.scaled(after - before, 2),
        }
        columns.update({name: jw.scaled(p[name].to_numpy(), 2) for name in COMPONENTS})
        return jw.Records(columns)

    def summary(self) -> dict[str, Any]:
        return {
            "from_period": self.from_period.as_dict(),
            "to_period": self.to_period.as_dict(),
            "before": self.before_total,
            "after": self.after_total,
            "total_change": self.total_change,
            "components": self.components,
        }


def bridge(before: PnL, after: PnL, *, from_period: Period, to_period: Period) -> Bridge:
    """The bridge from the P&L ``before`` (earlier period) to ``after`` (later period), customer by customer.

    Example:
        >>> import datetime as dt
        >>> from clientbase.analytics.pnl import COLUMNS
        >>> def pnl(cid, list_, net, cogs):
        ...     f = pd.DataFrame({c: [0] for c in COLUMNS}, index=[cid])
        ...     f["gross_sales_list"], f["net_revenue"], f["cogs"] = list_, net, cogs
        ...     f["gross_margin"] = f["net_contribution"] = net - cogs
        ...     return PnL(f, pd.DataFrame(index=[cid]))
        >>> b = bridge(pnl("C1", 10000, 9000, 6000), pnl("C1", 12000, 10200, 7200),
        ...            from_period=Period(dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
        ...            to_period=Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31)))
        >>> c = b.components
        >>> c["volume"], c["price_discount"], c["mix_cogs"], b.total_change
        (Decimal('6.00'), Decimal('-6.00'), Decimal('0.00'), Decimal('0.00'))
    """
    if before.universe is not None and before.universe is after.universe:
        # both periods come from one set of facts: align by position, no string matching
        assert before.mask is not None and after.mask is not None and before.universe is not None
        either = before.mask | after.mask
        ids = before.universe[either]
        in0, in1 = before.mask[either], after.mask[either]
    else:
        ids = before.frame.index.union(after.frame.index)
        in0, in1 = ids.isin(before.frame.index), ids.isin(after.frame.index)
        before = PnL(before.frame.reindex(ids[in0]), before.kinds)
        after = PnL(after.frame.reindex(ids[in1]), after.kinds)
    both, new, lost = in0 & in1, in1 & ~in0, in0 & ~in1

    def col(pnl: PnL, name: str) -> np.ndarray[Any, Any]:
        values = pnl.frame[name].to_numpy()
        out = np.zeros(len(ids), dtype=values.dtype)
        out[in0 if pnl is before else in1] = values
        return out

    b, a = before, after
    l0, l1 = col(b, "gross_sales_list"), col(a, "gross_sales_list")
    n0, n1 = col(b, "net_revenue"), col(a, "net_revenue")
    gm0, gm1 = col(b, "gross_margin"), col(a, "gross_margin")
    nc0, nc1 = col(b, "net_contribution"), col(a, "net_contribution")
    with_list = both & (l0 != 0)
    gm_change = gm1 - gm0
    volume = np.where(with_list, div_round(mul(l1 - l0, gm0), l0), np.where(both, gm_change, 0))
    price = np.where(with_list, n1 - div_round(mul(n0, l1), l0), 0)
    zero = np.zeros(len(ids), dtype=np.int64)
    parts = pd.DataFrame(
        {
            "status": np.where(new, "new", np.where(lost, "lost", "continuing")),
            "before": nc0,
            "after": nc1,
            "new_customers": np.where(new, nc1, zero),
            "lost_customers": np.where(lost, -nc0, zero),
            "volume": volume,
            "price_discount": price,
            "mix_cogs": np.where(with_list, gm_change - volume - price, zero),
            "cost_to_serve": np.where(both, -(col(a, "cost_to_serve") - col(b, "cost_to_serve")), zero),
            "credit_cost": np.where(both, -(col(a, "credit_cost") - col(b, "credit_cost")), zero),
        },
        index=ids,
    )
    return Bridge(from_period=from_period, to_period=to_period, parts=parts)
