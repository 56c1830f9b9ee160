"""The model of each series chosen by a rolling-origin backtest on MASE, then fitted on the whole history.

Per kind of series (:mod:`clientbase.forecast.candidates`), statsforecast's ``cross_validation`` forecasts
several windows of the horizon from successive origins with every candidate; the candidate with the lowest
mean MASE over the windows wins, and a series where no candidate beats SeasonalNaive says so and keeps it.
The chosen models are then fitted on every complete period and forecast the horizon with 80 % and 95 %
intervals: statsforecast's own where the model has them (ETS, ARIMA, Theta, seasonal naive), otherwise
normal intervals from the root mean squared error of the model's backtest (the intermittent models, which
statsforecast gives no intervals).

Time is an integer index here (1, 2, ...): the calendar is the caller's, so months, weeks or any file's
frequency go through the same code.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from clientbase.errors import ConfigurationError
from clientbase.forecast.accuracy import Scores, scores, seasonal_scale
from clientbase.forecast.candidates import (
    SEASONAL_NAIVE,
    WITH_INTERVALS,
    candidate_models,
    classify,
    model_named,
)

LEVELS = (80, 95)
#: standard normal quantiles of the two-sided 80 % and 95 % intervals
Z = {80: 1.2815515655446004, 95: 1.959963984540054}
DEFAULT_WINDOWS = 3

Array = np.ndarray[Any, Any]


@dataclass(frozen=True)
class BacktestPlan:
    """``windows`` forecasts of ``horizon`` periods, their origins ``step`` periods apart, the last ending
    at the end of the history."""

    horizon: int
    windows: int
    step: int

    def train_lengths(self, n: int) -> list[int]:
        """How many periods each window trains on, oldest first."""
        last = n - self.horizon
        return [last - self.step * (self.windows - 1 - i) for i in range(self.windows)]


def effective_season(n: int, season: int) -> int:
    """``season``, or 1 (no season) when the history is too short to hold one season and a spare period."""
    return season if n >= season + 2 else 1


def backtest_plan(n: int, horizon: int, season: int, windows: int = DEFAULT_WINDOWS) -> BacktestPlan | None:
    """The backtest a history of ``n`` periods allows: each window trains on at least ``season + 1``
    periods (so the MASE scale exists); the horizon shrinks, then the windows overlap, to fit.

    Example:
        >>> backtest_plan(35, 12, 12)
        BacktestPlan(horizon=12, windows=3, step=5)
        >>> backtest_plan(24, 12, 12)
        BacktestPlan(horizon=9, windows=3, step=1)
    """
    room = n - max(season + 1, 4)
    if room < windows:
        windows = max(room, 1) if room >= 1 else 0
    if windows < 1 or room < 1:
        return None
    h = min(horizon, room - (windows - 1))
    step = 1 if windows == 1 else max(1, min(h, (room - h) // (windows - 1)))
    return BacktestPlan(horizon=h, windows=windows, step=step)


@dataclass(frozen=True)
class Fitted:
    """Per series (rows of the input): the kind, the chosen model and its backtest, and the forecast."""

    kinds: list[str]
    models: list[str]
    beats_seasonal_naive: list[bool]
    plan: BacktestPlan | None
    #: the chosen model's backtest scores, and seasonal naive's, per series (NaN: no backtest)
    chosen: Scores | None
    floor: Scores | None
    mean: Array
    sigma: Array
    #: interval bounds by level (80, 95): series x horizon
    lower: dict[int, Array]
    upper: dict[int, Array]
    #: in-sample one-step fitted values (NaN where a model has none), series x history
    fitted: Array
    season: int
    #: wall time of the backtest and of the final fits
    seconds: dict[str, float] = field(default_factory=dict)


def _frame(values: Array, rows: Array) -> pd.DataFrame:
    n = values.shape[1]
    return pd.DataFrame(
        {
            "unique_id": np.repeat(rows, n),
            "ds": np.tile(np.arange(1, n + 1, dtype=np.int64), len(rows)),
            "y": values[rows].ravel(),
        }
    )


#: below this many series one process does the work: starting statsforecast's worker pool costs more
PARALLEL_FROM = 200


def _statsforecast(models: list[Any], season: int, jobs: int, n_series: int) -> Any:
    from statsforecast import StatsForecast
    from statsforecast.models import SeasonalNaive

    workers = jobs if n_series >= PARALLEL_FROM else 1
    return StatsForecast(models=models, freq=1, n_jobs=workers, fallback_model=SeasonalNaive(season))


def _backtest(
    values: Array, rows: Array, kind: str, season: int, plan: BacktestPlan, jobs: int
) -> tuple[list[str], dict[str, Scores]]:
    models = candidate_models(kind, season)
    names = [str(m) for m in models]
    sf = _statsforecast(models, season, jobs, len(rows))
    cv = sf.cross_validation(
        df=_frame(values, rows), h=plan.horizon, n_windows=plan.windows, step_size=plan.step, refit=True
    )
    cv = cv.sort_values(["unique_id", "cutoff", "ds"])
    shape = (len(rows), plan.windows, plan.horizon)
    actual = cv["y"].to_numpy(dtype=np.float64).reshape(shape)
    lengths = plan.train_lengths(values.shape[1])
    scales = np.column_stack([seasonal_scale(values[rows, :n], season) for n in lengths])
    return names, {
        name: scores(actual, cv[name].to_numpy(dtype=np.float64).reshape(shape), scales) for name in names
    }


def _choose(names: list[str], by_model: dict[str, Scores]) -> tuple[list[str], list[bool]]:
    """Per series the candidate with the lowest MASE (MAE where MASE is undefined); SeasonalNaive unless a
    candidate is strictly better."""
    floor = by_model[SEASONAL_NAIVE]
    chosen, beats = [], []
    for i in range(len(floor.mae)):
        use_mase = np.isfinite(floor.mase[i])
        score = {n: (s.mase[i] if use_mase else s.mae[i]) for n, s in by_model.items()}
        best = min(
            (n for n in names if np.isfinite(score[n])), key=lambda n: score[n], default=SEASONAL_NAIVE
        )
        wins = best != SEASONAL_NAIVE and score[best] < score[SEASONAL_NAIVE]
        chosen.append(best if wins else SEASONAL_NAIVE)
        beats.append(bool(wins))
    return chosen, beats


def _pick(by_model: dict[str, Scores], chosen: list[str], field: str) -> Array:
    return np.array([getattr(by_model[m], field)[i] for i, m in enumerate(chosen)], dtype=np.float64)


def fit_and_forecast(
    values: Array,
    *,
    horizon: int,
    season: int,
    fine_rows: Array | None = None,
    windows: int = DEFAULT_WINDOWS,
    jobs: int = 1,
) -> Fitted:
    """Choose a model per row of ``values`` (series x complete periods) by backtest and forecast ``horizon``.

    Args:
        values: the history, floats, every row the same length.
        horizon: periods to forecast.
        season: periods in a season (12 for months, 52 for weeks, 1 for none).
        fine_rows: rows at the bottom of a large set, customers or cells (smooth ones get the cheaper
            candidates of :mod:`clientbase.forecast.candidates`).
        windows: backtest windows.
        jobs: processes statsforecast may use.

    Example:
        >>> y = np.array([[10.0, 12, 14, 13, 15, 17, 16, 18, 20, 19, 21, 23]])
        >>> f = fit_and_forecast(y, horizon=2, season=1)
        >>> f.models[0] != "", f.mean.shape, bool((f.lower[95] <= f.mean).all())
        (True, (1, 2), True)
    """
    if values.ndim != 2 or values.shape[1] < 2:
        raise ConfigurationError("A forecast needs at least two complete periods of history.")
    n_series, n = values.shape
    season = effective_season(n, season)
    fine = np.zeros(n_series, dtype=bool)
    if fine_rows is not None:
        fine[fine_rows] = True
    kinds = [classify(values[i], fine=bool(fine[i])) for i in range(n_series)]
    plan = backtest_plan(n, horizon, season, windows)
    started = time.perf_counter()
    models = [SEASONAL_NAIVE] * n_series
    beats = [False] * n_series
    chosen_scores: dict[str, Array] = {}
    floor_scores: dict[str, Array] = {}
    fields = ("mase", "smape", "wape", "bias", "bias_pct", "mae", "rmse")
    for name in fields:
        chosen_scores[name] = np.full(n_series, np.nan)
        floor_scores[name] = np.full(n_series, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsforecast warns per series on short or flat histories
        if plan is not None:
            for kind in sorted(set(kinds)):
                rows = np.flatnonzero(np.array(kinds) == kind)
                names, by_model = _backtest(values, rows, kind, season, plan, jobs)
                picked, wins = _choose(names, by_model)
                for j, i in enumerate(rows):
                    models[i], beats[i] = picked[j], wins[j]
                for name in fields:
                    chosen_scores[name][rows] = _pick(by_model, picked, name)
                    floor_scores[name][rows] = getattr(by_model[SEASONAL_NAIVE], name)
        rmse = chosen_scores["rmse"]
        backtested = time.perf_counter()
        mean, sigma, lower, upper, fitted = _final(values, kinds, models, season, horizon, rmse, jobs)
    return Fitted(
        kinds=kinds,
        models=models,
        beats_seasonal_naive=beats,
        plan=plan,
        chosen=Scores(**chosen_scores) if plan is not None else None,
        floor=Scores(**floor_scores) if plan is not None else None,
        mean=mean,
        sigma=sigma,
        lower=lower,
        upper=upper,
        fitted=fitted,
        season=season,
        seconds={"backtest": backtested - started, "fit": time.perf_counter() - backtested},
    )


def _final(
    values: Array, kinds: list[str], models: list[str], season: int, horizon: int, rmse: Array, jobs: int
) -> tuple[Array, Array, dict[int, Array], dict[int, Array], Array]:
    n_series, n = values.shape
    mean = np.zeros((n_series, horizon))
    sigma = np.zeros((n_series, horizon))
    fitted = np.full((n_series, n), np.nan)
    groups: dict[tuple[str, str], list[int]] = {}
    for i, (kind, model) in enumerate(zip(kinds, models, strict=True)):
        groups.setdefault((kind, model), []).append(i)
    for (kind, name), members in sorted(groups.items()):
        rows = np.array(members)
        sf = _statsforecast([model_named(name, kind, season)], season, jobs, len(rows))
        native = name in WITH_INTERVALS
        fc = sf.forecast(df=_frame(values, rows), h=horizon, level=[95] if native else None, fitted=True)
        fc = fc.sort_values(["unique_id", "ds"])
        mean[rows] = fc[name].to_numpy(dtype=np.float64).reshape(len(rows), horizon)
        if native:
            hi = fc[f"{name}-hi-95"].to_numpy(dtype=np.float64).reshape(len(rows), horizon)
            sigma[rows] = np.maximum(hi - mean[rows], 0.0) / Z[95]
        else:
            spread = np.where(np.isfinite(rmse[rows]), rmse[rows], np.std(values[rows], axis=1))
            sigma[rows] = np.repeat(spread[:, None], horizon, axis=1)
        insample = sf.forecast_fitted_values().sort_values(["unique_id", "ds"])
        fitted[rows] = insample[name].to_numpy(dtype=np.float64).reshape(len(rows), n)
    sigma = np.nan_to_num(sigma, nan=0.0)
    lower = {level: mean - Z[level] * sigma for level in LEVELS}
    upper = {level: mean + Z[level] * sigma for level in LEVELS}
    return mean, sigma, lower, upper, fitted
