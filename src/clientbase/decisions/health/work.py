"""Step 3, work with it: whether each owner looks after their customers and keeps their tasks.

From the activities (relationship kinds: those not driven by orders, :func:`clientbase.decisions.inputs.
_order_kinds`), the field verifications and contact changes, the order lines and the action tasks.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from clientbase.decisions.health.common import customers_link, pct, share, worst
from clientbase.decisions.health.context import Context, period_label
from clientbase.decisions.health.model import Change, Indicator, Point

STEP = "work"
OPEN_STATUSES = ("open", "accepted")


def _definitions(ctx: Context) -> list[tuple[str, str, str, str, str]]:
    w = ctx.settings.windows
    return [
        (
            "work.touched_share",
            f"Customers looked after in {w.touch_days} days",
            f"Share of each owner's active customers with an activity, a confirmed field or a contact change "
            f"in the last {w.touch_days} days; the company value is over all owners.",
            "share",
            "higher",
        ),
        (
            "work.overdue_tasks",
            "Overdue tasks",
            "Share of the open and accepted action tasks whose due date has passed; the count in the detail.",
            "share",
            "lower",
        ),
        (
            "work.buying_untouched",
            "Buying customers nobody contacts",
            f"Share of the customers with an order in the last {w.year_days} days that had no relationship "
            f"activity (a visit, a call ...: a kind not driven by orders), no confirmed field and no contact "
            f"change in those days.",
            "share",
            "lower",
        ),
    ]


def touched(ctx: Context, k: int) -> pd.Series:
    """Per live record: whether it had an activity, a verification or a contact change in window ``k`` of
    ``touch_days`` (0: the days up to the as-of date, 1: the window before ...). Only the latest
    verification of each field is kept, so past windows count the verifications not overwritten since."""
    assert ctx.as_of is not None
    days = ctx.settings.windows.touch_days
    end = ctx.as_of - dt.timedelta(days=days * k)
    since = end - dt.timedelta(days=days)
    acted = ctx.activity_windows(days, ctx.settings.windows.trend_periods).get(k, set())
    touches = ctx.last_touch.reindex(ctx.records.index)
    touch = touches.map(lambda d: d is not None and not pd.isna(d) and since < d <= end).astype(bool)
    return (pd.Series(ctx.records.index.isin(list(acted)), index=ctx.records.index) | touch).rename("touched")


def indicators(ctx: Context) -> list[Indicator]:
    defs = _definitions(ctx)
    if ctx.as_of is None:
        return [Indicator(*d, value=None, note="no transactions on this base") for d in defs]
    w = ctx.settings.windows
    as_of = ctx.as_of
    records = ctx.records
    active = records[(records["status"] == "active") & records["roles"].fillna("").str.contains("customer")]
    out = []

    # looked after in the last 90 days
    def value_at(k: int) -> tuple[float | None, dict[str, float | None], pd.Series]:
        flags = touched(ctx, k).reindex(active.index).fillna(False).astype(bool)
        by = {
            str(m): share(int(flags[rows.index].sum()), len(rows))
            for m, rows in active.groupby(active["owner_id"], sort=True)
        }
        return share(int(flags.sum()), len(flags)), by, flags

    value, by_manager, flags = value_at(0)
    trend = []
    for k in range(w.trend_periods - 1, -1, -1):
        day = as_of - dt.timedelta(days=w.touch_days * k)
        trend.append(Point(period_label(day - dt.timedelta(days=w.touch_days - 1), day), value_at(k)[0]))
    ind = Indicator(
        *defs[0],
        value=value,
        trend=trend,
        by_manager=by_manager,
        detail={"active_customers": len(active), "looked_after": int(flags.sum())},
    )
    for m in by_manager:
        mine = active.index[active["owner_id"] == m]
        missed = int((~flags[mine]).sum())
        ind.manager_changes[m] = Change(
            f"{m}: contact the {missed} of {len(mine)} active customers nobody reached in {w.touch_days} "
            f"days ({pct(share(missed, len(mine)))})",
            customers_link(owner_id=m, status="active"),
        )
    out.append(ind)

    # overdue tasks
    tasks = ctx.tasks
    live = tasks[tasks["status"].isin(OPEN_STATUSES)]
    late = live[live["due"].map(lambda d: d is not None and not pd.isna(d) and d < as_of).astype(bool)]
    if live.empty:
        ind = Indicator(*defs[1], value=None, note="no open or accepted tasks (clientbase tasks publish)")
    else:
        ind = Indicator(
            *defs[1],
            value=share(len(late), len(live)),
            by_manager={
                str(m): share(int(rows["task_id"].isin(late["task_id"]).sum()), len(rows))
                for m, rows in live.groupby("owner_id", sort=True)
            },
            detail={"open_tasks": len(live), "overdue": len(late)},
        )
        if len(late):
            ind.change = Change(f"close or reschedule the {len(late)} overdue tasks", None)
    out.append(ind)

    # customers still buying that nobody contacts
    since = as_of - dt.timedelta(days=w.year_days)
    sale = ctx.last_sale.reindex(records.index)
    buying = records[sale.map(lambda d: d is not None and not pd.isna(d) and since < d <= as_of).astype(bool)]
    rel = ctx.last_activity["last_rel"].reindex(buying.index) if "last_rel" in ctx.last_activity else None
    touch = ctx.last_touch.reindex(buying.index)

    def untouched(ids: pd.Index) -> pd.Series:
        r = rel.reindex(ids) if rel is not None else pd.Series(None, index=ids, dtype=object)
        t = touch.reindex(ids)
        seen = r.map(lambda d: d is not None and not pd.isna(d) and since < d <= as_of).astype(bool)
        seen |= t.map(lambda d: d is not None and not pd.isna(d) and since < d <= as_of).astype(bool)
        return ~seen

    flags = untouched(buying.index)
    by_manager = {
        str(m): share(int(flags[rows.index].sum()), len(rows))
        for m, rows in buying.groupby(buying["owner_id"], sort=True)
    }
    ind = Indicator(
        *defs[2],
        value=share(int(flags.sum()), len(flags)),
        by_manager=by_manager,
        detail={"buying_customers": len(buying), "untouched": int(flags.sum())},
    )
    low = worst(by_manager, "lower")
    if low is not None:
        mine = buying.index[buying["owner_id"] == low]
        ind.change = Change(
            f"{low}: {int(flags[mine].sum())} customers still buying had no visit, call or check in a year",
            customers_link(owner_id=low, status="active"),
        )
    out.append(ind)
    for ind in out:
        weakest = worst(ind.by_manager, ind.better)
        if weakest is not None:
            ind.detail["worst_manager"] = weakest
            if weakest in ind.manager_changes:
                ind.change = ind.manager_changes[weakest]
    return out
