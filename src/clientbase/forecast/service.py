"""The forecast services the CLI calls (and the web API will): the base's forecast, any file's.

Who sees what: the head and analysts see every series of the whole base. A manager sees their own book:
the same levels built from the customers they own (their total, their segments, their customers), never
another manager's customers nor the company total, which would reveal the others' sales by difference.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from clientbase.errors import ConfigurationError
from clientbase.forecast import document as doc
from clientbase.forecast.coherent import CoherentForecast, forecast_set
from clientbase.forecast.files import FileSeries, period_label, read_series_file
from clientbase.forecast.selection import DEFAULT_WINDOWS
from clientbase.forecast.series import (
    DEFAULT_LEVELS,
    SEASON,
    SeriesSet,
    build_series,
    check_request,
    next_period,
)
from clientbase.registry.access import Actor

Progress = Callable[[str], None]
MAX_HORIZON = 120


@dataclass(frozen=True)
class ForecastOptions:
    """What :func:`forecast_base` forecasts (see ``docs/forecast.md``)."""

    horizon: int = 12
    freq: str = "month"
    measure: str = "net_revenue"
    levels: tuple[str, ...] = DEFAULT_LEVELS
    #: last day of data (default: the latest order, activity or invoice date)
    as_of: dt.date | None = None
    windows: int = DEFAULT_WINDOWS
    jobs: int = 1
    reconciliation: str = "mint_shrink"
    #: add the customer-value (BG/NBD x Gamma-Gamma) view and the prospects' pipeline beside the total
    views: bool = True
    #: only the customers of this manager (set from the actor for a manager)
    owner_id: str | None = None

    def __post_init__(self) -> None:
        check_horizon(self.horizon)
        check_request(self.measure, self.freq, self.levels)
        if self.windows < 1:
            raise ConfigurationError(f"A backtest needs at least 1 window; got {self.windows}.")
        if self.reconciliation not in ("mint_shrink", "bottom_up"):
            raise ConfigurationError(
                f"Unknown reconciliation {self.reconciliation!r}; use mint_shrink or bottom_up."
            )


def check_horizon(horizon: int) -> None:
    if not 1 <= horizon <= MAX_HORIZON:
        raise ConfigurationError(f"The horizon is 1 to {MAX_HORIZON} periods; got {horizon}.")


def period_text(day: dt.date, freq: str) -> str:
    """``2026-10`` for a month, the Monday's ISO date for a week."""
    return day.strftime("%Y-%m") if freq == "month" else day.isoformat()


@dataclass(frozen=True)
class BaseForecast:
    """The forecast of one measure of the base: the series, the coherent forecast, the views beside it."""

    options: ForecastOptions
    series: SeriesSet
    forecast: CoherentForecast
    forecast_periods: list[dt.date]
    scope: dict[str, Any]
    views: dict[str, Any] = field(default_factory=dict)

    def row(self, key: dict[str, str]) -> int:
        """The row of the series with ``key`` (e.g. ``{"level": "total"}``)."""
        return self.series.keys.index(key)

    def document(self) -> dict[str, Any]:
        """The forecast as one JSON-ready document (the ``--json`` shape of docs/forecast.md)."""
        s, f, o = self.series, self.forecast, self.options
        fitted = s.fitted
        incomplete = None
        if s.last_incomplete:
            incomplete = (period_text(s.periods[-1], s.freq), s.values[:, -1])
        shown = s.shown()
        return {
            "measure": s.measure,
            "freq": s.freq,
            "as_of": s.as_of.isoformat(),
            "horizon": o.horizon,
            "levels": list(s.shown_levels),
            "scope": self.scope,
            "first_period": {
                "period": period_text(s.periods[0], s.freq),
                "complete": not s.first_incomplete,
                "fitted": fitted.start == 0,
            },
            "last_period": {
                "period": period_text(s.periods[-1], s.freq),
                "complete": not s.last_incomplete,
            },
            "backtest_plan": _plan(f),
            "reconciliation": {
                "method": f.reconciled.method,
                "fallback_reason": f.reconciled.fallback_reason,
                "bottom_level": s.levels[-1],
                "bottom_series": s.n_bottom,
            },
            "accuracy": doc.accuracy_by_level(f, s.levels, s.shown_levels),
            "series": doc.series_entries(
                f,
                rows=shown,
                keys=s.keys,
                history=s.values[:, fitted],
                history_periods=[period_text(p, s.freq) for p in s.periods[fitted]],
                forecast_periods=[period_text(p, s.freq) for p in self.forecast_periods],
                incomplete=incomplete,
            ),
            "coherent": f.coherent(s.aggregate, s.n_bottom),
            **self.views,
        }


