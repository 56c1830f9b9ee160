"""Vega-Lite charts of the analysis (altair): the whale curve and the profit bridge."""

from __future__ import annotations

from typing import Any

import altair as alt

from clientbase.analytics.bridge import COMPONENTS
from clientbase.analytics.run import Analysis


def whale_chart(analysis: Analysis, *, max_points: int = 500) -> Any:
    """Cumulative share of net contribution (y) against share of customers ranked by contribution (x)."""
    points = [{"customers": x, "profit": y} for x, y in analysis.whale.sampled(max_points)]
    data = alt.Data(values=points)
    line = (
        alt.Chart(data)
        .mark_line(point=len(points) <= 60)
        .encode(
            x=alt.X(
                "customers:Q",
                title="share of the customers in the period, most profitable first",
                axis=alt.Axis(format="%"),
            ),
            y=alt.Y(
                "profit:Q",
                title="cumulative share of the customers' net contribution",
                axis=alt.Axis(format="%"),
            ),
            tooltip=[alt.Tooltip("customers:Q", format=".1%"), alt.Tooltip("profit:Q", format=".1%")],
        )
    )
    full = alt.Chart(alt.Data(values=[{"y": 1}])).mark_rule(strokeDash=[4, 4], color="gray").encode(y="y:Q")
    return alt.layer(line, full).properties(title="Whale curve", width=560, height=320)


def bridge_chart(analysis: Analysis) -> alt.Chart:
    """A waterfall from the earlier period's net contribution to the later one's."""
    b = analysis.bridge
    rows: list[dict[str, Any]] = [
        {"step": "before", "start": 0.0, "end": float(b.before_total), "kind": "total"}
    ]
    level = float(b.before_total)
    for name in COMPONENTS:
        amount = float(b.components[name])
        rows.append(
            {
                "step": name.replace("_", " "),
                "start": level,
                "end": level + amount,
                "kind": "gain" if amount >= 0 else "loss",
            }
        )
        level += amount
    rows.append({"step": "after", "start": 0.0, "end": float(b.after_total), "kind": "total"})
    order = [r["step"] for r in rows]
    return (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(
            x=alt.X("step:N", sort=order, title=None),
            y=alt.Y("start:Q", title=f"net contribution ({analysis.currency})"),
            y2="end:Q",
            color=alt.Color(
                "kind:N",
                scale=alt.Scale(domain=["total", "gain", "loss"], range=["#4c78a8", "#54a24b", "#e45756"]),
                legend=None,
            ),
            tooltip=["step:N", alt.Tooltip("start:Q", format=",.2f"), alt.Tooltip("end:Q", format=",.2f")],
        )
        .properties(title="Why net contribution moved", width=560, height=320)
    )
