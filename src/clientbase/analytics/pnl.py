"""The per-customer P&L of one period, from the exact per-customer sums the engine returns.

Every money line is rounded to the cent per customer (half away from zero) and the derived lines are exact
differences of rounded lines, so each customer's P&L adds up and the totals are the sums of the customers:

* net_revenue = sum(quantity x net_price); gross_sales_list = sum(quantity x list_price);
  discount = gross_sales_list - net_revenue; cogs = sum(quantity x unit_cost); gross_margin = net_revenue - cogs
* cost_to_serve = sum over activity kinds of (sum of quantity x rate of that kind), each kind to the cent
* credit_cost = amount-days x financing_rate_annual / 365 (:mod:`clientbase.analytics.credit`)
* net_contribution = gross_margin - cost_to_serve - credit_cost
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from clientbase.analytics.credit import credit_cost
from clientbase.analytics.money import ZERO, cents, percent, ratio

#: the money lines of a P&L, in the order they are shown
MONEY_LINES = (
    "gross_sales_list",
    "discount",
    "net_revenue",
    "cogs",
    "gross_margin",
    "cost_to_serve",
    "credit_cost",
    "net_contribution",
)
COUNT_LINES = ("orders", "lines", "activities", "invoices")


@dataclass
class CustomerPnL:
    """One customer's P&L for one period (money in the database currency, to the cent)."""

    counterparty_id: str
    gross_sales_list: Decimal = ZERO
    net_revenue: Decimal = ZERO
    cogs: Decimal = ZERO
    cost_to_serve_by_kind: dict[str, Decimal] = field(default_factory=dict)
    credit_cost: Decimal = ZERO
    invoiced: Decimal = ZERO
    overdue_amount: Decimal = ZERO
    late_amount_days: Decimal = ZERO
    max_days_overdue: int = 0
    orders: int = 0
    lines: int = 0
    activities: int = 0
    invoices: int = 0

    @property
    def discount(self) -> Decimal:
        return self.gross_sales_list - self.net_revenue

    @property
    def gross_margin(self) -> Decimal:
        return self.net_revenue - self.cogs

    @property
    def cost_to_serve(self) -> Decimal:
        return sum(self.cost_to_serve_by_kind.values(), ZERO)

    @property
    def net_contribution(self) -> Decimal:
        return self.gross_margin - self.cost_to_serve - self.credit_cost

    @property
    def active(self) -> bool:
        """Has an order line, an activity or an invoice in the period."""
        return bool(self.lines or self.activities or self.invoices)

    def ratios(self) -> dict[str, Decimal | None]:
        """Margins in % of net revenue, discount in % of list, average order value, activities per order,
        and the amount-weighted average days paid beyond the due date."""
        return {
            "gross_margin_pct": percent(self.gross_margin, self.net_revenue),
            "net_margin_pct": percent(self.net_contribution, self.net_revenue),
            "discount_pct": percent(self.discount, self.gross_sales_list),
            "average_order_value": ratio(self.net_revenue, self.orders, 2),
            "activities_per_order": ratio(self.activities, self.orders, 2),
            "avg_days_beyond_due": ratio(self.late_amount_days, self.invoiced, 1)
            if self.invoiced > 0
            else None,
        }

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"counterparty_id": self.counterparty_id}
        out.update({name: getattr(self, name) for name in MONEY_LINES})
        out["cost_to_serve_by_kind"] = dict(sorted(self.cost_to_serve_by_kind.items()))
        out.update({name: getattr(self, name) for name in COUNT_LINES})
        out.update(
            invoiced=self.invoiced,
            overdue_amount=self.overdue_amount,
            max_days_overdue=self.max_days_overdue,
        )
        out.update(self.ratios())
        return out


