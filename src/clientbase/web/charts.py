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
