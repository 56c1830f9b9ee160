"""``qualify`` / ``drop_prospect``: prospects worth pursuing or not, by the customers they resemble.

The simple version, until the targeting issue (scoring prospects for conversion) refines it. A prospect
(status or role ``prospect``, no sales in the period) is compared with the customers with sales like it: the
same values of the counterparty fields ``peer_attributes`` (by default its size band and acquisition mode),
or of fewer of them (the first ones) when that group has fewer than ``min_group`` customers. The value of pursuing it a year = ``conversion`` x the group's median net contribution a year -
its pursuit cost (the cost-to-serve of its calls and visits in the period).

* ``qualify`` when at least ``qualify_share`` of the group's customers are profitable and the value is at
  least the materiality; the expected effect is that value.
* ``drop_prospect`` when pursuing loses at least the materiality, or when fewer than ``drop_share`` of the
  group are profitable and the pursuit costs at least the materiality; the expected effect is the larger of
  the pursuit cost saved and the loss avoided.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from clientbase.decisions.levers.base import Finding, RuleContext, pct
from clientbase.decisions.peers import weighted_median


def _groups(
    ctx: RuleContext, fields: tuple[str, ...]
) -> tuple[list[tuple[Any, ...]], dict[tuple[Any, ...], Any]]:
    """Every counterparty's values of ``fields``, and per value tuple of the customers with sales (and of
    each shorter prefix of it): (customers, share profitable, median net contribution a year)."""
    f = ctx.inputs.frame
    columns = [f[name].astype("object").where(f[name].notna(), None).tolist() for name in fields]
    keys = list(zip(*columns, strict=True)) if columns else [()] * len(f)
    contribution = ctx.flow("net_contribution")
    members: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for i in np.flatnonzero(ctx.sales):
        for k in range(1, len(fields) + 1):
            prefix = keys[i][:k]
            if None not in prefix:
                members[prefix].append(int(i))
    stats = {}
    for key, rows in members.items():
        values = contribution[rows]
        stats[key] = (len(rows), float((values > 0).mean()), weighted_median(values) or 0.0)
    return keys, stats


def prospects(ctx: RuleContext) -> None:
    """Propose ``qualify`` or ``drop_prospect`` for every prospect (module docstring)."""
    r = ctx.rules.prospects
    keys, stats = _groups(ctx, r.peer_attributes)
    pursuit = ctx.col("cost_to_serve") + ctx.col("credit_cost")
    for i in np.flatnonzero(ctx.prospect):
        key = next(
            (
                keys[i][:k]
                for k in range(len(keys[i]), 0, -1)
                if stats.get(keys[i][:k], (0,))[0] >= r.min_group
            ),
            None,
        )
        if key is None:
            continue
        n, profitable, median = stats[key]
        gain = r.conversion * median
        value = gain - pursuit[i]
        qualify = profitable >= r.qualify_share and value >= ctx.materiality
        drop = -value >= ctx.materiality or (profitable < r.drop_share and pursuit[i] >= ctx.materiality)
        if not (qualify or drop):
            continue
        code = "qualify" if qualify else "drop_prospect"
        effect = value if qualify else max(-value, pursuit[i])
        group = ", ".join(
            f"{name.replace('_', ' ')} {v}" for name, v in zip(r.peer_attributes, key, strict=False)
        )
        ctx.add(
            Finding(
                counterparty_id=ctx.ids[i],
                code=code,
                reasons=[
                    f"{pct(profitable)} of the {n} customers like it ({group}) are profitable; their median net "
                    f"contribution is {ctx.money(median)} a year",
                    f"pursuing it cost {ctx.money(pursuit[i])} in the period",
                ],
                expected_effect=ctx.effect(effect),
                at_stake=ctx.effect(effect),
                assumptions=[
                    f"a pursued prospect converts with a {pct(r.conversion)} chance within a year and then earns "
                    "the median of the customers like it; the pursuit costs what it cost in the period"
                ],
                facts={
                    "group": dict(zip(r.peer_attributes, key, strict=False)),
                    "group_customers": n,
                    "share_profitable": round(profitable, 4),
                },
            )
        )
