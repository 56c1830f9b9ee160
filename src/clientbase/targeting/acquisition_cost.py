"""What winning each prospect cost: its activities before its first order, priced at the cost-driver rate
valid on the day (:func:`~clientbase.analytics.cost_to_serve.priced_activities`, the rates of the
net-profit analysis), plus its share of the campaigns that fed its channel and mode.

A campaign's cost is shared equally by the prospects of its channel (and mode, when the campaign names
one) created from its start to its end; the cents that do not divide evenly go one each to the first
prospects by key, so the shares add up to the campaign's cost exactly. A campaign no prospect matches is
reported as unallocated, never spread elsewhere.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from clientbase.analytics import cost_to_serve as cts
from clientbase.analytics.facts import unscaled
from clientbase.analytics.money import div_round
from clientbase.errors import Problem, ValidationError


def conversion_dates(counterparties: ir.Table, order_lines: ir.Table) -> ir.Table:
    """Per counterparty: ``c_id``, ``first_sale`` and ``last_sale`` (first and last order line with a
    positive quantity) and ``converted_on``: the earlier of the record's ``first_order_date`` and the
    first sale (either when the other is empty)."""
    sold = order_lines.filter(order_lines.quantity > 0)
    sales = sold.group_by(s_id=sold.counterparty_id).aggregate(
        first_sale=sold.order_date.min(), last_sale=sold.order_date.max()
    )
    cp = counterparties.select(c_id=counterparties.counterparty_id, recorded=counterparties.first_order_date)
    j = cp.left_join(sales, cp.c_id == sales.s_id)
    return j.select(
        "c_id",
        "first_sale",
        "last_sale",
        converted_on=ibis.least(j.recorded.coalesce(j.first_sale), j.first_sale.coalesce(j.recorded)),
    )


def split_activities(activities: ir.Table, conversions: ir.Table) -> tuple[ir.Table, ir.Table]:
    """The activities before each counterparty's conversion (all of them when it never converted), and
    those on or after it; each with the columns the pricing reads."""
    j = activities.left_join(conversions, activities.counterparty_id == conversions.c_id)
    columns = ("counterparty_id", "activity_date", "kind", "quantity")
    before = j.filter(j.converted_on.isnull() | (j.activity_date < j.converted_on)).select(*columns)
    after = j.filter(j.converted_on.notnull() & (j.activity_date >= j.converted_on)).select(*columns)
    return before, after


def winning_cost_spans(before: ir.Table, cost_drivers: ir.Table, as_of: dt.date) -> ir.Table:
    """Per counterparty and kind, the activities before conversion up to ``as_of``: ``cost`` (exact),
    ``activities`` and ``unpriced`` (activities no cost driver prices on their date)."""
    priced = cts.priced_activities(before, cost_drivers)
    t = priced.filter(priced.activity_date <= ibis.literal(as_of))
    return t.group_by("counterparty_id", "kind").aggregate(
        cost=t.cost.sum().cast(f"decimal(38, {cts.COST_SCALE})"),
        activities=t.count(),
        unpriced=t.valid_from.isnull().ifelse(1, 0).sum(),
    )


def winning_cost(spans: pa.Table, counted: pd.Index) -> pd.DataFrame:
    """Per counterparty of ``counted``: ``activity_cost`` (cents: each kind rounded to the cent, as the
    analysis rounds cost-to-serve) and ``winning_activities``, from :func:`winning_cost_spans`.

    Raises:
        ValidationError: an activity of a counted prospect has no cost driver valid on its date.
    """
    frame = pd.DataFrame(
        {
            "counterparty_id": spans["counterparty_id"].to_pylist(),
            "kind": spans["kind"].to_pylist(),
            "cost": div_round(unscaled(spans["cost"], cts.COST_SCALE), 10 ** (cts.COST_SCALE - 2)),
            "activities": spans["activities"].to_numpy(zero_copy_only=False),
            "unpriced": spans["unpriced"].fill_null(0).to_numpy(zero_copy_only=False),
        }
    )
    frame = frame[frame["counterparty_id"].isin(counted)]
    unpriced = frame[frame["unpriced"] > 0].groupby("kind")["unpriced"].sum()
    if len(unpriced):
        raise ValidationError(
            [
                Problem(
                    file="activities",
                    row=None,
                    column="kind",
                    value=str(kind),
                    rule=(
                        f"{int(n)} activit(ies) of kind {kind!r} before a first order have no cost driver "
                        "valid on their date; add a cost_drivers row for this kind covering those dates"
                    ),
                )
                for kind, n in unpriced.items()
            ]
        )
    per = frame.groupby("counterparty_id")[["cost", "activities"]].sum()
    out = per.reindex(counted, fill_value=0).astype(np.int64)
    return out.rename(columns={"cost": "activity_cost", "activities": "winning_activities"})


@dataclass(frozen=True)
class CampaignShare:
    """How one campaign's cost was shared."""

    campaign_id: str
    channel: str
    mode: str | None
    start: dt.date
    end: dt.date
    cost_cents: int
    prospects: int

    def as_dict(self) -> dict[str, Any]:
        from clientbase.analytics.money import from_cents

        return {
            "campaign_id": self.campaign_id,
            "channel": self.channel,
            "mode": self.mode,
            "start": self.start,
            "end": self.end,
            "cost": from_cents(self.cost_cents),
            "prospects": self.prospects,
        }


def campaign_cost(campaigns: pd.DataFrame, prospects: pd.DataFrame) -> tuple[np.ndarray, list[CampaignShare]]:
    """Each prospect's share of the campaigns in cents (in the order of ``prospects``), and every campaign
    with the number of prospects that shared it (0: unallocated).

    ``campaigns`` has ``campaign_id``, ``channel``, ``mode``, ``start``, ``end``, ``cost_cents``;
    ``prospects`` has ``channel``, ``mode`` and ``created`` (dates) and is indexed by key.

    Example:
        >>> c = pd.DataFrame({"campaign_id": ["F1"], "channel": ["fair"], "mode": [None],
        ...     "start": [dt.date(2024, 3, 1)], "end": [dt.date(2024, 3, 31)], "cost_cents": [1000]})
        >>> p = pd.DataFrame({"channel": ["fair", "fair", "fair", "web"], "mode": ["targeted", "spontaneous",
        ...     "targeted", "spontaneous"], "created": [dt.date(2024, 3, d) for d in (2, 9, 30, 5)]},
        ...     index=["C3", "C1", "C2", "C4"])
        >>> shares, used = campaign_cost(c, p)
        >>> shares.tolist(), used[0].prospects
        ([333, 334, 333, 0], 3)
    """
    shares = np.zeros(len(prospects), dtype=np.int64)
    created = pd.to_datetime(prospects["created"]).to_numpy()
    order = np.argsort(prospects.index.to_numpy().astype(str), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    used = []
    for c in campaigns.itertuples(index=False):
        match = (
            (prospects["channel"].to_numpy() == c.channel)
            & (created >= np.datetime64(c.start, "ns"))
            & (created <= np.datetime64(c.end, "ns"))
        )
        if c.mode is not None and c.mode == c.mode:  # NaN-safe: an empty mode means both
            match &= prospects["mode"].to_numpy() == c.mode
        who = np.flatnonzero(match)
        cost = int(c.cost_cents)
        if len(who):
            who = who[np.argsort(rank[who])]
            base, extra = divmod(cost, len(who))
            shares[who] += base
            shares[who[:extra]] += 1
        mode = c.mode if isinstance(c.mode, str) else None
        used.append(CampaignShare(str(c.campaign_id), str(c.channel), mode, c.start, c.end, cost, len(who)))
    return shares, used
