"""The customer matrix in the HTML report: a valid Vega-Lite scatter and its quadrant table."""

from __future__ import annotations

import json
import re

import vl_convert

from clientbase.analytics.run import analyze
from clientbase.decisions.matrix import customer_matrix
from clientbase.report import render_html
from clientbase.report.charts import matrix_chart
from clientbase.store import connect
from tests.decisions.company import PERIOD, build


def test_the_matrix_chart_and_section() -> None:
    with connect("duckdb:///:memory:") as store:
        build(store)
        analysis = analyze(store, **PERIOD)
    spec = matrix_chart(customer_matrix(analysis)).to_dict()
    assert vl_convert.vegalite_to_svg(spec).startswith("<svg")
    dots = spec["layer"][0]
    assert (
        dots["encoding"]["size"]["field"] == "revenue"
        and dots["encoding"]["color"]["field"] == "contribution"
    )
    values = (
        {v["customer"]: v for v in spec["datasets"][dots["data"]["name"]]}
        if "datasets" in spec
        else {v["customer"]: v for v in dots["data"]["values"]}
    )
    assert values["A"]["price"] == 90.0 and values["A"]["revenue"] == 13500.0
    html = render_html(analysis, javascript="")
    assert '<div id="matrix"></div>' in html and "carriage trade" in html
    charts = json.loads(re.search(r"const charts = (\{.*?\});\n", html, re.S).group(1).replace("<\\/", "</"))
    assert set(charts) >= {"whale", "bridge", "matrix"}
