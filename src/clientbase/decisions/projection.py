"""What a scenario would bring: each customer's P&L for the next 12 months before and after the changes.

**Before** is the customer's P&L of the analysed period over a year (annualised from the first order for a
customer new in the period, :mod:`clientbase.decisions.inputs`): no trend, no churn. **After**, per customer,
with ``e`` the elasticity and the loss probabilities of one run of the assumptions:

1. price: ``discount_points`` change the net revenue by ``-points/100 x sales at list`` (exactly, to the cent);
2. fees: ``small_order_fee`` x the orders below ``small_order_below`` + ``delivery_fee`` x every order;
3. terms: credit cost changes by ``invoiced x (new terms - terms on its invoices) x rate / 365``; shorter terms
   cost the customer the same money (its burden);
4. the customer's relative price change ``r`` = (price change + fees + burden of shorter terms) / net revenue;
   volume follows ``v = max(0, 1 - e x r)``: sales at list, cost of goods, order-driven costs and credit
   scale with ``v``; relationship costs (visits, calls) do not;
5. ``minimum_order_value``: the orders below it are merged into ``ceil(their value / minimum)`` orders, and
   the order-driven costs scale with the number of orders; a channel (``channel_handling_rate``) replaces
   the kinds ``channel_replaces`` by that cost per order; ``visits_per_year`` scales the visit costs;
6. the chance of losing the customer, ``p = min(max_loss, loss_per_point x max(0, 100 r) +
   loss_per_service_cut x share of visits cut + loss_per_policy x share of orders under a new order rule)``;
   every line of the kept customer is multiplied by ``1 - p`` (expected values); ``exit`` sets them to 0.

Each line is rounded to the cent per customer and the derived lines are exact differences, so every
customer adds up and the totals are the sums of the customers. The scenario runs three times, once per set of
assumption values; ``low`` and ``high`` are the runs with the lowest and highest total net contribution.
A 2-point discount cut with elasticity 0 and no loss changes the net contribution by exactly 2 % of the
sales at list (tested by hand on three customers).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import ibis.expr.types as ir
import numpy as np

from clientbase.analytics.pnl import amounts
from clientbase.decisions.inputs import DecisionInputs, gather_inputs
from clientbase.decisions.rules import Rules
from clientbase.decisions.scenario import Scenario
from clientbase.errors import ClientbaseError, NotFoundError, StoreError
from clientbase.registry.access import Actor

LINES = (
    "gross_sales_list",
    "discount",
    "fees",
    "net_revenue",
    "cogs",
    "gross_margin",
    "cost_to_serve",
    "credit_cost",
    "net_contribution",
)
RUNS = ("first", "base", "third")
Array = np.ndarray[Any, Any]


def orders_below(order_lines: ir.Table, *, start: dt.date, end: dt.date, threshold: float) -> ir.Table:
    """Per customer, its orders of the period worth more than 0 and less than ``threshold`` (net of
    discount): ``small_orders`` and ``small_value`` (cents).

    Example:
        >>> import ibis
        >>> from decimal import Decimal as D
        >>> lines = ibis.memtable({"order_id": ["O1", "O1", "O2", "O3"], "counterparty_id": ["C1"] * 4,
        ...     "order_date": [dt.date(2024, 3, 1)] * 4, "quantity": [D("1"), D("2"), D("1"), D("9")],
        ...     "net_price": [D("10"), D("5"), D("30"), D("100")]})
        >>> r = orders_below(lines, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31), threshold=50)
        >>> r.to_pyarrow().to_pylist()
        [{'counterparty_id': 'C1', 'small_orders': 2, 'small_value': 5000}]
    """
    t = order_lines.filter((order_lines.order_date >= start) & (order_lines.order_date <= end))
    per_order = t.group_by("counterparty_id", "order_id").aggregate(value=(t.quantity * t.net_price).sum())
    small = per_order.filter((per_order.value > 0) & (per_order.value < threshold))
    return small.group_by("counterparty_id").aggregate(
        small_orders=small.count(), small_value=(small.value * 100).round(0).sum().cast("int64")
    )


@dataclass(frozen=True)
class ScenarioResult:
    """Before and after per customer (``before`` / ``after[k]``: line -> cents, in the order of ``ids``)."""

    scenario: Scenario
    period: dict[str, str]
    currency: str
    ids: list[str]
    names: list[str | None]
    before: dict[str, Array]
    after: list[dict[str, Array]]
    loss_probability: list[Array]
    volume_factor: list[Array]
    notes: list[str]

    def _total(self, lines: dict[str, Array]) -> dict[str, Decimal]:
        return {name: Decimal(int(lines[name].sum())).scaleb(-2) for name in LINES}

    def range_runs(self) -> dict[str, int]:
        """Which run is low, base and high (by total net contribution after)."""
        totals = [int(a["net_contribution"].sum()) for a in self.after]
        return {"low": int(np.argmin(totals)), "base": 1, "high": int(np.argmax(totals))}

    def totals(self) -> dict[str, Any]:
        before = self._total(self.before)
        runs = self.range_runs()
        after = {label: self._total(self.after[k]) for label, k in runs.items()}
        return {
            "customers": len(self.ids),
            "before": before,
            "after": after,
            "change": {
                label: after[label]["net_contribution"] - before["net_contribution"] for label in after
            },
        }

    def customer_dicts(self) -> list[dict[str, Any]]:
        runs = self.range_runs()
        columns: dict[str, list[Any]] = {"counterparty_id": self.ids, "name": self.names}
        before = {name: amounts(self.before[name]) for name in LINES}
        after = {name: amounts(self.after[1][name]) for name in LINES}
        low = amounts(self.after[runs["low"]]["net_contribution"])
        high = amounts(self.after[runs["high"]]["net_contribution"])
        out = []
        for i, cid in enumerate(self.ids):
            out.append(
                {
                    "counterparty_id": cid,
                    "name": columns["name"][i],
                    "before": {name: before[name][i] for name in LINES},
                    "after": {name: after[name][i] for name in LINES},
                    "net_contribution_low": low[i],
                    "net_contribution_high": high[i],
                    "change": after["net_contribution"][i] - before["net_contribution"][i],
                    "loss_probability": round(float(self.loss_probability[1][i]), 6),
                    "volume_factor": round(float(self.volume_factor[1][i]), 6),
                }
            )
        return out

    def as_dict(self) -> dict[str, Any]:
        s = self.scenario
        return {
            "name": s.name,
            "period": self.period,
            "currency": self.currency,
            "scope": s.as_dict()["scope"],
            "changes": s.changes.describe(),
            "assumptions": {label: s.assumptions.run(k) for label, k in self.range_runs().items()},
            "totals": self.totals(),
            "customers": self.customer_dicts(),
            "notes": self.notes,
        }


def _round(values: Array) -> Array:
    """Float cents to whole cents, half away from zero."""
    return (np.sign(values) * np.floor(np.abs(values) + 0.5)).astype(np.int64)


def _price_change(list_cents: Array, points: float) -> Array:
    """``-points / 100 x sales at list`` in whole cents, exactly (Decimal), half away from zero."""
    if not points:
        return np.zeros(len(list_cents), dtype=np.int64)
    factor = -Decimal(str(points)) / 100
    return np.array(
        [int((factor * int(v)).quantize(Decimal(1), rounding=ROUND_HALF_UP)) for v in list_cents],
        dtype=np.int64,
    )


@dataclass(frozen=True)
class Baseline:
    """The scope's flows over a year, in cents (floats) and counts, one entry per customer."""

    list_: Array
    revenue: Array
    cogs: Array
    order_cost: Array
    relationship_cost: Array
    credit: Array
    invoiced: Array
    orders: Array
    terms: Array
    visits: Array
    visit_cost: Array
    replaced_order: Array
    replaced_relationship: Array
    fee_orders: Array
    small_orders: Array
    small_value: Array


