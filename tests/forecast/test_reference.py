"""Published reference numbers: the airline model on AirPassengers, the Nile's local level, and the
model choice on the classic 1960 hold-out."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from statsforecast.models import ARIMA, AutoETS
from statsforecast.utils import AirPassengers

from clientbase.forecast.accuracy import scores, seasonal_scale
from clientbase.forecast.selection import fit_and_forecast


def test_air_passengers_is_box_and_jenkins_series_g() -> None:
    # SAS/ETS User's Guide, PROC ARIMA Example "Seasonal Model for the Airline Series": the twice
    # differenced log series (1-B)(1-B^12) log x has 131 observations, mean 0.000291, standard deviation 0.045673
    x = np.log(np.asarray(AirPassengers, dtype=np.float64))
    once = np.diff(x)
    twice = once[12:] - once[:-12]
    assert len(twice) == 131
    assert twice.mean() == pytest.approx(0.000291, abs=5e-7)
    assert twice.std() == pytest.approx(0.045673, abs=5e-7)


def test_airline_model_matches_box_jenkins_as_r_estimates_it() -> None:
    # ARIMA(0,1,1)(0,1,1)[12] on log(AirPassengers) (Box & Jenkins' airline model); R's arima() gives
    # ma1 = -0.4018, sma1 = -0.5569, sigma^2 = 0.001348, log likelihood 244.7, AIC -483.4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ARIMA(order=(0, 1, 1), seasonal_order=(0, 1, 1), season_length=12).fit(np.log(AirPassengers))
    model = fit.model_
    assert model["loglik"] == pytest.approx(244.7, abs=0.1)
    assert model["aic"] == pytest.approx(-483.4, abs=0.2)
    assert model["coef"]["ma1"] == pytest.approx(-0.4018, abs=0.03)
    assert model["coef"]["sma1"] == pytest.approx(-0.5569, abs=0.02)
    assert model["sigma2"] == pytest.approx(0.001348, rel=0.02)


def test_nile_level_smoothing_is_the_local_level_gain() -> None:
    # Durbin & Koopman (2012) fit the local level model to the Nile: sigma_eps^2 = 15,099, sigma_eta^2 =
    # 1,469.1; its steady-state Kalman gain, q = 1469.1/15099, x = (q + sqrt(q^2 + 4q))/2, K = x/(1+x) = 0.267,
    # is simple exponential smoothing's alpha
    datasets = pytest.importorskip("statsmodels.datasets")
    nile = datasets.nile.load_pandas().data["volume"].to_numpy(dtype=np.float64)
    q = 1469.1 / 15099
    x = (q + np.sqrt(q * q + 4 * q)) / 2
    alpha = AutoETS(model="ANN").fit(nile).model_["par"][0]
    assert x / (1 + x) == pytest.approx(0.267, abs=0.001)
    assert alpha == pytest.approx(x / (1 + x), abs=0.03)


def test_air_passengers_1960_held_out_beats_seasonal_naive() -> None:
    y = np.asarray(AirPassengers, dtype=np.float64)
    train, test = y[None, :-12], y[None, -12:]
    f = fit_and_forecast(train, horizon=12, season=12)
    assert f.models[0] != "SeasonalNaive" and f.beats_seasonal_naive[0]
    scale = seasonal_scale(train, 12)[:, None]
    ours = scores(test[:, None, :], f.mean[:, None, :], scale)
    naive = scores(test[:, None, :], train[:, None, -12:], scale)
    assert ours.mase[0] < naive.mase[0]
    # by hand: 1960 minus 1959, month by month, is 57 49 13 65 52 63 74 47 45 54 28 27 (thousands): MAE 574/12
    assert naive.mae[0] == pytest.approx(574 / 12)
    inside = (f.lower[95] <= test) & (test <= f.upper[95])
    assert inside.mean() >= 0.75
