"""The lines beside the forecast (customer-value view, prospects' pipeline), the report's forecast chart,
and a CLI start-up that loads no forecasting library."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from clientbase.forecast.service import BaseForecast, ForecastOptions, forecast_base
from clientbase.registry.access import Actor


@pytest.fixture(scope="module")
def with_views(demo_path: Path) -> tuple[BaseForecast, dict[str, Any], int]:
    from clientbase.store import connect

    with connect(f"duckdb:///{demo_path}") as store:
        result = forecast_base(
            store=store, actor=Actor("M01", "head"), options=ForecastOptions(horizon=3, levels=("total",))
        )
        cp = store.table("counterparties")
        prospects = int(cp.filter((cp.status == "prospect") & cp.first_order_date.isnull()).count().execute())
        return result, result.document(), prospects


def test_customer_value_view_and_its_difference(with_views: tuple[BaseForecast, dict[str, Any], int]) -> None:
    _, doc, _ = with_views
    view = doc["customer_value_view"]
    assert len(view["forecast"]) == 3 and view["customers"] > 0
    assert view["model_view_total"] == sum(p["mean"] for p in doc["series"][0]["forecast"])
    assert view["difference"] == view["model_view_total"] - view["total"]
    parts = view["explained"]
    # the parts add up to the difference, to the cent
    assert (
        parts["new_customers_last_12_months"]
        + parts["returns_last_12_months"]
        + parts["trend_seasonality_and_models"]
        == view["difference"]
    )
    assert parts["returns_last_12_months"] <= 0 <= parts["new_customers_last_12_months"]


def test_pipeline_is_a_separate_line(with_views: tuple[BaseForecast, dict[str, Any], int]) -> None:
    result, doc, prospects = with_views
    pipeline = doc["pipeline"]
    assert pipeline["open_prospects"] == prospects > 0
    assert 0 < pipeline["expected_conversions"] <= prospects
    assert pipeline["total"] == sum(p["expected_value"] for p in pipeline["forecast"])
    # never mixed in: the total's forecast is the reconciled model's alone
    assert doc["series"][0]["forecast"][0]["mean"] == Decimal(int(result.forecast.mean[0, 0])).scaleb(-2)


def test_the_report_draws_the_forecast_with_its_intervals(
    with_views: tuple[BaseForecast, dict[str, Any], int],
) -> None:
    from clientbase.analytics.run import analyze
    from clientbase.report import render_html
    from clientbase.store import connect
    from tests.analytics import example

    _, doc, _ = with_views
    with connect("duckdb:///:memory:") as store:
        example.load(store)
        analysis = analyze(store)
    html = render_html(analysis, javascript="", forecast=doc)
    assert '<div id="forecast"></div>' in html and '"lo95"' in html and '"hi80"' in html
    assert "Forecast of net revenue" in html and html.count('id="forecast-accuracy"') == 1
    assert '<div id="forecast">' not in render_html(analysis, javascript="")


def test_the_cli_starts_without_the_forecasting_libraries() -> None:
    code = (
        "import sys, clientbase.cli.main; "
        "print(sorted(m for m in ('statsforecast', 'hierarchicalforecast', 'utilsforecast') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
