"""Pareto/NBD against Fader & Hardie's CDNOW estimates (Schmittlein, Morrison & Colombo 1987 model)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from clientbase.models import ParetoNBDModel, load_model


@pytest.fixture(scope="module")
def fitted(cdnow) -> ParetoNBDModel:
    return ParetoNBDModel().fit(cdnow.x, cdnow.t_x, cdnow.T)


def test_params_out_is_close_to_Fader_Hardie_2005_note(fitted: ParetoNBDModel) -> None:
    assert fitted.log_likelihood_ == pytest.approx(-9594.97, abs=0.01)
    for name, value in {"r": 0.553, "alpha": 10.578, "s": 0.606}.items():
        assert fitted.params_[name] == pytest.approx(value, abs=1e-3), name
    # beta is weakly identified (standard error about 6): a looser tolerance
    assert fitted.params_["beta"] == pytest.approx(11.669, abs=0.05)
    assert fitted.std_errors_["beta"] == pytest.approx(6.2, abs=0.5)


def test_predictions_agree_with_lifetimes_pareto(fitted: ParetoNBDModel) -> None:
    # values of lifetimes 0.11.3 ParetoNBDFitter fitted to the same data
    assert fitted.conditional_expected_purchases(39, 2, 30.43, 38.86).item() == pytest.approx(
        1.4551, abs=2e-4
    )
    assert fitted.probability_alive(2, 30.43, 38.86).item() == pytest.approx(0.8691, abs=1e-4)
    assert fitted.expected_purchases([1, 39]) == pytest.approx([0.05101, 1.2134], abs=2e-4)
    assert fitted.probability_of_purchases([0, 1, 2, 10], 39) == pytest.approx(
        [0.59353, 0.16558, 0.08250, 0.00420], abs=2e-5
    )


def test_distribution_sums_to_one_and_has_the_right_mean(fitted: ParetoNBDModel) -> None:
    n = np.arange(0, 150)
    p = fitted.probability_of_purchases(n, 39)
    assert p.sum() == pytest.approx(1.0, abs=1e-8)
    assert (n * p).sum() == pytest.approx(fitted.expected_purchases(39).item(), rel=1e-5)


def test_extremes_without_warnings(fitted: ParetoNBDModel) -> None:
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        alive = fitted.probability_alive([1000, 0, 3], [10, 0, 20], [100, 100, 20])
        expected = fitted.conditional_expected_purchases(52, [1000, 5000], [10, 99.9], [100, 100])
        ll = fitted.log_likelihood([1000, 0], [10, 0], [100, 100])
    assert alive[0] == 0.0
    assert 0 < alive[1] < 1
    assert alive[2] == 1.0  # bought at the very end of the period: certainly alive
    assert expected[0] == 0.0 and np.isfinite(expected[1])
    assert np.all(np.isfinite(ll))


def test_json_round_trip(fitted: ParetoNBDModel) -> None:
    assert load_model(fitted.to_json()).params_ == fitted.params_
