"""The decide services give the same answers on DuckDB and PostgreSQL (the hand-made company)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from clientbase.decisions.actions import list_actions
from clientbase.decisions.inputs import gather_inputs
from clientbase.decisions.matrix import matrix_for
from clientbase.decisions.projection import run_scenario
from clientbase.decisions.rules import rules_from_dict
from clientbase.decisions.saved_scenarios import get_scenario, save_scenario
from clientbase.decisions.scenario import parse_scenario
from clientbase.decisions.tasks import list_tasks, publish_tasks, update_task
from clientbase.registry.access import Actor
from clientbase.store import connect
from tests.decisions.company import PERIOD, build
from tests.decisions.test_tasks import action

HEAD = Actor("M01", "head")
SCENARIO = 'name = "2 points less"\n[changes]\ndiscount_points = -2\npayment_days = 30\n'


def test_the_services_on_every_engine(db_url: str) -> None:
    rules = rules_from_dict({"general": {"volume_bands": 1}})
    with connect(db_url) as store:
        build(store)
        inputs = gather_inputs(store, rules=rules, **PERIOD)
        frame = inputs.frame
        assert frame.loc["A", "invoice_terms"] == 60.0 and frame.loc["A", "order_cost"] == 4000
        assert frame.loc["A", "overdue"] == 0 and frame.loc["B", "repeat_purchases"] == 1
        actions = list_actions(store, actor=HEAD, rules=rules, inputs=inputs)
        matrix = matrix_for(store, actor=HEAD, analysis=inputs.analysis)
        assert [p.quadrant for p in matrix.points] == ["carriage_trade", "passive", "carriage_trade"]
        result = run_scenario(
            store, actor=HEAD, scenario=parse_scenario(SCENARIO), rules=rules, inputs=inputs
        )
        saved = save_scenario(store, actor=HEAD, result=result)
        again = get_scenario(store, actor=HEAD, scenario_id=saved.scenario_id)
        assert again.result["totals"] == result.as_dict()["totals"]
        task = publish_tasks(store, actor=HEAD, actions=[action("A", "reprice", "M03")]).created[0]
        update_task(
            store,
            actor=Actor("M03", "manager"),
            task_id=task.task_id,
            status="done",
            expected_version=1,
            done_on=dt.date(2024, 12, 1),
        )
        [done] = list_tasks(store, actor=HEAD, status="done")
        assert done.done_on == dt.date(2024, 12, 1) and done.expected_effect == D("100.00")
        summary = [(a.counterparty_id, a.code, a.expected_effect) for a in actions.actions]
        totals = result.totals()
    # the same numbers as on DuckDB, worked out in test_scenario.py and test_matrix.py
    assert totals["change"] == {"low": D("-409.02"), "base": D("22.07"), "high": D("348.89")}
    assert totals["before"]["gross_sales_list"] == D("19463.00")
    # C's 500.00, 61 days past due: 5 % of it would be lost, and 30 days of credit at 7.3 % = 3.00
    assert summary == [("C", "collect", D("28.00"))]
