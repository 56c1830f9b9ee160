"""Each rule on its worked example of docs/decisions.md, checked to the cent, and the rules' shared behaviour:
materiality, owners, due dates, priorities, quality warnings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pandas as pd
import pytest

from clientbase.decisions.actions import propose_actions, run_rules
from clientbase.decisions.levers.base import Finding
from clientbase.decisions.rules import Rules, rules_from_dict
from tests.decisions.stub import peers, stub_inputs

ONE_BAND = rules_from_dict({"general": {"volume_bands": 1}})


def found(rows: dict, code: str, rules: Rules = ONE_BAND, **kwargs: object) -> dict[str, Finding]:
    return {f.counterparty_id: f for f in run_rules(stub_inputs(rows, **kwargs), rules) if f.code == code}


def test_reprice_worked_example() -> None:
    # 18.6 % off list where 5 % is agreed; five customers of the same volume get 7.1 %; 12.0 % a year ago
    rows = {
        "R1": dict(
            gross_sales_list="200000",
            discount="37200",
            net_revenue="162800",
            net_contribution="20000",
            discount_pct=5.0,
            prev_gross_sales_list="180000",
            prev_discount="21600",
            bridge_price_discount="-11880",
        ),
        **peers(
            5,
            gross_sales_list="200000",
            discount="14200",
            net_revenue="185800",
            discount_pct=7.1,
            net_contribution="30000",
            prev_gross_sales_list="200000",
            prev_discount="14200",
        ),
    }
    f = found(rows, "reprice")
    assert list(f) == ["R1"]
    r1 = f["R1"]
    # 13.6 points beyond the agreed 5 % on 200,000 at list = 27,200 a year; half of it won back
    assert r1.at_stake == D("27200.00") and r1.expected_effect == D("13600.00")
    assert r1.reasons[0] == (
        "net price 18.6 % below list where 5.0 % is agreed and customers of the same volume (band 1 of 1) get 7.1 %"
    )
    assert r1.reasons[1].startswith("up 6.6 points from 12.0 % in the compared period")
    assert r1.facts["target_pct"] == 5.0


def test_reprice_peer_test_needs_a_weaker_margin_than_the_peers() -> None:
    # no agreed discount; 12 % where peers get 7.1 %: repriced only while its net margin trails theirs
    base = peers(5, gross_sales_list="100000", discount="7100", net_revenue="92900", net_contribution="9290")
    weak = {
        "X": dict(gross_sales_list="100000", discount="12000", net_revenue="88000", net_contribution="4400")
    }
    strong = {
        "X": dict(gross_sales_list="100000", discount="12000", net_revenue="88000", net_contribution="17600")
    }
    assert found({**base, **weak}, "reprice")["X"].at_stake == D("4900.00")  # (12 - 7.1) % of 100,000
    assert found({**base, **strong}, "reprice") == {}


def test_minimum_order_worked_example() -> None:
    # 48 orders of 200 a year, gross margin 30 %, 70 of order-driven costs per order
    rows = {
        "M1": dict(
            gross_sales_list="10000",
            net_revenue="9600",
            gross_margin="2880",
            orders=48,
            order_cost="3360",
            cost_to_serve="3360",
            net_contribution="-480",
        )
    }
    m1 = found(rows, "minimum_order", order_kinds=("delivery", "order_handling"))["M1"]
    # MOV = 70 / (30 % x 40 %) = 583.33; 9,600 in orders of at least that = 17 orders; 31 saved x 70
    assert m1.facts["minimum_order_value"] == D("583.33") and m1.facts["orders_after"] == 17
    assert m1.at_stake == D("2170.00") and m1.expected_effect == D("1085.00")
    assert "116.7 % of the gross margin" in m1.reasons[0]


def test_cut_cost_to_serve_worked_example() -> None:
    kinds = pd.DataFrame(
        {"visit": [500000, *[100000] * 5], "call": [100000, *[0] * 5]},
        index=["C1", "P1", "P2", "P3", "P4", "P5"],
    )
    rows = {
        "C1": dict(
            gross_sales_list="40000",
            net_revenue="40000",
            gross_margin="10000",
            relationship_cost="6000",
            cost_to_serve="6000",
            net_contribution="4000",
        ),
        **peers(
            5,
            gross_sales_list="40000",
            net_revenue="40000",
            gross_margin="10000",
            relationship_cost="1000",
            cost_to_serve="1000",
            net_contribution="9000",
        ),
    }
    c1 = found(rows, "cut_cost_to_serve", kinds=kinds)["C1"]
    # 60 % of the gross margin against the peers' 10 %: 6,000 - 10 % x 10,000 = 5,000 above; half saved
    assert c1.at_stake == D("5000.00") and c1.expected_effect == D("2500.00")
    assert c1.reasons[1].startswith("largest: visit 5,000 EUR")


def test_collect_worked_example_and_nothing_on_a_few_euros() -> None:
    rows = {
        "K1": dict(overdue_1="1000", overdue_2="2000", overdue_3="500", overdue="3500", oldest_days=120),
        "K2": dict(overdue_2="4.99", overdue="4.99", oldest_days=60),
        "K3": dict(overdue_0="900", overdue="900", oldest_days=10),  # fewer than 15 days past due: not chased
    }
    f = found(rows, "collect")
    assert list(f) == ["K1"]
    # 2 % of 1,000 + 5 % of 2,000 + 15 % of 500 = 195, plus 30 days of credit at 7.3 % on 3,500 = 21
    assert f["K1"].at_stake == D("3500.00") and f["K1"].expected_effect == D("216.00")


def test_renegotiate_terms_worked_example() -> None:
    rows = {
        "T1": dict(
            gross_sales_list="100000",
            net_revenue="100000",
            gross_margin="25000",
            invoiced="100000",
            late_amount_days=str(100000 * 40),
            avg_days_to_pay=100.0,
            days_over_terms=40.0,
            share_paid_late=0.9,
            invoice_terms=60.0,
            payment_days=30.0,
            credit_cost="2000",
        ),
        **peers(
            5,
            gross_sales_list="100000",
            net_revenue="100000",
            invoiced="100000",
            invoice_terms=30.0,
            payment_days=30.0,
        ),
    }
    t1 = found(rows, "renegotiate_terms")["T1"]
    # 40 days late + 30 days beyond the peers' terms = 70 days x 100,000 x 7.3 % / 365 = 1,400; half saved
    assert t1.at_stake == D("1400.00") and t1.expected_effect == D("700.00")
    assert "the record says 30 payment days, the invoices give 60: fix it" in t1.reasons
    assert (
        "pays in 100 days on average (+40 against its terms); 90.0 % of its invoices due were paid late"
        in t1.reasons
    )


def test_win_back_worked_example() -> None:
    rows = {
        "W1": dict(
            gross_sales_list="2000",
            net_revenue="2000",
            net_contribution="1000",
            prev_net_contribution="8000",
            p_alive=0.1,
            days_since_last=150.0,
            usual_gap_days=12.0,
        ),
        "W2": dict(
            gross_sales_list="2000",
            net_revenue="2000",
            net_contribution="10",
            p_alive=0.2,
            prev_net_contribution="-300",
        ),  # earned less than the materiality
    }
    f = found(rows, "win_back")
    assert list(f) == ["W1"]
    assert f["W1"].at_stake == D("8000.00") and f["W1"].expected_effect == D("2000.00")
    assert f["W1"].reasons[0] == "no purchase for 150 days where it used to buy every 12 days (P(alive) 0.10)"


def test_a_customer_who_stopped_buying_gets_no_price_or_cost_lever() -> None:
    rows = {
        "S1": dict(
            gross_sales_list="100000",
            discount="30000",
            net_revenue="70000",
            discount_pct=5.0,
            p_alive=0.05,
            prev_net_contribution="10000",
            net_contribution="2000",
        )
    }
    codes = {f.code for f in run_rules(stub_inputs(rows), ONE_BAND)}
    assert codes == {"win_back"}


def test_grow_worked_example() -> None:
    rows = {
        "G1": dict(
            gross_sales_list="20000",
            net_revenue="20000",
            net_contribution="4000",
            prev_net_contribution="3000",
            size_band="large",
        ),
        **peers(
            5,
            gross_sales_list="100000",
            net_revenue="100000",
            net_contribution="10000",
            prev_net_contribution="10000",
            size_band="large",
        ),
    }
    g1 = found(rows, "grow")["G1"]
    # margin 20 % (company median 10 %); (100,000 - 20,000) x 20 % = 16,000 at stake; 20 % of it won
    assert g1.at_stake == D("16000.00") and g1.expected_effect == D("3200.00")


def test_retain_worked_example() -> None:
    rows = {
        "A": dict(
            gross_sales_list="200000",
            net_revenue="200000",
            net_contribution="50000",
            prev_gross_sales_list="1",
            p_alive=0.95,
        ),
        "B": dict(
            gross_sales_list="100000",
            net_revenue="100000",
            net_contribution="30000",
            prev_gross_sales_list="1",
        ),
        "C": dict(
            gross_sales_list="100000",
            net_revenue="100000",
            net_contribution="20000",
            prev_gross_sales_list="1",
        ),
        "L": dict(prev_gross_sales_list="5000"),  # lost: a quarter of the compared period's customers
    }
    f = found(rows, "retain")
    assert list(f) == ["A"]  # 50,000 of the 100,000 earned: the top half
    assert f["A"].at_stake == D("12500.00") and f["A"].expected_effect == D("6250.00")


def test_exit_or_self_service_worked_examples() -> None:
    rows = {
        "E1": dict(
            gross_sales_list="5000",
            net_revenue="5000",
            net_contribution="-3000",
            prev_gross_sales_list="5000",
            prev_net_contribution="-2500",
            cost_to_serve="2000",
        ),
        "E2": dict(
            gross_sales_list="5000",
            net_revenue="5000",
            net_contribution="-1000",
            prev_gross_sales_list="5000",
            prev_net_contribution="-800",
            cost_to_serve="5000",
        ),
    }
    f = found(rows, "exit_or_self_service")
    # E1: self-service would leave -3,000 + 70 % x 2,000 = -1,600: exit saves the 3,000 lost a year
    assert f["E1"].facts["proposal"] == "exit" and f["E1"].expected_effect == D("3000.00")
    # E2: -1,000 + 70 % x 5,000 = +2,500 with self-service: 3,500 better than today
    assert f["E2"].facts["proposal"] == "self_service" and f["E2"].expected_effect == D("3500.00")


def test_exit_counts_the_other_levers_first() -> None:
    # a 4,000 loss that repricing (13,600 expected) more than cures: no exit
    rows = {
        "R1": dict(
            gross_sales_list="200000",
            discount="37200",
            net_revenue="162800",
            net_contribution="-4000",
            discount_pct=5.0,
            prev_gross_sales_list="180000",
            prev_net_contribution="-3000",
            cost_to_serve="1000",
        ),
    }
    codes = {f.code for f in run_rules(stub_inputs(rows), ONE_BAND)}
    assert "reprice" in codes and "exit_or_self_service" not in codes


def test_qualify_and_drop_prospect_worked_examples() -> None:
    good = {
        **peers(8, "G", gross_sales_list="5000", net_contribution="1000"),
        **peers(2, "H", gross_sales_list="5000", net_contribution="-500"),
    }
    bad = {
        **peers(3, "B", gross_sales_list="5000", net_contribution="500"),
        **peers(7, "D", gross_sales_list="5000", net_contribution="-400"),
    }
    for row in good.values():
        row.update(size_band="small", acquisition_mode="targeted")
    for row in bad.values():
        row.update(size_band="micro", acquisition_mode="spontaneous")
    rows = {
        **good,
        **bad,
        "Q": dict(
            status="prospect",
            roles="prospect",
            size_band="small",
            acquisition_mode="targeted",
            cost_to_serve="40",
        ),
        "X": dict(
            status="prospect",
            roles="prospect",
            size_band="micro",
            acquisition_mode="spontaneous",
            cost_to_serve="50",
        ),
        "U": dict(
            status="prospect", roles="prospect", size_band="key", cost_to_serve="50"
        ),  # no such customers
    }
    findings = {
        f.counterparty_id: f for f in run_rules(stub_inputs(rows), ONE_BAND) if f.counterparty_id in "QXU"
    }
    # Q: 10 % x 1,000 - 40 = 60 a year; X: 10 % x -400 - 50 = -90: dropping saves 90
    assert findings["Q"].code == "qualify" and findings["Q"].expected_effect == D("60.00")
    assert findings["X"].code == "drop_prospect" and findings["X"].expected_effect == D("90.00")
    assert "U" not in findings


def test_owner_due_priority_and_quality_warning() -> None:
    rows = {
        "K1": dict(
            overdue_2="2000",
            overdue="2000",
            oldest_days=40,
            owner_id="M10",
            quality_score=55.0,
            quality_issues=["payment_days stale", "email missing"],
        ),
        "K2": dict(overdue_2="1000", overdue="1000", oldest_days=40, owner_id="M04"),
    }
    actions = propose_actions(stub_inputs(rows), ONE_BAND)
    assert [(a.counterparty_id, a.priority) for a in actions] == [("K1", 1), ("K2", 2)]
    k1 = actions[0]
    assert (
        k1.owner_id == "M01"
        and "the record's owner M10 is no longer active: given to the head M01" in k1.reasons
    )
    assert (
        k1.reasons[-1]
        == "record quality 55/100 (payment_days stale, email missing): check the record before acting"
    )
    assert k1.due == dt.date(2024, 12, 31) + dt.timedelta(days=7)
    # score = expected effect x the weight of collect (1.5)
    assert k1.score == (k1.expected_effect * D("1.5")).quantize(D("0.01"))
    assert actions[1].owner_id == "M04"


@pytest.mark.parametrize("materiality", ["17.00", "5000.00"])
def test_nothing_fires_below_the_materiality(materiality: str) -> None:
    rows = {
        "K1": dict(overdue_2="2000", overdue="2000", oldest_days=40),
        "R1": dict(gross_sales_list="20000", discount="3720", net_revenue="16280", discount_pct=5.0),
    }
    actions = propose_actions(stub_inputs(rows, materiality=materiality), ONE_BAND)
    assert all(a.at_stake >= D(materiality) for a in actions)
    assert len(actions) == (2 if materiality == "17.00" else 0)