def build_pnl(
    label: str,
    *,
    sales: Iterable[Mapping[str, Any]],
    cost_to_serve: Iterable[Mapping[str, Any]],
    credit: Iterable[Mapping[str, Any]],
    financing_rate: Decimal,
) -> dict[str, CustomerPnL]:
    """The P&L of period ``label`` for every customer active in it, from the rows of
    :func:`~clientbase.analytics.sales.sales_by_customer`, :func:`~clientbase.analytics.cost_to_serve.
    cost_to_serve_facts` and :func:`~clientbase.analytics.credit.credit_facts`.

    Example:
        >>> p = build_pnl("cur", sales=[{"counterparty_id": "C1", "cur_gross_list": Decimal("100"),
        ...     "cur_net_revenue": Decimal("90.004"), "cur_cogs": Decimal("60"), "cur_lines": 1, "cur_orders": 1}],
        ...     cost_to_serve=[], credit=[], financing_rate=Decimal("0.08"))
        >>> p["C1"].discount, p["C1"].net_contribution
        (Decimal('10.00'), Decimal('30.00'))
    """
    out: dict[str, CustomerPnL] = {}

    def row(cid: str) -> CustomerPnL:
        if cid not in out:
            out[cid] = CustomerPnL(cid)
        return out[cid]

    for r in sales:
        if not r[f"{label}_lines"]:
            continue
        c = row(r["counterparty_id"])
        c.gross_sales_list = cents(r[f"{label}_gross_list"])
        c.net_revenue = cents(r[f"{label}_net_revenue"])
        c.cogs = cents(r[f"{label}_cogs"])
        c.lines = int(r[f"{label}_lines"])
        c.orders = int(r[f"{label}_orders"])
    exact_by_kind: dict[tuple[str, str], Decimal] = {}
    for r in cost_to_serve:
        if not r[f"{label}_count"]:
            continue
        key = (r["counterparty_id"], r["kind"])
        exact_by_kind[key] = exact_by_kind.get(key, Decimal(0)) + Decimal(r[f"{label}_cost"])
        row(r["counterparty_id"]).activities += int(r[f"{label}_count"])
    for (cid, kind), amount in exact_by_kind.items():
        out[cid].cost_to_serve_by_kind[kind] = cents(amount)
    for r in credit:
        if not r[f"{label}_invoices"]:
            continue
        c = row(r["counterparty_id"])
        c.invoices = int(r[f"{label}_invoices"])
        c.invoiced = cents(r[f"{label}_invoiced"])
        c.credit_cost = credit_cost(Decimal(r[f"{label}_amount_days"]), financing_rate)
        c.overdue_amount = cents(r[f"{label}_overdue_amount"])
        c.late_amount_days = Decimal(r[f"{label}_late_amount_days"])
        c.max_days_overdue = int(r[f"{label}_max_days_overdue"])
    return out


@dataclass(frozen=True)
class Totals:
    """The portfolio P&L: each line is the sum of the customers' lines."""

    customers: int
    lines: dict[str, Decimal]
    counts: dict[str, int]
    cost_to_serve_by_kind: dict[str, Decimal]

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"customers": self.customers, **self.lines}
        out["cost_to_serve_by_kind"] = dict(sorted(self.cost_to_serve_by_kind.items()))
        out.update(self.counts)
        out["gross_margin_pct"] = percent(self.lines["gross_margin"], self.lines["net_revenue"])
        out["net_margin_pct"] = percent(self.lines["net_contribution"], self.lines["net_revenue"])
        return out


def totals(customers: Iterable[CustomerPnL]) -> Totals:
    """Sum every line over ``customers``.

    Example:
        >>> t = totals([CustomerPnL("A", net_revenue=Decimal("5.00")), CustomerPnL("B", net_revenue=Decimal("2.50"))])
        >>> t.lines["net_revenue"], t.customers
        (Decimal('7.50'), 2)
    """
    lines = dict.fromkeys(MONEY_LINES, ZERO)
    counts = dict.fromkeys(COUNT_LINES, 0)
    by_kind: dict[str, Decimal] = {}
    n = 0
    for c in customers:
        n += 1
        for name in MONEY_LINES:
            lines[name] += getattr(c, name)
        for name in COUNT_LINES:
            counts[name] += getattr(c, name)
        for kind, amount in c.cost_to_serve_by_kind.items():
            by_kind[kind] = by_kind.get(kind, ZERO) + amount
    return Totals(customers=n, lines=lines, counts=counts, cost_to_serve_by_kind=by_kind)
