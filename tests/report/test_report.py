"""The HTML report is self-contained (no request leaves the page) and the workbook holds every table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import vl_convert
from python_calamine import CalamineWorkbook

from clientbase.analytics.run import Analysis, analyze
from clientbase.report import render_html, write_xlsx
from clientbase.report.charts import bridge_chart, whale_chart
from clientbase.store import connect
from tests.analytics import example


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    with connect("duckdb:///:memory:") as store:
        example.load(store)
        return analyze(store, **example.PERIOD, **example.COMPARE)


def test_html_needs_no_network(analysis: Analysis) -> None:
    html = render_html(analysis)
    # Vega, Vega-Lite and vega-embed are inlined; nothing is fetched from elsewhere
    assert "vegaEmbed" in html and len(html) > 500_000
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+href=", html)
    assert not re.search(r"@import|url\(http", html)
    assert "75 % of the fall is cost-to-serve of 2 customers" in html
    assert "-29.13" in html and "32.91" in html  # total net contribution, tail loss


def test_charts_are_valid_vega_lite(analysis: Analysis) -> None:
    for chart in (whale_chart(analysis), bridge_chart(analysis)):
        svg = vl_convert.vegalite_to_svg(chart.to_dict())
        assert svg.startswith("<svg")
    # the waterfall ends at the later period's net contribution
    steps = bridge_chart(analysis).to_dict()["data"]["values"]
    assert steps[-2]["end"] == pytest.approx(-29.13) and steps[-1]["end"] == pytest.approx(-29.13)


def test_workbook_has_one_sheet_per_table(analysis: Analysis, tmp_path: Path) -> None:
    path = write_xlsx(analysis, tmp_path / "report.xlsx")
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names[:6] == [
        "Summary",
        "Customers",
        "Bridge",
        "Bridge totals",
        "Cost to serve",
        "Capacity",
    ]
    assert "By segment" in book.sheet_names
    customers = book.get_sheet_by_name("Customers").to_python()
    header = customers[0]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in customers[1:]}
    assert set(rows) == {"A", "B", "C"}
    assert rows["A"]["net_contribution"] == pytest.approx(-17.91)
    totals = dict(book.get_sheet_by_name("Bridge totals").to_python()[1:])
    assert totals["total_change"] == pytest.approx(-285.43)
