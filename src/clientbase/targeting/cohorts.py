"""Acquisition in profit: cohorts of prospects by channel, mode and month of creation.

For a group of prospects (a cohort, or all cohorts of a channel and mode):

* ``conversion_rate`` = converted / prospects; ``days_to_first_order`` the median over the converted;
* ``acquisition_cost`` = the activities before each prospect's first order (all of them for one never
  won) at the cost-driver rates, plus the prospects' shares of the campaigns; ``cost_per_acquired`` =
  that / converted: the prospects lost are part of the price of the ones won;
* per acquired customer: ``first12_per_acquired`` (mean net contribution of the first 12 calendar months
  from the month of the first order, over the customers whose 12 months are over), ``to_date_per_acquired``
  (mean net contribution from the first order to the as-of date), ``still_active_share`` (an order line in
  the last ``active_days`` days), ``loss_making_share`` (net contribution to date below zero);
* ``payback_month``: the first month k after the first order in which the acquired customers' mean
  cumulative net contribution over months 1..k (over the ``payback_customers`` whose k-th month is over,
  at least half of them) reaches the cost per acquired customer; ``None`` while it has not;
* ``first12_over``: every acquired customer's first 12 months are over (a cohort still maturing is marked).

Money is summed in whole cents and shown as Decimal; a mean is rounded to the cent once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from clientbase.analytics.money import from_cents, ratio
from clientbase.targeting.history import FIRST_MONTHS, History

#: the value a group key shows when the record leaves it empty
NONE_LABEL = "(none)"


@dataclass(frozen=True)
class CohortOptions:
    """``active_days``: an acquired customer with an order line this recently counts as still active."""

    active_days: int = 180


def per(total_cents: int, count: int) -> Decimal | None:
    """``total_cents / count`` as an amount rounded to the cent; ``None`` when ``count`` is 0.

    Example:
        >>> per(1001, 2), per(5, 0)
        (Decimal('5.01'), None)
    """
    return None if count == 0 else ratio(int(total_cents), int(count) * 100, 2)


def payback_month(
    cumulative: np.ndarray, observed: np.ndarray, cost_cents: int, acquired: int
) -> tuple[int | None, int]:
    """The first month k (1-based) in which the mean cumulative net contribution of the customers whose
    k-th month is over reaches ``cost_cents / acquired`` (compared in exact integers), and how many
    customers that mean is over; ``(None, 0)`` if it does not while at least half of them are observed.

    ``cumulative[i, k]`` is customer i's net contribution over its months 1..k+1, valid for
    ``k < observed[i]``.

    Example:
        >>> cum = np.array([[-100, 300, 900], [200, 500, 700]])
        >>> payback_month(cum, np.array([3, 2]), cost_cents=1000, acquired=2)  # needs 500 each
        (3, 1)
    """
    if acquired == 0 or cumulative.size == 0:
        return None, 0
    width = cumulative.shape[1]
    valid = np.arange(width)[None, :] < observed[:, None]
    sums = np.where(valid, cumulative, 0).sum(axis=0)
    counts = valid.sum(axis=0)
    enough = counts * 2 >= len(observed)  # a mean over a few early survivors would flatter the group
    reached = (
        enough & (counts > 0) & (sums.astype(object) * acquired >= counts.astype(object) * int(cost_cents))
    )
    hits = np.flatnonzero(reached)
    return (int(hits[0]) + 1, int(counts[hits[0]])) if len(hits) else (None, 0)


def group_row(history: History, members: pd.DataFrame, options: CohortOptions) -> dict[str, Any]:
    """The acquisition figures of the prospects ``members`` (rows of ``history.prospects``)."""
    won = members[members["converted"]]
    on_timeline = won[won["first_month"] >= 0]
    known = won[won["first12_known"]]
    cost = int(members["acquisition_cost"].sum())
    positions = history.curve_ids.get_indexer(on_timeline.index)
    curves = history.curves[positions] if len(positions) else np.zeros((0, 0), dtype=np.int64)
    observed = history.curve_months[positions] if len(positions) else np.zeros(0, dtype=np.int64)
    recent = history.as_of - dt.timedelta(days=options.active_days)
    active = won["last_sale"].map(lambda d: d is not None and d >= recent).astype(bool)
    days = won["days_to_first_order"].dropna()
    n, k = len(members), len(won)
    payback, basis = payback_month(curves, observed, cost, k)
    return {
        "prospects": n,
        "converted": k,
        "conversion_rate": ratio(k, n) if n else None,
        "days_to_first_order": None if days.empty else float(np.median(days)),
        "activity_cost": from_cents(int(members["activity_cost"].sum())),
        "campaign_cost": from_cents(int(members["campaign_cost"].sum())),
        "acquisition_cost": from_cents(cost),
        "cost_per_prospect": per(cost, n),
        "cost_per_acquired": per(cost, k),
        "first12_customers": len(known),
        "first12_per_acquired": per(int(known["first12"].sum()), len(known)),
        "to_date_per_acquired": per(int(on_timeline["to_date"].sum()), len(on_timeline)),
        "net_first12_per_acquired": _net(per(int(known["first12"].sum()), len(known)), per(cost, k)),
        "payback_month": payback,
        "payback_customers": basis,
        "still_active_share": ratio(int(active.sum()), k) if k else None,
        "loss_making_share": ratio(int((won["to_date"] < 0).sum()), k) if k else None,
        "first12_over": len(known) == k,
    }


def _net(first12: Decimal | None, cost: Decimal | None) -> Decimal | None:
    return None if first12 is None or cost is None else first12 - cost


def _labelled(history: History) -> pd.DataFrame:
    p = history.prospects.copy()
    p["channel"] = p["channel"].fillna(NONE_LABEL)
    p["mode"] = p["mode"].fillna(NONE_LABEL)
    p["cohort"] = [d.strftime("%Y-%m") for d in p["created"]]
    return p


def rows_by(history: History, keys: list[str], options: CohortOptions) -> list[dict[str, Any]]:
    """One row of :func:`group_row` per distinct value of ``keys`` (``channel``, ``mode``, ``cohort``),
    sorted by them."""
    p = _labelled(history)
    if not keys:
        return [group_row(history, p, options)]
    rows = []
    for values, members in p.groupby(keys, sort=True):
        label = dict(zip(keys, values if isinstance(values, tuple) else (values,), strict=True))
        rows.append({**label, **group_row(history, members, options)})
    return rows


def side_by_side(
    by_channel_mode: list[dict[str, Any]], by_mode: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Per channel (then all channels): the targeted and the spontaneous row next to each other, and the
    difference targeted - spontaneous of the money per acquired customer and the conversion rate."""
    out = []
    channels = sorted({r["channel"] for r in by_channel_mode})
    for channel, rows in [
        *((c, [r for r in by_channel_mode if r["channel"] == c]) for c in channels),
        ("all channels", by_mode),
    ]:
        t = next((r for r in rows if r["mode"] == "targeted"), None)
        s = next((r for r in rows if r["mode"] == "spontaneous"), None)
        difference = None
        if t is not None and s is not None:
            difference = {
                key: None if t[key] is None or s[key] is None else t[key] - s[key]
                for key in (
                    "conversion_rate",
                    "cost_per_acquired",
                    "first12_per_acquired",
                    "net_first12_per_acquired",
                    "to_date_per_acquired",
                )
            }
        out.append({"channel": channel, "targeted": t, "spontaneous": s, "difference": difference})
    return out


def acquisition_table(history: History, options: CohortOptions | None = None) -> dict[str, Any]:
    """The whole acquisition analysis as one JSON-ready document (see the module docstring)."""
    options = options or CohortOptions()
    by_channel_mode = rows_by(history, ["channel", "mode"], options)
    by_mode = rows_by(history, ["mode"], options)
    allocated = sum(c.cost_cents for c in history.campaigns if c.prospects)
    unallocated = [c for c in history.campaigns if not c.prospects]
    return {
        "as_of": history.as_of,
        "since": history.since,
        "currency": history.currency,
        "first_months": FIRST_MONTHS,
        "active_days": options.active_days,
        "records_before_since": history.before_since,
        "totals": rows_by(history, [], options)[0],
        "by_mode": by_mode,
        "by_channel_mode": by_channel_mode,
        "targeted_vs_spontaneous": side_by_side(by_channel_mode, by_mode),
        "cohorts": rows_by(history, ["channel", "mode", "cohort"], options),
        "campaigns": {
            "count": len(history.campaigns),
            "allocated_cost": from_cents(allocated),
            "unallocated_cost": from_cents(sum(c.cost_cents for c in unallocated)),
            "unallocated": [c.as_dict() for c in unallocated],
        },
    }
