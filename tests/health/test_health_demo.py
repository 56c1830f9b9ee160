"""On the demo company the planted weaknesses show in the right step, without the check reading them: the
sloppy manager's blank fields and the stale manager's old values in *record*, the spontaneous tail in
*form*, the discount creep nobody acts on in *decide*. The planted truths come from ``demo_truth``, which
only tests read."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from clientbase import schema
from clientbase.decisions.health.model import Indicator
from clientbase.decisions.health.service import HealthReport, health
from clientbase.demo.build import load_demo
from clientbase.demo.generate import generate
from clientbase.registry.access import Actor
from clientbase.store import Store, connect

SRC = Path(__file__).resolve().parents[2] / "src" / "clientbase" / "decisions" / "health"


@dataclass
class Demo:
    store: Store
    report: HealthReport
    truth: pd.DataFrame
    owners: pd.Series


@pytest.fixture(scope="module")
def demo() -> Iterator[Demo]:
    data = generate(customers=2000, years=3, seed=42)
    with connect("duckdb:///:memory:") as store:
        load_demo(store, data)
        with store.begin() as conn:
            owners = dict(
                conn.execute(
                    sa.select(schema.counterparties.c.counterparty_id, schema.counterparties.c.owner_id)
                ).all()
            )
        report = health(store, actor=Actor("M01", "head"), cache=False)
        yield Demo(store, report, data.truth.to_pandas(), pd.Series(owners))


def ind(report: HealthReport, code: str) -> Indicator:
    return next(i for i in report.steps[code.split(".")[0]].indicators if i.code == code)


def planted_owner(demo: Demo, cause: str) -> str:
    """The manager who owns most of the records the generator planted ``cause`` on."""
    ids = demo.truth.loc[demo.truth["cause"] == cause, "counterparty_id"]
    return str(demo.owners.reindex(ids).value_counts().index[0])


def lowest(scores: dict[str, float | None], n: int) -> list[str]:
    known = sorted((s, m) for m, s in scores.items() if s is not None)
    return [m for _, m in known[:n]]


def test_blank_fields_and_stale_records_show_in_record(demo: Demo) -> None:
    sloppy, stale = planted_owner(demo, "blank_fields"), planted_owner(demo, "stale_fields")
    assert sloppy != stale
    record = demo.report.steps["record"]
    print(record.by_manager)
    # the two managers hold the record step back: the two lowest record scores
    assert set(lowest(record.by_manager, 2)) == {sloppy, stale}
    # ... each in its own indicator
    assert ind(demo.report, "record.completeness").detail["worst_manager"] == sloppy
    assert ind(demo.report, "record.stale_fields").detail["worst_manager"] == stale
    # and the stale manager's step scores elsewhere are not the reason: record is their weakest step
    steps = {name: s.by_manager.get(stale) for name, s in demo.report.steps.items()}
    assert steps["record"] is not None and steps["record"] < 70


def test_the_spontaneous_tail_shows_in_form(demo: Demo) -> None:
    targeted = ind(demo.report, "form.targeted_share")
    print(targeted.value, targeted.detail, ind(demo.report, "form.loss_after_12m").detail)
    assert targeted.value is not None and targeted.value < 0.5
    assert targeted.score is not None and targeted.score < 50
    # the new customers that lost money in their first 12 months were mostly won spontaneously
    loss = ind(demo.report, "form.loss_after_12m")
    assert loss.members, "no loss-making new customers found"
    with demo.store.begin() as conn:
        modes = dict(
            conn.execute(
                sa.select(schema.counterparties.c.counterparty_id, schema.counterparties.c.acquisition_mode)
            ).all()
        )
    spontaneous = sum(1 for c in loss.members if modes.get(c) == "spontaneous")
    assert spontaneous / len(loss.members) > 0.6


def test_discount_creep_without_action_shows_in_decide(demo: Demo) -> None:
    creep = ind(demo.report, "decide.creep_without_action")
    planted = set(demo.truth.loc[demo.truth["cause"] == "discount_creep", "counterparty_id"])
    found = set(creep.members)
    print(len(planted), len(found), len(planted & found))
    assert len(planted) >= 30
    # most of the planted creep is found, and most of what is found was planted
    assert len(planted & found) / len(planted) >= 0.6
    assert len(planted & found) / len(found) >= 0.5
    # no task acts on it yet: the indicator is at its worst and is among the changes to make first
    assert creep.value == 1.0 and creep.score == 0.0
    assert "decide.creep_without_action" in [i.code for i in demo.report.improve_first] or any(
        i.step == "decide" for i in demo.report.improve_first
    )


def test_every_step_is_scored_and_the_shape_is_the_issues(demo: Demo) -> None:
    d = demo.report.as_dict()
    assert set(d["steps"]) == {"form", "record", "work", "analyse", "decide"}
    for step in d["steps"].values():
        assert step["score"] is not None and 0 <= step["score"] <= 100
        for i in step["indicators"]:
            assert {"code", "definition", "value", "trend", "target", "score"} <= set(i)
            assert i["target"]["source"]
    assert 0 <= d["overall"] <= 100 and len(d["improve_first"]) == 3
    for item in d["improve_first"]:
        assert item["change"] and item["score_points"] > 0


def test_nothing_in_the_check_knows_the_demo() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in SRC.glob("*.py"))
    for word in ("demo_truth", "clientbase.demo", "blank_fields", "stale_status", "nordwholesale", "Story("):
        assert word not in text, word
