"""The per-customer P&L of one period, from the exact per-customer sums the engine returns.

Every money line is rounded to the cent per customer (half away from zero) and the derived lines are exact
differences of rounded lines, so each customer's P&L adds up and the totals are the sums of the customers:

* net_revenue = sum(quantity x net_price); gross_sales_list = sum(quantity x list_price);
  discount = gross_sales_list - net_revenue; cogs = sum(quantity x unit_cost); gross_margin = net_revenue - cogs
* cost_to_serve = sum over activity kinds of (sum of quantity x rate of that kind), each kind to the cent
* credit_cost = amount-days x financing_rate_annual / 365 (:mod:`clientbase.analytics.credit`)
* net_contribution = gross_margin - cost_to_serve - credit_cost

A counterparty is in a period's P&L when it has an order line, an activity or an invoice in the period; it is
a **customer in the period** when it has an order line in it (:func:`with_sales`, the one definition every
count uses; :mod:`clientbase.analytics.standing` names the others).

The P&L is held as columns of whole cents (:class:`PnL`, a pandas frame with one row per customer), so the
whale curve, bridge and roll-ups work on a hundred thousand customers in milliseconds; one customer reads as
a :class:`CustomerPnL` of Decimals.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from clientbase.analytics import jsonwriter as jw
from clientbase.analytics.money import ZERO, div_round, from_cents, mul, percent

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
#: further money columns (cents) and amount-days (cent-days) kept per customer
OTHER_MONEY = ("invoiced", "overdue_amount")
COLUMNS = (*MONEY_LINES, *OTHER_MONEY, "late_amount_days", *COUNT_LINES)


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
        and the amount-weighted average days paid beyond the due date (:func:`ratio_columns`)."""
        cents = {name: np.array([int(getattr(self, name).scaleb(2))]) for name in _RATIO_MONEY}
        counts = {name: np.array([getattr(self, name)]) for name in ("orders", "activities")}
        return {name: values[0] for name, values in ratio_columns({**cents, **counts}).items()}

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"counterparty_id": self.counterparty_id}
        out.update({name: getattr(self, name) for name in MONEY_LINES})
        out["cost_to_serve_by_kind"] = dict(sorted(self.cost_to_serve_by_kind.items()))
        out.update({name: getattr(self, name) for name in COUNT_LINES})
        out.update(
            invoiced=self.invoiced,
            overdue_amount=self.overdue_amount,
            late_amount_days=self.late_amount_days,
        )
        out.update(self.ratios())
        return out


#: the money lines (in cents) :func:`ratio_columns` reads
_RATIO_MONEY = (
    "gross_sales_list",
    "discount",
    "net_revenue",
    "gross_margin",
    "net_contribution",
    "invoiced",
    "late_amount_days",
)


def _quotients(num: Any, den: Any, factor: int, places: int, valid: Any) -> list[Decimal | None]:
    """``num x factor / den`` in units of ``10**-places``, rounded half away from zero, as Decimals;
    ``None`` where ``valid`` is false."""
    q = div_round(mul(num, factor), den).tolist()
    return [Decimal(int(v)).scaleb(-places) if ok else None for v, ok in zip(q, valid.tolist(), strict=True)]


def ratio_columns(c: Mapping[str, Any]) -> dict[str, list[Decimal | None]]:
    """The ratios of :meth:`CustomerPnL.ratios` for whole columns of customers (money in cents, counts),
    with exact integer rounding, half away from zero.

    Example:
        >>> r = ratio_columns({"gross_sales_list": np.array([10000]), "discount": np.array([1000]),
        ...     "net_revenue": np.array([9000]), "gross_margin": np.array([3000]),
        ...     "net_contribution": np.array([-2400]), "invoiced": np.array([0]),
        ...     "late_amount_days": np.array([0]), "orders": np.array([3]), "activities": np.array([2])})
        >>> {k: v[0] for k, v in r.items()}  # doctest: +NORMALIZE_WHITESPACE
        {'gross_margin_pct': Decimal('33.33'), 'net_margin_pct': Decimal('-26.67'),
         'discount_pct': Decimal('10.00'), 'average_order_value': Decimal('30.00'),
         'activities_per_order': Decimal('0.67'), 'avg_days_beyond_due': None}
    """
    return {name: _quotients(*args) for name, args in _ratio_terms(c).items()}


