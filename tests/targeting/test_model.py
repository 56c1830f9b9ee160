"""The model's parts on data made to a known answer: which fields it keeps, the factors, the metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd

from clientbase.targeting.features import FeatureOptions, choose_fields
from clientbase.targeting.model import ProspectModel
from clientbase.targeting.validation import conversion_scores, profit_captured


def _prospects(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Size decides: large prospects convert 60 % and bring 5,000; small ones 20 % and -500. Colour is noise."""
    rng = np.random.default_rng(seed)
    size = rng.choice(["large", "small"], size=n)
    colour = rng.choice(["red", "green", "blue"], size=n)
    large = size == "large"
    converted = rng.random(n) < np.where(large, 0.6, 0.2)
    first12 = np.where(large, 5000.0, -500.0) + rng.normal(0, 300, size=n)
    frame = pd.DataFrame(
        {
            "size_band": size,
            "colour": colour,
            "channel": "fair",
            "mode": "targeted",
            "acquisition_cost": 10000,
        }
    )
    return frame, converted, first12


def _fitted(seed: int = 1) -> tuple[ProspectModel, pd.DataFrame]:
    frame, converted, first12 = _prospects(2000, seed)
    fields = [f for f in choose_fields(frame, ["size_band", "colour"], converted, FeatureOptions()) if f.used]
    model = ProspectModel(fields).fit(frame, converted, frame[converted], first12[converted])
    return model, frame


def test_the_model_keeps_the_field_that_matters_and_drops_the_noise() -> None:
    model, _ = _fitted()
    assert model.conversion_fields_ == ["size_band"]
    assert model.contribution_fields_ == ["size_band"]


def test_predictions_recover_the_planted_rates_and_amounts() -> None:
    model, _ = _fitted()
    test = pd.DataFrame(
        {"size_band": ["large", "small"], "colour": ["red", "red"], "channel": "fair", "mode": "targeted"}
    )
    p = model.predict(test)
    assert abs(p.p_convert[0] - 0.6) < 0.05 and abs(p.p_convert[1] - 0.2) < 0.05
    assert abs(p.expected_contribution[0] - 5000) < 150 and abs(p.expected_contribution[1] + 500) < 150
    assert np.allclose(p.expected_cost, 100.0)  # 10,000 cents a prospect
    # expected value = P x contribution - cost
    assert np.allclose(p.expected_value, p.p_convert * p.expected_contribution - 100.0)


def test_factors_name_the_field_for_and_against() -> None:
    model, _ = _fitted()
    test = pd.DataFrame(
        {"size_band": ["large", "small"], "colour": ["red", "red"], "channel": "fair", "mode": "targeted"}
    )
    large, small = model.factors(model.predict(test))
    assert (large[0]["field"], large[0]["value"], large[0]["direction"]) == ("size_band", "large", "for")
    assert any(f["field"] == "size_band" and f["direction"] == "against" for f in small)
    assert all(f["field"] != "colour" or f["effect"] == 0 for f in large + small)


def test_leaky_and_scattered_fields_are_refused() -> None:
    frame = pd.DataFrame(
        {
            "terms": [None, 30] * 100,  # filled once a customer is won
            "city": [f"city {i}" for i in range(200)],
            "size_band": ["small", "large"] * 100,
        }
    )
    won = np.array([False, True] * 100)
    chosen = {c.field: c for c in choose_fields(frame, ["terms", "city", "size_band"], won, FeatureOptions())}
    assert not chosen["terms"].used and "not known at acquisition" in chosen["terms"].reason
    assert not chosen["city"].used and "200 distinct values" in chosen["city"].reason
    assert chosen["size_band"].used


def test_conversion_scores_by_hand() -> None:
    y = np.array([1, 1, 0, 0, 1, 0, 0, 0, 0, 0])
    p = np.array([0.9, 0.8, 0.7, 0.1, 0.6, 0.2, 0.3, 0.2, 0.1, 0.1])
    s = conversion_scores(y, p)
    # pairs (convert, not) ranked right: 0.9, 0.8 above all 7; 0.6 above 6 of 7 -> 20 of 21
    assert s["auc"] == round(20 / 21, 4)
    assert s["brier"] == round(float(np.mean((p - y) ** 2)), 4)
    assert s["top_decile_lift"] == round(1 / 0.3, 3)  # the top one converts; 3 in 10 overall
    assert sum(c["prospects"] for c in s["calibration"]) == 10


def test_profit_of_the_top_against_all_and_random() -> None:
    realised = np.array([500_00, -20_00, -20_00, -20_00, 300_00, -20_00, -20_00, -20_00, -20_00, -20_00])
    r = profit_captured(realised, {"model": np.arange(10)[::-1] * 1.0}, 0.2, realised > 0)
    assert str(r["top"]["model"]) == "480.00"  # 500 - 20
    assert str(r["all"]) == "640.00" and str(r["random"]) == "128.00"
    assert r["conversions_top"]["model"] == 1 and r["conversions_all"] == 2


def test_ties_do_not_let_the_row_order_pick() -> None:
    # the winners first in the rows, one score for all: working the top 20 % is a random pick
    realised = np.array([1000] * 10 + [-100] * 40)
    r = profit_captured(realised, {"model": np.ones(50)}, 0.2, realised > 0)
    assert r["top"]["model"] == r["random"]
    y = np.array([1] * 10 + [0] * 90)
    assert conversion_scores(y, np.full(100, 0.1))["top_decile_lift"] == 1.0
    assert len(conversion_scores(y, np.full(100, 0.1))["calibration"]) == 1
