"""The plain-language headline of the bridge: how sales and profit moved, and which parts caused it."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

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


def _mostly(bridge: Bridge, part: str, sign: int, attributes: Mapping[str, Mapping[str, Any]]) -> str:
    """' — mostly <size band>' when one size band holds at least half of the part's amount."""
    by_band: dict[str, Decimal] = {}
    total = ZERO
    for c in bridge.customers:
        amount = c.components[part] * sign
        if amount > 0:
            band = attributes.get(c.counterparty_id, {}).get("size_band")
            total += amount
            if band:
                by_band[str(band)] = by_band.get(str(band), ZERO) + amount
    if not by_band or total == 0:
        return ""
    band, amount = max(by_band.items(), key=lambda kv: kv[1])
    return f" (mostly {band} accounts)" if amount * 2 >= total else ""


def headline(
    bridge: Bridge,
    *,
    sales_before: Decimal,
    sales_after: Decimal,
    attributes: Mapping[str, Mapping[str, Any]] | None = None,
) -> str:
    """One sentence: sales and net contribution change in %, and the two parts that explain most of it.

    Example:
        >>> import datetime as dt
        >>> from clientbase.analytics.bridge import bridge
        >>> from clientbase.analytics.period import Period
        >>> from clientbase.analytics.pnl import CustomerPnL
        >>> before = {"A": CustomerPnL("A", gross_sales_list=Decimal("100.00"), net_revenue=Decimal("100.00"))}
        >>> after = {"A": CustomerPnL("A", gross_sales_list=Decimal("120.00"), net_revenue=Decimal("90.00"))}
        >>> b = bridge(before, after, from_period=Period(dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
        ...            to_period=Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31)))
        >>> headline(b, sales_before=Decimal("100.00"), sales_after=Decimal("90.00"))
        'Sales −10.0 %, net contribution −10.0 %: 100 % of the fall is discounts given to 1 customer.'
    """
    attributes = attributes or {}
    sales = _signed_pct(percent(sales_after - sales_before, sales_before))
    before = bridge.before_total
    profit = _signed_pct(percent(bridge.total_change, abs(before))) if before != 0 else "n/a"
    start = f"Sales {sales}, net contribution {profit}"
    change = bridge.total_change
    if change == 0:
        return f"{start}: no change in net contribution."
    sign = -1 if change < 0 else 1
    moving = {k: v for k, v in bridge.components.items() if v * sign > 0}
    gross = sum(moving.values(), ZERO)
    ranked = sorted(moving.items(), key=lambda kv: -abs(kv[1]))[:2]
    parts = []
    for i, (name, amount) in enumerate(ranked):
        n = sum(1 for c in bridge.customers if c.components[name] * sign > 0)
        share = percent(amount, gross) or ZERO
        text = PHRASES[name][0 if sign < 0 else 1].format(
            n=n, who=f"{n} customer{'s' if n != 1 else ''}"
        ) + _mostly(bridge, name, sign, attributes)
        word = "the fall" if sign < 0 else "the rise"
        parts.append(f"{share:.0f} % of {word} is {text}" if i == 0 else f"{share:.0f} % is {text}")
    return f"{start}: {'; '.join(parts)}."
