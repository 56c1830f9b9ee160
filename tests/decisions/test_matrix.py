"""The customer matrix on the hand-made company: placement, thresholds, the manager's view."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal as D

import pytest

from clientbase.analytics.run import analyze
from clientbase.decisions.matrix import customer_matrix, matrix_for
from clientbase.decisions.rules import rules_from_dict
from clientbase.registry.access import Actor
from clientbase.store import Store, connect
from tests.decisions.company import PERIOD, build


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    with connect("duckdb:///:memory:") as s:
        build(s)
        yield s


def test_placement_by_the_revenue_weighted_medians(store: Store) -> None:
    m = customer_matrix(analyze(store, **PERIOD))
    points = {p.counterparty_id: p for p in m.points}
    # net price realised: A 13,500 / 15,000 = 90 %, B 100 %, C 3,600.45 / 4,000.50 = 90 %
    # cost-to-serve: A 280 / 13,500 = 2.07 %, B 20 / 462.50 = 4.32 %, C 0 %
    assert (points["A"].net_price_pct, points["B"].net_price_pct, points["C"].net_price_pct) == (
        90.0,
        100.0,
        90.0,
    )
    assert (points["A"].cost_to_serve_pct, points["B"].cost_to_serve_pct, points["C"].cost_to_serve_pct) == (
        2.07,
        4.32,
        0.0,
    )
    # A holds 77 % of the net revenue: both medians are A's own values, and on a threshold counts as high
    assert (m.price_threshold_pct, m.cost_threshold_pct) == (90.0, 2.07)
    assert {c: p.quadrant for c, p in points.items()} == {
        "A": "carriage_trade",
        "B": "carriage_trade",
        "C": "passive",
    }
    assert [p.counterparty_id for p in m.points] == ["A", "C", "B"]  # largest revenue first
    q = m.quadrants()
    assert q["carriage_trade"]["customers"] == 2 and q["passive"]["net_revenue"] == D("3600.45")


def test_thresholds_set_in_the_rules(store: Store) -> None:
    rules = rules_from_dict({"matrix": {"price_threshold_pct": 95, "cost_threshold_pct": 3}})
    m = customer_matrix(analyze(store, **PERIOD), rules=rules)
    assert {p.counterparty_id: p.quadrant for p in m.points} == {
        "A": "bargain_basement",
        "B": "carriage_trade",
        "C": "bargain_basement",
    }
    assert m.threshold_source == {"price": "set in the rules", "cost": "set in the rules"}


def test_a_manager_sees_their_own_customers_on_the_company_thresholds(store: Store) -> None:
    analysis = analyze(store, **PERIOD)
    mine = matrix_for(store, actor=Actor("M04", "manager"), analysis=analysis)
    assert [p.counterparty_id for p in mine.points] == ["B"]
    assert mine.price_threshold_pct == 90.0
    document = matrix_for(store, actor=Actor("M02", "analyst"), analysis=analysis).as_dict()
    assert len(document["customers"]) == 3 and set(document["quadrants"]) == {
        "carriage_trade",
        "passive",
        "bargain_basement",
        "aggressive",
    }