def _ratio_terms(c: Mapping[str, Any]) -> dict[str, tuple[Any, Any, int, int, Any]]:
    """Each ratio of :func:`ratio_columns` as (numerator, denominator, factor, places, valid)."""
    net, orders, invoiced = c["net_revenue"], c["orders"], c["invoiced"]
    return {
        "gross_margin_pct": (c["gross_margin"], net, 10_000, 2, net != 0),
        "net_margin_pct": (c["net_contribution"], net, 10_000, 2, net != 0),
        "discount_pct": (c["discount"], c["gross_sales_list"], 10_000, 2, c["gross_sales_list"] != 0),
        "average_order_value": (net, orders, 1, 2, orders != 0),
        "activities_per_order": (c["activities"], orders, 100, 2, orders != 0),
        "avg_days_beyond_due": (c["late_amount_days"], invoiced, 10, 1, invoiced > 0),
    }


def ratio_texts(c: Mapping[str, Any]) -> dict[str, list[str]]:
    """The ratios of :func:`ratio_columns` as the JSON text of each value (``null`` where undefined)."""
    return {
        name: jw.scaled_or_null(div_round(mul(num, factor), den), valid, places)
        for name, (num, den, factor, places, valid) in _ratio_terms(c).items()
    }


class PnL(Mapping[str, CustomerPnL]):
    """One period's P&L: ``frame`` has one row per active customer (index ``counterparty_id``, sorted) and
    the columns :data:`COLUMNS` in whole cents (counts as counts); ``kinds`` the cost-to-serve per kind."""

    def __init__(
        self,
        frame: pd.DataFrame,
        kinds: pd.DataFrame,
        *,
        universe: pd.Index | None = None,
        mask: np.ndarray[Any, Any] | None = None,
    ) -> None:
        self.frame = frame
        self.kinds = kinds
        #: the customers of every period of the analysis, and which of them this period's rows are
        self.universe = universe
        self.mask = mask

    def __getitem__(self, cid: str) -> CustomerPnL:
        row = self.frame.loc[cid]
        by_kind = self.kinds.loc[cid] if cid in self.kinds.index else pd.Series(dtype=object)
        return CustomerPnL(
            counterparty_id=cid,
            gross_sales_list=from_cents(row["gross_sales_list"]),
            net_revenue=from_cents(row["net_revenue"]),
            cogs=from_cents(row["cogs"]),
            cost_to_serve_by_kind={str(k): from_cents(v) for k, v in by_kind.items() if v != 0},
            credit_cost=from_cents(row["credit_cost"]),
            invoiced=from_cents(row["invoiced"]),
            overdue_amount=from_cents(row["overdue_amount"]),
            late_amount_days=from_cents(row["late_amount_days"]),
            **{name: int(row[name]) for name in COUNT_LINES},
        )

    def __iter__(self) -> Iterator[str]:
        return iter(self.frame.index)

    def __len__(self) -> int:
        return len(self.frame)

    def __contains__(self, cid: object) -> bool:
        return cid in self.frame.index

    def cents(self, line: str) -> np.ndarray[Any, Any]:
        """The column ``line`` in whole cents, in the order of :attr:`frame`."""
        return self.frame[line].to_numpy()

    def total(self, line: str) -> Decimal:
        return from_cents(int(self.frame[line].sum()))

    def subset(self, mask: Any) -> PnL:
        """The P&L of the rows where ``mask`` (aligned on :attr:`frame`) holds."""
        keep = np.asarray(mask, dtype=bool)
        frame = self.frame[keep]
        return PnL(frame, self.kinds.reindex(frame.index))


def with_sales(frame: pd.DataFrame) -> np.ndarray[Any, Any]:
    """Which counterparties of a P&L frame are **customers in the period**: an order line (a sale or a
    return) dated in it. The one definition of a customer in a period: the whale curve, the roll-ups and
    every count of customers (``summary``, ``analyze``, ``value``, the report) use it.

    Example:
        >>> frame = pd.DataFrame({"lines": [3, 0], "activities": [1, 4]}, index=["A", "P"])
        >>> with_sales(frame).tolist()
        [True, False]
    """
    return frame["lines"].to_numpy() > 0


