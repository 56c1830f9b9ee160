"""Step 5, decide and act: whether the analysis turns into actions, and whether they work.

From the action tasks (:mod:`clientbase.decisions.tasks`) and their measured effect
(:mod:`clientbase.decisions.effect`), the P&L of both periods (loss-making customers, discount creep) and,
when asked, the forecast's backtest at the total level (:mod:`clientbase.forecast`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from clientbase.analytics.money import from_cents
from clientbase.decisions.health.common import customers_link, share, worst
from clientbase.decisions.health.context import Context, period_label
from clientbase.decisions.health.model import Change, Indicator, Point

STEP = "decide"
#: a task in these statuses is an action taken on its customer
ACTING = ("open", "accepted", "done")


def _definitions(ctx: Context) -> list[tuple[str, str, str, str, str]]:
    w = ctx.settings.windows
    return [
        (
            "decide.tasks_taken_up",
            "Actions taken up",
            "Share of the published action tasks that were accepted or done (the rest open or rejected); "
            "the counts per status and manager in the detail.",
            "share",
            "higher",
        ),
        (
            "decide.measured_effect",
            "Measured effect of done actions",
            "The done tasks' measured effect a year (difference in differences against similar customers, "
            "docs/decisions.md) divided by the effect expected when they were proposed.",
            "ratio",
            "higher",
        ),
        (
            "decide.loss_without_action",
            "Loss-making customers without an action",
            "Share of the customers with a net contribution below zero in the period that have no open, "
            "accepted or done task.",
            "share",
            "lower",
        ),
        (
            "decide.creep_without_action",
            "Discount creep without an action",
            f"Share of the customers whose discount off list rose by {w.creep_pp:g} points or more from the "
            f"period before to the period (among those with sales at list of at least "
            f"{w.creep_min_sales_share:g} x the median customer's) that have no open, accepted or done task.",
            "share",
            "lower",
        ),
        (
            "decide.forecast_accuracy",
            "Forecast accuracy against seasonal naive",
            "MASE of the forecast's chosen model over its rolling-origin backtest, divided by seasonal "
            "naive's, for the monthly net revenue of the whole base (below 1: better than repeating last "
            "year). Computed only when asked (clientbase health --forecast): the backtest takes seconds.",
            "ratio",
            "lower",
        ),
    ]


def _acted_on(tasks: pd.DataFrame, before: dt.datetime | None = None) -> set[str]:
    t = tasks[tasks["status"].isin(ACTING)]
    if before is not None:
        t = t[t["created_at"] <= before]
    return set(t["counterparty_id"].astype(str))


def loss_without_action(frame: pd.DataFrame, acted: set[str]) -> tuple[list[str], list[str]]:
    """(loss-making customers of a P&L frame in cents, those of them without an action)."""
    loss = [str(c) for c in frame.index[frame["net_contribution"] < 0]]
    return loss, [c for c in loss if c not in acted]


def discount_creep(cur: pd.DataFrame, prev: pd.DataFrame, creep_pp: float, min_share: float) -> list[str]:
    """Customers with sales in both periods whose discount depth (discount / sales at list) rose by at
    least ``creep_pp`` points, among those with sales at list of ``min_share`` x the median or more."""
    both = cur.index.intersection(prev.index)
    c, p = cur.loc[both], prev.loc[both]
    ok = (c["gross_sales_list"] > 0) & (p["gross_sales_list"] > 0)
    c, p = c[ok], p[ok]
    if c.empty:
        return []
    depth_now = c["discount"].astype(float) / c["gross_sales_list"].astype(float)
    depth_before = p["discount"].astype(float) / p["gross_sales_list"].astype(float)
    large = c["gross_sales_list"].astype(float) >= min_share * float(np.median(c["gross_sales_list"]))
    rose = (depth_now - depth_before) * 100 >= creep_pp
    return [str(x) for x in c.index[rose & large]]


def indicators(ctx: Context) -> list[Indicator]:
    defs = _definitions(ctx)
    tasks = ctx.tasks
    owners = ctx.records["owner_id"]
    out = []

    # tasks taken up
    if tasks.empty:
        out.append(
            Indicator(*defs[0], value=None, note="no action tasks published yet (clientbase tasks publish)")
        )
    else:
        taken = tasks["status"].isin(("accepted", "done"))
        counts: dict[str, dict[str, int]] = {}
        for (m, status), n in tasks.groupby([tasks["owner_id"].fillna("(none)"), "status"]).size().items():
            counts.setdefault(str(m), {})[str(status)] = int(n)
        out.append(
            Indicator(
                *defs[0],
                value=share(int(taken.sum()), len(tasks)),
                by_manager={
                    str(m): share(int(rows["status"].isin(("accepted", "done")).sum()), len(rows))
                    for m, rows in tasks.groupby("owner_id", sort=True)
                },
                detail={"tasks": len(tasks), "by_manager": counts},
            )
        )

    # measured effect of done actions
    out.append(_effect(ctx, defs[1]))

    a = ctx.analysis
    if a is None:
        note = "the net-profit analysis could not run on this base (see the notes)"
        out += [Indicator(*defs[2], value=None, note=note), Indicator(*defs[3], value=None, note=note)]
    else:
        p = a.periods
        cur, prev = a.customers.frame, a.customers_previous.frame
        labels = [
            period_label(p.previous.start, p.previous.end),
            period_label(p.current.start, p.current.end),
        ]
        acted = _acted_on(tasks)
        loss, missed = loss_without_action(cur, acted)
        prev_cut = dt.datetime.combine(p.as_of_previous, dt.time.max)
        loss_b, missed_b = loss_without_action(prev, _acted_on(tasks, prev_cut))
        lost_money = -int(cur.loc[missed, "net_contribution"].sum()) if missed else 0
        frame = pd.DataFrame(index=pd.Index(loss))
        ind = Indicator(
            *defs[2],
            value=share(len(missed), len(loss)),
            trend=[
                Point(labels[0], share(len(missed_b), len(loss_b))),
                Point(labels[1], share(len(missed), len(loss))),
            ],
            by_manager={
                str(m): share(sum(1 for c in rows.index if c in set(missed)), len(rows))
                for m, rows in frame.groupby(owners.reindex(frame.index), sort=True)
            },
            detail={
                "loss_making": len(loss),
                "without_action": len(missed),
                "their_loss": from_cents(lost_money),
            },
        )
        ind.members = missed
        if missed:
            ind.change = Change(
                f"act on the {len(missed):,} loss-making customers with no task: they lost "
                f"{from_cents(lost_money):,} in the period (the actions, published as tasks)",
                customers_link(loss_making="true", status="active"),
                from_cents(lost_money),
            )
        out.append(ind)

        w = ctx.settings.windows
        creep = discount_creep(cur, prev, w.creep_pp, w.creep_min_sales_share)
        creep_missed = [c for c in creep if c not in acted]
        both = cur.index.intersection(prev.index).intersection(pd.Index(creep))
        extra = 0
        for cid in both:
            now, before = cur.loc[cid], prev.loc[cid]
            depth_gain = (
                now["discount"] / now["gross_sales_list"] - before["discount"] / before["gross_sales_list"]
            )
            extra += round(float(depth_gain * now["gross_sales_list"]))
        creep_frame = pd.DataFrame(index=pd.Index(creep))
        ind = Indicator(
            *defs[3],
            value=share(len(creep_missed), len(creep)),
            by_manager={
                str(m): share(sum(1 for c in rows.index if c in set(creep_missed)), len(rows))
                for m, rows in creep_frame.groupby(owners.reindex(creep_frame.index), sort=True)
            },
            detail={
                "creeping": len(creep),
                "without_action": len(creep_missed),
                "extra_discount": from_cents(extra),
            },
            note=None if creep else "no customer's discount rose that much",
        )
        ind.members = creep_missed
        if creep_missed:
            ind.change = Change(
                f"stop the discount creep: {len(creep_missed):,} customers got {w.creep_pp:g}+ points more off "
                f"list than the year before ({from_cents(extra):,} more discount) and nobody acts on it",
                customers_link(sort="-discount", status="active"),
                from_cents(extra),
            )
        out.append(ind)

    out.append(_forecast(ctx, defs[4]))
    for ind in out:
        m = worst(ind.by_manager, ind.better)
        if m is not None:
            ind.detail["worst_manager"] = m
    return out


def _effect(ctx: Context, definition: tuple[str, str, str, str, str]) -> Indicator:
    from clientbase.decisions.effect import measure_effects
    from clientbase.registry.access import Actor

    tasks = ctx.tasks
    done = tasks[tasks["status"] == "done"]
    if done.empty:
        return Indicator(*definition, value=None, note="no done tasks to measure yet")
    heads = ctx.managers.index[ctx.managers["role"] == "head"]
    actor = Actor(str(heads[0]) if len(heads) else "system", "head")
    report = ctx._try("the effect of done tasks", lambda: measure_effects(ctx.store, actor=actor))
    if report is None or not report.tasks:
        return Indicator(*definition, value=None, note="the done tasks have too little data after them yet")
    measured = sum((t.effect_a_year for t in report.tasks), Decimal(0))
    ids = {t.task_id for t in report.tasks}
    expected = sum(
        (Decimal(str(v)) for v in done.loc[done["task_id"].isin(ids), "expected_effect"].dropna()), Decimal(0)
    )
    return Indicator(
        *definition,
        value=share(float(measured), float(expected)) if expected else None,
        detail={
            "measured_tasks": len(report.tasks),
            "measured_a_year": measured,
            "expected_a_year": expected,
        },
        note=None if expected else "the measured tasks had no expected effect",
    )


def _forecast(ctx: Context, definition: tuple[str, str, str, str, str]) -> Indicator:
    if not ctx.forecast:
        return Indicator(*definition, value=None, note="not computed: clientbase health --forecast runs it")
    from clientbase.forecast.service import ForecastOptions, forecast_base
    from clientbase.registry.access import Actor

    def run() -> Any:
        options = ForecastOptions(horizon=3, levels=(), views=False, as_of=ctx.as_of)
        return forecast_base(store=ctx.store, actor=Actor("system", "analyst"), options=options)

    result = ctx._try("the forecast backtest", run)
    if result is None:
        return Indicator(*definition, value=None, note="the forecast could not run on this base")
    total = result.document()["series"][0].get("backtest")
    if not total or not total.get("seasonal_naive_mase"):
        return Indicator(*definition, value=None, note="too little history for a backtest")
    ratio = round(total["mase"] / total["seasonal_naive_mase"], 4)
    ind = Indicator(*definition, value=ratio, detail=total)
    if ratio > 1:
        ind.change = Change("the forecast does worse than repeating last year: check the series", "/forecast")
    return ind
