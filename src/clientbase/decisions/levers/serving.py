"""The cost of serving: ``minimum_order`` (orders too small for their per-order costs) and ``cut_cost_to_serve``
(relationship costs out of proportion to the margin).

Cost-to-serve is split by activity kind into *order-driven* costs (kinds whose activities name an order:
handling, line handling, delivery, rush orders, special requests, returns) and *relationship* costs (the rest:
visits, calls, support tickets), so the two levers never count the same cost twice.

* ``minimum_order`` fires when order-driven costs take at least ``max_cost_share`` of the gross margin (with
  at least two orders and a positive gross margin). The minimum order value proposed is the one at which the
  per-order cost would take ``target_share`` of an order's gross margin: ``MOV = cost per order / (gross
  margin rate x target_share)``. If the year's net revenue came in orders of at least that value, the orders
  would be ``ceil(net revenue / max(MOV, average order))``; the expected effect is ``recovery`` x the orders
  saved x the cost per order.
* ``cut_cost_to_serve`` fires when relationship costs take at least ``peer_multiple`` times the
  gross-margin-weighted median share of the customer's volume band, and at least ``min_share`` of its gross
  margin. The expected effect is ``recovery`` x the excess over the peers' share (all of the relationship
  cost when the gross margin is not positive).
"""

from __future__ import annotations

import math

import numpy as np

from clientbase.decisions.levers.base import Finding, RuleContext, pct, safe_div
from clientbase.decisions.peers import band_medians


def minimum_order(ctx: RuleContext) -> None:
    """Propose ``minimum_order`` where orders are too small for their per-order costs (module docstring)."""
    r = ctx.rules.minimum_order
    orders = ctx.col("orders")
    margin, revenue, order_cost = ctx.flow("gross_margin"), ctx.flow("net_revenue"), ctx.flow("order_cost")
    orders_year = orders * ctx.annual
    share = safe_div(order_cost, margin)
    candidates = ctx.sales & ~ctx.stopped & (orders >= 2) & (margin > 0) & (share >= r.max_cost_share)
    kinds = ", ".join(k.replace("_", " ") for k in ctx.inputs.order_kinds) or "none"
    for i in np.flatnonzero(candidates):
        per_order = order_cost[i] / orders_year[i]
        rate = margin[i] / revenue[i]
        mov = per_order / (rate * r.target_share)
        average = revenue[i] / orders_year[i]
        fewer = math.ceil(revenue[i] / max(mov, average))
        saved = orders_year[i] - fewer
        stake = saved * per_order
        effect = r.recovery * stake
        if stake < ctx.materiality:
            continue
        ctx.add(
            Finding(
                counterparty_id=ctx.ids[i],
                code="minimum_order",
                reasons=[
                    f"average order {ctx.money(average)}; each order costs {ctx.money(per_order)} to serve "
                    f"({kinds}) = {pct(share[i])} of the gross margin",
                    f"orders of at least {ctx.money(mov)} would keep that cost at {pct(r.target_share)} of an "
                    f"order's margin: {orders_year[i]:.0f} orders a year become {fewer}",
                ],
                expected_effect=ctx.effect(effect),
                at_stake=ctx.effect(stake),
                assumptions=[
                    f"a minimum order value of {ctx.money(mov)} (or a small-order fee to the same effect)",
                    f"{pct(r.recovery)} of the {saved:.0f} orders saved a year are realised, "
                    f"each saving {ctx.money(per_order)}; the same volume bought",
                ],
                facts={
                    "orders_a_year": round(orders_year[i], 1),
                    "average_order": ctx.effect(average),
                    "cost_per_order": ctx.effect(per_order),
                    "order_cost_share_of_margin": round(share[i], 4),
                    "minimum_order_value": ctx.effect(mov),
                    "orders_after": fewer,
                },
            )
        )


def cut_cost_to_serve(ctx: RuleContext) -> None:
    """Propose ``cut_cost_to_serve`` where relationship costs are out of proportion (module docstring)."""
    r = ctx.rules.cut_cost_to_serve
    margin, cost = ctx.flow("gross_margin"), ctx.flow("relationship_cost")
    share = np.where(margin > 0, safe_div(cost, margin), np.where(cost > 0, np.inf, np.nan))
    band = ctx.inputs.frame["band"].to_numpy()
    peers = np.full(len(share), np.nan)
    ok = ctx.sales & (margin > 0)
    peers[ctx.sales] = band_medians(
        np.where(ok, share, np.nan)[ctx.sales],
        band[ctx.sales],
        weights=np.where(ok, margin, 0)[ctx.sales],
        min_peers=ctx.rules.general.min_peers,
    )
    limit = np.maximum(r.peer_multiple * peers, r.min_share)
    fire = ctx.sales & ~ctx.stopped & (cost > 0) & (share >= limit)
    excess = cost - np.where(margin > 0, np.nan_to_num(peers) * margin, 0.0)
    effect = r.recovery * excess
    fire &= excess >= ctx.materiality
    counts = ctx.inputs.counts
    kinds = ctx.inputs.kinds
    relationship = [k for k in kinds.columns if k not in ctx.inputs.order_kinds]
    for i in np.flatnonzero(fire):
        cid = ctx.ids[i]
        parts = sorted(
            ((k, float(kinds.at[cid, k]) * ctx.annual[i]) for k in relationship if kinds.at[cid, k] > 0),
            key=lambda kv: -kv[1],
        )
        listed = ", ".join(
            f"{k.replace('_', ' ')} {ctx.money(v)} ({_count(counts, cid, k)} in the period)"
            for k, v in parts[:3]
        )
        margin_text = (
            pct(share[i]) + " of the gross margin" if margin[i] > 0 else "with no gross margin to carry it"
        )
        ctx.add(
            Finding(
                counterparty_id=cid,
                code="cut_cost_to_serve",
                reasons=[
                    f"visits, calls and other relationship costs {ctx.money(cost[i])} a year = {margin_text}; "
                    f"customers of the same volume spend {pct(peers[i])}",
                    f"largest: {listed}",
                ],
                expected_effect=ctx.effect(effect[i]),
                at_stake=ctx.effect(excess[i]),
                assumptions=[
                    "fewer visits and calls moved to a cheaper channel (phone, e-mail, web shop)",
                    f"{pct(r.recovery)} of the {ctx.money(excess[i])} above the peers' share saved",
                ],
                facts={
                    "relationship_cost_a_year": ctx.effect(cost[i]),
                    "share_of_margin": None if not np.isfinite(share[i]) else round(share[i], 4),
                    "peer_share": None if np.isnan(peers[i]) else round(peers[i], 4),
                },
            )
        )


def _count(counts: object, cid: str, kind: str) -> int:
    try:
        return int(counts.at[cid, kind])  # type: ignore[attr-defined]
    except (KeyError, ValueError):
        return 0
