"""A set of series forecast coherently: models chosen by backtest, reconciled, means exact in their unit.

The one path every forecast takes (the base's series and any file's): :func:`forecast_set` runs the
backtest and the forecasts (:mod:`~clientbase.forecast.selection`), reconciles them
(:mod:`~clientbase.forecast.reconcile`) and rounds the bottom to whole units of ``10**-scale``, adding every
other row up from it in integers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from clientbase.forecast.reconcile import Reconciled, exact_means, reconcile
from clientbase.forecast.selection import LEVELS, Fitted, Z, fit_and_forecast

Array = np.ndarray[Any, Any]


@dataclass(frozen=True)
class CoherentForecast:
    """Forecasts of every row in whole units of ``10**-scale``: ``mean`` coherent to the unit, intervals
    around it from the reconciled standard deviations."""

    scale: int
    fitted: Fitted
    reconciled: Reconciled
    mean: Array
    lower: dict[int, Array]
    upper: dict[int, Array]

    def coherent(self, aggregate: Callable[[Array], Array], n_bottom: int) -> bool:
        """Whether every row is exactly the sum of its bottom rows (checked, not assumed)."""
        return bool(np.array_equal(aggregate(self.mean[self.mean.shape[0] - n_bottom :]), self.mean))


def forecast_set(
    history: Array,
    *,
    summing: Array,
    aggregate: Callable[[Array], Array],
    scale: int,
    horizon: int,
    season: int,
    fine_rows: Array | None = None,
    windows: int = 3,
    jobs: int = 1,
    method: str = "mint_shrink",
) -> CoherentForecast:
    """Forecast every row of ``history`` (series x complete periods, floats in the measure's unit).

    Args:
        history: aggregates first, the bottom last (as ``summing`` orders them).
        summing: the summing matrix S (series x bottom).
        aggregate: maps integer bottom rows to every row, exactly.
        scale: forecasts are whole units of ``10**-scale`` (2: cents).
        horizon, season, fine_rows, windows, jobs: see :func:`~clientbase.forecast.selection.fit_and_forecast`.
        method: ``mint_shrink`` or ``bottom_up``.

    Example:
        >>> y = np.array([[3.0, 5, 4, 6, 5, 7, 6, 8], [1.0, 2, 2, 3, 2, 3, 3, 4], [2.0, 3, 2, 3, 3, 4, 3, 4]])
        >>> s = np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
        >>> agg = lambda b: np.vstack([b.sum(axis=0), b])
        >>> f = forecast_set(y, summing=s, aggregate=agg, scale=2, horizon=2, season=1)
        >>> f.coherent(agg, 2), f.mean.dtype.kind
        (True, 'i')
    """
    fitted = fit_and_forecast(
        history, horizon=horizon, season=season, fine_rows=fine_rows, windows=windows, jobs=jobs
    )
    started = time.perf_counter()
    reconciled = reconcile(
        summing,
        fitted.mean,
        y_insample=history,
        y_hat_insample=fitted.fitted,
        sigma=fitted.sigma,
        method=method,
    )
    n_bottom = summing.shape[1]
    mean = exact_means(reconciled.mean, scale, n_bottom, aggregate)
    unit = 10**scale
    lower, upper = {}, {}
    for level in LEVELS:
        spread = np.rint(Z[level] * reconciled.sd * unit).astype(np.int64)
        lower[level], upper[level] = mean - spread, mean + spread
    fitted.seconds["reconcile"] = time.perf_counter() - started
    return CoherentForecast(
        scale=scale, fitted=fitted, reconciled=reconciled, mean=mean, lower=lower, upper=upper
    )
