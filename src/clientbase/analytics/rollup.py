"""Roll-ups of the per-customer P&L by a counterparty attribute: segment, industry, region, owner, ...

Each group's lines are sums of its customers' lines, so the groups of one roll-up add up to the totals.
Customers without the attribute form the group ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from clientbase.analytics.money import ZERO, percent
from clientbase.analytics.pnl import MONEY_LINES, CustomerPnL

#: the attributes the analysis rolls up by (columns of ``counterparties``)
ROLLUP_ATTRIBUTES = ("segment", "industry", "region", "owner_id", "acquisition_mode", "size_band")


@dataclass(frozen=True)
class RollupRow:
    attribute: str
    value: str | None
    customers: int
    lines: dict[str, Decimal]
    loss_makers: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "customers": self.customers,
            **self.lines,
            "net_margin_pct": percent(self.lines["net_contribution"], self.lines["net_revenue"]),
            "loss_makers": self.loss_makers,
        }


def rollup(
    customers: Iterable[CustomerPnL],
    attributes: Mapping[str, Mapping[str, Any]],
    by: str,
) -> list[RollupRow]:
    """The P&L summed by the counterparty attribute ``by``, groups by net contribution descending.

    ``attributes`` maps counterparty_id to its attributes (a row of ``counterparties``).

    Example:
        >>> rows = rollup([CustomerPnL("A", net_revenue=Decimal("5.00")), CustomerPnL("B", net_revenue=Decimal("2.00"))],
        ...               {"A": {"region": "North"}, "B": {"region": "North"}}, "region")
        >>> rows[0].value, rows[0].customers, rows[0].lines["net_contribution"]
        ('North', 2, Decimal('7.00'))
    """
    groups: dict[str | None, list[CustomerPnL]] = {}
    for c in customers:
        value = attributes.get(c.counterparty_id, {}).get(by)
        groups.setdefault(None if value is None else str(value), []).append(c)
    rows = []
    for value, members in groups.items():
        lines = {name: sum((getattr(c, name) for c in members), ZERO) for name in MONEY_LINES}
        rows.append(
            RollupRow(
                attribute=by,
                value=value,
                customers=len(members),
                lines=lines,
                loss_makers=sum(1 for c in members if c.net_contribution < 0),
            )
        )
    rows.sort(key=lambda r: (-r.lines["net_contribution"], r.value or ""))
    return rows
