"""Accuracy of a backtest: MASE, sMAPE, WAPE and bias, per series, over several forecast windows.

Definitions (``docs/forecast.md`` works one example by hand), for actual values ``y``, forecasts ``f`` and
errors ``e = f - y`` over every point of every window:

* **MASE** (Hyndman & Koehler 2006): each window's mean absolute error divided by the in-sample mean absolute
  error of the seasonal naive forecast on that window's training data (``mean |y_t - y_{t-m}|``), averaged
  over the windows. Below 1: better than the seasonal naive forecast made in-sample. Undefined (``None``)
  when the training data repeat exactly every season (the scale is 0).
* **sMAPE** (the M4 competition's): ``200 x mean(|e| / (|y| + |f|))`` in percent, 0 to 200; a point where
  both are 0 counts 0.
* **WAPE**: ``sum |e| / sum |y|``, the absolute error as a share of the volume.
* **bias**: ``mean(e)`` in the unit of the series (positive: forecasts too high), and ``bias_pct`` =
  ``sum e / sum |y|``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

Array = np.ndarray[Any, Any]


@dataclass(frozen=True)
class Scores:
    """Accuracy of one model on many series: one value per series (NaN where undefined)."""

    mase: Array
    smape: Array
    wape: Array
    bias: Array
    bias_pct: Array
    mae: Array
    #: root mean squared error, for the intervals of models that have none of their own
    rmse: Array


def seasonal_scale(train: Array, season: int) -> Array:
    """In-sample mean absolute error of the seasonal naive forecast, per row of ``train`` (series x time);
    NaN where there are not more than ``season`` points.

    Example:
        >>> seasonal_scale(np.array([[1.0, 2.0, 4.0, 7.0]]), 1).tolist()
        [2.0]
    """
    if train.shape[1] <= season:
        return np.full(train.shape[0], np.nan)
    return np.asarray(np.mean(np.abs(train[:, season:] - train[:, :-season]), axis=1), dtype=np.float64)


def scores(actual: Array, forecast: Array, scales: Array) -> Scores:
    """Accuracy over windows: ``actual`` and ``forecast`` are series x windows x horizon, ``scales`` series x
    windows (from :func:`seasonal_scale` on each window's training data).

    Example:
        >>> y = np.array([[[10.0, 20.0]]]); f = np.array([[[12.0, 16.0]]])
        >>> s = scores(y, f, np.array([[3.0]]))
        >>> float(s.mase[0]), round(float(s.smape[0]), 2), float(s.wape[0]), float(s.bias[0])
        (1.0, 20.2, 0.2, -1.0)
    """
    error = forecast - actual
    absolute = np.abs(error)
    mae_windows = absolute.mean(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_window = np.where(scales > 0, mae_windows / np.where(scales > 0, scales, 1.0), np.nan)
        mase = np.where(np.isnan(per_window).any(axis=1), np.nan, per_window.mean(axis=1))
        denominator = np.abs(actual) + np.abs(forecast)
        ratio = np.where(denominator > 0, absolute / np.where(denominator > 0, denominator, 1.0), 0.0)
        volume = np.abs(actual).sum(axis=(1, 2))
        wape = np.where(volume > 0, absolute.sum(axis=(1, 2)) / np.where(volume > 0, volume, 1.0), np.nan)
        bias_pct = np.where(volume > 0, error.sum(axis=(1, 2)) / np.where(volume > 0, volume, 1.0), np.nan)
    return Scores(
        mase=mase,
        smape=200.0 * ratio.mean(axis=(1, 2)),
        wape=wape,
        bias=error.mean(axis=(1, 2)),
        bias_pct=bias_pct,
        mae=absolute.mean(axis=(1, 2)),
        rmse=np.sqrt((error**2).mean(axis=(1, 2))),
    )


def rounded(value: float, digits: int = 4) -> float | None:
    """``value`` rounded for a JSON document; ``None`` for NaN or infinity."""
    return round(float(value), digits) if np.isfinite(value) else None