def project(
    b: Baseline, scenario: Scenario, run: dict[str, float], rate: float
) -> tuple[dict[str, Array], Array, Array]:
    """The expected after-lines (cents), loss probability and volume factor of one run (module docstring)."""
    c = scenario.changes
    n = len(b.revenue)
    list_cents = _round(b.list_)
    price = _price_change(list_cents, c.discount_points).astype(np.float64)
    fees = 100 * (c.small_order_fee * b.fee_orders + c.delivery_fee * b.orders)
    days = (c.payment_days - b.terms) if c.payment_days is not None else np.zeros(n)
    days = np.nan_to_num(days)
    burden = b.invoiced * np.maximum(0.0, -days) * rate / 365
    r = np.where(b.revenue > 0, (price + fees + burden) / np.where(b.revenue > 0, b.revenue, 1), 0.0)
    volume = np.maximum(0.0, 1 - run["elasticity"] * r)
    orders_after, policy = b.orders.copy(), np.zeros(n)
    if c.minimum_order_value is not None:
        merged = np.array([math.ceil(v / (100 * c.minimum_order_value)) for v in b.small_value])
        orders_after = np.maximum(b.orders - b.small_orders + merged, np.minimum(b.orders, 1))
        policy = np.where(b.orders > 0, b.small_orders / np.where(b.orders > 0, b.orders, 1), 0.0)
    factor = np.where(b.orders > 0, orders_after / np.where(b.orders > 0, b.orders, 1), 1.0)
    order_cost, relationship = b.order_cost * factor, b.relationship_cost.copy()
    if c.channel_handling_rate is not None:
        order_cost = order_cost - b.replaced_order * factor + orders_after * 100 * c.channel_handling_rate
        relationship = relationship - b.replaced_relationship
        policy = np.where(b.orders > 0, 1.0, policy)
    cut = np.zeros(n)
    if c.visits_per_year is not None:
        ratio = np.where(b.visits > 0, c.visits_per_year / np.where(b.visits > 0, b.visits, 1), 1.0)
        relationship = relationship - b.visit_cost + b.visit_cost * ratio
        cut = np.maximum(0.0, 1 - ratio)
    credit = np.maximum(0.0, b.credit + b.invoiced * days * rate / 365)
    loss = np.minimum(
        run["max_loss"],
        run["loss_per_point"] * np.maximum(0.0, 100 * r)
        + run["loss_per_service_cut"] * cut
        + run["loss_per_policy"] * policy,
    )
    keep = np.zeros(n) if c.exit else 1 - loss
    if c.exit:
        loss = np.ones(n)
    scale = volume * keep
    out = {
        "gross_sales_list": _round(list_cents * scale),
        "goods": _round((b.revenue + price) * scale),
        "fees": _round(fees * scale),
        "cogs": _round(b.cogs * scale),
        "cost_to_serve": _round(order_cost * scale) + _round(relationship * keep),
        "credit_cost": _round(credit * scale),
    }
    return _lines(out), loss, volume


