"""Customer lifetime value: discounted expected purchases x margin, as lifetimes' customer_lifetime_value."""

from __future__ import annotations

import numpy as np
import pytest

from clientbase.errors import ValidationError
from clientbase.models import BGNBDModel, customer_lifetime_value

PUBLISHED = {"r": 0.2426, "alpha": 4.4135, "a": 0.7929, "b": 2.4258}


@pytest.fixture
def model() -> BGNBDModel:
    return BGNBDModel.from_dict({"model": "bgnbd", "params": PUBLISHED})


def test_same_value_as_lifetimes(model: BGNBDModel) -> None:
    # lifetimes 0.11.3 _customer_lifetime_value(..., time=12, discount_rate=0.01, freq="W") gives 14.7123, 2.3725
    clv = customer_lifetime_value(model, [2, 0], [30.43, 0], [38.86, 38.86], [10.0, 10.0])
    assert clv == pytest.approx([14.7123, 2.3725], abs=1e-4)


def test_one_month_undiscounted_is_expected_purchases_times_margin(model: BGNBDModel) -> None:
    clv = customer_lifetime_value(model, 2, 30.43, 38.86, 7.5, months=1, monthly_discount_rate=0.0)
    expected = model.conditional_expected_purchases(4.345, 2, 30.43, 38.86) * 7.5
    assert clv == pytest.approx(expected)


def test_discounting_and_units(model: BGNBDModel) -> None:
    undiscounted = customer_lifetime_value(model, 2, 30.43, 38.86, 10.0, monthly_discount_rate=0.0)
    discounted = customer_lifetime_value(model, 2, 30.43, 38.86, 10.0)
    assert undiscounted == pytest.approx(
        model.conditional_expected_purchases(12 * 4.345, 2, 30.43, 38.86) * 10
    )
    assert discounted < undiscounted
    # the same customer measured in days
    in_days = customer_lifetime_value(
        BGNBDModel.from_dict({"model": "bgnbd", "params": {**PUBLISHED, "alpha": PUBLISHED["alpha"] * 7}}),
        2,
        30.43 * 7,
        38.86 * 7,
        10.0,
        time_unit="day",
        monthly_discount_rate=0.0,
    )
    assert np.isfinite(in_days) and in_days > 0
    with pytest.raises(ValidationError, match="use one of day, week, month"):
        customer_lifetime_value(model, 2, 30.43, 38.86, 10.0, time_unit="year")
