"""The candidate models of each kind of series (statsforecast), and how a series is classed.

A series is *intermittent* when its average demand interval (periods per non-zero period, Syntetos & Boylan
2005) is 1.32 or more, *zero* when it has no non-zero value, *smooth* otherwise. Candidates:

* smooth: AutoETS, AutoARIMA, AutoTheta and SeasonalNaive;
* intermittent: CrostonOptimized, ADIDA, IMAPA, TSB and SeasonalNaive;
* a smooth *fine* series, the bottom of a large set (one customer, or one cell such as segment x owner):
  AutoETS without a seasonal component, AutoTheta and SeasonalNaive. One customer's months are too noisy
  for eleven seasonal states, and AutoARIMA costs about 150 ms a fit here (docs/benchmarks.md): on
  thousands of customers it alone would take many minutes;
* a zero series: SeasonalNaive (it forecasts zero).

SeasonalNaive is the floor every series is judged against.
"""

from __future__ import annotations

from typing import Any

import numpy as np

SEASONAL_NAIVE = "SeasonalNaive"
#: average demand interval from which a series is intermittent (Syntetos & Boylan 2005)
INTERMITTENT_ADI = 1.32
KINDS = ("smooth", "intermittent", "fine", "zero")
#: TSB's smoothing of demand size and probability (Teunter, Syntetos & Babai 2011 use 0.1 to 0.3)
TSB_ALPHAS = (0.1, 0.1)
#: models whose statsforecast implementation gives prediction intervals
WITH_INTERVALS = ("AutoETS", "AutoARIMA", "AutoTheta", SEASONAL_NAIVE)


def classify(values: np.ndarray[Any, Any], *, fine: bool) -> str:
    """The kind of a series: ``zero``, ``intermittent``, ``fine`` (smooth, at the bottom of a large set) or
    ``smooth``.

    Example:
        >>> classify(np.array([0.0, 5.0, 0.0, 0.0, 3.0]), fine=False)
        'intermittent'
    """
    nonzero = int(np.count_nonzero(values))
    if nonzero == 0:
        return "zero"
    if len(values) / nonzero >= INTERMITTENT_ADI:
        return "intermittent"
    return "fine" if fine else "smooth"


def candidate_models(kind: str, season: int) -> list[Any]:
    """Fresh statsforecast model objects for series of ``kind`` with season length ``season``."""
    from statsforecast.models import (
        ADIDA,
        IMAPA,
        TSB,
        AutoARIMA,
        AutoETS,
        AutoTheta,
        CrostonOptimized,
        SeasonalNaive,
    )

    floor = SeasonalNaive(season_length=season)
    if kind == "smooth":
        return [
            AutoETS(season_length=season),
            AutoARIMA(season_length=season, max_p=1, max_q=1, max_P=1, max_Q=1, max_order=3),
            AutoTheta(season_length=season),
            floor,
        ]
    if kind == "fine":
        return [AutoETS(season_length=season, model="ZZN"), AutoTheta(season_length=season), floor]
    if kind == "intermittent":
        alpha_d, alpha_p = TSB_ALPHAS
        return [CrostonOptimized(), ADIDA(), IMAPA(), TSB(alpha_d=alpha_d, alpha_p=alpha_p), floor]
    return [floor]


def model_named(name: str, kind: str, season: int) -> Any:
    """The candidate of ``kind`` called ``name``."""
    return next(m for m in candidate_models(kind, season) if str(m) == name)