@dataclass(frozen=True)
class Facts:
    """The engine's per-customer sums for every period, in cents, on one index of customers (sorted):
    ``<p>_gross_list``, ``<p>_net_revenue``, ``<p>_cogs``, ``<p>_lines``, ``<p>_orders``, ``<p>_cost_<i>``
    (cost-to-serve of ``kinds[i]``), ``<p>_activities``, ``<p>_invoiced``, ``<p>_invoices``,
    ``<p>_amount_days`` (cent-days), ``<p>_overdue_amount``, ``<p>_late_amount_days``; each column is an
    array in the order of ``index``."""

    index: pd.Index
    columns: Mapping[str, np.ndarray[Any, Any]]
    kinds: list[str]


def credit_cents(amount_days_cents: Any, rate: Decimal) -> np.ndarray[Any, Any]:
    """Credit cost in cents: amount-days (in cent-days) x ``rate`` / 365, rounded half away from zero.

    Example:
        >>> credit_cents(np.array([3650000, 18250]), Decimal("0.08")).tolist()
        [800, 4]
    """
    exponent = -int(rate.as_tuple().exponent) if rate != rate.to_integral_value() else 0
    numerator = int(rate.scaleb(exponent))
    return div_round(mul(amount_days_cents, np.full(len(amount_days_cents), numerator)), 365 * 10**exponent)


def build_pnl(label: str, facts: Facts, *, financing_rate: Decimal) -> PnL:
    """The P&L of period ``label`` for every customer active in it (an order line, an activity or an invoice).

    Example:
        >>> f = {"cur_gross_list": [10000], "cur_net_revenue": [9000], "cur_cogs": [6000],
        ...     "cur_lines": [1], "cur_orders": [1], "cur_invoiced": [9000], "cur_amount_days": [27000000],
        ...     "cur_overdue_amount": [0], "cur_late_amount_days": [0], "cur_invoices": [1],
        ...     "cur_activities": [0]}
        >>> facts = Facts(pd.Index(["C1"]), {k: np.array(v) for k, v in f.items()}, [])
        >>> c = build_pnl("cur", facts, financing_rate=Decimal("0.0730"))["C1"]
        >>> c.discount, c.credit_cost, c.net_contribution
        (Decimal('10.00'), Decimal('54.00'), Decimal('-24.00'))
    """
    c = {
        name[len(label) + 1 :]: values
        for name, values in facts.columns.items()
        if name.startswith(f"{label}_")
    }
    mask = (c["lines"] > 0) | (c["activities"] > 0) | (c["invoices"] > 0)
    index = facts.index[mask]
    costs = [c[f"cost_{i}"][mask] for i in range(len(facts.kinds))]
    kinds = pd.DataFrame(dict(zip(facts.kinds, costs, strict=True)), index=index)
    gross, net, cogs = c["gross_list"][mask], c["net_revenue"][mask], c["cogs"][mask]
    cost_to_serve = sum(costs) if costs else np.zeros(len(index), dtype=np.int64)
    credit = credit_cents(c["amount_days"][mask], financing_rate)
    margin = net - cogs
    lines = {
        "gross_sales_list": gross,
        "discount": gross - net,
        "net_revenue": net,
        "cogs": cogs,
        "gross_margin": margin,
        "cost_to_serve": cost_to_serve,
        "credit_cost": credit,
        "net_contribution": margin - cost_to_serve - credit,
        "invoiced": c["invoiced"][mask],
        "overdue_amount": c["overdue_amount"][mask],
        "late_amount_days": c["late_amount_days"][mask],
        **{name: c[name][mask] for name in COUNT_LINES},
    }
    return PnL(pd.DataFrame(lines, index=index), kinds, universe=facts.index, mask=mask)


@dataclass(frozen=True)
class Totals:
    """A P&L summed: each line is the sum over every counterparty in it; ``customers`` counts those that
    are customers in the period (:func:`with_sales`), ``counterparties`` all of them."""

    customers: int
    lines: dict[str, Decimal]
    counts: dict[str, int]
    cost_to_serve_by_kind: dict[str, Decimal]
    counterparties: int = 0

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "customers": self.customers,
            "counterparties": self.counterparties,
            **self.lines,
        }
        out["cost_to_serve_by_kind"] = dict(sorted(self.cost_to_serve_by_kind.items()))
        out.update(self.counts)
        out["gross_margin_pct"] = percent(self.lines["gross_margin"], self.lines["net_revenue"])
        out["net_margin_pct"] = percent(self.lines["net_contribution"], self.lines["net_revenue"])
        return out


