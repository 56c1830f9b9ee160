"""The plain-language headline of the bridge: how sales and profit moved, and which parts caused it."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from clientbase.analytics.bridge import Bridge
from clientbase.analytics.money import ZERO, percent

#: how each bridge part reads in a sentence, for a fall (first) and for a rise (second)
PHRASES: dict[str, tuple[str, str]] = {
    "new_customers": ("new customers who lose money ({n})", "new customers ({n})"),
    "lost_customers": ("customers lost ({n})", "loss-making customers gone ({n})"),
    "volume": ("lower volume from {who}", "higher volume from {who}"),
    "price_discount": ("discounts given to {who}", "better prices from {who}"),
    "mix_cogs": ("product mix and cost of goods at {who}", "richer mix at {who}"),
    "cost_to_serve": ("cost-to-serve of {who}", "lower cost-to-serve of {who}"),
    "credit_cost": ("longer credit taken by {who}", "faster payment by {who}"),
}


def _signed_pct(value: Decimal | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:+.1f} %".replace("-", "−")


def _mostly(bridge: Bridge, part: str, sign: int, bands: pd.Series | None) -> str:
    """' (mostly <size band> accounts)' when one size band holds at least half of the part's amount
    (``bands``: each customer's size band, aligned on the bridge's customers)."""
    amounts = bridge.parts[part] * sign
    moving = (amounts > 0).to_numpy()
    total = amounts[moving].sum()
    if total == 0 or bands is None:
        return ""
    by_band = amounts[moving].groupby(bands.to_numpy()[moving]).sum()
    if by_band.empty:
        return ""
    band = by_band.idxmax()
    return f" (mostly {band} accounts)" if by_band[band] * 2 >= total else ""


def headline(
    bridge: Bridge,
    *,
    sales_before: Decimal,
    sales_after: Decimal,
    attributes: pd.DataFrame | None = None,
) -> str:
    """One sentence: sales and net contribution change in %, and the two parts that explain most of it.

    Example:
        >>> import datetime as dt
        >>> from clientbase.analytics.bridge import bridge
        >>> from clientbase.analytics.period import Period
        >>> from clientbase.analytics.pnl import COLUMNS, PnL
        >>> def pnl(list_, net):
        ...     f = pd.DataFrame({c: [0] for c in COLUMNS}, index=["A"])
        ...     f["gross_sales_list"], f["net_revenue"], f["gross_margin"], f["net_contribution"] = list_, net, net, net
        ...     return PnL(f, pd.DataFrame(index=["A"]))
        >>> b = bridge(pnl(10000, 10000), pnl(12000, 9000),
        ...            from_period=Period(dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
        ...            to_period=Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31)))
        >>> headline(b, sales_before=Decimal("100.00"), sales_after=Decimal("90.00"))
        'Sales −10.0 %, net contribution −10.0 %: 100 % of the fall is discounts given to 1 customer.'
    """
    sales = _signed_pct(percent(sales_after - sales_before, sales_before))
    before = bridge.before_total
    profit = _signed_pct(percent(bridge.total_change, abs(before))) if before != 0 else "n/a"
    start = f"Sales {sales}, net contribution {profit}"
    change = bridge.total_change
    if change == 0:
        return f"{start}: no change in net contribution."
    sign = -1 if change < 0 else 1
    bands = None
    if attributes is not None and "size_band" in attributes.columns:
        bands = attributes["size_band"].reindex(bridge.parts.index)
    moving = {k: v for k, v in bridge.components.items() if v * sign > 0}
    gross = sum(moving.values(), ZERO)
    ranked = sorted(moving.items(), key=lambda kv: -abs(kv[1]))[:2]
    parts = []
    for i, (name, amount) in enumerate(ranked):
        n = int((bridge.parts[name] * sign > 0).sum())
        share = percent(amount, gross) or ZERO
        text = PHRASES[name][0 if sign < 0 else 1].format(
            n=n, who=f"{n} customer{'s' if n != 1 else ''}"
        ) + _mostly(bridge, name, sign, bands)
        word = "the fall" if sign < 0 else "the rise"
        parts.append(f"{share:.0f} % of {word} is {text}" if i == 0 else f"{share:.0f} % is {text}")
    return f"{start}: {'; '.join(parts)}."
