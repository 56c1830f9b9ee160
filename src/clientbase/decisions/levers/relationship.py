"""The relationship: ``win_back`` (a valuable customer stopped buying), ``grow`` (profitable with headroom) and
``retain`` (the top of the whale curve).

* **Stopped buying**: P(alive) of the purchase model below ``p_alive_below``, or, with at least
  ``min_repeat`` repeat purchases, no purchase for ``gap_multiple`` times the usual days between purchases.
  ``win_back`` fires for such a customer whose better period (analysed or compared) had a positive net
  contribution; the expected effect is ``success`` x that contribution. The other levers leave a stopped
  customer alone (only ``collect`` still chases its money).
* ``grow`` fires for a customer with a positive and rising net contribution, a net margin at least the
  company's revenue-weighted median, and net revenue below ``headroom_share`` of the median of its group
  (the counterparty field ``peer_attribute``, e.g. its size band). The expected effect is ``capture`` x the
  gap to that median x its net margin.
* ``retain`` fires for the most profitable customers who together earn ``top_share`` of the positive net
  contribution (ranked as on the whale curve). The expected loss is the net contribution x the larger of
  1 - P(alive) and the company's loss rate (the share of the compared period's customers without sales in
  the analysed one); the expected effect is ``save_share`` of it.
"""

from __future__ import annotations

import numpy as np

from clientbase.decisions.levers.base import Finding, RuleContext, pct, safe_div
from clientbase.decisions.peers import weighted_median


def mark_stopped(ctx: RuleContext) -> None:
    """Set ``ctx.stopped`` for every customer whose buying stopped (module docstring)."""
    r = ctx.rules.win_back
    p_alive = ctx.col("p_alive")
    gap, since, repeat = ctx.col("usual_gap_days"), ctx.col("days_since_last"), ctx.col("repeat_purchases")
    quiet = (repeat >= r.min_repeat) & (since > np.maximum(r.gap_multiple * gap, r.min_quiet_days))
    ctx.stopped = ~ctx.prospect & ((p_alive < r.p_alive_below) | quiet)


def win_back(ctx: RuleContext) -> None:
    """Propose ``win_back`` for valuable customers who stopped buying (module docstring)."""
    r = ctx.rules.win_back
    now, before = ctx.flow("net_contribution"), ctx.col("prev_net_contribution")
    best = np.fmax(now, before)
    effect = r.success * best
    fire = ctx.stopped & (best >= ctx.materiality)
    p_alive, gap, since = ctx.col("p_alive"), ctx.col("usual_gap_days"), ctx.col("days_since_last")
    for i in np.flatnonzero(fire):
        rhythm = f"no purchase for {since[i]:.0f} days"
        if np.isfinite(gap[i]):
            rhythm += f" where it used to buy every {gap[i]:.0f} days"
        if np.isfinite(p_alive[i]):
            rhythm += f" (P(alive) {p_alive[i]:.2f})"
        ctx.add(
            Finding(
                counterparty_id=ctx.ids[i],
                code="win_back",
                reasons=[
                    rhythm,
                    f"net contribution {ctx.money(before[i])} in the compared period, "
                    f"{ctx.money(ctx.col('net_contribution')[i])} in this one",
                ],
                expected_effect=ctx.effect(effect[i]),
                at_stake=ctx.effect(best[i]),
                assumptions=[
                    f"a win-back offer brings it back with a {pct(r.success)} chance, earning what it earned in "
                    f"its better period ({ctx.money(best[i])} a year)"
                ],
                facts={
                    "days_since_last": None if not np.isfinite(since[i]) else int(since[i]),
                    "usual_gap_days": None if not np.isfinite(gap[i]) else round(gap[i], 1),
                    "p_alive": None if not np.isfinite(p_alive[i]) else round(p_alive[i], 4),
                },
            )
        )


