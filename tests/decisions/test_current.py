"""The web's decisions of the current data: kept per state of the data, recomputed when it moves on; the
scenario form's fields to a scenario, each bad field under its own name."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from clientbase import schema
from clientbase.decisions import current
from clientbase.decisions.scenario import form_defaults, parse_scenario, scenario_from_form
from clientbase.errors import ValidationError
from clientbase.store import connect
from tests.decisions.company import build


def test_kept_until_the_data_moves_on() -> None:
    with connect("duckdb:///:memory:") as store:
        build(store)
        first = current.current(store)
        assert current.current(store) is first
        with store.begin() as conn:  # a new setting: the data moved on
            conn.execute(sa.insert(schema.settings).values(key="test_marker", value="1"))
        second = current.current(store)
        assert second is not first and second.fingerprint != first.fingerprint
        current.forget(store)


def test_the_form_makes_the_scenario_of_its_toml() -> None:
    values = {
        **form_defaults(),
        "name": "Aggressive: 2 points less, 30 days",
        "customers": "A, B",
        "quadrant": "aggressive",
        "owner": "M03",
        "discount_points": "-2",
        "payment_days": "30",
        "small_order_fee": "9.5",
        "small_order_below": "150",
        "exit": "",
        "elasticity": "1.5 1 0",
    }
    made = scenario_from_form(values)
    assert made == parse_scenario(made.text, file="form")
    assert made.scope.customers == ("A", "B") and made.scope.filter == {"owner": "M03"}
    assert made.changes.discount_points == -2.0 and made.changes.payment_days == 30
    assert made.changes.small_order_fee == 9.5 and not made.changes.exit
    assert made.assumptions.elasticity == (1.5, 1.0, 0.0)
    assert made.assumptions.loss_per_point == (0.04, 0.02, 0.005)  # the defaults as shown


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": " "}, "name"),
        ({"name": "x", "discount_points": "two"}, "discount_points"),
        ({"name": "x", "payment_days": "1.5"}, "payment_days"),
        ({"name": "x", "payment_days": "-3"}, "payment_days"),
        ({"name": "x", "visits_per_year": "1e99"}, "visits_per_year"),
        ({"name": "x", "delivery_fee": "nan"}, "delivery_fee"),
        ({"name": "x", "elasticity": "1, 2"}, "elasticity"),
        ({"name": "x", "loss_per_policy": "0.1, 2, 0"}, "loss_per_policy"),
        ({"name": "x", "quadrant": "nowhere"}, "quadrant"),
        ({"name": "x", "action": "sell_more"}, "action"),
        ({"name": "x", "small_order_fee": "5"}, "small_order_below"),
        ({"name": "x", "minimum_order_value": "0"}, "minimum_order_value"),
        ({"name": "x\x00"}, "name"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_a_bad_field_is_named(values: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        scenario_from_form(values)
    assert [p.column for p in caught.value.problems] == [field]
