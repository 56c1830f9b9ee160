"""The HTML report: one file, charts drawn by Vega inlined into the page, so it opens with no network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import jinja2

from clientbase.analytics.bridge import COMPONENTS
from clientbase.analytics.pnl import MONEY_LINES
from clientbase.analytics.run import Analysis
from clientbase.report.charts import bridge_chart, forecast_chart, whale_chart

#: customers listed at each end of the ranking in the HTML (the workbook has them all)
SHOWN = 25


def _javascript() -> str:
    import vl_convert

    # vega, vega-lite and vega-embed with all their dependencies, as globals; no request leaves the page
    return str(cast(Any, vl_convert).javascript_bundle()).replace("</script", "<\\/script")


def _money(value: Any) -> str:
    return "" if value is None else f"{value:,.2f}"


def render_html(
    analysis: Analysis, *, javascript: str | None = None, forecast: dict[str, Any] | None = None
) -> str:
    """The report as one HTML string (``javascript``: the Vega bundle, looked up when not given; ``forecast``:
    a forecast document, :meth:`clientbase.forecast.service.BaseForecast.document`, adds its section)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("clientbase.report", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )
    env.filters["money"] = _money
    ranked = analysis.ranked_ids()
    top = analysis.ranked_customers(ranked[:SHOWN])
    bottom = analysis.ranked_customers([c for c in ranked[-SHOWN:] if c not in ranked[:SHOWN]])
    charts = {
        "whale": whale_chart(analysis).to_dict(),
        "bridge": bridge_chart(analysis).to_dict(),
    }
    if forecast is not None:
        title = f"{forecast['measure'].replace('_', ' ')} ({analysis.currency})"
        charts["forecast"] = forecast_chart(forecast["series"][0], title=title).to_dict()
    return env.get_template("report.html").render(
        a=analysis,
        p=analysis.periods,
        money_lines=MONEY_LINES,
        components=COMPONENTS,
        top=top,
        bottom=bottom,
        names={c.counterparty_id: analysis.name(c.counterparty_id) or "" for c in top + bottom},
        charts_json=json.dumps(charts).replace("</", "<\\/"),
        javascript=javascript if javascript is not None else _javascript(),
        forecast=forecast,
    )


def write_html(analysis: Analysis, path: Path | str, *, forecast: dict[str, Any] | None = None) -> Path:
    """Write :func:`render_html` to ``path``."""
    path = Path(path)
    path.write_text(render_html(analysis, forecast=forecast), encoding="utf-8")
    return path
