"""What-if scenarios: the arithmetic checked by hand on three customers, the response assumptions, the
scope, the clear errors of a bad file, and saving, listing and comparing."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal as D

import pytest

from clientbase.decisions.inputs import gather_inputs
from clientbase.decisions.projection import run_scenario
from clientbase.decisions.rules import rules_from_dict
from clientbase.decisions.saved_scenarios import (
    compare_scenarios,
    get_scenario,
    list_scenarios,
    save_scenario,
)
from clientbase.decisions.scenario import parse_scenario
from clientbase.errors import NotFoundError, ValidationError
from clientbase.registry.access import Actor
from clientbase.store import Store, connect
from tests.decisions.company import PERIOD, build

HEAD, ANNA, IVAN, OLA = (
    Actor("M01", "head"),
    Actor("M03", "manager"),
    Actor("M04", "manager"),
    Actor("M02", "analyst"),
)
NO_RESPONSE = """
[assumptions]
elasticity = [0, 0, 0]
loss_per_point = [0, 0, 0]
loss_per_service_cut = [0, 0, 0]
loss_per_policy = [0, 0, 0]
"""
QUICK = rules_from_dict({"general": {"use_quality": False}})


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    with connect("duckdb:///:memory:") as s:
        build(s)
        yield s


def run(store: Store, text: str, actor: Actor = HEAD) -> dict:
    inputs = gather_inputs(store, rules=QUICK, with_value=False, **PERIOD)
    return run_scenario(
        store, actor=actor, scenario=parse_scenario(text), rules=QUICK, inputs=inputs
    ).as_dict()


def by_id(result: dict) -> dict[str, dict]:
    return {c["counterparty_id"]: c for c in result["customers"]}


def test_a_two_point_discount_cut_adds_exactly_two_percent_of_sales_at_list(store: Store) -> None:
    result = run(store, 'name = "2 points less discount"\n[changes]\ndiscount_points = -2\n' + NO_RESPONSE)
    t = result["totals"]
    # sales at list 15,000.00 + 462.50 + 4,000.50 = 19,463.00; 2 % of it = 389.26
    assert t["before"]["gross_sales_list"] == D("19463.00")
    assert t["change"] == {"low": D("389.26"), "base": D("389.26"), "high": D("389.26")}
    customers = by_id(result)
    assert {cid: c["change"] for cid, c in customers.items()} == {
        "A": D("300.00"),
        "B": D("9.25"),
        "C": D("80.01"),
    }
    a = customers["A"]
    assert a["before"]["net_revenue"] == D("13500.00") and a["after"]["net_revenue"] == D("13800.00")
    assert a["after"]["discount"] == D("1200.00") and a["after"]["cogs"] == a["before"]["cogs"]
    # every customer adds up, and the totals are the sums of the customers
    for c in customers.values():
        after = c["after"]
        assert (
            after["net_revenue"] - after["cogs"] - after["cost_to_serve"] - after["credit_cost"]
            == after["net_contribution"]
        )
    assert (
        sum(c["after"]["net_contribution"] for c in customers.values())
        == t["after"]["base"]["net_contribution"]
    )


def test_the_response_assumptions_by_hand(store: Store) -> None:
    text = """name = "2 points less discount, customer A"
