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


def forecast_band(series: dict[str, Any], *, title: str, history_periods: int = 36) -> dict[str, Any]:
    """History and forecast of one series of a forecast document (the shape of
    :mod:`clientbase.forecast.document`), the mean with its 80 % and 95 % intervals: the report's chart
    (:func:`clientbase.report.charts.forecast_chart`) as wide as the page.

    Example:
        >>> s = {"history": [{"period": "2026-01", "value": 10}], "forecast": [
        ...     {"period": "2026-02", "mean": 11, "lo80": 9, "hi80": 13, "lo95": 8, "hi95": 14}]}
        >>> spec = forecast_band(s, title="net revenue")
        >>> [layer["mark"]["type"] for layer in spec["layer"]]
        ['area', 'area', 'line', 'line']
    """
    from clientbase.report.charts import forecast_chart

    chart = forecast_chart(series, title=title, history_periods=history_periods)
    return dict(chart.properties(width="container", height=260).to_dict())


def score_grid(
    rows: Sequence[dict[str, Any]], *, key: str, parts: Sequence[str], scale: float = 1.0
) -> dict[str, Any]:
    """A heat map of scores 0-100: one row per ``rows[i][key]`` (a manager, a field), one column per part,
    each cell coloured and labelled with its score (``scale`` 100 turns shares 0-1 into scores); a part a
    row does not have (``None``) is left empty.

    Example:
        >>> spec = score_grid([{"field": "email", "validity": 0.9, "freshness": None}], key="field",
        ...                   parts=("validity", "freshness"), scale=100)
        >>> spec["data"]["values"]
        [{'row': 'email', 'part': 'validity', 'score': 90.0}]
    """
    import altair as alt

    values = [
        {"row": str(r[key]), "part": part, "score": round(float(r[part]) * scale, 1)}
        for r in rows
        for part in parts
        if r.get(part) is not None
    ]
    order = [str(r[key]) for r in rows]
    base = alt.Chart(alt.Data(values=values)).encode(
        x=alt.X("part:N", sort=list(parts), title=None, axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("row:N", sort=order, title=None),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "score:Q",
            scale=alt.Scale(domain=[50, 100], scheme="redyellowgreen", clamp=True),
            legend=alt.Legend(title="score"),
        ),
        tooltip=[alt.Tooltip("row:N", title=key), alt.Tooltip("part:N"), alt.Tooltip("score:Q")],
    )
    labels = base.mark_text(fontSize=11).encode(text=alt.Text("score:Q", format=".0f"))
    chart = (cells + labels).properties(width="container", height=max(60, 22 * len(order)))
    return dict(chart.to_dict())


def score_trend(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The score over time (``taken_at``, ``score``) as a line with points (the axis spans the scores).

    Example:
        >>> import datetime as dt
        >>> spec = score_trend([{"taken_at": dt.datetime(2024, 5, 1, 10), "score": Decimal("91.5")}])
        >>> spec["data"]["values"]
        [{'taken_at': '2024-05-01T10:00:00', 'score': 91.5}]
    """
    import altair as alt

    values = [{"taken_at": r["taken_at"].isoformat(), "score": float(r["score"])} for r in rows]
    chart = (
        alt.Chart(alt.Data(values=values))
        .mark_line(point=True)
        .encode(
            x=alt.X("taken_at:T", title=None),
            y=alt.Y("score:Q", title="score", scale=alt.Scale(zero=False, nice=True)),
            tooltip=[alt.Tooltip("taken_at:T", format="%Y-%m-%d %H:%M"), alt.Tooltip("score:Q")],
        )
        .properties(width="container", height=180)
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


def whale(points: Sequence[Sequence[float]], *, peak: float | None = None) -> dict[str, Any]:
    """The whale curve as a Vega-Lite line: share of customers (best first) against the cumulative share of
    net contribution, with the 100 % line.

    Example:
        >>> spec = whale([(0.0, 0.0), (0.5, 1.4), (1.0, 1.0)])
        >>> [row["profit"] for row in spec["layer"][0]["data"]["values"]]
        [0.0, 1.4, 1.0]
    """
    spec = copy.deepcopy(_whale_template())
    spec["layer"][0]["data"] = {"values": [{"customers": float(x), "profit": float(y)} for x, y in points]}
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


@cache
def _whale_template() -> dict[str, Any]:
    import altair as alt

    x = alt.X("customers:Q", title="share of customers, most profitable first", axis=alt.Axis(format="%"))
    y = alt.Y("profit:Q", title="cumulative share of net contribution", axis=alt.Axis(format="%"))
    curve = (
        alt.Chart(alt.Data(values=[]))
        .mark_line(color="#3b6ea5")
        .encode(
            x=x,
            y=y,
            tooltip=[alt.Tooltip("customers:Q", format=".1%"), alt.Tooltip("profit:Q", format=".1%")],
        )
    )
    full = (
        alt.Chart(alt.Data(values=[{"level": 1.0}]))
        .mark_rule(color="#888", strokeDash=[4, 4])
        .encode(y="level:Q")
    )
    return dict(alt.layer(curve, full).properties(width="container", height=240).to_dict())
