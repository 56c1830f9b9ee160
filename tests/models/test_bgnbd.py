"""BG/NBD against Fader, Hardie & Lee (2005) and Hardie's spreadsheet, on the CDNOW sample."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from clientbase.errors import ValidationError
from clientbase.models import BGNBDModel, NotFittedError, load_model


@pytest.fixture(scope="module")
def fitted(cdnow) -> BGNBDModel:
    return BGNBDModel().fit(cdnow.x, cdnow.t_x, cdnow.T)


def test_params_out_is_close_to_Fader_Hardie_Lee_2005(fitted: BGNBDModel) -> None:
    published = {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259}
    for name, value in published.items():
        assert fitted.params_[name] == pytest.approx(value, abs=1e-3), name
    assert fitted.log_likelihood_ == pytest.approx(-9582.43, abs=0.01)
    assert fitted.n_customers_ == 2357


def test_conditional_expectation_of_Fader_Hardie_Lee_2005(fitted: BGNBDModel) -> None:
    # the paper's customer: x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases in the next 39 weeks
    assert fitted.conditional_expected_purchases(39, 2, 30.43, 38.86).item() == pytest.approx(1.226, abs=5e-4)


def test_expected_purchases_of_Hardie_excel_sheet(fitted: BGNBDModel) -> None:
    times = [0.1429, 1, 3, 31.8571, 32]
    published = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437]
    assert fitted.expected_purchases(times) == pytest.approx(published, abs=5e-5)
    # the sheet sums the hypergeometric series to a finite number of terms: 1.8576 at 78 weeks, exact 1.8580
    assert fitted.expected_purchases(78).item() == pytest.approx(1.8576, abs=1e-3)


def test_standard_errors_are_those_of_the_hessian(fitted: BGNBDModel) -> None:
    # checked against lifetimes 0.11.3 (BetaGeoFitter.summary) on the same data
    expected = {"r": 0.0126, "alpha": 0.3782, "a": 0.1857, "b": 0.7053}
    for name, value in expected.items():
        assert fitted.std_errors_[name] == pytest.approx(value, abs=2e-4), name
    table = fitted.summary
    assert list(table.columns) == ["name", "estimate", "std_error"]
    assert table["name"].tolist() == ["r", "alpha", "a", "b"]


def test_probability_alive_is_zero_or_one_at_the_extremes_without_warnings(fitted: BGNBDModel) -> None:
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        alive = fitted.probability_alive([1000, 0], [10, 0], [100, 100])
        expected = fitted.conditional_expected_purchases(52, [1000, 0, 5000], [10, 0, 99.9], [100, 100, 100])
        counts = fitted.probability_of_purchases([0, 1, 1000], 1e4)
    assert alive.tolist() == [0.0, 1.0]
    assert expected[0] == 0.0
    assert 0 < expected[1] < expected[2] < np.inf
    assert np.all(np.isfinite(counts))


def test_probability_of_n_purchases_sums_to_one(fitted: BGNBDModel) -> None:
    p = fitted.probability_of_purchases(np.arange(0, 400), 39)
    assert p.sum() == pytest.approx(1.0, abs=1e-9)
    # E[X(t)] is the mean of the distribution
    assert (np.arange(0, 400) * p).sum() == pytest.approx(fitted.expected_purchases(39).item(), rel=1e-6)
    # the first values, checked against lifetimes 0.11.3 probability_of_n_purchases_up_to_time
    assert p[:3] == pytest.approx([0.57431, 0.19919, 0.08532], abs=1e-5)


def test_weights_for_identical_rows_give_the_same_fit(cdnow) -> None:
    rows = np.stack([cdnow.x, cdnow.t_x, cdnow.T], axis=1)
    unique, counts = np.unique(rows, axis=0, return_counts=True)
    assert len(unique) < len(rows)
    weighted = BGNBDModel().fit(unique[:, 0], unique[:, 1], unique[:, 2], weights=counts)
    plain = BGNBDModel().fit(cdnow.x, cdnow.t_x, cdnow.T)
    assert weighted.params_ == pytest.approx(plain.params_, rel=1e-7)
    assert weighted.log_likelihood_ == pytest.approx(plain.log_likelihood_, abs=1e-6)
    assert weighted.n_customers_ == 2357


def test_json_round_trip(fitted: BGNBDModel) -> None:
    document = json.loads(fitted.to_json())
    assert document["model"] == "bgnbd" and document["n_customers"] == 2357
    again = load_model(fitted.to_json())
    assert isinstance(again, BGNBDModel)
    assert again.params_ == fitted.params_ and again.std_errors_ == fitted.std_errors_
    assert again.conditional_expected_purchases(39, 2, 30.43, 38.86).item() == pytest.approx(1.226, abs=5e-4)


def test_bad_inputs_say_where() -> None:
    with pytest.raises(ValidationError, match=r"row 2, column 'recency'.*larger than T"):
        BGNBDModel().fit([1, 2], [3, 9], [5, 5])
    with pytest.raises(ValidationError, match=r"row 1, column 'frequency'.*whole number"):
        BGNBDModel().fit([1.5], [3], [5])
    with pytest.raises(ValidationError, match="no customer with a repeat purchase"):
        BGNBDModel().fit([0, 0], [0, 0], [5, 5])
    with pytest.raises(NotFittedError, match=r"call fit\(\)"):
        BGNBDModel().probability_alive(1, 1, 2)
    with pytest.raises(ValidationError, match="not a bgnbd model"):
        BGNBDModel.from_json('{"model": "pareto", "params": {}}')


@pytest.mark.parametrize("modified", [False, True])
def test_fast_likelihood_equals_the_sum_over_customers_and_its_gradient_is_right(
    cdnow, modified: bool
) -> None:
    from clientbase.models.base import RfmData, numeric_gradient
    from clientbase.models.bgnbd import bg_family_log_likelihood, bgnbd_customer_log_likelihood
    from clientbase.models.mbgnbd import mbgnbd_customer_log_likelihood

    theta = np.array([0.3, 5.0, 0.8, 2.0])
    data = RfmData.build(cdnow.x, cdnow.t_x, cdnow.T)
    per_customer = mbgnbd_customer_log_likelihood if modified else bgnbd_customer_log_likelihood
    total, gradient = bg_family_log_likelihood(theta, data, True, modified=modified)
    assert total == pytest.approx(per_customer(theta, cdnow.x, cdnow.t_x, cdnow.T).sum(), rel=1e-12)
    numeric = numeric_gradient(
        lambda v: bg_family_log_likelihood(v, data, False, modified=modified)[0], theta
    )
    assert gradient == pytest.approx(numeric, rel=1e-5)
