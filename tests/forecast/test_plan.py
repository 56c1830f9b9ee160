"""The plan: only the head sets it, a file is all or nothing, and gaps add up to the customers carrying them."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from clientbase.errors import PermissionDeniedError, ValidationError
from clientbase.forecast.plan import import_plan, plan_lines, plan_vs_forecast, set_plan
from clientbase.registry.access import Actor
from clientbase.store import Store, connect

HEAD, MANAGER, ANALYST = Actor("M01", "head"), Actor("M03", "manager"), Actor("M02", "analyst")


@pytest.fixture
def store(demo_path: Path, tmp_path: Path) -> Any:
    copy = tmp_path / "plan.duckdb"
    copy.write_bytes(demo_path.read_bytes())
    with connect(f"duckdb:///{copy}") as s:
        yield s


def _segment(store: Store) -> str:
    return str(store.table("counterparties").segment.execute().dropna().sort_values().iloc[0])


def test_only_the_head_sets_the_plan(store: Store) -> None:
    line = set_plan(store=store, actor=HEAD, month="2026-11", target="1000.5", owner_id="M03")
    assert line["target"] == Decimal("1000.50") and line["segment"] == "*"
    for actor in (MANAGER, ANALYST):
        with pytest.raises(PermissionDeniedError, match="only the head"):
            set_plan(store=store, actor=actor, month="2026-11", target="1")
    # setting the same line again replaces it
    set_plan(store=store, actor=HEAD, month="2026-11", target="2000", owner_id="M03")
    assert [r["target"] for r in plan_lines(store=store, actor=HEAD)] == [Decimal("2000")]


def test_bad_lines_name_what_is_wrong(store: Store) -> None:
    with pytest.raises(ValidationError, match="no such manager"):
        set_plan(store=store, actor=HEAD, month="2026-11", target="1", owner_id="M99")
    with pytest.raises(ValidationError, match="no customer has this segment"):
        set_plan(store=store, actor=HEAD, month="2026-11", target="1", segment="astronauts")
    with pytest.raises(ValidationError, match="YYYY-MM"):
        set_plan(store=store, actor=HEAD, month="November", target="1")
    with pytest.raises(ValidationError, match="at most 2 decimals"):
        set_plan(store=store, actor=HEAD, month="2026-11", target="1.001")


def test_a_plan_file_is_all_or_nothing(store: Store, tmp_path: Path) -> None:
    segment = _segment(store)
    bad = tmp_path / "plan.csv"
    bad.write_text(f"owner_id,segment,month,target\nM03,{segment},2026-11,100\nM03,{segment},2026-12,-5\n")
    with pytest.raises(ValidationError) as caught:
        import_plan(store=store, actor=HEAD, path=bad)
    problem = caught.value.problems[0]
    assert (problem.row, problem.column, problem.value) == (3, "target", "-5")
    assert plan_lines(store=store, actor=HEAD) == []
    good = tmp_path / "good.csv"
    good.write_text(f"owner_id,segment,month,target\nM03,{segment},2026-11,100\nM04,*,2026-11,200\n")
    assert import_plan(store=store, actor=HEAD, path=good)["lines"] == 2
    assert [r["owner_id"] for r in plan_lines(store=store, actor=MANAGER)] == ["M03"]  # a manager: their own


def test_gaps_and_the_customers_that_carry_them(store: Store) -> None:
    segment = _segment(store)
    set_plan(store=store, actor=HEAD, month="2026-09", target="50000", owner_id="M03", segment=segment)
    set_plan(store=store, actor=HEAD, month="2026-11", target="80000", owner_id="M03", segment=segment)
    result = plan_vs_forecast(store=store, actor=MANAGER, horizon=3, top=3)
    assert result["scope"] == {"owner_id": "M03"} and result["coherent"]
    past, ahead = result["lines"]
    assert past["basis"] == "actual" and ahead["basis"] == "forecast"
    assert past["gap"] == past["value"] - past["target"] and ahead["gap"] == ahead["value"] - ahead["target"]
    group = result["shortfalls"][0]
    assert group["gap"] == ahead["gap"] and group["months"] == 1
    shortfalls = [c["shortfall"] for c in group["customers"]]
    assert shortfalls == sorted(shortfalls) and len(shortfalls) <= 3
    everyone = plan_vs_forecast(store=store, actor=MANAGER, horizon=3, top=100_000)["shortfalls"][0][
        "customers"
    ]
    # the customers' shortfalls add up to the gap, each share rounded to the cent
    assert abs(sum(c["shortfall"] for c in everyone) - group["gap"]) <= Decimal("0.01") * len(everyone)
