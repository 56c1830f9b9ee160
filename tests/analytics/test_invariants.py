"""Invariants on random small companies: customers sum to the totals, the bridge sums to the change."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clientbase.analytics.bridge import COMPONENTS
from clientbase.analytics.pnl import MONEY_LINES
from clientbase.analytics.run import analyze
from tests.analytics import example
from tests.analytics.engines import memtables
from tests.analytics.random_company import random_company


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10**6),
    customers=st.integers(1, 8),
    orders=st.integers(0, 15),
    activities=st.integers(0, 12),
)
def test_every_line_adds_up(seed: int, customers: int, orders: int, activities: int) -> None:
    rows = random_company(seed, customers, orders, activities)
    a = analyze(memtables(rows), **example.PERIOD, **example.COMPARE)
    for period_customers, totals in ((a.pnl, a.totals), (a.pnl_previous, a.totals_previous)):
        for line in MONEY_LINES:
            assert (
                sum((getattr(c, line) for c in period_customers.values()), Decimal(0)) == totals.lines[line]
            )
        for c in period_customers.values():
            assert c.active
            assert c.net_contribution == c.net_revenue - c.cogs - c.cost_to_serve - c.credit_cost
            assert c.discount == c.gross_sales_list - c.net_revenue
    b = a.bridge
    assert sum(b.components.values()) == b.total_change
    assert b.total_change == a.totals.lines["net_contribution"] - a.totals_previous.lines["net_contribution"]
    for cb in b.customers:
        assert sum(cb.components[k] for k in COMPONENTS) == cb.change
    # the customers, the prospects and the former customers add up to the company
    for by_standing, totals in (
        (a.standing_totals, a.totals),
        (a.standing_totals_previous, a.totals_previous),
    ):
        for line in MONEY_LINES:
            assert sum((t.lines[line] for t in by_standing.values()), Decimal(0)) == totals.lines[line]
        assert sum(t.counterparties for t in by_standing.values()) == totals.counterparties
        assert by_standing["customer"].counterparties == totals.customers
    w = a.whale
    assert w.total == a.standing_totals["customer"].lines["net_contribution"]
    assert w.customers == a.totals.customers
    assert w.peak >= max(w.total, Decimal(0)) and w.tail_loss >= 0
    for rows_ in a.rollups.values():
        assert sum(r.lines["net_contribution"] for r in rows_) == w.total
        assert sum(r.customers for r in rows_) == w.customers
    prospects = a.standing_totals["prospect"]
    assert sum((r.cost for r in a.acquisition), Decimal(0)) == -prospects.lines["net_contribution"]
    assert sum(r.prospects for r in a.acquisition) == prospects.counterparties
