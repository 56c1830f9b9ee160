"""Coherent forecasts: MinTrace (``mint_shrink``) from hierarchicalforecast, BottomUp where it cannot work.

MinTrace (Wickramasuriya, Athanasopoulos & Hyndman 2019) finds the bottom forecasts whose sums are closest
to every level's own forecast, weighted by the shrunk covariance of the in-sample errors (Schäfer &
Strimmer). When that covariance is singular or the in-sample errors are all but zero, hierarchicalforecast
refuses; the reconciliation then falls back to BottomUp (the bottom forecasts as they are) and says why.

Intervals follow hierarchicalforecast's ``Normality`` sampler with its diagonal covariance: the base
forecasts' standard deviations on the correlation of ``W``, mapped through ``S P``. Its implementation forms
``S P W S'P'`` whole for every step (cubic in the number of series: hours for 5,000 customers); here the
variances come from the structure ``P = J - C U'`` in a few products with the aggregates, exactly for the
first step, and each series' reconciled deviation grows over the horizon as its base forecast's does.
``tests/forecast/test_reconcile.py`` checks the first step against hierarchicalforecast's own sampler.

Means are made exact afterwards: the bottom is rounded to the measure's unit (the cent) and every other row
is the integer sum of its bottom rows, so the levels add up to the cent.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

Array = np.ndarray[Any, Any]
METHODS = ("mint_shrink", "bottom_up")


@dataclass(frozen=True)
class Reconciled:
    """Coherent means and reconciled standard deviations, series x horizon, and how they were made."""

    mean: Array
    sd: Array
    method: str
    #: why MinTrace was not used (``None`` when it was)
    fallback_reason: str | None


def reconcile(
    summing: Array,
    y_hat: Array,
    *,
    y_insample: Array,
    y_hat_insample: Array,
    sigma: Array,
    method: str = "mint_shrink",
) -> Reconciled:
    """Reconcile base forecasts ``y_hat`` (series x horizon; aggregates first, the bottom last).

    Args:
        summing: the summing matrix S (series x bottom).
        y_hat: base forecasts.
        y_insample: the history the models were fitted on (series x periods).
        y_hat_insample: the models' in-sample fitted values (NaN where a model has none).
        sigma: the base forecasts' standard deviations (series x horizon).
        method: ``mint_shrink`` or ``bottom_up``.

    Example:
        >>> s = np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
        >>> r = reconcile(s, np.array([[10.0], [4.0], [5.0]]), y_insample=np.zeros((3, 4)),
        ...               y_hat_insample=np.zeros((3, 4)), sigma=np.ones((3, 1)), method="bottom_up")
        >>> r.mean.ravel().tolist(), r.sd[0].tolist()
        ([9.0, 4.0, 5.0], [1.4142135623730951])
    """
    from hierarchicalforecast.methods import BottomUp, MinTrace

    n_series, n_bottom = summing.shape
    if n_series == n_bottom:  # a single level: nothing to reconcile
        return Reconciled(y_hat.copy(), sigma.copy(), "none", None)
    reason = None
    if method == "mint_shrink":
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fitted = MinTrace(method="mint_shrink").fit(
                    S=summing, y_hat=y_hat, y_insample=y_insample, y_hat_insample=y_hat_insample
                )
            p, w = fitted.P, fitted.W
            if not (np.all(np.isfinite(p)) and np.all(np.isfinite(np.diag(w)))):
                raise ValueError("the shrunk covariance has non-finite values")
        except Exception as exc:  # hierarchicalforecast raises bare Exceptions when W is singular
            reason = f"MinTrace (mint_shrink) could not be used: {exc}"
    if method != "mint_shrink" or reason is not None:
        fitted = BottomUp().fit(S=summing, y_hat=y_hat, intervals_method="normality", sigmah=sigma)
        p, w = fitted.P, np.eye(n_series)
        method = "bottom_up"
    mean = summing @ (p @ y_hat)
    sd = reconciled_sd(summing, p, w, sigma)
    return Reconciled(mean, sd, method, reason)


def reconciled_sd(summing: Array, p: Array, w: Array, sigma: Array) -> Array:
    """Standard deviations of ``S P y`` when ``y`` has deviations ``sigma`` and the correlation of ``w``.

    Exact for the first step (``diag(S P D R D P' S')`` with ``D = diag(sigma[:, 0])``), computed from
    ``P = J - C U'`` without forming any series x series product; later steps scale each series by its base
    deviation's growth ``sigma[:, h] / sigma[:, 0]``.
    """
    n_series, n_bottom = summing.shape
    n_agg = n_series - n_bottom
    d = np.sqrt(np.clip(np.diag(w), 1e-300, None))
    r = w / np.outer(d, d)
    base = np.where(sigma[:, 0] > 0, sigma[:, 0], np.nanmax(sigma, axis=1))
    base = np.nan_to_num(base, nan=0.0)
    w1 = r * np.outer(base, base)
    c = -p[:, :n_agg]  # P = J - C U' with J = [0 | I] and U' = [I | -S_agg]
    s_agg = summing[:n_agg]
    ut = np.hstack([np.eye(n_agg), -s_agg])
    k = w1[n_agg:, :] @ ut.T  # J W U  (bottom x aggregates)
    m = ut @ w1 @ ut.T  # U' W U  (aggregates x aggregates)
    w_bb = w1[n_agg:, n_agg:]
    bottom_var = np.diag(w_bb) - 2 * np.sum(k * c, axis=1) + np.sum((c @ m) * c, axis=1)
    sc, sk = s_agg @ c, s_agg @ k
    agg_var = (
        np.sum((s_agg @ w_bb) * s_agg, axis=1) - 2 * np.sum(sk * sc, axis=1) + np.sum((sc @ m) * sc, axis=1)
    )
    first = np.sqrt(np.clip(np.concatenate([agg_var, bottom_var]), 0.0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.where(base[:, None] > 0, sigma / base[:, None], 1.0)
    return first[:, None] * np.nan_to_num(growth, nan=1.0)


def exact_means(mean: Array, scale: int, n_bottom: int, aggregate: Any) -> Array:
    """Coherent means in whole units of ``10**-scale``: the last ``n_bottom`` rows rounded half away from
    zero, every other row their exact integer sum (``aggregate`` maps the bottom rows to every row, e.g.
    :meth:`~clientbase.forecast.series.SeriesSet.aggregate`).

    Example:
        >>> agg = lambda b: np.vstack([b.sum(axis=0), b])
        >>> exact_means(np.array([[3.0], [1.006], [2.004]]), 2, 2, agg).ravel().tolist()
        [301, 101, 200]
    """
    scaled = mean[mean.shape[0] - n_bottom :] * 10**scale
    bottom = (np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)).astype(np.int64)
    return np.asarray(aggregate(bottom))
