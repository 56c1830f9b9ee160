"""One small demo company per session (built once), and its forecasts computed once per module.

statsforecast 2.x compiles nothing at run time (its models are C++; no numba), so the cost of these tests is
the fits themselves: a few hundred customers, short horizons where the test allows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from clientbase.demo.build import load_demo
from clientbase.demo.generate import generate
from clientbase.store import Store, connect

#: the demo ends mid-month, so its last month is incomplete
END = dt.date(2026, 10, 15)


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("forecast") / "demo.duckdb"
    with connect(f"duckdb:///{path}") as store:
        load_demo(store, generate(customers=300, years=3, seed=11, end_date=END))
    return path


@pytest.fixture
def demo(demo_path: Path) -> Iterator[Store]:
    with connect(f"duckdb:///{demo_path}") as store:
        yield store
