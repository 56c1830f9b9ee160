"""On the demo company the analysis FINDS what the generator planted (``demo_truth``), without reading it."""

from __future__ import annotations

import pandas as pd
import pytest

from clientbase.analytics.run import Analysis, analyze
from clientbase.demo.build import load_demo
from clientbase.demo.generate import generate
from clientbase.store import connect


@pytest.fixture(scope="module")
def demo() -> tuple[Analysis, pd.DataFrame]:
    data = generate(customers=400, years=3, seed=7)
    with connect("duckdb:///:memory:") as store:
        load_demo(store, data)
        analysis = analyze(store)  # the defaults: last 12 months against the 12 before
    return analysis, data.truth.to_pandas()


def _planted(truth: pd.DataFrame, cause: str) -> set[str]:
    return set(truth.loc[truth["cause"] == cause, "counterparty_id"])


def test_planted_unprofitable_customers_are_in_the_loss_tail(demo: tuple[Analysis, pd.DataFrame]) -> None:
    analysis, truth = demo
    frame = analysis.customers.frame
    planted = _planted(truth, "unprofitable") & set(frame.index)
    tail = set(analysis.whale.ids[analysis.whale.customers_at_peak :])
    assert len(planted) > 50
    # planted on the whole 3-year window, found on the last 12 months: nearly all of them
    assert len(planted & tail) >= 0.9 * len(planted)
    assert analysis.whale.tail_loss > 0


def test_bridge_blames_the_planted_causes(demo: tuple[Analysis, pd.DataFrame]) -> None:
    analysis, truth = demo
    bridge = analysis.bridge
    assert bridge.total_change < 0  # the story: profit falls
    # the biggest part of the fall is discounts, and it is the discount-creep customers' doing
    negative = {k: v for k, v in bridge.components.items() if v < 0}
    assert min(negative, key=lambda k: negative[k]) == "price_discount"
    creep = bridge.parts.index.isin(list(_planted(truth, "discount_creep")))
    price = bridge.parts["price_discount"]
    assert price[creep].sum() <= 0.9 * price[price < 0].sum()
    assert "discounts given to" in analysis.headline and "key accounts" in analysis.headline


def test_cost_to_serve_and_credit_land_on_the_planted_customers(demo: tuple[Analysis, pd.DataFrame]) -> None:
    analysis, truth = demo
    f = analysis.customers.frame

    def share(mask: pd.Series, numerator: str, denominator: str) -> float:
        return float(f.loc[mask, numerator].sum() / f.loc[mask, denominator].sum())

    small = f.index.isin(list(_planted(truth, "small_order_tail")))
    assert share(small, "cost_to_serve", "net_revenue") > 5 * share(~small, "cost_to_serve", "net_revenue")
    late = f.index.isin(list(_planted(truth, "late_payer")))
    # amount-weighted days paid beyond the due date
    assert share(late, "late_amount_days", "invoiced") > 10 * share(~late, "late_amount_days", "invoiced")
    assert share(late, "credit_cost", "net_revenue") > 2 * share(~late, "credit_cost", "net_revenue")
