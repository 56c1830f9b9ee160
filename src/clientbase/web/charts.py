"""One way to show a chart: a Vega-Lite spec built in Python (altair), embedded as JSON data in the page and
drawn by the vendored vega-embed with vega-interpreter (``static/app.js``), so the CSP needs no
``unsafe-eval``. A page passes :func:`chart_block` results to the ``chart`` macro of ``layout/_macros.html``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from decimal import Decimal
from functools import cache
from typing import Any


def chart_block(spec: Any, *, chart_id: str, title: str, description: str) -> dict[str, str]:
    """What the ``chart`` macro needs: an id, the spec as JSON safe inside ``<script type="application/json">``,
    a title and a text description (shown to screen readers and when JavaScript is off)."""
    document = spec.to_dict() if hasattr(spec, "to_dict") else spec
    text = json.dumps(document, separators=(",", ":"), default=str)
    safe = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return {"id": chart_id, "spec": safe, "title": title, "description": description}


def waterfall(
    steps: Sequence[tuple[str, Decimal | None, bool]], *, currency: str, title: str | None = None
) -> dict[str, Any]:
    """A waterfall of ``(label, amount, is_total)`` steps as a Vega-Lite spec: totals are bars from zero, the
    others float from the running sum (costs are negative amounts).

    The chart is declared once with altair (:func:`_waterfall_template`); each call puts its rows into a copy
    of that spec, so a page does not pay altair's building and validation (about 20 ms a chart) every time.

    Example:
        >>> spec = waterfall([("Gross sales", Decimal("100"), True), ("Discount", Decimal("-10"), False),
        ...                   ("Net revenue", Decimal("90"), True)], currency="EUR")
        >>> [row["end"] for row in spec["data"]["values"]], spec["encoding"]["y"]["title"]
        ([100.0, 90.0, 90.0], 'EUR')
    """
    rows, running = [], Decimal(0)
    for order, (label, amount, is_total) in enumerate(steps):
        value = amount or Decimal(0)
        start = Decimal(0) if is_total else running
        end = value if is_total else running + value
        running = end
        kind = "total" if is_total else ("increase" if value >= 0 else "decrease")
        rows.append(
            {
                "order": order,
                "step": label,
                "start": float(start),
                "end": float(end),
                "amount": float(value),
                "kind": kind,
            }
        )
    spec = copy.deepcopy(_waterfall_template())
    spec["data"] = {"values": rows}
    spec["encoding"]["y"]["title"] = currency
    if title:
        spec["title"] = title
    return spec


@cache
def _waterfall_template() -> dict[str, Any]:
    import altair as alt

    colours = alt.Scale(domain=["total", "increase", "decrease"], range=["#3b6ea5", "#2e8b57", "#c0392b"])
    chart = (
        alt.Chart(alt.Data(values=[]))
        .mark_bar(size=28)
        .encode(
            x=alt.X(
                "step:N",
                sort=alt.SortField("order"),
                title=None,
                axis=alt.Axis(labelAngle=-30, labelLimit=140),
            ),
            y=alt.Y("start:Q", title="amount"),
            y2="end:Q",
            color=alt.Color("kind:N", scale=colours, legend=alt.Legend(title=None, orient="bottom")),
            tooltip=[alt.Tooltip("step:N"), alt.Tooltip("amount:Q", format=",.2f")],
        )
        .properties(width="container", height=240)
    )
    return dict(chart.to_dict())


def matrix_scatter(matrix: Any, *, max_points: int = 2000) -> dict[str, Any]:
    """The customer matrix as the HTML report draws it (:func:`clientbase.report.charts.matrix_chart`: size =
    net revenue, colour = net contribution, the thresholds dashed), as wide as its container. Like the
    waterfall, the spec is built once per currency and each call puts its rows into a copy (altair would
    take about 2 s to validate 2,000 points)."""
    from clientbase.report.charts import matrix_rows

    rows, worst = matrix_rows(matrix, max_points=max_points)
    spec = copy.deepcopy(_matrix_template(matrix.currency))
    dots, cost_rule, price_rule = spec["layer"]
    dots["data"] = {"values": rows}
    dots["encoding"]["color"]["scale"]["domain"] = [-worst, worst]
    cost_rule["data"] = {"values": [{"x": matrix.cost_threshold_pct}]}
    price_rule["data"] = {"values": [{"y": matrix.price_threshold_pct}]}
    return spec


@cache
def _matrix_template(currency: str) -> dict[str, Any]:
    from clientbase.decisions.matrix import CustomerMatrix
    from clientbase.report.charts import matrix_chart

    empty = CustomerMatrix(
        period={},
        currency=currency,
        price_threshold_pct=0.0,
        cost_threshold_pct=0.0,
        threshold_source={},
        points=[],
    )
    spec: dict[str, Any] = matrix_chart(empty).to_dict()
    spec["width"] = "container"
    spec["height"] = 400
    return spec
