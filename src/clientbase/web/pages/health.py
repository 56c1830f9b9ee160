"""``/health``: the five steps side by side with their indicators, trends and scores, and what to improve
first (the head and analysts; the same document as ``clientbase health --json``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from clientbase.decisions.health.service import health
from clientbase.web.charts import chart_block
from clientbase.web.deps import StoreDep, UserDep
from clientbase.web.navigation import NavItem
from clientbase.web.rendering import render

router = APIRouter(include_in_schema=False)
NAV = (NavItem("Health", "/health", roles=("head", "analyst"), order=60),)


def _trend_chart(name: str, step: dict[str, Any]) -> dict[str, str] | None:
    """The step's indicators scored over their periods, one line each (on today's target ranges)."""
    rows = [
        {"period": p["period"].split("..")[-1], "indicator": i["name"], "score": p["score"]}
        for i in step["indicators"]
        for p in i["trend"]
        if p["score"] is not None
    ]
    if len({r["period"] for r in rows}) < 2:
        return None
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": rows},
        "width": "container",
        "height": 140,
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {
                "field": "period",
                "type": "ordinal",
                "title": "period ending",
                "axis": {"labelAngle": -40},
            },
            "y": {"field": "score", "type": "quantitative", "scale": {"domain": [0, 100]}, "title": "score"},
            "color": {"field": "indicator", "type": "nominal", "legend": {"orient": "bottom", "columns": 1}},
            "tooltip": [{"field": "indicator"}, {"field": "period"}, {"field": "score"}],
        },
    }
    described = "; ".join(
        f"{i['name']}: " + ", ".join(f"{p['score']}" for p in i["trend"] if p["score"] is not None)
        for i in step["indicators"]
        if any(p["score"] is not None for p in i["trend"])
    )
    return chart_block(spec, chart_id=f"trend-{name}", title="Trend", description=described)


@router.get("/health")
def health_page(
    request: Request,
    store: StoreDep,
    user: UserDep,
    as_of: Annotated[dt.date | None, Query(description="Day to look from")] = None,
) -> Response:
    document = health(store, actor=user.actor, as_of=as_of).as_dict()
    charts = {name: _trend_chart(name, step) for name, step in document["steps"].items()}
    return render(request, "health/page.html", {"report": document, "charts": charts})