def _lines(p: dict[str, Array]) -> dict[str, Array]:
    revenue = p["goods"] + p["fees"]
    margin = revenue - p["cogs"]
    return {
        "gross_sales_list": p["gross_sales_list"],
        "discount": p["gross_sales_list"] - p["goods"],
        "fees": p["fees"],
        "net_revenue": revenue,
        "cogs": p["cogs"],
        "gross_margin": margin,
        "cost_to_serve": p["cost_to_serve"],
        "credit_cost": p["credit_cost"],
        "net_contribution": margin - p["cost_to_serve"] - p["credit_cost"],
    }


def _small_orders(
    store: Any, inputs: DecisionInputs, threshold: float, ids: list[str]
) -> tuple[Array, Array]:
    period = inputs.analysis.periods.current
    expr = orders_below(store.table("order_lines"), start=period.start, end=period.end, threshold=threshold)
    try:
        rows = expr.to_pyarrow().to_pandas().set_index("counterparty_id")
    except ClientbaseError:
        raise
    except Exception as exc:
        raise StoreError(
            f"The scenario step 'orders below {threshold}' failed in the database engine: {exc}"
        ) from exc
    rows = rows.reindex(ids, fill_value=0)
    return rows["small_orders"].to_numpy(dtype=np.float64), rows["small_value"].to_numpy(dtype=np.float64)


