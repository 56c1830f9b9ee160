"""Each indicator on a company small enough to count by hand (tests/health/small.py), the scoring, the
settings, who may read the check, and its cache."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterator
from decimal import Decimal

import pandas as pd
import pytest
import sqlalchemy as sa

from clientbase import schema
from clientbase.decisions.health import decide, form
from clientbase.decisions.health.model import Indicator, Point, Step
from clientbase.decisions.health.scoring import (
    linear_score,
    points_to_gain,
    score_indicator,
    score_step,
    target_of,
    weighted,
)
from clientbase.decisions.health.service import HealthReport, health, improve_first, overall_score
from clientbase.decisions.health.settings import (
    HealthSettings,
    IndicatorRule,
    settings_from_dict,
    settings_toml,
)
from clientbase.errors import PermissionDeniedError, ValidationError
from clientbase.registry.access import Actor
from clientbase.store import Store, connect
from tests.health.small import AS_OF, load_small

HEAD = Actor("M01", "head")


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    with connect("duckdb:///:memory:") as s:
        load_small(s)
        yield s


@pytest.fixture(scope="module")
def report(store: Store) -> HealthReport:
    return health(store, actor=HEAD, as_of=AS_OF, cache=False)


def ind(report: HealthReport, code: str) -> Indicator:
    step = report.steps[code.split(".")[0]]
    return next(i for i in step.indicators if i.code == code)


def managers(i: Indicator) -> dict[str, float | None]:
    return dict(i.by_manager)


# -- record ------------------------------------------------------------------------------------------------


def test_duplicates_per_1000_count_stored_pairs_less_rejected(report: HealthReport) -> None:
    # stored pairs A-B and A-C, A-C rejected in review: 1 pair in 3 records = 333.3 per 1,000
    i = ind(report, "record.duplicates_per_1000")
    assert i.value == 333.3 and i.detail["pairs"] == 1
    # M03 owns A and C: the pair touches 1 of their 2 records' pairs -> 1 per 2 records; M04 (B): 1 per 1
    assert managers(i) == {"M03": 500.0, "M04": 1000.0}


def test_records_without_owner(report: HealthReport) -> None:
    assert ind(report, "record.without_owner").value == 0.0


def test_common_base_share_reads_the_first_history_entry(report: HealthReport) -> None:
    # A's first entry came from the UI, B's from an import, C has no history (left out)
    i = ind(report, "record.common_base_share")
    assert i.value == 0.5 and i.detail["by_source"] == {"import": 1, "ui": 1}
    assert managers(i) == {"M03": 1.0, "M04": 0.0}
    # in 2024 only B's record was first entered (A's in 2020)
    assert (i.trend[-1].period, i.trend[-1].value, i.trend[-1].score) == ("2024-01-01..2024-12-31", 0.0, 0.0)


def test_days_to_complete_counts_incomplete_records_to_the_as_of_date(report: HealthReport) -> None:
    # A (first order 2024-03-01) and B (2024-05-02) still miss required fields: 305 and 243 days to
    # 2024-12-31; the median of the two is 274
    i = ind(report, "record.days_to_complete")
    assert i.detail == {"new_customers": 2, "still_incomplete": 2, "worst_manager": "M03"}
    assert i.value == 274.0 and managers(i) == {"M03": 305.0, "M04": 243.0}


def test_quality_completeness_and_staleness_are_the_audits(store: Store, report: HealthReport) -> None:
    from clientbase.quality import audit

    a = audit(store, as_of=AS_OF, duplicates=False)
    assert ind(report, "record.quality_score").value == a.overall_score
    mean = round(sum(100 * r.parts["completeness"] for r in a.records) / 3, 1)
    assert ind(report, "record.completeness").value == mean
    stale = sum(1 for r in a.records if any(i["kind"] == "stale" for i in r.issues))
    assert ind(report, "record.stale_fields").value == round(stale / 3, 4)


# -- work --------------------------------------------------------------------------------------------------


def test_touched_share_and_its_trend(report: HealthReport) -> None:
    # last 90 days (2024-10-03..2024-12-31): only A (visit 2024-11-10) of the 3 active customers
    i = ind(report, "work.touched_share")
    assert i.value == 0.3333 and managers(i) == {"M03": 0.5, "M04": 0.0}
    # windows before: A (visit 08-10); A and B (visit 05-10, delivery 05-03); A (visit 02-10)
    assert [p.value for p in i.trend] == [0.3333, 0.6667, 0.3333, 0.3333]
    # the managers have fewer than 20 records: the rule's target, not the best manager's
    assert i.target["source"].startswith("rule")


def test_overdue_tasks(report: HealthReport) -> None:
    # open T1 due 2024-12-01 (overdue), accepted T2 due 2025-01-31; T3 rejected is not open
    i = ind(report, "work.overdue_tasks")
    assert i.value == 0.5 and i.detail["open_tasks"] == 2 and i.detail["overdue"] == 1


def test_buying_customers_nobody_contacts(report: HealthReport) -> None:
    # all three bought in 2024; A had visits (a relationship kind), B only a delivery (order-driven), C nothing
    i = ind(report, "work.buying_untouched")
    assert i.value == 0.6667 and managers(i) == {"M03": 0.5, "M04": 1.0}


# -- analyse -----------------------------------------------------------------------------------------------


def test_priced_share_counts_customers_without_activities_as_unpriced(report: HealthReport) -> None:
    # period 2023-09-03..2024-09-02: A 13,500.00 + B 462.50 priced, C 3,600.45 without any activity
    i = ind(report, "analyse.priced_share")
    assert i.detail["net_revenue"] == Decimal("17562.95")
    assert i.detail["unpriced_net_revenue"] == Decimal("3600.45")
    assert i.value == round((17562.95 - 3600.45) / 17562.95, 4)
    # the period before had sales but no activity at all
    assert i.trend[0].value == 0.0


def test_zero_rate_kind_is_unpriced(store: Store) -> None:
    with connect("duckdb:///:memory:") as s:
        load_small(s)
        with s.begin() as conn:
            conn.execute(
                sa.update(schema.cost_drivers).where(schema.cost_drivers.c.kind == "delivery").values(rate=0)
            )
        r = health(s, actor=HEAD, as_of=AS_OF, cache=False)
    i = ind(r, "analyse.priced_share")
    # now A and B (deliveries without a rate) are unpriced too: nothing is priced
    assert i.value == 0.0 and i.detail["kinds_without_rate"] == ["delivery"]


def test_payment_data_share_and_history(report: HealthReport) -> None:
    # invoices issued in the period and due by 2024-12-01: FA1, FA2 (due 2024-11-01), FB1, FC1; all paid
    i = ind(report, "analyse.payment_data_share")
    assert (i.value, i.detail["invoices"]) == (1.0, 4)
    # order lines and activities from 2023-06 to 2024-11: 18 months
    assert ind(report, "analyse.periods_available").value == 18.0
    assert ind(report, "analyse.capacity_mismatch").value is None


def test_capacity_mismatch_adds_unused_and_overused_cost() -> None:
    with connect("duckdb:///:memory:") as s:
        load_small(s)
        with s.begin() as conn:
            conn.execute(
                sa.update(schema.cost_drivers)
                .where(schema.cost_drivers.c.kind == "visit")
                .values(cost_pool=Decimal("600"), practical_capacity=Decimal("600"))
            )
        r = health(s, actor=HEAD, as_of=AS_OF, cache=False)
    i = ind(r, "analyse.capacity_mismatch")
    # the period 2023-09-03..2024-09-02 has 366 days: capacity 600 x 366 / 365 = 601.644 minutes, the pool
    # 601.64; visits 3 x 60 = 180 minutes -> 421.644 unused at 1.00 = 421.64, a share of 0.7008
    assert i.detail["out_of_line"] == Decimal("421.64")
    assert i.detail["pool_cost"] == Decimal("601.64")
    assert i.value == 0.7008


# -- decide ------------------------------------------------------------------------------------------------


def test_tasks_taken_up(report: HealthReport) -> None:
    i = ind(report, "decide.tasks_taken_up")
    assert i.value == 0.3333 and managers(i) == {"M03": 0.5, "M04": 0.0}


def test_loss_without_action_and_discount_creep_by_hand() -> None:
    cur = pd.DataFrame(
        {
            "net_contribution": [-100, 50, -30],
            "gross_sales_list": [1000, 1000, 1000],
            "discount": [150, 100, 30],
        },
        index=["A", "B", "C"],
    )
    prev = pd.DataFrame(
        {"net_contribution": [10, 50, 10], "gross_sales_list": [1000, 1000, 1000], "discount": [100, 95, 30]},
        index=["A", "B", "C"],
    )
    assert decide.loss_without_action(cur, acted={"C"}) == (["A", "C"], ["A"])
    # A: 10 % -> 15 % (+5 points), B +0.5, C 0: only A creeps by 2 points or more
    assert decide.discount_creep(cur, prev, creep_pp=2.0, min_share=1.0) == ["A"]
    assert decide.discount_creep(cur, prev, creep_pp=0.5, min_share=0.0) == ["A", "B"]


def test_measured_effect_waits_for_done_tasks(report: HealthReport) -> None:
    assert ind(report, "decide.measured_effect").value is None
    assert ind(report, "decide.forecast_accuracy").note.startswith("not computed")


# -- form --------------------------------------------------------------------------------------------------


def test_form_indicators_by_hand() -> None:
    p = pd.DataFrame(
        {
            "mode": ["targeted", "spontaneous", "spontaneous", "targeted"],
            "converted": [True, True, False, True],
            "acquisition_cost": [1000, 500, 300, 200],  # cents
            "to_date": [5000, -100, 0, 0],
            "first12": [4000, -200, 0, 100],
            "first12_known": [True, True, False, False],
        },
        index=["P1", "P2", "P3", "P4"],
    )
    assert form.targeted_share(p[p["converted"]]) == 0.6667
    assert form.conversion(p) == 0.75
    # 20.00 spent on all four; only P1 is in profit, having brought 50.00: 0.4
    assert form.cost_per_profitable(p) == (0.4, 2000, 1)
    # first 12 months over: P1 (+40.00) and P2 (-2.00): half lost money
    assert form.loss_after_12m(p) == 0.5


def test_a_base_without_history_has_no_form_values(report: HealthReport) -> None:
    # every record was created before the first order line: nobody was won in the window
    assert all(i.value is None for i in report.steps["form"].indicators)
    assert report.steps["form"].score is None


# -- scoring -----------------------------------------------------------------------------------------------


def test_linear_score_both_directions() -> None:
    assert linear_score(0.5, good=0.8, bad=0.2) == 50.0
    assert linear_score(0.05, good=0.1, bad=0.5) == 100.0
    assert linear_score(0.7, good=0.1, bad=0.5) == 0.0
    assert weighted([(80.0, 1.0), (20.0, 1.0), (None, 9.0)]) == 50.0


def test_targets_from_the_best_manager_and_from_history() -> None:
    i = Indicator("x.y", "X", "x", "share", "higher", 0.5, by_manager={"M1": 0.9, "M2": 0.4, "M3": 0.99})
    rule = IndicatorRule(1.0, 0.8, 0.2, "best_manager")
    # M3 has too few records to set the target
    t = target_of(i, rule, {"M1": 30, "M2": 30, "M3": 2}, min_records=20)
    assert t["good"] == 0.9 and "M1" in str(t["source"])
    score_indicator(i, rule, {"M1": 30, "M2": 30, "M3": 2}, 20)
    assert i.score == round(100 * (0.5 - 0.2) / (0.9 - 0.2), 1) and i.manager_scores["M1"] == 100.0
    h = Indicator(
        "x.z", "Z", "z", "share", "lower", 0.3, trend=[Point("a", 0.25), Point("b", 0.1), Point("c", 0.3)]
    )
    t = target_of(h, IndicatorRule(1.0, 0.05, 0.5, "history"), {}, 20)
    assert t["good"] == 0.1 and t["source"] == "the company's own best period"


def test_points_to_gain_and_improve_first() -> None:
    from clientbase.decisions.health.model import Change

    a = Indicator("s.a", "A", "a", "share", "higher", 0.0, change=Change("fix a", "/customers?owner_id=M1"))
    b = Indicator("s.b", "B", "b", "share", "higher", 1.0, change=Change("fix b"))
    c = Indicator("t.c", "C", "c", "share", "higher", 0.5, change=Change("fix c", None, Decimal("7")))
    for i in (a, b):
        score_indicator(i, IndicatorRule(1.0, 1.0, 0.0), {}, 20)
    score_indicator(c, IndicatorRule(1.0, 1.0, 0.0), {}, 20)
    steps = {"s": Step("s", [a, b]), "t": Step("t", [c])}
    score_step(steps["s"], 1.0)
    score_step(steps["t"], 1.0)
    # step s scores 50 (0 and 100), t 50; a reaching 100 adds 100 x 1/2 x 1/2 = 25 points overall
    assert points_to_gain(a, steps["s"], steps) == 25.0
    assert points_to_gain(c, steps["t"], steps) == 25.0
    first = improve_first(steps)
    # equal points: the one with money at stake first; b is at its target and is not listed
    assert [x.code for x in first] == ["t.c", "s.a"]
    assert first[1].link == "/customers?owner_id=M1"


def test_overall_is_the_weighted_mean_of_the_steps(report: HealthReport) -> None:
    scored = [(s.score, s.weight) for s in report.steps.values()]
    assert report.overall == weighted(scored)
    d = report.as_dict()
    assert set(d["steps"]) == {"form", "record", "work", "analyse", "decide"}
    assert {"score", "indicators"} <= set(d["steps"]["record"]) and d["overall"] == report.overall
    assert len(d["improve_first"]) == 3


def test_settings_change_the_weighting(store: Store, report: HealthReport) -> None:
    heavy = settings_from_dict({"steps": {"analyse": 10}})
    other = health(store, actor=HEAD, as_of=AS_OF, settings=heavy, cache=False)
    assert other.overall == weighted([(s.score, s.weight) for s in other.steps.values()])
    assert other.steps["analyse"].weight == 10.0 and other.overall != report.overall


def test_settings_toml_round_trips_and_refuses_typos() -> None:
    assert settings_from_dict(tomllib.loads(settings_toml())) == HealthSettings()
    with pytest.raises(ValidationError, match="unknown indicator"):
        settings_from_dict({"indicators": {"record.stail": {"good": 1}}})
    with pytest.raises(ValidationError, match="enum"):
        settings_from_dict({"indicators": {"record.stale_fields": {"target": "boss"}}})
    with pytest.raises(ValidationError, match="unknown step"):
        settings_from_dict({"steps": {"sell": 1}})


# -- roles, cache, an empty base -----------------------------------------------------------------------------


def test_a_manager_may_not_read_the_check(store: Store) -> None:
    with pytest.raises(PermissionDeniedError):
        health(store, actor=Actor("M03", "manager"), as_of=AS_OF)
    with pytest.raises(PermissionDeniedError):
        overall_score(store, Actor("M03", "manager"))
    assert health(store, actor=Actor("M02", "analyst"), as_of=AS_OF).overall is not None


def test_the_cache_follows_the_data() -> None:
    with connect("duckdb:///:memory:") as s:
        load_small(s)
        first = health(s, actor=HEAD, as_of=AS_OF)
        assert health(s, actor=HEAD, as_of=AS_OF) is first
        with s.begin() as conn:
            conn.execute(
                sa.update(schema.action_tasks)
                .where(schema.action_tasks.c.task_id == "T1")
                .values(status="done", done_on=dt.date(2024, 12, 2), updated_at=dt.datetime(2024, 12, 2))
            )
        again = health(s, actor=HEAD, as_of=AS_OF)
    assert again is not first
    assert ind(again, "work.overdue_tasks").value == 0.0


def test_an_empty_base_is_checked_without_error() -> None:
    with connect("duckdb:///:memory:") as s:
        r = health(s, actor=HEAD)
    assert r.overall is None or 0 <= r.overall <= 100
    assert r.as_dict()["steps"]["form"]["indicators"][0]["value"] is None


def test_the_same_check_on_every_engine(db_url: str, report: HealthReport) -> None:
    with connect(db_url, create=True) as s:
        load_small(s)
        other = health(s, actor=HEAD, as_of=AS_OF, cache=False)
    assert other.as_dict() == report.as_dict()


def test_overall_score_without_waiting_warms_up_in_the_background() -> None:
    import time

    with connect("duckdb:///:memory:") as s:
        load_small(s)
        first = overall_score(s, HEAD, wait=False)
        deadline = time.monotonic() + 120
        score = first
        while not score.ready and time.monotonic() < deadline:
            time.sleep(0.2)
            score = overall_score(s, HEAD, wait=False)
        assert score.ready and score.score == health(s, actor=HEAD).overall
        assert overall_score(s, HEAD) == score  # waiting gives the same
    assert not first.ready and first.score is None
