"""``reprice``: a discount above what is agreed, above what peers of the same volume get, or creeping up.

Discount depth = discount / sales at list in the period. The rule fires when the depth is more than
``tolerance_pp`` points above the record's agreed discount (``discount_pct``), more than ``peer_tolerance_pp``
above the sales-weighted median depth of the customer's volume band (see below), or more than ``creep_pp`` above its own
depth in the compared period. The peer test counts only where the customer's net margin is below the
revenue-weighted median net margin of its band: a deeper discount than peers get is a problem where it
leaves the customer less profitable than them. The target is the agreed discount when that test fired, else the most generous
of the other benchmarks it broke; the expected effect is ``recovery`` x (depth - target) x sales at list a
year, volume unchanged.
"""

from __future__ import annotations

import numpy as np

from clientbase.decisions.levers.base import Finding, RuleContext, pct, safe_div
from clientbase.decisions.peers import band_medians


def reprice(ctx: RuleContext) -> None:
    """Propose ``reprice`` where the discount is too deep (module docstring)."""
    r = ctx.rules.reprice
    f = ctx.inputs.frame
    sales = ctx.sales & ~ctx.stopped
    depth = safe_div(ctx.col("discount"), ctx.col("gross_sales_list"))
    before = safe_div(ctx.col("prev_discount"), ctx.col("prev_gross_sales_list"))
    agreed = f["discount_pct"].astype(float).to_numpy() / 100
    band = f["band"].to_numpy()
    peers = np.full(len(f), np.nan)
    peers[ctx.sales] = band_medians(
        depth[ctx.sales],
        band[ctx.sales],
        weights=ctx.col("gross_sales_list")[ctx.sales],
        min_peers=ctx.rules.general.min_peers,
    )
    margin = safe_div(ctx.col("net_contribution"), ctx.col("net_revenue"))
    peer_margin = np.full(len(f), np.nan)
    peer_margin[ctx.sales] = band_medians(
        margin[ctx.sales],
        band[ctx.sales],
        weights=ctx.col("net_revenue")[ctx.sales],
        min_peers=ctx.rules.general.min_peers,
    )
    over_agreed = sales & (depth - agreed > r.tolerance_pp / 100)
    # a deeper discount than peers get is a problem where it leaves the customer less profitable than them
    over_peers = sales & (depth - peers > r.peer_tolerance_pp / 100) & ~(margin >= peer_margin)
    creep = sales & (depth - before > r.creep_pp / 100)
    target = np.where(
        over_agreed,
        agreed,
        np.fmax(np.where(over_peers, peers, np.nan), np.where(creep, before, np.nan)),
    )
    list_year = ctx.flow("gross_sales_list")
    excess = (depth - target) * list_year
    effect = r.recovery * excess
    fire = (over_agreed | over_peers | creep) & (excess >= ctx.materiality)
    for i in np.flatnonzero(fire):
        reasons = [_depth_reason(depth[i], agreed[i], peers[i], int(band[i]), ctx)]
        if creep[i]:
            reasons.append(
                f"up {100 * (depth[i] - before[i]):.1f} points from {pct(before[i])} in the compared period; "
                f"price and discount moved net contribution by {ctx.money(ctx.col('bridge_price_discount')[i])} "
                "against it (the profit bridge)"
            )
        reasons.append(f"the discount beyond {pct(target[i])} costs {ctx.money(excess[i])} a year")
        ctx.add(
            Finding(
                counterparty_id=ctx.ids[i],
                code="reprice",
                reasons=reasons,
                expected_effect=ctx.effect(effect[i]),
                at_stake=ctx.effect(excess[i]),
                assumptions=[
                    f"{pct(r.recovery)} of the {100 * (depth[i] - target[i]):.1f} points beyond {pct(target[i])} "
                    f"won back on sales at list of {ctx.money(list_year[i])} a year",
                    "volume unchanged",
                ],
                facts={
                    "discount_pct": round(100 * depth[i], 2),
                    "agreed_pct": None if np.isnan(agreed[i]) else round(100 * agreed[i], 2),
                    "peer_pct": None if np.isnan(peers[i]) else round(100 * peers[i], 2),
                    "previous_pct": None if np.isnan(before[i]) else round(100 * before[i], 2),
                    "target_pct": round(100 * target[i], 2),
                    "sales_at_list_a_year": ctx.effect(list_year[i]),
                },
            )
        )


def _depth_reason(depth: float, agreed: float, peer: float, band: int, ctx: RuleContext) -> str:
    parts = [f"net price {pct(depth)} below list"]
    if not np.isnan(agreed):
        parts.append(f"where {pct(agreed)} is agreed")
    else:
        parts.append("with no agreed discount on the record")
    if not np.isnan(peer):
        bands = ctx.rules.general.volume_bands
        parts.append(f"and customers of the same volume (band {band + 1} of {bands}) get {pct(peer)}")
    return " ".join(parts)
