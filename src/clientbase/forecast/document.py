"""The JSON document of a forecast, shared by the CLI's ``--json``, the report and the future API.

``{"series": [{"key", "model", "history": [{"period", "value"}], "forecast": [{"period", "mean", "lo80",
"hi80", "lo95", "hi95"}], "backtest": {"mase", "smape", "wape", "bias", "seasonal_naive_mase", ...}}],
"coherent": true, ...}``; amounts are ``Decimal`` (exact), periods ISO text.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np

from clientbase.forecast.accuracy import rounded
from clientbase.forecast.coherent import CoherentForecast


def amount(units: int, scale: int) -> Decimal:
    """Whole units of ``10**-scale`` as a Decimal.

    Example:
        >>> amount(-1234, 2)
        Decimal('-12.34')
    """
    return Decimal(int(units)).scaleb(-scale)


def backtest_entry(forecast: CoherentForecast, row: int) -> dict[str, Any] | None:
    """The chosen model's backtest of ``row`` and seasonal naive's MASE beside it (``None``: no backtest)."""
    f = forecast.fitted
    if f.chosen is None or f.floor is None:
        return None
    c = f.chosen
    return {
        "mase": rounded(c.mase[row]),
        "smape": rounded(c.smape[row], 2),
        "wape": rounded(c.wape[row]),
        "bias": rounded(c.bias[row], 2),
        "bias_pct": rounded(c.bias_pct[row]),
        "seasonal_naive_mase": rounded(f.floor.mase[row]),
        "beats_seasonal_naive": f.beats_seasonal_naive[row],
    }


def series_entries(
    forecast: CoherentForecast,
    *,
    rows: Sequence[int],
    keys: Sequence[dict[str, Any]],
    history: np.ndarray[Any, Any],
    history_periods: Sequence[str],
    forecast_periods: Sequence[str],
    incomplete: tuple[str, np.ndarray[Any, Any]] | None = None,
) -> list[dict[str, Any]]:
    """One entry per row of ``rows``: key, model, kind, history, the incomplete period (marked, not fitted),
    the forecast with its intervals and the backtest. ``history`` holds whole units (rows x periods)."""
    scale, f = forecast.scale, forecast.fitted
    out = []
    for row in rows:
        entry: dict[str, Any] = {
            "key": dict(keys[row]),
            "model": f.models[row],
            "kind": f.kinds[row],
            "history": [
                {"period": p, "value": amount(v, scale)}
                for p, v in zip(history_periods, history[row].tolist(), strict=True)
            ],
        }
        if incomplete is not None:
            label, values = incomplete
            entry["incomplete"] = {"period": label, "value_so_far": amount(values[row], scale)}
        entry["forecast"] = [
            {
                "period": p,
                "mean": amount(forecast.mean[row, h], scale),
                "lo80": amount(forecast.lower[80][row, h], scale),
                "hi80": amount(forecast.upper[80][row, h], scale),
                "lo95": amount(forecast.lower[95][row, h], scale),
                "hi95": amount(forecast.upper[95][row, h], scale),
            }
            for h, p in enumerate(forecast_periods)
        ]
        entry["backtest"] = backtest_entry(forecast, row)
        out.append(entry)
    return out


def accuracy_by_level(
    forecast: CoherentForecast, levels: Sequence[str], shown: Sequence[str]
) -> list[dict[str, Any]]:
    """Per level: series, how many beat seasonal naive in the backtest, median MASE against seasonal naive's."""
    f = forecast.fitted
    out = []
    for level in shown:
        rows = [i for i, lv in enumerate(levels) if lv == level]
        entry: dict[str, Any] = {"level": level, "series": len(rows)}
        if f.chosen is not None and f.floor is not None and rows:
            mase = f.chosen.mase[rows]
            floor = f.floor.mase[rows]
            entry |= {
                "beat_seasonal_naive": int(sum(f.beats_seasonal_naive[i] for i in rows)),
                "median_mase": rounded(float(np.nanmedian(mase))) if np.isfinite(mase).any() else None,
                "median_seasonal_naive_mase": rounded(float(np.nanmedian(floor)))
                if np.isfinite(floor).any()
                else None,
            }
        out.append(entry)
    return out
