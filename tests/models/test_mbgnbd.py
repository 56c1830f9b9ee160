"""MBG/NBD against Batislam, Denizel & Filiztekin (2007) as published by BTYDplus, on the CDNOW sample."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from clientbase.models import BGNBDModel, MBGNBDModel, load_model


@pytest.fixture(scope="module")
def fitted(cdnow) -> MBGNBDModel:
    return MBGNBDModel().fit(cdnow.x, cdnow.t_x, cdnow.T)


def test_params_out_is_close_to_Batislam_2007_as_in_BTYDplus(fitted: MBGNBDModel) -> None:
    published = {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}
    for name, value in published.items():
        assert fitted.params_[name] == pytest.approx(value, abs=1e-3), name
    # checked against lifetimes 0.11.3 ModifiedBetaGeoFitter on the same data: se(r) 0.0833, se(b) 0.5375
    assert fitted.std_errors_["r"] == pytest.approx(0.0833, abs=1e-4)
    assert fitted.std_errors_["b"] == pytest.approx(0.5375, abs=1e-4)


def test_predictions_agree_with_lifetimes_modified_beta_geo(fitted: MBGNBDModel) -> None:
    # values of lifetimes 0.11.3 ModifiedBetaGeoFitter fitted to the same data
    assert fitted.conditional_expected_purchases(39, 2, 30.43, 38.86).item() == pytest.approx(
        1.26267, abs=1e-5
    )
    assert fitted.expected_purchases([1, 78]) == pytest.approx([0.05306, 1.80364], abs=1e-5)
    assert fitted.probability_of_purchases([0, 1, 2], 39) == pytest.approx(
        [0.58261, 0.18276, 0.08687], abs=1e-5
    )


def test_a_customer_without_repeat_purchase_may_have_dropped_out(fitted: MBGNBDModel) -> None:
    # unlike BG/NBD, P(alive | x = 0, T) = 1 / (1 + (a / b) ((alpha + T) / alpha)^r) < 1
    r, alpha, a, b = (fitted.params_[k] for k in ("r", "alpha", "a", "b"))
    assert fitted.probability_alive(0, 0, 100).item() == pytest.approx(
        1 / (1 + a / b * ((alpha + 100) / alpha) ** r)
    )
    assert fitted.probability_alive(0, 0, 0).item() == pytest.approx(1 / (1 + a / b))
    assert (
        BGNBDModel.from_dict({"model": "bgnbd", "params": fitted.params_}).probability_alive(0, 0, 100) == 1
    )


def test_extremes_without_warnings(fitted: MBGNBDModel) -> None:
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        alive = fitted.probability_alive(1000, 10, 100)
        expected = fitted.conditional_expected_purchases(52, [1000, 5000], [10, 99.9], [100, 100])
    assert alive.item() == 0.0
    assert expected[0] == 0.0 and np.isfinite(expected[1])


def test_distribution_sums_to_one_and_json_round_trip(fitted: MBGNBDModel) -> None:
    p = fitted.probability_of_purchases(np.arange(0, 400), 39)
    assert p.sum() == pytest.approx(1.0, abs=1e-9)
    assert load_model(fitted.to_json()).params_ == fitted.params_
