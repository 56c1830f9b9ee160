"""``exit_or_self_service``: loss-making in both periods, even after the other levers' expected effects.

Fires for a customer with sales and a negative net contribution in the analysed and the compared period
whose net contribution a year plus the expected effects of its ``reprice``, ``minimum_order``,
``cut_cost_to_serve`` and ``renegotiate_terms`` actions is still negative. Self-service (web shop, no
visits) keeps ``self_service_cost_share`` of its cost-to-serve: self-service is proposed when that alone makes
the customer profitable, else exit (nothing earned, nothing lost). The expected effect is the improvement
over the customer after the other levers: the self-service result (or 0 for exit) minus the loss after the
levers, so the levers' and this action's effects add up. (Fixed capacity behind the rates is not freed by itself: see the capacity table of
the analysis.)
"""

from __future__ import annotations

import numpy as np

from clientbase.decisions.levers.base import Finding, RuleContext, pct

#: the levers whose expected effects are counted before calling a customer hopeless
LEVERS = ("reprice", "minimum_order", "cut_cost_to_serve", "renegotiate_terms")


def exit_or_self_service(ctx: RuleContext) -> None:
    """Propose ``exit_or_self_service`` for the customers the other levers cannot save (module docstring)."""
    share = ctx.rules.exit_or_self_service.self_service_cost_share
    now, before = ctx.flow("net_contribution"), ctx.col("prev_net_contribution")
    had_sales = ctx.inputs.frame["prev_gross_sales_list"].to_numpy() > 0
    levers = ctx.effects_of(LEVERS)
    remaining = now + levers
    saving = ctx.flow("cost_to_serve") * (1 - share)
    best = np.maximum(now + saving, 0.0)  # self-service, or exit (nothing earned, nothing lost)
    effect = best - remaining
    fire = ctx.sales & had_sales & ~ctx.stopped & (now < 0) & (before < 0) & (remaining < 0)
    fire &= effect >= ctx.materiality
    for i in np.flatnonzero(fire):
        self_service = now[i] + saving[i] > 0
        reasons = [
            f"net contribution {ctx.money(before[i])} in the compared period and "
            f"{ctx.money(ctx.col('net_contribution')[i])} in this one",
            f"still {ctx.money(remaining[i])} a year after the other levers' expected effects "
            f"({ctx.money(levers[i])})",
        ]
        if self_service:
            reasons.append(
                f"self-service would cut the cost-to-serve of {ctx.money(ctx.flow('cost_to_serve')[i])} to "
                f"{pct(share)} and leave {ctx.money(now[i] + saving[i])} a year instead"
            )
            assumption = f"served through self-service: {pct(share)} of today's cost-to-serve remains, volume unchanged"
        else:
            reasons.append(
                "self-service would not make it profitable: exit, or raise prices to cover the loss"
            )
            assumption = "the customer leaves: its sales, costs and the loss after the levers go"
        ctx.add(
            Finding(
                counterparty_id=ctx.ids[i],
                code="exit_or_self_service",
                reasons=reasons,
                expected_effect=ctx.effect(effect[i]),
                at_stake=ctx.effect(effect[i]),
                assumptions=[assumption],
                facts={
                    "proposal": "self_service" if self_service else "exit",
                    "loss_after_levers": ctx.effect(remaining[i]),
                    "levers_effect": ctx.effect(levers[i]),
                },
            )
        )