def grow(ctx: RuleContext) -> None:
    """Propose ``grow`` for profitable customers with headroom (module docstring)."""
    r = ctx.rules.grow
    f = ctx.inputs.frame
    revenue, contribution = ctx.flow("net_revenue"), ctx.flow("net_contribution")
    margin = safe_div(contribution, revenue)
    sales = ctx.sales & (revenue > 0)
    typical = weighted_median(margin[sales], revenue[sales]) if sales.any() else None
    groups = f[r.peer_attribute].astype("object").where(f[r.peer_attribute].notna(), None).to_numpy()
    group_median = np.full(len(f), np.nan)
    for value in {g for g in groups[sales] if g is not None}:
        members = sales & (groups == value)
        if members.sum() >= ctx.rules.general.min_peers:
            group_median[members] = weighted_median(revenue[members])
    rising = ctx.col("net_contribution") > ctx.col("prev_net_contribution")
    fire = (
        sales
        & ~ctx.stopped
        & (contribution > 0)
        & rising
        & (margin >= (typical if typical is not None else np.inf))
        & (revenue < r.headroom_share * group_median)
    )
    stake = (group_median - revenue) * margin
    effect = r.capture * stake
    fire &= stake >= ctx.materiality
    label = r.peer_attribute.replace("_", " ")
    for i in np.flatnonzero(fire):
        ctx.add(
            Finding(
                counterparty_id=ctx.ids[i],
                code="grow",
                reasons=[
                    f"net margin {pct(margin[i])} (company median {pct(typical or 0.0)}), net contribution up "
                    f"from {ctx.money(ctx.col('prev_net_contribution')[i])} to "
                    f"{ctx.money(ctx.col('net_contribution')[i])}",
                    f"buys {ctx.money(revenue[i])} a year where customers of its {label} ({groups[i]}) "
                    f"typically buy {ctx.money(group_median[i])}",
                ],
                expected_effect=ctx.effect(effect[i]),
                at_stake=ctx.effect(stake[i]),
                assumptions=[
                    f"{pct(r.capture)} of the {ctx.money(group_median[i] - revenue[i])} gap won in a year, "
                    f"at its net margin of {pct(margin[i])}"
                ],
                facts={
                    "net_margin": round(margin[i], 4),
                    "group": groups[i],
                    "group_median_revenue": ctx.effect(group_median[i]),
                },
            )
        )


def retain(ctx: RuleContext) -> None:
    """Propose ``retain`` for the top of the whale curve (module docstring)."""
    r = ctx.rules.retain
    contribution = ctx.col("net_contribution")
    positive = ctx.sales & (contribution > 0)
    order = np.lexsort((np.array(ctx.ids), -contribution))
    order = order[positive[order]]
    before = np.cumsum(contribution[order]) - contribution[order]
    total = contribution[order].sum()
    top = order[before < r.top_share * total] if total > 0 else order[:0]
    previous = ctx.inputs.frame["prev_gross_sales_list"].to_numpy() > 0
    lost_rate = float((previous & ~ctx.sales).sum() / previous.sum()) if previous.any() else 0.0
    p_alive = ctx.col("p_alive")
    risk = np.fmax(1 - p_alive, lost_rate)
    annual = ctx.flow("net_contribution")
    stake = annual * risk
    effect = r.save_share * stake
    rank = {int(i): n + 1 for n, i in enumerate(order)}
    for i in top:
        if ctx.stopped[i] or stake[i] < ctx.materiality:
            continue
        alive = f"P(alive) {p_alive[i]:.3f}; " if np.isfinite(p_alive[i]) else ""
        ctx.add(
            Finding(
                counterparty_id=ctx.ids[i],
                code="retain",
                reasons=[
                    f"earns {ctx.money(annual[i])} a year, rank {rank[int(i)]} of {len(order)} profitable "
                    f"customers, among the top who together earn {pct(r.top_share)} of the positive net contribution",
                    f"{alive}the company lost {pct(lost_rate)} of the compared period's customers",
                ],
                expected_effect=ctx.effect(effect[i]),
                at_stake=ctx.effect(stake[i]),
                assumptions=[
                    f"a retention plan avoids {pct(r.save_share)} of the expected loss: {ctx.money(annual[i])} x "
                    f"{pct(risk[i])} chance of losing it"
                ],
                facts={"rank": rank[int(i)], "loss_risk": round(risk[i], 4)},
            )
        )
