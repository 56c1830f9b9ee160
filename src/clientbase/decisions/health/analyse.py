"""Step 4, analyse it: whether the data lets the analysis see each customer's true profit.

From the net-profit analysis (:func:`clientbase.analytics.run.analyze`): the net revenue whose
cost-to-serve is priced, the invoices with payment data, the history available, and the cost pools' use.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from clientbase import schema
from clientbase.analytics.money import from_cents
from clientbase.decisions.health.common import pct, share
from clientbase.decisions.health.context import Context, period_label
from clientbase.decisions.health.model import Change, Indicator, Point

STEP = "analyse"
#: invoices due less than this many days before the as-of date may still be paid: left out
PAY_GRACE_DAYS = 30

DEFINITIONS: list[tuple[str, str, str, str, str]] = [
    (
        "analyse.priced_share",
        "Net revenue with its cost-to-serve priced",
        "Share of the period's net revenue from customers whose activities in the period all have a rate "
        "above zero; a customer with sales but no activity recorded counts as unpriced (its cost-to-serve "
        "is not seen).",
        "share",
        "higher",
    ),
    (
        "analyse.payment_data_share",
        "Invoices with payment data",
        f"Share of the invoices issued in the period and due at least {PAY_GRACE_DAYS} days before the "
        "as-of date that have a payment recorded.",
        "share",
        "higher",
    ),
    (
        "analyse.periods_available",
        "History available",
        "Months from the first to the last order line: the analysis compares 12 months with the 12 before, "
        "the customer-value models and the forecast's seasonality want 36.",
        "months",
        "higher",
    ),
    (
        "analyse.capacity_mismatch",
        "Cost pools out of line with their use",
        "Over the cost drivers with a cost pool and a practical capacity: the cost of the unused capacity "
        "plus the cost of the use beyond capacity (rates too low: cost not charged to customers), as a "
        "share of the pools' cost in the period.",
        "share",
        "lower",
    ),
]


def _blank(index: int, note: str) -> Indicator:
    return Indicator(*DEFINITIONS[index], value=None, note=note)


def _activity_kinds(ctx: Context, start: dt.date, end: dt.date) -> dict[str, set[str]]:
    a, d = ctx.store.table("activities"), ctx.store.table("cost_drivers")
    a = a.filter((a.activity_date >= start) & (a.activity_date <= end))
    zero = d.filter(d.rate <= 0)
    joined = a.join(
        zero,
        [
            a.kind == zero.kind,
            a.activity_date >= zero.valid_from.coalesce(dt.date(1, 1, 1)),
            a.activity_date <= zero.valid_to.coalesce(dt.date(9999, 12, 31)),
        ],
    )
    rows = joined.group_by([joined.counterparty_id, joined.kind]).aggregate(n=joined.count()).to_pyarrow()
    out: dict[str, set[str]] = {}
    for r in rows.to_pylist():
        out.setdefault(str(r["counterparty_id"]), set()).add(str(r["kind"]))
    return out


def priced(ctx: Context, frame: Any, start: dt.date, end: dt.date) -> tuple[float | None, dict[str, Any]]:
    """Share of ``frame``'s net revenue (cents, a P&L frame) whose customers' activities are all priced."""
    unpriced_kinds = _activity_kinds(ctx, start, end)
    revenue = frame["net_revenue"]
    no_activity = frame["activities"] == 0
    zero_rate = frame.index.isin(list(unpriced_kinds))
    unpriced = no_activity | zero_rate
    total = int(revenue.sum())
    gap = int(revenue[unpriced].sum())
    kinds = sorted({k for ks in unpriced_kinds.values() for k in ks})
    return share(total - gap, total), {
        "net_revenue": from_cents(total),
        "unpriced_net_revenue": from_cents(gap),
        "customers_without_activities": int(no_activity.sum()),
        "kinds_without_rate": kinds,
    }


def indicators(ctx: Context) -> list[Indicator]:
    a = ctx.analysis
    if a is None:
        note = "the net-profit analysis could not run on this base (see the notes)"
        return [_blank(i, note) for i in range(len(DEFINITIONS))]
    p = a.periods
    cur, prev = a.customers.frame, a.customers_previous.frame
    labels = [period_label(p.previous.start, p.previous.end), period_label(p.current.start, p.current.end)]
    out = []

    value, detail = priced(ctx, cur, p.current.start, p.current.end)
    before, _ = priced(ctx, prev, p.previous.start, p.previous.end)
    ind = Indicator(
        *DEFINITIONS[0], value=value, trend=[Point(labels[0], before), Point(labels[1], value)], detail=detail
    )
    if value is not None and value < 1:
        what = ", ".join(detail["kinds_without_rate"]) or "activities not recorded"
        ind.change = Change(
            f"price the {pct(1 - value)} of net revenue whose cost-to-serve has no rate ({what}; "
            f"{detail['customers_without_activities']} customers with sales and no activity)",
            None,
        )
    out.append(ind)

    def paid_share(start: dt.date, end: dt.date, as_of: dt.date) -> tuple[float | None, int, int]:
        inv, pay = schema.invoices, schema.payments
        cutoff = as_of - dt.timedelta(days=PAY_GRACE_DAYS)
        paid = sa.exists().where(pay.c.invoice_id == inv.c.invoice_id, pay.c.paid_date <= as_of)
        with ctx.store.begin() as conn:
            n, with_pay = conn.execute(
                sa.select(sa.func.count(), sa.func.sum(sa.case((paid, 1), else_=0))).where(
                    inv.c.issue_date >= start, inv.c.issue_date <= end, inv.c.due_date <= cutoff
                )
            ).one()
        return share(int(with_pay or 0), int(n)), int(n), int(with_pay or 0)

    value, n, with_pay = paid_share(p.current.start, p.current.end, p.as_of)
    before = paid_share(p.previous.start, p.previous.end, p.as_of_previous)[0]
    ind = Indicator(
        *DEFINITIONS[1],
        value=value,
        trend=[Point(labels[0], before), Point(labels[1], value)],
        detail={"invoices": n, "with_payment": with_pay},
        note=None if n else "no invoices in the period",
    )
    if n and with_pay < n:
        ind.change = Change(f"record the payments of {n - with_pay} invoices due and without a payment", None)
    out.append(ind)

    first, last = a.data_from, a.data_to
    months = None
    if first is not None and last is not None:
        months = (last.year - first.year) * 12 + last.month - first.month + 1
    ind = Indicator(
        *DEFINITIONS[2],
        value=None if months is None else float(months),
        detail={"first": first, "last": last},
    )
    if months is not None and months < 36:
        ind.change = Change(f"load older orders: {months} months of history, 36 wanted", None)
    out.append(ind)

    pooled = [c for c in a.capacity if c.capacity_in_period is not None and c.cost_pool is not None]
    if not pooled:
        out.append(_blank(3, "no cost driver has a cost pool and a practical capacity"))
        return out
    pool = sum(
        (
            c.cost_pool * Decimal(c.capacity_in_period) / c.practical_capacity
            for c in pooled
            if c.practical_capacity
        ),
        Decimal(0),
    )
    off = sum((abs(c.unused_cost) for c in pooled if c.unused_cost is not None), Decimal(0))
    drivers = [
        {
            "kind": c.kind,
            "utilisation": None if c.utilisation is None else float(c.utilisation),
            "unused_cost": c.unused_cost,
        }
        for c in pooled
    ]
    ind = Indicator(
        *DEFINITIONS[3],
        value=share(float(off), float(pool)),
        detail={"pool_cost": pool.quantize(Decimal("0.01")), "out_of_line": off, "drivers": drivers},
    )
    over = [d for d in drivers if d["utilisation"] is not None and d["utilisation"] > 1]
    under = [d for d in drivers if d["utilisation"] is not None and d["utilisation"] < 1]
    parts = [f"{d['kind']} used {100 * d['utilisation']:.0f} % of capacity" for d in (over + under)[:3]]
    if parts:
        ind.change = Change("reset the rates from the cost pools: " + "; ".join(parts), None, off)
    out.append(ind)
    return out