def baseline(store: Any, inputs: DecisionInputs, scenario: Scenario, ids: list[str]) -> Baseline:
    """The flows of customers ``ids`` over a year, with the small orders the changes need."""
    f = inputs.frame.loc[ids]
    annual = f["annual"].to_numpy(dtype=np.float64)

    def flow(name: str) -> Array:
        return np.asarray(f[name].to_numpy(dtype=np.float64) * annual)

    kinds = inputs.kinds.reindex(ids, fill_value=0)
    counts = inputs.counts.reindex(ids, fill_value=0)
    c = scenario.changes

    def kind_cost(names: list[str]) -> Array:
        present = [k for k in names if k in kinds.columns]
        return (
            np.asarray(kinds[present].sum(axis=1).to_numpy(dtype=np.float64) * annual)
            if present
            else np.zeros(len(ids))
        )

    visits = c.visit_kind
    zeros = np.zeros(len(ids))
    fee_orders, small_orders, small_value = zeros, zeros, zeros
    if c.small_order_fee:
        fee_orders = _small_orders(store, inputs, c.small_order_below, ids)[0] * annual
    if c.minimum_order_value is not None:
        small_orders, small_value = _small_orders(store, inputs, c.minimum_order_value, ids)
        small_orders, small_value = small_orders * annual, small_value * annual
    terms = (
        f["invoice_terms"].astype(float).fillna(f["payment_days"].astype(float)).to_numpy(dtype=np.float64)
    )
    return Baseline(
        list_=flow("gross_sales_list"),
        revenue=flow("net_revenue"),
        cogs=flow("cogs"),
        order_cost=flow("order_cost"),
        relationship_cost=flow("relationship_cost"),
        credit=flow("credit_cost"),
        invoiced=flow("invoiced"),
        orders=flow("orders"),
        terms=terms,
        visits=(counts[visits].to_numpy(dtype=np.float64) * annual) if visits in counts.columns else zeros,
        visit_cost=kind_cost([visits]),
        replaced_order=kind_cost([k for k in c.channel_replaces if k in inputs.order_kinds]),
        replaced_relationship=kind_cost([k for k in c.channel_replaces if k not in inputs.order_kinds]),
        fee_orders=fee_orders,
        small_orders=small_orders,
        small_value=small_value,
    )


