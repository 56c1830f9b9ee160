"""Vega-Lite charts of the analysis (altair): the whale curve, the profit bridge and the customer matrix."""

from __future__ import annotations

from typing import Any

import altair as alt

from clientbase.analytics.bridge import COMPONENTS
from clientbase.analytics.run import Analysis
from clientbase.decisions.matrix import CustomerMatrix


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


def matrix_rows(matrix: CustomerMatrix, *, max_points: int = 2000) -> tuple[list[dict[str, Any]], float]:
    """The scatter's rows of the ``max_points`` largest customers, and the largest net contribution in absolute
    value (the colour scale runs from minus it to it)."""
    points: list[dict[str, Any]] = [
        {
            "customer": p.counterparty_id,
            "name": p.name or "",
            "quadrant": p.quadrant.replace("_", " "),
            "cost": p.cost_to_serve_pct,
            "price": p.net_price_pct,
            "revenue": float(p.net_revenue),
            "contribution": float(p.net_contribution),
        }
        for p in matrix.points[:max_points]
    ]
    worst = max([abs(float(p.net_contribution)) for p in matrix.points[:max_points]] or [1.0])
    return points, worst


def matrix_chart(matrix: CustomerMatrix, *, max_points: int = 2000) -> Any:
    """The customer matrix (Shapiro et al. 1987) as a scatter: cost-to-serve % of net revenue (x) against net
    price realised % of list (y), size = net revenue, colour = net contribution (red loses money), the two
    thresholds as rules; the ``max_points`` largest customers by revenue (all of them in the JSON)."""
    points, worst = matrix_rows(matrix, max_points=max_points)
    dots = (
        alt.Chart(alt.Data(values=points))
        .mark_circle(opacity=0.7, stroke="#333", strokeWidth=0.3)
        .encode(
            x=alt.X(
                "cost:Q", title="cost-to-serve, % of net revenue", scale=alt.Scale(zero=True, clamp=True)
            ),
            y=alt.Y("price:Q", title="net price realised, % of list", scale=alt.Scale(zero=False)),
            size=alt.Size(
                "revenue:Q", title=f"net revenue ({matrix.currency})", scale=alt.Scale(range=[10, 900])
            ),
            color=alt.Color(
                "contribution:Q",
                title=f"net contribution ({matrix.currency})",
                scale=alt.Scale(scheme="redyellowgreen", domain=[-worst, worst], domainMid=0),
            ),
            tooltip=[
                "customer:N",
                "name:N",
                "quadrant:N",
                alt.Tooltip("price:Q", format=".1f"),
                alt.Tooltip("cost:Q", format=".1f"),
                alt.Tooltip("revenue:Q", format=",.2f"),
                alt.Tooltip("contribution:Q", format=",.2f"),
            ],
        )
    )
    cost_rule = (
        alt.Chart(alt.Data(values=[{"x": matrix.cost_threshold_pct}]))
        .mark_rule(strokeDash=[4, 4])
        .encode(x="x:Q")
    )
    price_rule = (
        alt.Chart(alt.Data(values=[{"y": matrix.price_threshold_pct}]))
        .mark_rule(strokeDash=[4, 4])
        .encode(y="y:Q")
    )
    return alt.layer(dots, cost_rule, price_rule).properties(
        title="Customer matrix: net price realised against cost-to-serve", width=560, height=380
    )


def forecast_chart(series: dict[str, Any], *, title: str, history_periods: int = 36) -> Any:
    """History and forecast of one series of a forecast document, with its 80 % and 95 % intervals."""
    history = [
        {"period": p["period"], "value": float(p["value"])} for p in series["history"][-history_periods:]
    ]
    ahead = [
        {"period": p["period"], **{k: float(p[k]) for k in ("mean", "lo80", "hi80", "lo95", "hi95")}}
        for p in series["forecast"]
    ]
    x = alt.X("period:O", title=None, axis=alt.Axis(labelAngle=-45))
    past = (
        alt.Chart(alt.Data(values=history))
        .mark_line(color="#4c78a8")
        .encode(x=x, y=alt.Y("value:Q", title=title))
    )
    future = alt.Chart(alt.Data(values=ahead))
    band95 = future.mark_area(opacity=0.18, color="#f58518").encode(x=x, y="lo95:Q", y2="hi95:Q")
    band80 = future.mark_area(opacity=0.32, color="#f58518").encode(x=x, y="lo80:Q", y2="hi80:Q")
    mean = future.mark_line(color="#f58518", point=True).encode(
        x=x,
        y="mean:Q",
        tooltip=[
            "period:O",
            *(alt.Tooltip(f"{k}:Q", format=",.2f") for k in ("mean", "lo80", "hi80", "lo95", "hi95")),
        ],
    )
    return alt.layer(band95, band80, past, mean).properties(title=f"Forecast: {title}", width=640, height=300)
