"""BG/NBD and MBG/NBD as a, b -> infinity with p = a / (a + b) fixed: finite, warning-free and at their limit.

Short histories with little drop-out (the 60-customer, 2-year demo of seed 5) have a likelihood that keeps
rising along that direction: every customer then has the same drop-out probability p. The fit stops at the
bound, and every prediction is finite; at large finite a, b the exact formulas (hypergeometric series summed
term by term here) agree with the limiting forms.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import numpy as np
import pytest
from scipy import special, stats

from clientbase.models import BGNBDModel, MBGNBDModel, load_model
from clientbase.models.base import MAX_BETA_SHAPE
from clientbase.models.bgnbd import beta_mixture_complement, digamma_difference, log_pochhammer

# RFM summary (weeks) of `clientbase demo --customers 60 --years 2 --seed 5`: its free BG/NBD fit ran off to
# a = 1.7e5, b = 2e7 and predicted NaN
FREQUENCY = [2, 2, 15, 43, 77, 93, 6, 91, 14, 2, 4, 34, 31, 40, 45, 7, 2, 36, 8, 2, 1, 2, 31, 17, 22, 86, 49]
FREQUENCY += [80, 51, 3, 21, 0, 59, 36, 17, 10, 18, 7, 19, 57, 46, 66, 29, 56, 23, 29]
RECENCY = [7.0, 14.0, 29.8571, 99.1429, 101.1429, 100.2857, 101.0, 68.5714, 39.2857, 12.7143, 73.5714]
RECENCY += [16.4286, 74.5714, 63.5714, 80.1429, 83.0, 8.1429, 29.0, 93.0, 45.8571, 0.2857, 40.8571, 99.8571]
RECENCY += [30.2857, 101.2857, 103.0, 96.5714, 102.0, 66.4286, 3.1429, 92.0, 0.0, 101.2857, 28.5714, 29.4286]
RECENCY += [13.5714, 47.2857, 33.7143, 68.7143, 87.5714, 63.0, 94.2857, 98.5714, 96.5714, 42.7143, 53.0]
AGE = [57.1429, 17.1429, 100.1429, 100.2857, 101.7143, 102.4286, 103.2857, 103.7143, 42.5714, 16.1429]
AGE += [76.2857, 104.1429, 75.7143, 65.1429, 81.4286, 95.1429, 10.2857, 30.1429, 102.1429, 47.1429, 36.4286]
AGE += [99.4286, 100.5714, 31.4286, 102.5714, 104.1429, 103.2857, 103.5714, 102.7143, 103.7143, 98.1429]
AGE += [53.2857, 103.5714, 56.1429, 102.7143, 104.1429, 54.4286, 38.2857, 77.1429, 91.2857, 63.2857, 102.4286]
AGE += [102.1429, 104.1429, 43.2857, 53.1429]
X, T_X, T = (np.array(v, dtype=np.float64) for v in (FREQUENCY, RECENCY, AGE))

R, ALPHA, P = 1.39, 2.73, 0.0085  # the degenerate fit's r, alpha and p = a / (a + b)


@pytest.fixture
def strict() -> Iterator[None]:
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        yield


def at_size(model: type[BGNBDModel] | type[MBGNBDModel], size: float) -> BGNBDModel | MBGNBDModel:
    params = {"r": R, "alpha": ALPHA, "a": P * size, "b": (1 - P) * size}
    return model.from_dict({"model": model.model_name, "params": params})


def series_2f1(A: float, B: float, C: float, z: float, terms: int = 20000) -> float:
    """log 2F1(A, B; C; z) for A, B, C > 0, 0 <= z < 1, summing the (positive) terms of the series."""
    n = np.arange(terms - 1, dtype=np.float64)
    with np.errstate(under="ignore"):
        log_terms = np.concatenate([[0.0], np.cumsum(np.log((A + n) * (B + n) * z / ((C + n) * (n + 1))))])
        return float(special.logsumexp(log_terms))


# -- the fit ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [BGNBDModel, MBGNBDModel])
def test_degenerate_fit_stops_at_the_bound_and_predicts_finite_values(
    model: type[BGNBDModel] | type[MBGNBDModel], strict: None
) -> None:
    fitted = model().fit(X, T_X, T)
    assert fitted.at_bound_ == ("b",) and fitted.params_["b"] == pytest.approx(MAX_BETA_SHAPE)
    p = fitted.params_["a"] / (fitted.params_["a"] + fitted.params_["b"])
    assert p == pytest.approx(0.0085, abs=5e-4)
    assert np.isnan(fitted.std_errors_["b"]) and np.isfinite(fitted.std_errors_["r"])
    assert "at the upper bound: b" in repr(fitted)
    again = load_model(fitted.to_json())
    assert again.at_bound_ == ("b",) and again.params_ == fitted.params_
    alive = fitted.probability_alive(X, T_X, T)
    expected = fitted.conditional_expected_purchases(np.array([[1.0], [13.0], [52.0], [520.0]]), X, T_X, T)
    new = fitted.expected_purchases([0.01, 1, 52, 1e4])
    counts = fitted.probability_of_purchases(np.arange(0, 1000), 52)
    ll = fitted.log_likelihood(X, T_X, T)
    for values in (alive, expected, new, counts, ll):
        assert np.all(np.isfinite(values))
    assert np.all((alive > 0) & (alive <= 1))
    assert np.all(np.diff(expected, axis=0) >= 0) and np.all(np.diff(new) > 0)
    assert counts.sum() == pytest.approx(1.0, abs=1e-9)
    assert ll.sum() == pytest.approx(fitted.log_likelihood_, rel=1e-12)


@pytest.mark.parametrize("model", [BGNBDModel, MBGNBDModel])
def test_the_bound_costs_no_likelihood(model: type[BGNBDModel] | type[MBGNBDModel]) -> None:
    # the free optimum (a = 1.7e5, b = 2e7 for BG/NBD) is no better than the bounded one, nor is the limit
    fitted = model().fit(X, T_X, T)
    r, alpha, a, b = fitted._params()
    p = a / (a + b)
    for size in (1e7, 1e12):
        far = model.from_dict(
            {
                "model": model.model_name,
                "params": {"r": r, "alpha": alpha, "a": p * size, "b": (1 - p) * size},
            }
        )
        assert far.log_likelihood(X, T_X, T).sum() == pytest.approx(fitted.log_likelihood_, abs=1e-3)


# -- the limit against the exact formulas ------------------------------------------------------------------


CUSTOMERS = [(0, 0.0, 50.0), (2, 30.43, 38.86), (5, 70.0, 80.0), (30, 95.0, 100.0), (300, 99.0, 100.0)]


@pytest.mark.parametrize("size", [1e9, 5e9])
def test_bgnbd_exact_at_large_a_b_is_the_limit(size: float, strict: None) -> None:
    model = at_size(BGNBDModel, size)
    r, alpha, a, b = model._params()
    p = a / (a + b)
    for x, t_x, age in CUSTOMERS:
        alive = model.probability_alive(x, t_x, age).item()
        log_odds = np.log(p / (1 - p)) + (r + x) * np.log((alpha + age) / (alpha + t_x)) if x else -np.inf
        assert alive == pytest.approx(special.expit(-log_odds), rel=1e-6)
        for t in (1.0, 39.0, 520.0):
            got = model.conditional_expected_purchases(t, x, t_x, age).item()
            # FHL (2005) eq. 10, its 2F1 summed as a series
            z = t / (alpha + age + t)
            log_f = series_2f1(r + x, b + x, a + b + x - 1, z)
            exact = (a + b + x - 1) / (a - 1) * -np.expm1((r + x) * np.log1p(-z) + log_f) * alive
            limit = -np.expm1(-(r + x) * np.log1p(p * t / (alpha + age))) / p * alive
            assert got == pytest.approx(exact, rel=1e-8), (x, t)
            assert got == pytest.approx(limit, rel=1e-6), (x, t)
    for t in (0.5, 52.0, 1e4):
        got = model.expected_purchases(t).item()
        z = t / (alpha + t)
        exact = (a + b - 1) / (a - 1) * -np.expm1(r * np.log1p(-z) + series_2f1(r, b, a + b - 1, z, 400000))
        assert got == pytest.approx(exact, rel=1e-8)
        assert got == pytest.approx(-np.expm1(-r * np.log1p(p * t / alpha)) / p, rel=1e-6)
    n = np.arange(0, 200)
    nb = stats.nbinom(r, alpha / (alpha + 52))
    limit_counts = (1 - p) ** n * nb.pmf(n) + np.where(n > 0, p * (1 - p) ** (n - 1.0) * nb.sf(n - 1), 0)
    assert model.probability_of_purchases(n, 52) == pytest.approx(limit_counts, rel=1e-6)
    x, t_x, age = (np.array(c) for c in zip(*CUSTOMERS, strict=True))
    log_nb = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    limit_ll = log_nb + np.logaddexp(
        x * np.log1p(-p) - (r + x) * np.log(alpha + age),
        np.where(x > 0, np.log(p) + (x - 1) * np.log1p(-p) - (r + x) * np.log(alpha + t_x), -np.inf),
    )
    assert model.log_likelihood(x, t_x, age) == pytest.approx(limit_ll, rel=1e-6)


@pytest.mark.parametrize("size", [1e9, 5e9])
def test_mbgnbd_exact_at_large_a_b_is_the_limit(size: float, strict: None) -> None:
    model = at_size(MBGNBDModel, size)
    r, alpha, a, b = model._params()
    p = a / (a + b)
    for x, t_x, age in CUSTOMERS:
        alive = model.probability_alive(x, t_x, age).item()
        log_odds = np.log(p / (1 - p)) + (r + x) * np.log((alpha + age) / (alpha + t_x))
        assert alive == pytest.approx(special.expit(-log_odds), rel=1e-6)
        for t in (1.0, 39.0, 520.0):
            got = model.conditional_expected_purchases(t, x, t_x, age).item()
            z = t / (alpha + age + t)
            log_f = series_2f1(r + x, b + x + 1, a + b + x, z)
            exact = (a + b + x) / (a - 1) * -np.expm1((r + x) * np.log1p(-z) + log_f) * alive
            limit = -np.expm1(-(r + x) * np.log1p(p * t / (alpha + age))) / p * alive
            assert got == pytest.approx(exact, rel=1e-8), (x, t)
            assert got == pytest.approx(limit, rel=1e-6), (x, t)
    for t in (0.5, 52.0, 1e4):
        got = model.expected_purchases(t).item()
        assert got == pytest.approx((1 - p) / p * -np.expm1(-r * np.log1p(p * t / alpha)), rel=1e-6)
    n = np.arange(0, 200)
    nb = stats.nbinom(r, alpha / (alpha + 52))
    limit_counts = (1 - p) ** (n + 1.0) * nb.pmf(n) + p * (1 - p) ** n * np.where(n > 0, nb.sf(n - 1), 1)
    assert model.probability_of_purchases(n, 52) == pytest.approx(limit_counts, rel=1e-6)


@pytest.mark.parametrize("model", [BGNBDModel, MBGNBDModel])
def test_predictions_are_continuous_through_the_regimes(
    model: type[BGNBDModel] | type[MBGNBDModel], strict: None
) -> None:
    # scipy's hyp2f1 (small a), quadrature (a, b >= 11) and the limit (a + b >= 1e10) join without a step
    sizes = [1e3, 1e5, 1e7, 9.99e9, 1.001e10, 1e14, 1e300]
    x, t_x, age = (np.array(c) for c in zip(*CUSTOMERS, strict=True))
    values = np.array([at_size(model, s).conditional_expected_purchases(52, x, t_x, age) for s in sizes])
    assert np.all(np.isfinite(values))
    assert values[3] == pytest.approx(values[4], rel=1e-8)
    assert values[-1] == pytest.approx(values[-2], rel=1e-10)
    # and the finite sizes approach the limit
    gaps = np.abs(values[:3] / values[-1] - 1).max(axis=1)
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 1e-4


def test_helpers_agree_with_scipy_where_scipy_is_exact() -> None:
    z = np.array([0.5, 3.0, 1e3, 9.9e4, 1.01e5, 1e6])
    m = np.array([0.0, 1.0, 7.0, 250.0, 250.0, 3.5])
    # (scipy's own difference loses 1e-16 z log z: 3e-9 at z = 1e6)
    assert log_pochhammer(z, m) == pytest.approx(special.gammaln(z + m) - special.gammaln(z), abs=1e-8)
    assert digamma_difference(z, m) == pytest.approx(special.digamma(z + m) - special.digamma(z), rel=1e-9)
    assert log_pochhammer(1e15, 3.0) == pytest.approx(3 * np.log(1e15), rel=1e-14)
    # small a: scipy's Euler-transformed 2F1; larger a: quadrature, checked against the series
    for A, v, D, E in [
        (0.3, 2.0, -0.2, 2.4),
        (2.2, 0.8, 15.0, 40.0),
        (31.0, 0.5, 200.0, 1e4),
        (301, 100.0, 2e3, 8e3),
    ]:
        z = v / (1 + v)
        exact = -np.expm1(A * np.log1p(-z) + series_2f1(A, E, D + E, z, 400000))
        assert beta_mixture_complement(A, v, D, E) == pytest.approx(exact, rel=1e-9)
