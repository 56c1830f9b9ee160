"""On the demo company: the last 12 months forecast from the data before them beat seasonal naive on the
total and on most segments; the levels add up to the cent; the incomplete last month is never fitted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from clientbase.forecast.accuracy import scores, seasonal_scale
from clientbase.forecast.series import build_series
from clientbase.forecast.service import BaseForecast, ForecastOptions, forecast_base, forecast_series
from clientbase.registry.access import Actor
from clientbase.store import Store
from tests.forecast.conftest import END

HEAD = Actor("M01", "head")


@pytest.fixture(scope="module")
def holdout(demo_path: Any) -> dict[str, Any]:
    from clientbase.store import connect

    last_complete = dt.date(END.year, END.month, 1) - dt.timedelta(days=1)  # 2026-09-30
    cut = dt.date(last_complete.year - 1, last_complete.month + 1, 1) - dt.timedelta(days=1)  # 2025-09-30
    with connect(f"duckdb:///{demo_path}") as store:
        before = build_series(store, levels=["segment"], as_of=cut)
        after = build_series(store, levels=["segment"], as_of=last_complete)
    forecast = forecast_series(before, ForecastOptions(horizon=12, levels=("segment",)))
    return {"before": before, "after": after, "forecast": forecast}


def test_the_last_twelve_months_beat_seasonal_naive(holdout: dict[str, Any]) -> None:
    before, after, f = holdout["before"], holdout["after"], holdout["forecast"]
    assert after.keys == before.keys
    train = before.as_float()[:, before.fitted]
    actual = after.as_float()[:, -12:]
    predicted = f.mean / 10**before.scale
    naive = train[:, -12:]  # seasonal naive: the same month a year before
    scale = seasonal_scale(train, 12)[:, None]
    ours = scores(actual[:, None, :], predicted[:, None, :], scale)
    floor = scores(actual[:, None, :], naive[:, None, :], scale)
    assert ours.mase[0] < floor.mase[0], (ours.mase[0], floor.mase[0])  # the total
    segments = [i for i, level in enumerate(before.levels) if level == "segment"]
    beaten = [i for i in segments if ours.mase[i] < floor.mase[i]]
    assert len(beaten) > len(segments) / 2, [(before.ids[i], ours.mase[i], floor.mase[i]) for i in segments]


@pytest.fixture(scope="module")
def with_customers(demo_path: Any) -> BaseForecast:
    from clientbase.store import connect

    options = ForecastOptions(horizon=3, levels=("total", "segment", "owner", "customer"), views=False)
    with connect(f"duckdb:///{demo_path}") as store:
        return forecast_base(store=store, actor=HEAD, options=options)


def test_customers_add_up_to_segments_and_owners_to_the_total_to_the_cent(
    with_customers: BaseForecast,
) -> None:
    doc = with_customers.document()
    assert doc["coherent"] is True and doc["reconciliation"]["bottom_level"] == "customer"
    by_level: dict[str, list[dict[str, Any]]] = {}
    for s in doc["series"]:
        by_level.setdefault(s["key"]["level"], []).append(s)
    customers = by_level["customer"]
    segment_of = {a["customer"]: a["segment"] for a in with_customers.series.bottom_attributes}
    owner_of = {a["customer"]: a["owner"] for a in with_customers.series.bottom_attributes}
    for h in range(3):
        total = by_level["total"][0]["forecast"][h]["mean"]
        assert isinstance(total, Decimal) and total == sum(c["forecast"][h]["mean"] for c in customers)
        for seg in by_level["segment"]:
            name = seg["key"]["segment"]
            members = [c for c in customers if segment_of[c["key"]["customer"]] == name]
            assert seg["forecast"][h]["mean"] == sum(c["forecast"][h]["mean"] for c in members)
        assert total == sum(o["forecast"][h]["mean"] for o in by_level["owner"])
        assert total == sum(s["forecast"][h]["mean"] for s in by_level["segment"])
    assert set(owner_of.values()) == {o["key"]["owner"] for o in by_level["owner"]}


def test_the_incomplete_last_month_is_marked_and_never_fitted(
    demo: Store, with_customers: BaseForecast
) -> None:
    doc = with_customers.document()
    assert doc["last_period"] == {"period": "2026-10", "complete": False}
    # the demo's three years start on 2023-10-17: a partial first month, shown as such and not fitted
    assert doc["first_period"] == {"period": "2023-10", "complete": False, "fitted": False}
    total = doc["series"][0]
    assert total["history"][0]["period"] == "2023-11" and total["history"][-1]["period"] == "2026-09"
    assert total["incomplete"]["period"] == "2026-10" and total["forecast"][0]["period"] == "2026-10"
    # changing the incomplete month changes no forecast: the models never see it
    s = build_series(demo, levels=["total"])
    altered = type(s)(**{**s.__dict__, "values": s.values.copy()})
    altered.values[:, -1] *= 7
    options = ForecastOptions(horizon=2, levels=("total",))
    assert np.array_equal(forecast_series(s, options).mean, forecast_series(altered, options).mean)


def test_a_manager_forecasts_their_own_book(demo: Store) -> None:
    options = ForecastOptions(horizon=2, levels=("total", "customer"), views=False)
    mine = forecast_base(store=demo, actor=Actor("M03", "manager"), options=options).document()
    assert mine["scope"] == {"owner_id": "M03"}
    owned = {
        r[0]
        for r in demo.table("counterparties")
        .filter(lambda t: t.owner_id == "M03")
        .select("counterparty_id")
        .execute()
        .itertuples(index=False)
    }
    assert {s["key"]["customer"] for s in mine["series"][1:]} <= owned