def scope_ids(
    store: Any, inputs: DecisionInputs, scenario: Scenario, *, actor: Actor, rules: Rules
) -> tuple[list[str], list[str]]:
    """The customers of the scope with sales in the period that ``actor`` sees, and notes on the others."""
    from clientbase.decisions.actions import propose_actions, visible_to

    s, f, notes = scenario.scope, inputs.frame, []
    sales = (f["net_revenue"].to_numpy() > 0) & (f["gross_sales_list"].to_numpy() > 0)
    mask = sales & np.array([visible_to(actor, inputs, str(cid)) for cid in f.index])
    if s.customers:
        unknown = [c for c in s.customers if c not in f.index or not visible_to(actor, inputs, c)]
        if unknown:
            raise NotFoundError(
                f"The scope names customers that are not in the base or not visible to {actor.manager_id}: "
                + ", ".join(unknown[:20])
            )
        without = [c for c in s.customers if not sales[f.index.get_loc(c)]]
        if without:
            notes.append(
                f"{len(without)} customer(s) of the scope have no sales in the period: "
                + ", ".join(without[:20])
            )
        mask &= f.index.isin(list(s.customers))
    if s.segment is not None:
        mask &= (f["segment"] == s.segment).to_numpy()
    if s.quadrant is not None:
        from clientbase.decisions.matrix import customer_matrix

        placed = {
            p.counterparty_id
            for p in customer_matrix(inputs.analysis, rules=rules).points
            if p.quadrant == s.quadrant
        }
        mask &= f.index.isin(list(placed))
    if s.action is not None:
        proposed = {a.counterparty_id for a in propose_actions(inputs, rules) if a.code == s.action}
        mask &= f.index.isin(list(proposed))
    if s.filter:
        from clientbase.registry.export import ListFilter, select_counterparties

        listed = select_counterparties(store, actor=actor, filters=ListFilter(**dict[str, Any](s.filter)))
        mask &= f.index.isin([r["counterparty_id"] for r in listed])
    return [str(i) for i in f.index[mask]], notes


def run_scenario(
    store: Any,
    *,
    actor: Actor,
    scenario: Scenario,
    rules: Rules | None = None,
    inputs: DecisionInputs | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    as_of: dt.date | None = None,
) -> ScenarioResult:
    """Run ``scenario`` on the customers of its scope that ``actor`` sees (a manager: their own).

    Raises:
        NotFoundError: the scope names a customer that is not in the base or not visible to the actor.
    """
    rules = rules or Rules()
    if inputs is None:
        quick = rules if scenario.scope.action else _without_quality(rules)
        inputs = gather_inputs(
            store, rules=quick, start=start, end=end, as_of=as_of, with_value=bool(scenario.scope.action)
        )
    ids, notes = scope_ids(store, inputs, scenario, actor=actor, rules=rules)
    if not ids:
        notes.append("no customer with sales in the period is in the scope")
    base = baseline(store, inputs, scenario, ids)
    notes += _unused_changes(scenario, inputs, base)
    rate = float(inputs.analysis.financing_rate)
    before = project(
        base,
        Scenario(name="before", text=""),
        {
            "elasticity": 0.0,
            "loss_per_point": 0.0,
            "loss_per_service_cut": 0.0,
            "loss_per_policy": 0.0,
            "max_loss": 0.0,
        },
        rate,
    )[0]
    runs = [project(base, scenario, scenario.assumptions.run(k), rate) for k in range(3)]
    period = inputs.analysis.periods
    names = inputs.frame.loc[ids, "name"].tolist() if ids else []
    return ScenarioResult(
        scenario=scenario,
        period={**period.current.as_dict(), "as_of": period.as_of.isoformat()},
        currency=inputs.analysis.currency,
        ids=ids,
        names=[None if v != v else v for v in names],
        before=before,
        after=[r[0] for r in runs],
        loss_probability=[r[1] for r in runs],
        volume_factor=[r[2] for r in runs],
        notes=notes + list(inputs.notes),
    )


def _unused_changes(scenario: Scenario, inputs: DecisionInputs, base: Baseline) -> list[str]:
    """Notes on changes that cannot act on this data (an activity kind the scope does not have)."""
    c, notes = scenario.changes, []
    if c.visits_per_year is not None and len(base.visits) and not base.visits.any():
        notes.append(f"the scope has no activities of kind {c.visit_kind!r}: visits_per_year changes nothing")
    if c.channel_handling_rate is not None:
        missing = [k for k in c.channel_replaces if k not in inputs.kinds.columns]
        if missing:
            notes.append(f"no activities of kind {', '.join(missing)}: the channel replaces nothing of them")
    return notes


def _without_quality(rules: Rules) -> Rules:
    import dataclasses

    return dataclasses.replace(rules, general=dataclasses.replace(rules.general, use_quality=False))