[scope]
customers = ["A"]
[changes]
discount_points = -2
[assumptions]
elasticity = [2.0, 1.0, 0.0]
loss_per_point = [0.04, 0.02, 0.0]
"""
    a = by_id(run(store, text))["A"]
    # price +300 on 13,500: r = 2.2222 %; volume 1 - 1 x r = 0.977778; loss 2 % x 2.2222 = 4.4444 %
    assert a["volume_factor"] == pytest.approx(0.977778, abs=1e-6)
    assert a["loss_probability"] == pytest.approx(0.044444, abs=1e-6)
    keep = (1 - 300 / 13500) * (1 - 0.02 * 100 * 300 / 13500)
    assert a["after"]["gross_sales_list"] == D(f"{15000 * keep:.2f}")
    assert a["after"]["net_revenue"] == D(f"{13800 * keep:.2f}")
    # deliveries (order-driven) scale with volume; visits only with the chance of keeping the customer
    kept = 1 - 0.02 * 100 * 300 / 13500
    assert a["after"]["cost_to_serve"] == D(f"{40 * keep:.2f}") + D(f"{240 * kept:.2f}")
    # the third run (elasticity 0, no loss) is the high end: exactly +300
    assert a["net_contribution_high"] - a["before"]["net_contribution"] == D("300.00")
    assert a["net_contribution_low"] < a["after"]["net_contribution"] < a["net_contribution_high"]


def test_shorter_payment_terms_save_their_credit_cost(store: Store) -> None:
    result = run(
        store,
        'name = "30 days for A"\n[scope]\ncustomers = ["A"]\n[changes]\npayment_days = 30\n' + NO_RESPONSE,
    )
    a = by_id(result)["A"]
    # A: 13,500 invoiced, paid on the due date at 60 days: 162.00 a year; 30 days fewer saves 81.00
    assert a["before"]["credit_cost"] == D("162.00") and a["after"]["credit_cost"] == D("81.00")
    assert a["change"] == D("81.00")


def test_visits_fees_and_exit(store: Store) -> None:
    nothing = run(store, 'name = "no visits"\n[scope]\ncustomers = ["C"]\n[changes]\nvisits_per_year = 1\n')
    assert "no activities of kind 'visit'" in nothing["notes"][0]
    visits = run(
        store, 'name = "1 visit"\n[scope]\ncustomers = ["A"]\n[changes]\nvisits_per_year = 1\n' + NO_RESPONSE
    )
    assert by_id(visits)["A"]["change"] == D("180.00")  # 4 visits of 60.00 become 1
    fee = run(store, 'name = "fee"\n[changes]\ndelivery_fee = 5\n' + NO_RESPONSE)
    assert fee["totals"]["after"]["base"]["fees"] == D("20.00")  # 2 + 1 + 1 orders
    out = run(store, 'name = "exit B"\n[scope]\ncustomers = ["B"]\n[changes]\nexit = true\n')
    b = by_id(out)["B"]
    assert b["after"]["net_contribution"] == D("0.00") and b["change"] == -b["before"]["net_contribution"]


def test_minimum_order_value_merges_small_orders(store: Store) -> None:
    def change(minimum: int) -> D:
        text = f'name = "MOV"\n[scope]\ncustomers = ["A"]\n[changes]\nminimum_order_value = {minimum}\n'
        return by_id(run(store, text + NO_RESPONSE))["A"]["change"]

    # A's orders are worth 9,000 and 4,500, each with a delivery of 20.00. Below 5,000 only the second:
    # merged into ceil(4,500 / 5,000) = 1 order, nothing saved. Below 20,000 both: ceil(13,500 / 20,000) = 1
    # order instead of 2, so the order-driven costs halve: 20.00 saved
    assert change(5000) == D("0.00")
    assert change(20000) == D("20.00")


def test_scope_by_manager_and_errors(store: Store) -> None:
    text = 'name = "all"\n[changes]\ndiscount_points = -2\n' + NO_RESPONSE
    assert [c["counterparty_id"] for c in run(store, text, ANNA)["customers"]] == ["A", "C"]
    with pytest.raises(NotFoundError, match="not visible to M03: B"):
        run(store, 'name = "B"\n[scope]\ncustomers = ["B"]\n', ANNA)
    segment = run(store, 'name = "trade"\n[scope]\nsegment = "nobody"\n')
    assert segment["customers"] == [] and "no customer" in segment["notes"][0]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[changes]\ndiscount_points = -2\n", "name"),
        ('name = "x"\n[changes]\ndiscount_pts = -2\n', "changes.discount_pts"),
        ('name = "x"\n[changes]\npayment_days = -5\n', "changes.payment_days"),
        ('name = "x"\n[scope]\nquadrant = "lucky"\n', "scope.quadrant"),
        ('name = "x"\n[assumptions]\nelasticity = [1, 2]\n', "assumptions.elasticity"),
        ('name = "x"\n[assumptions]\nloss_per_point = [2, 1, 0]\n', "assumptions.loss_per_point"),
        ('name = "x"\n[changes]\nsmall_order_fee = 5\n', "changes.small_order_below"),
        ('name = "x\n', None),
    ],
)
def test_a_bad_scenario_file_names_the_key(text: str, where: str | None) -> None:
    with pytest.raises(ValidationError) as info:
        parse_scenario(text, file="what-if.toml")
    problem = info.value.problems[0]
    assert problem.file == "what-if.toml" and problem.column == where


def test_saved_scenarios_are_listed_and_compared(store: Store) -> None:
    inputs = gather_inputs(store, rules=QUICK, with_value=False, **PERIOD)
    texts = {
        "cut": 'name = "2 points less"\n[changes]\ndiscount_points = -2\n' + NO_RESPONSE,
        "terms": 'name = "30 days"\n[changes]\npayment_days = 30\n' + NO_RESPONSE,
    }
    saved = {}
    for key, text in texts.items():
        result = run_scenario(store, actor=ANNA, scenario=parse_scenario(text), rules=QUICK, inputs=inputs)
        saved[key] = save_scenario(store, actor=ANNA, result=result)
    head_view = run_scenario(
        store, actor=HEAD, scenario=parse_scenario(texts["cut"]), rules=QUICK, inputs=inputs
    )
    save_scenario(store, actor=HEAD, result=head_view)
    assert {s.name for s in list_scenarios(store, actor=ANNA)} == {"2 points less", "30 days"}
    assert len(list_scenarios(store, actor=OLA)) == 3
    with pytest.raises(NotFoundError):
        get_scenario(store, actor=IVAN, scenario_id=saved["cut"].scenario_id)
    again = get_scenario(store, actor=ANNA, scenario_id=saved["cut"].scenario_id)
    assert again.result["totals"]["change"]["base"] == D("380.01")  # A and C only: 300.00 + 80.01
    rows = compare_scenarios(
        store, actor=ANNA, scenario_ids=[saved["cut"].scenario_id, saved["terms"].scenario_id]
    ).rows()
    assert [r["change_base"] for r in rows] == [D("380.01"), D("81.00")]
    with pytest.raises(ValidationError):
        compare_scenarios(store, actor=ANNA, scenario_ids=[saved["cut"].scenario_id])


def test_the_worked_example_of_docs_with_the_default_assumptions(store: Store) -> None:
    result = run(store, 'name = "A"\n[scope]\ncustomers = ["A"]\n[changes]\ndiscount_points = -2\n')
    a = by_id(result)["A"]
    after = a["after"]
    assert (after["net_revenue"], after["cogs"], after["cost_to_serve"], after["credit_cost"]) == (
        D("12893.63"),
        D("8408.89"),
        D("266.70"),
        D("151.36"),
    )
    assert (a["before"]["net_contribution"], after["net_contribution"]) == (D("4058.00"), D("4066.68"))
    assert result["totals"]["change"] == {"low": D("-273.57"), "base": D("8.68"), "high": D("221.27")}
