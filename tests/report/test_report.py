"""The HTML report is self-contained (no request leaves the page) and says what a reader needs to check it;
the workbook holds every table, headed in words, with the compared period before the analysed one."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import vl_convert
from python_calamine import CalamineWorkbook

from clientbase.analytics.run import Analysis, analyze
from clientbase.report import render_html, write_xlsx
from clientbase.report.charts import bridge_chart, whale_chart
from clientbase.report.html import rollup_tables
from clientbase.store import connect
from tests.analytics import example
from tests.analytics.engines import memtables
from tests.analytics.random_company import random_company


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    with connect("duckdb:///:memory:") as store:
        example.load(store)
        return analyze(store, **example.PERIOD, **example.COMPARE)


@pytest.fixture(scope="module")
def html(analysis: Analysis) -> str:
    return render_html(analysis, generated_at=dt.datetime(2025, 2, 3, 9, 30))


def test_html_needs_no_network(html: str) -> None:
    # Vega, Vega-Lite and vega-embed are inlined; nothing is fetched from elsewhere
    assert "vegaEmbed" in html and len(html) > 500_000
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+href=", html)
    assert not re.search(r"@import|url\(http", html)
    assert "cost-to-serve of 2 customers rose 245.00 (86 % of the fall" in html
    assert "-29.13" in html and "17.91" in html  # the company's net contribution, the customers' tail loss


def _section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[
        start : html.index("</table>", start) if "<table" in html[start - 30 : start] else start + 3000
    ]


def test_html_top_says_when_which_periods_and_which_data(html: str) -> None:
    meta = _section(html, "meta")
    assert "Generated 2025-02-03 09:30" in meta
    assert "2024-01-01 to 2024-12-31" in meta and "2023-01-01 to 2023-12-31" in meta
    assert "The data runs from 2022-12-31 to 2025-01-05" in meta
    tiles = re.findall(r'<div class="tile[^"]*"><h3>([^<]+)</h3><div class="value">([^<]+)</div>', html)
    shown = dict(tiles)
    assert set(shown) >= {"Net revenue", "Net contribution", "Net margin", "Customers", "Acquisition cost"}
    # 1,046.50 net revenue against 1,020.00; -29.13 / 1,046.50 = -2.8 %; 2 customers; C's 15.00 of calls
    assert (shown["Net revenue"], shown["Net margin"], shown["Customers"]) == ("1,047", "-2.8 %", "2")
    assert shown["Acquisition cost"] == "15"


def test_html_numbers_are_formatted(html: str) -> None:
    totals = _section(html, "totals")
    assert "1,150.00" in totals  # gross sales at list, thousands separated
    assert "34.0 %" in totals  # gross margin 355.75 / 1,046.50
    capacity = _section(html, "capacity")
    # the 2.00 call rate: 18,250 minutes a year x 184 days / 365 = 9,200 minutes; 20 used; 9,180 unused
    assert "2.00 per minute" in capacity and "9,200 minutes" in capacity and "9,180 minutes" in capacity
    assert "18,360.00" in capacity and "0.2 %" in capacity
    assert "unused capacity</strong> is what was" in html and "charged to" in html


def test_html_names_managers_and_keeps_large_roll_ups_short(html: str) -> None:
    owners = _section(html, "by-owner_id")
    assert "Anna (M1)" in owners and "Bo (M2)" in owners
    rows = random_company(3, customers=40, orders=120, activities=10)
    for i, cp in enumerate(rows["counterparties"]):
        cp["region"] = f"Region {i:02d}"
    wide = analyze(memtables(rows), **example.PERIOD, **example.COMPARE)
    regions = rollup_tables(wide)["region"]
    customers = len(wide.rollups["region"])
    assert customers > 16 and len(regions) == 16
    assert regions[-1].value == f"{customers - 15} others"
    assert sum(r.customers for r in regions) == wide.totals.customers
    assert sum(r.lines["net_revenue"] for r in regions) == wide.totals.lines["net_revenue"]


def test_charts_are_valid_vega_lite(analysis: Analysis) -> None:
    for chart in (whale_chart(analysis), bridge_chart(analysis)):
        svg = vl_convert.vegalite_to_svg(chart.to_dict())
        assert svg.startswith("<svg")
    # the waterfall ends at the later period's net contribution
    steps = bridge_chart(analysis).to_dict()["data"]["values"]
    assert steps[-2]["end"] == pytest.approx(-29.13) and steps[-1]["end"] == pytest.approx(-29.13)


def _rows(book: Any, name: str) -> list[dict[str, Any]]:
    table = book.get_sheet_by_name(name).to_python()
    return [dict(zip(table[0], r, strict=True)) for r in table[1:]]


def test_workbook_has_one_sheet_per_table(analysis: Analysis, tmp_path: Path) -> None:
    path = write_xlsx(analysis, tmp_path / "report.xlsx")
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names[:8] == [
        "Summary",
        "Customers",
        "Without sales",
        "Acquisition",
        "Bridge",
        "Bridge totals",
        "Cost to serve",
        "Capacity",
    ]
    assert "By segment" in book.sheet_names and "By owner" in book.sheet_names
    customers = {r["Customer id"]: r for r in _rows(book, "Customers")}
    assert set(customers) == {"A", "B"}  # C never bought: it is on "Without sales"
    a = customers["A"]
    assert a["Net contribution"] == pytest.approx(-17.91)
    # a manager filters their own: owner by name, segment, status and the agreed terms are there
    assert (a["Owner"], a["Segment"], a["Status"]) == ("Anna (M1)", "installers", "active")
    assert {"Agreed payment terms (days)", "Agreed discount (%)", "Credit limit", "Price list"} <= set(a)
    assert a["Discount (% of list)"] == pytest.approx(9.0)  # 90 / 1,000
    [c] = _rows(book, "Without sales")
    assert (c["Customer id"], c["In the period"], c["Net contribution"]) == ("C", "prospect", -15)
    totals = {r["Part"]: r["Amount"] for r in _rows(book, "Bridge totals")}
    assert totals["Total change"] == pytest.approx(-285.43)


def test_workbook_summary_puts_the_compared_period_first(analysis: Analysis, tmp_path: Path) -> None:
    book = CalamineWorkbook.from_path(str(write_xlsx(analysis, tmp_path / "report.xlsx")))
    rows = book.get_sheet_by_name("Summary").to_python()
    header = next(i for i, r in enumerate(rows) if r[0] == "Line")
    assert rows[header] == ["Line", "Compared period", "Analysed period", "Change"]
    lines = {r[0]: r[1:] for r in rows[header + 1 :] if r[0]}
    assert lines["Period"][:2] == ["2023-01-01 to 2023-12-31", "2024-01-01 to 2024-12-31"]
    assert lines["Unpaid invoices counted to"][:2] == ["2024-01-31", "2025-01-31"]
    assert lines["Net contribution"] == pytest.approx([256.30, -29.13, -285.43])
    assert lines["less: acquisition cost of prospects"][1] == pytest.approx(15.0)
    assert lines["Customers with an order line in the period"][:2] == [3, 2]
    assert not any("_" in str(r[0]) for r in rows if r[0] and not str(r[0]).startswith("Whale"))
