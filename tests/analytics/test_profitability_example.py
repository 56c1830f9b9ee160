"""The hand-worked four-customer example (docs/methodology.md), on DuckDB and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from clientbase.analytics.run import Analysis, analyze
from clientbase.store import connect
from tests.analytics import example


@pytest.fixture
def analysis(db_url: str) -> Analysis:
    with connect(db_url) as store:
        example.load(store)
        return analyze(store, **example.PERIOD, **example.COMPARE)


def test_alpha_every_line_by_hand(analysis: Analysis) -> None:
    a = analysis.customers["A"]
    # lines: 10 x 100 + 5 x 20 - 1 x 100 at list; 10 x 90 + 5 x 20 - 1 x 90 net; 10 x 60 + 5 x 12 - 60 cost
    assert (a.gross_sales_list, a.net_revenue, a.discount, a.cogs) == (D("1000"), D("910"), D("90"), D("600"))
    assert a.gross_margin == D("310")
    # 2 visits x 120 + 30 call minutes x 1.50 (old rate) + 20 x 2.00 (rate from 2024-07-01)
    assert a.cost_to_serve_by_kind == {"visit": D("240"), "call": D("85")}
    # F1: 600 x 30 days + 400 x 60 days; F2 (credit note, unpaid): -90 x 305 days to 2025-01-31
    # (42000 - 27450) x 0.073 / 365 = 14550 x 0.0002 = 2.91
    assert a.credit_cost == D("2.91")
    assert a.net_contribution == D("310") - D("325") - D("2.91") == D("-17.91")
    assert (a.orders, a.lines, a.activities, a.invoices) == (2, 3, 3, 2)
    r = a.ratios()
    assert r["average_order_value"] == D("455.00")
    assert r["activities_per_order"] == D("1.50")
    assert r["gross_margin_pct"] == D("34.07")  # 310 / 910
    assert r["avg_days_beyond_due"] == D("13.2")  # 400 paid 30 days late / 910 invoiced


def test_beta_unpaid_and_overdue(analysis: Analysis) -> None:
    b = analysis.customers["B"]
    assert (b.gross_sales_list, b.net_revenue, b.cogs) == (D("150"), D("136.50"), D("90.75"))
    # 136.50 unpaid for 72 days (2024-11-20 to 2025-01-31): 9828 x 0.0002 = 1.9656
    assert b.credit_cost == D("1.97")
    assert b.overdue_amount == D("136.50")
    assert b.late_amount_days == D("5733.00")  # 136.50 x 42 days past 2024-12-20
    assert b.net_contribution == D("45.75") - D("40") - D("1.97") == D("3.78")


def test_customers_included_and_totals(analysis: Analysis) -> None:
    # C has only a call in 2024 (its 2025 visit is outside); D bought only in 2023; E never did anything
    assert sorted(analysis.pnl) == ["A", "B", "C"]
    assert sorted(analysis.pnl_previous) == ["A", "B", "D"]
    assert analysis.pnl["C"].net_contribution == D("-15.00")
    # customers in 2024 are those with an order line in it; C never ordered: a prospect
    assert sorted(analysis.customers) == ["A", "B"] and analysis.totals.customers == 2
    assert analysis.standings.to_dict() == {"A": "customer", "B": "customer", "C": "prospect"}
    assert sorted(analysis.customers_previous) == ["A", "B", "D"]
    # C's call is acquisition cost, by its channel (none given) and mode
    [row] = analysis.acquisition
    assert (row.channel, row.mode, row.prospects, row.activities, row.cost) == (
        None,
        "targeted",
        1,
        1,
        D("15"),
    )
    split = {k: t.lines["net_contribution"] for k, t in analysis.standing_totals.items()}
    assert split == {"customer": D("-14.13"), "prospect": D("-15.00"), "former": D("0.00")}
    t = analysis.totals.lines
    assert t == {
        "gross_sales_list": D("1150"),
        "discount": D("103.50"),
        "net_revenue": D("1046.50"),
        "cogs": D("690.75"),
        "gross_margin": D("355.75"),
        "cost_to_serve": D("380"),
        "credit_cost": D("4.88"),
        "net_contribution": D("-29.13"),
    }
    # the previous period: A 350 - 120 - 950 x 30 x 0.0002, B 20, D 12
    assert analysis.customers_previous["A"].net_contribution == D("224.30")
    assert analysis.totals_previous.lines["net_contribution"] == D("256.30")


def test_bridge_by_hand(analysis: Analysis) -> None:
    b = analysis.bridge
    assert b.total_change == D("-29.13") - D("256.30") == D("-285.43")
    assert b.components == {
        "new_customers": D("-15.00"),  # C
        "lost_customers": D("-12.00"),  # D
        "volume": D("40.00"),  # B: (150 - 50) x 20 / 50
        "price_discount": D("-53.50"),  # A: 910 - 950; B: 136.50 - 50 x 150 / 50
        "mix_cogs": D("-0.75"),  # B: -(90.75 - 30 x 150 / 50)
        "cost_to_serve": D("-245.00"),  # A: -(325 - 120); B: -40
        "credit_cost": D("0.82"),  # A: 5.70 - 2.91; B: -1.97
    }
    assert sum(b.components.values()) == b.total_change
    # each cause as an amount and a share of the -285.43: 245.00 / 285.43 = 86 %, 53.50 / 285.43 = 19 %;
    # of the cost-to-serve A (a key account) gave 205.00 of 245.00 = 84 %, of the discounts 40.00 of 53.50
    assert analysis.headline == (
        "Sales +2.6 %, net contribution −111.4 % (−285.43): cost-to-serve of 2 customers rose 245.00 "
        "(86 % of the fall; 1 key account gave 84 % of it), discounts given to 2 customers cost 53.50 more "
        "(19 %; 1 key account gave 75 % of it) and new prospects (1) cost 15.00 (5 %); higher volume from "
        "1 customer brought 40.00 (14 % of the fall) and faster payment by 1 customer saved 0.82 (0.3 %)."
    )


def test_whale_and_capacity(analysis: Analysis) -> None:
    # over the customers in 2024 (B and A bought); C, the prospect, is not on the curve
    w = analysis.whale
    assert [p.counterparty_id for p in w.points] == ["B", "A"]
    assert (w.peak, w.customers_at_peak, w.total, w.tail_loss) == (D("3.78"), 1, D("-14.13"), D("17.91"))
    assert w.peak_share_of_profit is None  # total profit is negative
    call = next(u for u in analysis.capacity if u.kind == "call" and u.valid_from == dt.date(2024, 7, 1))
    # 18250 minutes a year x 184 days / 365 = 9200 minutes in the period; 20 used
    assert (call.capacity_in_period, call.used, call.unused_cost) == (D("9200"), D("20"), D("18360.00"))
    assert call.implied_rate == D("2")


def test_rollup_sums_to_totals(analysis: Analysis) -> None:
    by_segment = {r.value: r for r in analysis.rollups["segment"]}
    assert by_segment["installers"].lines["net_contribution"] == D("-17.91")  # A (C is a prospect)
    assert by_segment["retail"].customers == 1
    for rows in analysis.rollups.values():  # over the customers: all the net revenue, A's and B's
        assert sum(r.lines["net_revenue"] for r in rows) == analysis.totals.lines["net_revenue"]
        assert sum(r.lines["net_contribution"] for r in rows) == D("-14.13")


def test_default_periods_follow_the_data(db_url: str) -> None:
    with connect(db_url) as store:
        example.load(store)
        a = analyze(store)
    # latest order 2024-11-20; latest date of anything: C's visit on 2025-01-05
    assert a.periods.current.start == dt.date(2023, 11, 21)
    assert a.periods.previous.end == dt.date(2023, 11, 20)
    assert a.periods.as_of == dt.date(2025, 1, 5)
