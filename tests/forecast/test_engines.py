"""The series are the same on PostgreSQL as on DuckDB, to the cent (one Ibis expression, two engines)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from clientbase.forecast.series import MEASURES, build_series
from clientbase.store import connect
from tests.analytics import example


@pytest.mark.postgres
def test_every_measure_is_the_same_on_postgresql(pg_url: str) -> None:
    as_of = dt.date(2025, 1, 20)
    with connect("duckdb:///:memory:") as duck, connect(pg_url) as pg:
        example.load(duck)
        example.load(pg)
        for measure in MEASURES:
            for freq in ("month", "week"):
                a = build_series(
                    duck, measure=measure, freq=freq, levels=["segment", "owner", "customer"], as_of=as_of
                )
                b = build_series(
                    pg, measure=measure, freq=freq, levels=["segment", "owner", "customer"], as_of=as_of
                )
                assert a.keys == b.keys and a.periods == b.periods, (measure, freq)
                assert np.array_equal(a.values, b.values), (measure, freq)