def _plan(f: CoherentForecast) -> dict[str, Any] | None:
    plan = f.fitted.plan
    if plan is None:
        return None
    return {"horizon": plan.horizon, "windows": plan.windows, "step": plan.step, "season": f.fitted.season}


def scope_of(actor: Actor) -> str | None:
    """The owner whose book ``actor`` sees (``None``: the whole base)."""
    return None if actor.sees_all else actor.manager_id


def forecast_base(
    *, store: Any, actor: Actor, options: ForecastOptions | None = None, progress: Progress | None = None
) -> BaseForecast:
    """Forecast one measure of the base for the total and the levels asked, coherent to the cent.

    Args:
        store: a :class:`~clientbase.store.Store` (or an Ibis backend / :class:`Tables`).
        actor: the user asking; a manager gets their own book (module docstring).
        options: horizon, frequency, measure, levels ... (:class:`ForecastOptions`).
        progress: called with a short description before each long step.

    Raises:
        ConfigurationError: unknown options, or no sales to forecast.

    Example:
        >>> from clientbase.demo.build import load_demo
        >>> from clientbase.demo.generate import generate
        >>> from clientbase.store import connect
        >>> with connect("duckdb:///:memory:") as store:
        ...     _ = load_demo(store, generate(customers=80, years=2, seed=5))
        ...     f = forecast_base(store=store, actor=Actor("M01", "head"),
        ...                       options=ForecastOptions(horizon=3, levels=("segment",), views=False))
        >>> d = f.document()
        >>> d["coherent"], len(d["series"][0]["forecast"]), d["series"][0]["key"]
        (True, 3, {'level': 'total'})
    """
    options = options or ForecastOptions()
    step = progress or (lambda _: None)
    owner = scope_of(actor)
    step("Building the series in the engine")
    series = build_series(
        store,
        measure=options.measure,
        freq=options.freq,
        levels=options.levels,
        as_of=options.as_of,
        owner_id=owner,
    )
    step(f"Choosing and fitting models for {len(series.keys):,} series")
    forecast = forecast_series(series, options)
    first = series.periods[-1] if series.last_incomplete else next_period(series.periods[-1], series.freq)
    periods = [first]
    for _ in range(options.horizon - 1):
        periods.append(next_period(periods[-1], series.freq))
    scope = {"owner_id": owner} if owner else {"owner_id": None, "whole_base": True}
    result = BaseForecast(options, series, forecast, periods, scope)
    if options.views and options.freq == "month":
        from clientbase.forecast.views import views_beside

        step("Customer-value view and prospects' pipeline")
        result = BaseForecast(options, series, forecast, periods, scope, views_beside(store, result))
    return result


