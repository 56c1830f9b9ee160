"""The cost of credit: ``collect`` (money overdue now) and ``renegotiate_terms`` (terms or habitual lateness
whose credit cost eats the margin).

* ``collect`` fires when the open invoices at least ``age_days[0]`` days past due add up to the materiality
  or more. The expected effect is what chasing saves: each age bucket x the share of it lost if not chased
  (``loss_share``), plus ``credit_days_saved`` days of credit cost on the chased amount.
* ``renegotiate_terms`` fires on habitual lateness (paying on average at least ``late_days`` after the due
  date, amount-weighted over the period's invoices) or on long terms (the median terms on its invoices at
  least ``excess_terms_days`` longer than the invoice-weighted median of its volume band). The avoidable
  days are the lateness and the terms beyond the peers' (those that fired); the expected effect is
  ``recovery`` x invoiced a year x avoidable days x the financing rate / 365.
"""

from __future__ import annotations

import itertools

import numpy as np

from clientbase.decisions.levers.base import Finding, RuleContext, pct, safe_div
from clientbase.decisions.peers import band_medians


def collect(ctx: RuleContext) -> None:
    """Propose ``collect`` where money is overdue now (module docstring)."""
    r = ctx.rules.collect
    edges = r.age_days
    buckets = [ctx.col(f"overdue_{k}") for k in range(1, len(edges) + 1)]
    chased = np.sum(buckets, axis=0) if buckets else np.zeros(len(ctx.ids))
    loss = sum((b * share for b, share in zip(buckets, r.loss_share, strict=True)), np.zeros(len(ctx.ids)))
    effect = loss + chased * ctx.rate * r.credit_days_saved / 365
    fire = chased >= ctx.materiality
    late = safe_div(ctx.col("late_amount_days"), ctx.col("invoiced"))
    labels = [f"{lo}-{hi - 1} days" for lo, hi in itertools.pairwise(edges)] + [f"{edges[-1]}+ days"]
    for i in np.flatnonzero(fire):
        split = "; ".join(
            f"{label}: {ctx.money(b[i])}" for label, b in zip(labels, buckets, strict=True) if b[i] > 0
        )
        reasons = [
            f"{ctx.money(chased[i])} overdue {edges[0]} days or more now, the oldest "
            f"{int(ctx.col('oldest_days')[i])} days past due ({split})"
        ]
        if np.isfinite(late[i]) and late[i] >= 1:
            reasons.append(f"pays on average {late[i]:.0f} days after the due date")
        ctx.add(
            Finding(
                counterparty_id=ctx.ids[i],
                code="collect",
                reasons=reasons,
                expected_effect=ctx.effect(effect[i]),
                at_stake=ctx.effect(chased[i]),
                assumptions=[
                    "if not chased, "
                    + ", ".join(
                        f"{pct(s)} of what is {label} past due"
                        for label, s in zip(labels, r.loss_share, strict=True)
                    )
                    + " is never paid (rule of thumb)",
                    f"collecting now also saves {r.credit_days_saved} days of credit at {pct(ctx.rate)} a year",
                ],
                facts={
                    "overdue_chased": ctx.effect(chased[i]),
                    "overdue_total": ctx.effect(ctx.col("overdue")[i]),
                    "oldest_days": int(ctx.col("oldest_days")[i]),
                },
            )
        )


def renegotiate_terms(ctx: RuleContext) -> None:
    """Propose ``renegotiate_terms`` where terms or lateness make credit costly (module docstring)."""
    r = ctx.rules.renegotiate_terms
    f = ctx.inputs.frame
    invoiced = ctx.flow("invoiced")
    late = safe_div(ctx.col("late_amount_days"), ctx.col("invoiced"))
    terms = f["invoice_terms"].astype(float).fillna(f["payment_days"].astype(float)).to_numpy()
    band = f["band"].to_numpy()
    peers = np.full(len(f), np.nan)
    base = ctx.sales & (invoiced > 0)
    peers[base] = band_medians(
        terms[base], band[base], weights=invoiced[base], min_peers=ctx.rules.general.min_peers
    )
    peer_late = np.full(len(f), np.nan)
    peer_late[base] = band_medians(
        late[base], band[base], weights=invoiced[base], min_peers=ctx.rules.general.min_peers
    )
    lateness = base & (late >= r.late_days)
    long_terms = base & (terms - peers >= r.excess_terms_days)
    days = np.where(lateness, late, 0.0) + np.where(long_terms, terms - peers, 0.0)
    avoidable = invoiced * days * ctx.rate / 365
    effect = r.recovery * avoidable
    fire = ~ctx.stopped & (lateness | long_terms) & (avoidable >= ctx.materiality)
    credit, margin = ctx.flow("credit_cost"), ctx.flow("gross_margin")
    for i in np.flatnonzero(fire):
        reasons = []
        if lateness[i]:
            reasons.append(
                f"pays on average {late[i]:.0f} days after the due date (amount-weighted; customers of the same "
                f"volume: {peer_late[i]:.0f})"
            )
        if long_terms[i]:
            reasons.append(
                f"terms of {terms[i]:.0f} days where customers of the same volume get {peers[i]:.0f}"
            )
        discipline = _discipline(ctx, int(i))
        if discipline:
            reasons.append(discipline)
        recorded = f["payment_days"].iat[i]
        if recorded is not None and recorded == recorded and abs(float(recorded) - terms[i]) > 5:
            reasons.append(
                f"the record says {int(recorded)} payment days, the invoices give {terms[i]:.0f}: fix it"
            )
        share = f" = {pct(credit[i] / margin[i])} of the gross margin" if margin[i] > 0 else ""
        reasons.append(
            f"credit costs {ctx.money(credit[i])} a year{share}; {ctx.money(avoidable[i])} of it is avoidable"
        )
        ctx.add(
            Finding(
                counterparty_id=ctx.ids[i],
                code="renegotiate_terms",
                reasons=reasons,
                expected_effect=ctx.effect(effect[i]),
                at_stake=ctx.effect(avoidable[i]),
                assumptions=[
                    f"{pct(r.recovery)} of the credit cost of {days[i]:.0f} avoidable days saved, at "
                    f"{pct(ctx.rate)} a year on {ctx.money(invoiced[i])} invoiced a year",
                ],
                facts={
                    "days_late": None if not np.isfinite(late[i]) else round(late[i], 1),
                    "terms_days": None if not np.isfinite(terms[i]) else round(terms[i], 1),
                    "peer_terms_days": None if not np.isfinite(peers[i]) else round(peers[i], 1),
                    "avoidable_days": round(days[i], 1),
                    "credit_cost_a_year": ctx.effect(credit[i]),
                },
            )
        )


def _discipline(ctx: RuleContext, i: int) -> str | None:
    """Payment discipline in words (docs/value.md): days to pay against terms, the share paid late, DSO."""
    days, over = ctx.col("avg_days_to_pay")[i], ctx.col("days_over_terms")[i]
    late, dso = ctx.col("share_paid_late")[i], ctx.col("dso")[i]
    parts = []
    if np.isfinite(days):
        against = f" ({over:+.0f} against its terms)" if np.isfinite(over) else ""
        parts.append(f"pays in {days:.0f} days on average{against}")
    if np.isfinite(late):
        parts.append(f"{pct(late)} of its invoices due were paid late")
    if np.isfinite(dso):
        parts.append(f"DSO {dso:.0f} days")
    return "; ".join(parts) or None
