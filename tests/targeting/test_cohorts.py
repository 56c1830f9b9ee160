"""Cohort arithmetic on the hand-made company of ``example.py``: every number worked out on paper."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pyarrow as pa
import pytest

from clientbase.analytics.run import analyze
from clientbase.errors import ValidationError
from clientbase.exchange.load import load_tables
from clientbase.registry.access import Actor
from clientbase.store import connect
from clientbase.targeting.history import History, read_history
from clientbase.targeting.service import acquisition
from tests.targeting import example

HEAD = Actor("M1", "head")


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[object]:
    url = f"duckdb:///{tmp_path}/x.duckdb" if request.param == "duckdb" else request.getfixturevalue("pg_url")
    with connect(url) as s:
        example.load(s)
        yield s


@pytest.fixture
def doc(store: object) -> dict[str, object]:
    return acquisition(store=store, actor=HEAD, as_of=example.AS_OF, since=example.SINCE)


def _row(doc: dict[str, object], channel: str, mode: str) -> dict[str, object]:
    rows = [r for r in doc["by_channel_mode"] if r["channel"] == channel and r["mode"] == mode]  # type: ignore[attr-defined, index]
    assert len(rows) == 1
    return rows[0]


def test_conversion_rate_and_acquisition_cost(doc: dict[str, object]) -> None:
    fair = _row(doc, "trade_fair", "targeted")
    assert (fair["prospects"], fair["converted"], fair["conversion_rate"]) == (2, 1, Decimal("0.5000"))
    assert fair["activity_cost"] == Decimal("100.00")  # A 30 + 50, B 20
    assert fair["campaign_cost"] == Decimal("100.00")  # the fair, shared by A and B
    assert fair["acquisition_cost"] == Decimal("200.00")
    assert fair["cost_per_prospect"] == Decimal("100.00")
    assert fair["cost_per_acquired"] == Decimal("200.00")
    assert fair["days_to_first_order"] == 15
    calls = _row(doc, "cold_call_directory", "spontaneous")
    assert (calls["prospects"], calls["converted"], calls["acquisition_cost"]) == (2, 1, Decimal("20.00"))
    assert calls["cost_per_acquired"] == Decimal("20.00")
    assert calls["days_to_first_order"] == 29


def test_contribution_after_the_first_order_and_payback(doc: dict[str, object]) -> None:
    fair = _row(doc, "trade_fair", "targeted")
    assert fair["first12_per_acquired"] == Decimal("360.00")  # 12 x 30.00
    assert fair["to_date_per_acquired"] == Decimal("450.00")  # 15 x 30.00
    assert fair["net_first12_per_acquired"] == Decimal("160.00")
    assert (fair["payback_month"], fair["payback_customers"]) == (7, 1)  # 7 x 30 = 210 >= 200
    assert (fair["still_active_share"], fair["loss_making_share"], fair["first12_over"]) == (1, 0, True)
    calls = _row(doc, "cold_call_directory", "spontaneous")
    assert calls["first12_per_acquired"] == Decimal("-20.00")
    assert calls["payback_month"] is None
    assert (calls["still_active_share"], calls["loss_making_share"]) == (0, 1)


def test_totals_targeted_vs_spontaneous_and_what_is_left_out(doc: dict[str, object]) -> None:
    totals = doc["totals"]
    assert (totals["prospects"], totals["converted"]) == (4, 2)  # type: ignore[index]
    assert totals["acquisition_cost"] == Decimal("220.00")  # type: ignore[index]
    assert doc["records_before_since"] == 1  # E; the supplier is no prospect
    everything = doc["targeted_vs_spontaneous"][-1]  # type: ignore[index]
    assert everything["channel"] == "all channels"
    assert everything["difference"]["first12_per_acquired"] == Decimal("380.00")  # 360 - (-20)
    fair = next(p for p in doc["targeted_vs_spontaneous"] if p["channel"] == "trade_fair")  # type: ignore[attr-defined]
    assert fair["spontaneous"] is None and fair["difference"] is None


def test_campaigns_shared_exactly_and_the_unmatched_one_reported(doc: dict[str, object]) -> None:
    campaigns = doc["campaigns"]
    assert campaigns["allocated_cost"] == Decimal("100.00")  # type: ignore[index]
    assert campaigns["unallocated_cost"] == Decimal("30.00")  # type: ignore[index]
    assert [c["campaign_id"] for c in campaigns["unallocated"]] == ["DIR-2024-06"]  # type: ignore[index]


def test_monthly_cohorts_are_marked_while_their_12_months_run(store: object) -> None:
    early = acquisition(store=store, actor=HEAD, as_of=dt.date(2024, 6, 30), since=example.SINCE)
    fair = next(r for r in early["cohorts"] if r["channel"] == "trade_fair")
    assert (fair["cohort"], fair["first12_over"], fair["first12_customers"]) == ("2024-01", False, 0)
    assert fair["first12_per_acquired"] is None
    assert fair["payback_month"] is None  # 5 months over: 150 < 200
    assert fair["to_date_per_acquired"] == Decimal("180.00")  # January to June


def test_a_month_of_a_customer_is_what_the_analysis_says_for_that_month(store: object) -> None:
    history: History = read_history(store, as_of=example.AS_OF, since=example.SINCE)
    month = analyze(store, start=dt.date(2024, 5, 1), end=dt.date(2024, 5, 31), as_of=example.AS_OF)
    assert month.customers["A"].net_contribution == Decimal("30.00")
    position = history.curve_ids.get_loc("A")
    cumulative = history.curves[position]
    assert cumulative[4] - cumulative[3] == 3000  # May 2024 is A's fifth month, in cents


def test_default_since_is_the_first_day_of_the_data(store: object) -> None:
    history = read_history(store, as_of=example.AS_OF)
    assert history.since == dt.date(2024, 1, 2)  # E's first order
    assert sorted(history.prospects.index) == ["A", "B", "C", "D"]  # E was created before it


def test_an_activity_no_rate_prices_is_named(tmp_path: object) -> None:
    tables = example.arrow_tables()
    drivers = tables["cost_drivers"].to_pylist()
    for d in drivers:
        if d["kind"] == "call":
            d["valid_from"] = "2024-06-01"  # the calls of January have no rate
    tables["cost_drivers"] = pa.Table.from_pylist(drivers)
    with connect(f"duckdb:///{tmp_path}/u.duckdb") as s:
        load_tables(s, tables)
        with pytest.raises(ValidationError) as caught:
            read_history(s, as_of=example.AS_OF, since=example.SINCE)
    (problem,) = caught.value.problems
    assert (problem.file, problem.column, problem.value) == ("activities", "kind", "call")
    assert "4 activit(ies)" in problem.rule and "add a cost_drivers row" in problem.rule
