"""Gamma-Gamma spend model against Fader & Hardie, "The Gamma-Gamma Model of Monetary Value" (2013)."""

from __future__ import annotations

import numpy as np
import pytest

from clientbase.errors import ValidationError
from clientbase.models import GammaGammaModel, load_model


@pytest.fixture(scope="module")
def fitted(cdnow) -> GammaGammaModel:
    return GammaGammaModel().fit(cdnow.x, cdnow.zbar)


def test_params_out_is_close_to_Fader_Hardie_2013(fitted: GammaGammaModel) -> None:
    # 946 repeat buyers; p = 6.25, q = 3.74, gamma = 15.44, LL = -4055.9
    assert fitted.n_customers_ == 946
    assert fitted.params_["p"] == pytest.approx(6.25, abs=5e-3)
    assert fitted.params_["q"] == pytest.approx(3.74, abs=5e-3)
    assert fitted.params_["gamma"] == pytest.approx(15.44, abs=1e-2)
    assert fitted.log_likelihood_ == pytest.approx(-4055.92, abs=0.01)
    # standard errors checked against lifetimes 0.11.3 GammaGammaFitter: 1.1897, 0.2902, 4.1600
    assert [fitted.std_errors_[k] for k in ("p", "q", "gamma")] == pytest.approx(
        [1.1897, 0.2902, 4.16], abs=2e-3
    )


def test_conditional_expected_spend_of_Fader_Hardie_2013(fitted: GammaGammaModel, cdnow) -> None:
    published = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17]
    spend = fitted.conditional_expected_average_spend(cdnow.x[:10], cdnow.zbar[:10])
    assert spend == pytest.approx(published, abs=0.01)
    # the note's table shows the values cut (not rounded) to cents: 24.6586 -> 24.65
    assert (np.floor(spend * 100) / 100).tolist() == published
    # customers without repeat purchases get the population mean p gamma / (q - 1)
    assert spend[2] == pytest.approx(fitted.mean_spend())


def test_spend_is_a_weighted_mean_of_own_and_population_mean(fitted: GammaGammaModel) -> None:
    p, q = fitted.params_["p"], fitted.params_["q"]
    x, own = 4.0, 50.0
    weight = p * x / (p * x + q - 1)
    expected = weight * own + (1 - weight) * fitted.mean_spend()
    assert fitted.conditional_expected_average_spend(x, own).item() == pytest.approx(expected)


def test_weights_and_json(fitted: GammaGammaModel, cdnow) -> None:
    again = GammaGammaModel().fit(np.repeat(cdnow.x, 2), np.repeat(cdnow.zbar, 2))
    assert again.params_ == pytest.approx(fitted.params_, rel=1e-6)
    assert again.log_likelihood_ == pytest.approx(2 * fitted.log_likelihood_)
    assert load_model(fitted.to_json()).params_ == fitted.params_


def test_zero_spend_of_a_repeat_buyer_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"row 2, column 'monetary_value'.*must be > 0"):
        GammaGammaModel().fit([1, 2], [10.0, 0.0])


def test_analytic_gradient_matches_differences(cdnow) -> None:
    from clientbase.models.base import numeric_gradient
    from clientbase.models.gamma_gamma import SpendData, gamma_gamma_log_likelihood

    repeat = cdnow.x > 0
    data = SpendData.build(cdnow.x[repeat], cdnow.zbar[repeat], np.ones(int(repeat.sum())))
    theta = np.array([5.0, 3.0, 12.0])
    _, gradient = gamma_gamma_log_likelihood(theta, data, True)
    numeric = numeric_gradient(lambda v: gamma_gamma_log_likelihood(v, data, False)[0], theta)
    assert gradient == pytest.approx(numeric, rel=1e-5)


def test_extremes_without_warnings(fitted: GammaGammaModel) -> None:
    import warnings

    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        spend = fitted.conditional_expected_average_spend([1000, 1, 0], [1e-6, 1e9, 0])
    # a thousand purchases: the customer's own mean dominates; one huge purchase is shrunk towards the mean
    assert spend[0] == pytest.approx(1e-6, abs=0.2)
    assert 0 < spend[1] < 1e9
    assert spend[2] == pytest.approx(fitted.mean_spend())
