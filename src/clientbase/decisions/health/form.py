"""Step 1, form the base: how the new customers were won and what they brought.

From the acquisition history (:mod:`clientbase.targeting.history`): who was created when, by which
channel and mode, whether and when won, the cost of winning and the net contribution after the first order.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from clientbase.analytics.money import from_cents
from clientbase.decisions.health.common import customers_link, in_window, pct, per_manager, share, worst
from clientbase.decisions.health.context import Context, period_label, year_windows
from clientbase.decisions.health.model import Change, Indicator, Point

STEP = "form"


def _won_in(p: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    return p[p["converted"].astype(bool) & in_window(p["converted_on"], start, end)]


def targeted_share(p: pd.DataFrame) -> float | None:
    """Share of the customers in ``p`` acquired in the ``targeted`` mode."""
    return share(int((p["mode"] == "targeted").sum()), len(p))


def conversion(p: pd.DataFrame) -> float | None:
    """Share of the prospects in ``p`` won."""
    return share(int(p["converted"].astype(bool).sum()), len(p))


def cost_per_profitable(p: pd.DataFrame) -> tuple[float | None, int, int]:
    """(acquisition cost of the prospects ``p``, won or not) per won customer whose net contribution to
    date is above zero, as a multiple of those customers' mean net contribution to date; the cost and the
    number of profitable customers in cents and count."""
    cost = int(p["acquisition_cost"].sum())
    won = p[p["converted"].astype(bool)]
    profitable = won[won["to_date"] > 0]
    if profitable.empty:
        return None, cost, 0
    earned = int(profitable["to_date"].sum())
    return round(cost / earned, 4), cost, len(profitable)


def loss_after_12m(p: pd.DataFrame) -> float | None:
    """Share of the customers in ``p`` whose first 12 months are over with a net contribution below 0."""
    known = p[p["converted"].astype(bool) & p["first12_known"].astype(bool)]
    return share(int((known["first12"] < 0).sum()), len(known))


def indicators(ctx: Context) -> list[Indicator]:
    h = ctx.history
    defs = _definitions(ctx)
    if h is None or ctx.as_of is None:
        return [
            Indicator(code, name, text, unit, better, None, note="no acquisition history on this base")
            for code, name, text, unit, better in defs
        ]
    w = ctx.settings.windows
    p = h.prospects
    windows = year_windows(h.as_of, w.trend_periods)
    start, end = windows[-1]
    owners = p["owner_id"]
    out = []

    # share of new customers won by targeted acquisition
    won = _won_in(p, start, end)
    by_mode = {str(k): int(v) for k, v in won["mode"].fillna("(none)").value_counts().sort_index().items()}
    ind = Indicator(
        *defs[0],
        value=targeted_share(won),
        trend=[Point(period_label(a, b), targeted_share(_won_in(p, a, b))) for a, b in windows],
        by_manager=per_manager(won, owners, targeted_share),
        detail={"new_customers": len(won), "by_mode": by_mode},
        members=sorted(str(c) for c in won.index[won["mode"] != "targeted"]),
    )
    spontaneous = by_mode.get("spontaneous", 0)
    ind.change = Change(
        f"win more customers by targeting: {spontaneous} of the {len(won)} new customers of the last 12 "
        f"months ({pct(share(spontaneous, len(won)))}) came spontaneously",
        customers_link(acquisition_mode="spontaneous", status="active"),
    )
    out.append(ind)

    # conversion by mode and channel (prospects old enough to have converted)
    def mature(a: dt.date, b: dt.date) -> pd.DataFrame:
        shift = dt.timedelta(days=w.maturity_days)
        return p[in_window(p["created"], a - shift, b - shift)]

    base = mature(start, end)
    rows = []
    for (channel, mode), members in base.groupby(
        [base["channel"].fillna("(none)"), base["mode"].fillna("(none)")], sort=True
    ):
        rows.append(
            {
                "channel": channel,
                "mode": mode,
                "prospects": len(members),
                "won": int(members["converted"].astype(bool).sum()),
                "conversion": conversion(members),
            }
        )
    ind = Indicator(
        *defs[1],
        value=conversion(base),
        trend=[Point(period_label(a, b), conversion(mature(a, b))) for a, b in windows],
        by_manager=per_manager(base, owners, conversion),
        detail={"prospects": len(base), "by_channel_mode": rows},
    )
    weakest = min((r for r in rows if r["prospects"] >= 10), key=lambda r: r["conversion"] or 0, default=None)
    if weakest is not None:
        ind.change = Change(
            f"drop or requalify {weakest['channel']} ({weakest['mode']}): {weakest['won']} won of "
            f"{weakest['prospects']} prospects ({pct(weakest['conversion'])})",
            customers_link(acquisition_channel=str(weakest["channel"]), status="prospect"),
        )
    out.append(ind)

    # acquisition cost per customer that turned profitable (as a multiple of what they brought)
    created = p[in_window(p["created"], start - dt.timedelta(days=365 * 2), end)]
    value, cost, profitable = cost_per_profitable(created)
    ind = Indicator(
        *defs[2],
        value=value,
        trend=[
            Point(period_label(a, b), cost_per_profitable(p[in_window(p["created"], a, b)])[0])
            for a, b in windows
        ],
        by_manager=per_manager(created, owners, lambda rows: cost_per_profitable(rows)[0]),
        detail={
            "acquisition_cost": from_cents(cost),
            "profitable_customers": profitable,
            "cost_per_profitable_customer": None if not profitable else from_cents(cost // profitable),
        },
    )
    if profitable:
        ind.change = Change(
            f"spend less on prospects that do not pay back: {from_cents(cost):,} spent on the prospects of the "
            f"last 3 years for {profitable} customers now in profit ({from_cents(cost // profitable):,} each)",
            customers_link(status="lost", role="prospect"),
            from_cents(cost),
        )
    out.append(ind)

    # share of new customers loss-making after 12 months (first 12 months over within the window)
    def matured(a: dt.date, b: dt.date) -> pd.DataFrame:
        return _won_in(p, _shift_year(a), _shift_year(b))

    ripe = matured(start, end)
    lossy = ripe[ripe["converted"].astype(bool) & ripe["first12_known"].astype(bool) & (ripe["first12"] < 0)]
    ind = Indicator(
        *defs[3],
        value=loss_after_12m(ripe),
        trend=[Point(period_label(a, b), loss_after_12m(matured(a, b))) for a, b in windows],
        by_manager=per_manager(ripe, owners, loss_after_12m),
        detail={"customers": int(ripe["first12_known"].astype(bool).sum()), "loss_making": len(lossy)},
        members=sorted(str(c) for c in lossy.index),
    )
    loss = -int(lossy["first12"].sum())
    worst_mode = lossy["mode"].fillna("(none)").value_counts()
    mode = str(worst_mode.index[0]) if len(worst_mode) else None
    if len(lossy):
        ind.change = Change(
            f"stop winning the customers that lose money: {len(lossy):,} of those won a year before lost "
            f"{from_cents(loss):,} in their first 12 months (most of them {mode})",
            customers_link(
                loss_making="true",
                **({"acquisition_mode": mode} if mode in ("targeted", "spontaneous") else {}),
            ),
            from_cents(loss),
        )
    out.append(ind)
    for ind in out:
        m = worst(ind.by_manager, ind.better)
        if m is not None:
            ind.detail["worst_manager"] = m
    return out


def _shift_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def _definitions(ctx: Context) -> list[tuple[str, str, str, str, str]]:
    w = ctx.settings.windows
    return [
        (
            "form.targeted_share",
            "New customers won by targeting",
            "Share of the customers whose first order fell in the last 12 months that were acquired in the "
            "targeted mode (chosen for their profile) rather than spontaneously.",
            "share",
            "higher",
        ),
        (
            "form.conversion",
            "Conversion of prospects",
            f"Share of the prospects created in the 12 months ending {w.maturity_days} days before the as-of "
            "date (old enough to have converted) that became customers; per channel and mode in the detail.",
            "share",
            "higher",
        ),
        (
            "form.cost_per_profitable",
            "Acquisition cost per profitable customer",
            "Acquisition cost (activities before the first order and campaign shares) of every prospect "
            "created in the last 3 years, won or not, divided by the net contribution to date of those won "
            "who are now in profit: 1 means the profitable ones have just paid for all acquisition.",
            "ratio",
            "lower",
        ),
        (
            "form.loss_after_12m",
            "New customers loss-making after 12 months",
            "Share of the customers won between 24 and 12 months before the as-of date (first 12 months "
            "over) whose net contribution over those 12 months was below zero.",
            "share",
            "lower",
        ),
    ]
