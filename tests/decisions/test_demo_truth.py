"""On the demo company the actions find what the generator planted (``demo_truth``), without reading it, and
leave the healthy customers alone."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from clientbase.decisions.actions import CORRECTIVE, Action, list_actions, propose_actions
from clientbase.decisions.inputs import DecisionInputs, gather_inputs
from clientbase.demo.build import load_demo
from clientbase.demo.generate import generate
from clientbase.demo.story import Story
from clientbase.registry.access import Actor
from clientbase.store import Store, connect
from tests.decisions.stub import ACTION_KEYS
from tests.decisions.truth import CAUSES, score


@dataclass
class Demo:
    store: Store
    inputs: DecisionInputs
    actions: list[Action]
    truth: pd.DataFrame


@pytest.fixture(scope="module")
def demo() -> Iterator[Demo]:
    data = generate(customers=2000, years=3, seed=42)
    with connect("duckdb:///:memory:") as store:
        load_demo(store, data)
        inputs = gather_inputs(store)
        yield Demo(store, inputs, propose_actions(inputs), data.truth.to_pandas())


def test_every_planted_cause_is_found(demo: Demo) -> None:
    s = score(demo.inputs, demo.actions, demo.truth)
    print({c: (s.planted[c], round(s.recall[c], 3), round(s.precision[c], 3)) for c in CAUSES})
    for cause in CAUSES:
        assert s.planted[cause] >= 30, cause
        assert s.recall[cause] >= 0.8, (cause, s.recall[cause])
        # precision is measured and stated in docs/decisions.md; half or more of each code's customers are planted
        assert s.precision[cause] >= 0.5, (cause, s.precision[cause])


def test_profitable_customers_without_a_planted_cause_are_left_alone(demo: Demo) -> None:
    s = score(demo.inputs, demo.actions, demo.truth)
    assert s.profitable_unplanted > 300
    assert s.corrective_share <= 0.10


def test_nothing_fires_on_an_immaterial_amount(demo: Demo) -> None:
    assert Decimal("5.00") < demo.inputs.materiality < Decimal("100.00")
    assert all(a.at_stake >= demo.inputs.materiality for a in demo.actions)
    f = demo.inputs.frame
    chased = f[[c for c in f.columns if c.startswith("overdue_") and c != "overdue_0"]].sum(axis=1) / 100
    few_euros = set(f.index[(chased > 0) & (chased < float(demo.inputs.materiality))])
    collected = {a.counterparty_id for a in demo.actions if a.code == "collect"}
    assert few_euros and not few_euros & collected


def test_the_actions_document_and_the_roles(demo: Demo) -> None:
    head = list_actions(demo.store, actor=Actor("M01", "head"), inputs=demo.inputs)
    document = head.as_dict()
    assert set(document) >= {"period", "actions"}
    first = document["actions"][0]
    assert set(first) >= set(ACTION_KEYS)
    assert [a["priority"] for a in document["actions"]] == sorted(a["priority"] for a in document["actions"])
    assert len(head.actions) == len(demo.actions)
    manager = list_actions(demo.store, actor=Actor("M05", "manager"), inputs=demo.inputs)
    owners = demo.inputs.frame["owner_id"]
    assert manager.actions and all(owners[a.counterparty_id] == "M05" for a in manager.actions)
    only = list_actions(
        demo.store, actor=Actor("M01", "head"), inputs=demo.inputs, owner="M05", code="reprice"
    )
    assert all(a.owner_id == "M05" and a.code == "reprice" for a in only.actions)
    # an inactive owner's customers go to the head
    inactive = [a for a in demo.actions if owners[a.counterparty_id] == "M10"]
    assert inactive and all(a.owner_id == "M01" for a in inactive)
    assert {a.code for a in demo.actions} >= {*CORRECTIVE, "win_back", "retain", "drop_prospect"}


def test_the_rules_know_no_demo_names() -> None:
    story = Story()
    names = {s.segment_label for s in story.segments} | {s.name for s in story.segments}
    names |= {f"M{i:02d}" for i in range(1, story.managers + 1)} | {"demo_truth"}
    sources = Path(__file__).parents[2] / "src" / "clientbase" / "decisions"
    for path in sources.rglob("*.py"):
        if path.name == "value.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert not [n for n in names if f'"{n}"' in text or f"'{n}'" in text], path
