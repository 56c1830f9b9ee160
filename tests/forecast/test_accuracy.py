"""The metrics on a worked example (docs/forecast.md) and against utilsforecast's definitions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from utilsforecast import losses

from clientbase.forecast.accuracy import scores, seasonal_scale


def test_worked_example_of_docs() -> None:
    # docs/forecast.md: history 100, 120, 90, 110 (season 1), actual 100, 130, forecast 105, 120
    train = np.array([[100.0, 120.0, 90.0, 110.0]])
    scale = seasonal_scale(train, 1)
    assert scale.tolist() == [(20 + 30 + 20) / 3]
    s = scores(np.array([[[100.0, 130.0]]]), np.array([[[105.0, 120.0]]]), scale[:, None])
    assert s.mase[0] == pytest.approx(7.5 / (70 / 3))  # MAE 7.5 over the scale 23.33: 0.3214
    assert s.smape[0] == pytest.approx(100 * (5 / 205 + 10 / 250))  # 6.44 %
    assert s.wape[0] == pytest.approx(15 / 230)
    assert s.bias[0] == pytest.approx(-2.5)
    assert s.bias_pct[0] == pytest.approx(-5 / 230)


def test_windows_are_averaged_and_a_flat_history_has_no_mase() -> None:
    actual = np.array([[[1.0, 1.0], [2.0, 2.0]], [[3.0, 3.0], [3.0, 3.0]]])
    forecast = actual + np.array([[[1.0, 1.0], [3.0, 3.0]], [[0.0, 0.0], [1.0, 1.0]]])
    s = scores(actual, forecast, np.array([[1.0, 2.0], [0.0, 0.0]]))
    assert s.mase[0] == pytest.approx((1 / 1 + 3 / 2) / 2)
    assert np.isnan(s.mase[1]) and s.mae[1] == pytest.approx(0.5)


def test_same_numbers_as_utilsforecast() -> None:
    rng = np.random.default_rng(3)
    history = rng.gamma(4, 25, size=(3, 30))
    actual = rng.gamma(4, 25, size=(3, 6))
    forecast = actual + rng.normal(0, 10, size=(3, 6))
    ids = np.repeat(["a", "b", "c"], 6)
    df = pd.DataFrame(
        {"unique_id": ids, "ds": np.tile(np.arange(31, 37), 3), "y": actual.ravel(), "m": forecast.ravel()}
    )
    train = pd.DataFrame(
        {
            "unique_id": np.repeat(["a", "b", "c"], 30),
            "ds": np.tile(np.arange(1, 31), 3),
            "y": history.ravel(),
        }
    )
    ours = scores(actual[:, None, :], forecast[:, None, :], seasonal_scale(history, 12)[:, None])
    theirs_mase = (
        losses.mase(df, ["m"], seasonality=12, train_df=train).sort_values("unique_id")["m"].to_numpy()
    )
    np.testing.assert_allclose(ours.mase, theirs_mase)
    theirs_smape = losses.smape(df, ["m"]).sort_values("unique_id")["m"].to_numpy()
    np.testing.assert_allclose(ours.smape, 200 * theirs_smape)  # M4's 0-200 % scale; utilsforecast's is 0-1
    theirs_bias = losses.bias(df, ["m"]).sort_values("unique_id")["m"].to_numpy()
    np.testing.assert_allclose(ours.bias, theirs_bias)
    theirs_nd = losses.nd(df, ["m"]).sort_values("unique_id")["m"].to_numpy()  # sum |e| / sum |y|
    np.testing.assert_allclose(ours.wape, theirs_nd)