def forecast_series(series: SeriesSet, options: ForecastOptions) -> CoherentForecast:
    """The coherent forecast of a :class:`SeriesSet` on its complete periods."""
    fitted = series.fitted
    if fitted.stop - fitted.start < 2:
        raise ConfigurationError(
            f"Only {series.complete} complete {series.freq}(s) of history up to {series.as_of}: a forecast needs two."
        )
    fine = [i for i, level in enumerate(series.levels) if level in ("customer", "cell")]
    return forecast_set(
        series.as_float()[:, fitted],
        summing=series.summing_matrix(),
        aggregate=series.aggregate,
        scale=series.scale,
        horizon=options.horizon,
        season=SEASON[series.freq],
        fine_rows=np.array(fine, dtype=np.int64),
        windows=options.windows,
        jobs=options.jobs,
        method=options.reconciliation,
    )


@dataclass(frozen=True)
class FileForecast:
    """The forecast of the series of one file (with a total over the ids when there are several)."""

    series: FileSeries
    keys: list[dict[str, Any]]
    history: np.ndarray[Any, Any]
    forecast: CoherentForecast
    forecast_periods: list[str]

    def document(self) -> dict[str, Any]:
        f = self.forecast
        n_bottom = len(self.series.ids)
        return {
            "file": self.series.file,
            "freq": self.series.freq,
            "season": f.fitted.season,
            "horizon": len(self.forecast_periods),
            "backtest_plan": _plan(f),
            "reconciliation": {
                "method": f.reconciled.method,
                "fallback_reason": f.reconciled.fallback_reason,
            },
            "series": doc.series_entries(
                f,
                rows=range(len(self.keys)),
                keys=self.keys,
                history=self.history,
                history_periods=self.series.periods,
                forecast_periods=self.forecast_periods,
            ),
            "coherent": f.coherent(_file_aggregate(n_bottom), n_bottom),
        }


def _file_aggregate(n_bottom: int) -> Callable[[np.ndarray[Any, Any]], np.ndarray[Any, Any]]:
    def aggregate(bottom: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        return bottom if n_bottom == 1 else np.vstack([bottom.sum(axis=0), bottom])

    return aggregate


def forecast_file(
    *,
    path: str | Path,
    time_col: str,
    target_col: str,
    id_col: str | None = None,
    horizon: int = 12,
    freq: str | None = None,
    season: int | None = None,
    windows: int = DEFAULT_WINDOWS,
    jobs: int = 1,
    sheet: str | None = None,
) -> FileForecast:
    """Forecast the series of any CSV, XLSX or Parquet file; several ids get a total they add up to.

    Example:
        >>> import os, tempfile
        >>> p = os.path.join(tempfile.mkdtemp(), "s.csv")
        >>> rows = "".join(f"2024-{m:02d}-01,{10 + m}\\n" for m in range(1, 13))
        >>> _ = open(p, "w").write("month,sales\\n" + rows)
        >>> d = forecast_file(path=p, time_col="month", target_col="sales", horizon=2).document()
        >>> [x["period"] for x in d["series"][0]["forecast"]], d["coherent"]
        (['2025-01', '2025-02'], True)
    """
    check_horizon(horizon)
    data = read_series_file(
        path, time_col=time_col, target_col=target_col, id_col=id_col, freq=freq, sheet=sheet
    )
    n_ids = len(data.ids)
    scale = data.decimals
    unit = 10**scale
    bottom = np.rint(data.values * unit).astype(np.int64)
    aggregate = _file_aggregate(n_ids)
    history = aggregate(bottom)
    keys: list[dict[str, Any]] = [] if n_ids == 1 else [{"level": "total"}]
    keys += [{"level": "series", "id": i} if id_col else {"level": "series"} for i in data.ids]
    summing = np.vstack([np.ones((1, n_ids)), np.eye(n_ids)]) if n_ids > 1 else np.eye(1)
    forecast = forecast_set(
        history.astype(np.float64) / unit,
        summing=summing,
        aggregate=aggregate,
        scale=scale,
        horizon=horizon,
        season=season or data.season,
        windows=windows,
        jobs=jobs,
    )
    last = data.starts[-1]
    periods = [period_label(last + h) for h in range(1, horizon + 1)]
    return FileForecast(data, keys, history, forecast, periods)