def totals(pnl: PnL) -> Totals:
    """Sum every line over the counterparties of ``pnl``; count its customers in the period.

    Example:
        >>> frame = pd.DataFrame({c: [0, 0] for c in COLUMNS}, index=["A", "P"])
        >>> frame["net_revenue"], frame["lines"], frame["activities"] = [500, 0], [2, 0], [0, 1]
        >>> t = totals(PnL(frame, pd.DataFrame(index=["A", "P"])))
        >>> t.lines["net_revenue"], t.customers, t.counterparties
        (Decimal('5.00'), 1, 2)
    """
    return Totals(
        customers=int(with_sales(pnl.frame).sum()),
        counterparties=len(pnl),
        lines={name: pnl.total(name) for name in MONEY_LINES},
        counts={name: int(pnl.frame[name].sum()) for name in COUNT_LINES},
        cost_to_serve_by_kind={str(k): from_cents(int(v)) for k, v in pnl.kinds.sum(axis=0).items()},
    )


def amounts(cents: Any) -> list[Decimal]:
    """Whole cents (an array) as Decimal amounts."""
    return [Decimal(int(v)).scaleb(-2) for v in np.asarray(cents).tolist()]


def customer_dicts(
    pnl: PnL, order: Any = None, *, first: Mapping[str, list[Any]] | None = None
) -> list[dict[str, Any]]:
    """Every customer's :meth:`CustomerPnL.as_dict`, in ``order`` (ids; default: the frame's), after the
    columns ``first`` (one value per customer, in that order), built column by column: a hundred thousand
    customers take about a second, not a minute."""
    frame = pnl.frame if order is None else pnl.frame.reindex(order)
    c = {name: frame[name].to_numpy() for name in frame.columns}
    kinds = pnl.kinds.reindex(frame.index) if len(pnl.kinds.columns) else pd.DataFrame(index=frame.index)
    kind_names = sorted(str(k) for k in kinds.columns)
    by_kind = (
        [
            {k: v for k, v in zip(kind_names, row, strict=True) if v != 0}
            for row in zip(*(amounts(kinds[k].to_numpy()) for k in kind_names), strict=True)
        ]
        if kind_names
        else [{} for _ in range(len(frame))]
    )
    columns: dict[str, list[Any]] = {**(first or {}), "counterparty_id": [str(i) for i in frame.index]}
    columns.update({name: amounts(c[name]) for name in MONEY_LINES})
    columns["cost_to_serve_by_kind"] = by_kind
    columns.update({name: [int(v) for v in c[name].tolist()] for name in COUNT_LINES})
    columns.update({name: amounts(c[name]) for name in (*OTHER_MONEY, "late_amount_days")})
    columns.update(ratio_columns(c))
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def customer_records(
    pnl: PnL, order: Any = None, *, first: Mapping[str, list[str]] | None = None
) -> jw.Records:
    """:func:`customer_dicts` as :class:`~clientbase.analytics.jsonwriter.Records`: the JSON text of every
    value made column by column, without a Python object per customer (``first``: columns of JSON text)."""
    frame = pnl.frame if order is None else pnl.frame.reindex(order)
    c = {name: frame[name].to_numpy() for name in frame.columns}
    kinds = pnl.kinds.reindex(frame.index) if len(pnl.kinds.columns) else pd.DataFrame(index=frame.index)
    kind_names = sorted(str(k) for k in kinds.columns)
    kind_cents = [kinds[k].to_numpy() for k in kind_names]
    columns: dict[str, list[str]] = {
        **(first or {}),
        "counterparty_id": jw.strings(frame.index),
    }
    columns.update({name: jw.scaled(c[name], 2) for name in MONEY_LINES})
    columns["cost_to_serve_by_kind"] = (
        jw.objects(
            {k: jw.scaled(v, 2) for k, v in zip(kind_names, kind_cents, strict=True)},
            [v != 0 for v in kind_cents],
        )
        if kind_names
        else ["{}"] * len(frame)
    )
    columns.update({name: jw.integers(c[name]) for name in COUNT_LINES})
    columns.update({name: jw.scaled(c[name], 2) for name in (*OTHER_MONEY, "late_amount_days")})
    columns.update(ratio_texts(c))
    return jw.Records(columns)
