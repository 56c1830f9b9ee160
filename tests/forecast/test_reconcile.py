"""Reconciliation: coherent to the cent, intervals as hierarchicalforecast's sampler gives them, BottomUp
when MinTrace cannot work."""

from __future__ import annotations

import numpy as np
import pytest
from hierarchicalforecast.methods import MinTrace
from hierarchicalforecast.probabilistic_methods import Normality

from clientbase.forecast.coherent import forecast_set
from clientbase.forecast.reconcile import exact_means, reconcile

# total = a + b + c; group x = a + b, group y = c (a grouped structure, bottom last)
S = np.array(
    [[1, 1, 1], [1, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]],
    dtype=np.float64,
)


def _aggregate(bottom: np.ndarray) -> np.ndarray:
    return np.vstack([bottom.sum(axis=0), bottom[:2].sum(axis=0), bottom[2:].sum(axis=0), bottom])


def _history(seed: int = 1, n: int = 30) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    bottom = 100 + rng.normal(0, 10, size=(3, n)).cumsum(axis=1)
    return S @ bottom, rng.normal(0, 5, size=(6, n))


def test_first_step_intervals_are_hierarchicalforecasts_normality() -> None:
    y, noise = _history()
    fitted = y + noise
    y_hat = y[:, -3:] + 1.0
    sigma = np.abs(np.random.default_rng(2).normal(5, 1, size=(6, 3)))
    ours = reconcile(S, y_hat, y_insample=y, y_hat_insample=fitted, sigma=sigma)
    mint = MinTrace(method="mint_shrink").fit(S=S, y_hat=y_hat, y_insample=y, y_hat_insample=fitted)
    theirs = Normality(S=S, P=mint.P, y_hat=y_hat, sigmah=sigma, W=mint.W)
    assert ours.method == "mint_shrink"
    np.testing.assert_allclose(ours.mean, S @ (mint.P @ y_hat))
    np.testing.assert_allclose(ours.sd[:, 0], theirs.sigmah_rec[:, 0], rtol=1e-9)
    # later steps: each series' reconciled deviation grows as its base deviation does
    np.testing.assert_allclose(ours.sd[:, 2] / ours.sd[:, 0], sigma[:, 2] / sigma[:, 0])


def test_perfect_in_sample_fit_falls_back_to_bottom_up_and_says_why() -> None:
    y, _ = _history()
    y_hat = y[:, -2:]
    r = reconcile(S, y_hat, y_insample=y, y_hat_insample=y.copy(), sigma=np.ones((6, 2)))
    assert r.method == "bottom_up" and "mint_shrink" in (r.fallback_reason or "")
    np.testing.assert_allclose(r.mean, S @ y_hat[3:])
    # independent bottom errors: the total's deviation is sqrt(3)
    assert r.sd[0, 0] == pytest.approx(np.sqrt(3))


def test_means_are_coherent_to_the_cent() -> None:
    mean = np.array([[1000.0], [700.0], [300.0], [333.333], [333.336], [333.331]])
    cents = exact_means(mean, 2, 3, _aggregate)
    assert cents[3:, 0].tolist() == [33333, 33334, 33333]
    assert cents[0, 0] == 100000 and cents[1, 0] == 66667 and cents[2, 0] == 33333


def test_a_forecast_set_is_coherent_and_its_intervals_hold_the_mean() -> None:
    y, _ = _history(seed=4, n=36)
    f = forecast_set(y, summing=S, aggregate=_aggregate, scale=2, horizon=4, season=1)
    assert f.coherent(_aggregate, 3)
    assert (f.mean == _aggregate(f.mean[3:])).all()
    assert (
        (f.lower[95] <= f.lower[80]).all() and (f.lower[80] <= f.mean).all() and (f.mean <= f.upper[80]).all()
    )
