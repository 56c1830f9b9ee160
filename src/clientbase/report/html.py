"""The HTML report: one file, charts drawn by Vega inlined into the page, so it opens with no network.

At the top: when it was generated, the periods, the dates the data covers, any period that reaches beyond
them, the headline and a row of key figures; then the company's P&L, the whale curve over the customers in
the period, the acquisition cost of the prospects, the bridge, the most and least profitable customers,
cost-to-serve and the use of each cost pool's capacity, and the roll-ups (the 15 largest groups and the
others; owners by name).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import jinja2

from clientbase.analytics.bridge import COMPONENTS
from clientbase.analytics.headline import whale_sentence
from clientbase.analytics.money import from_cents
from clientbase.analytics.money import percent as percent_of
from clientbase.analytics.pnl import MONEY_LINES
from clientbase.analytics.rollup import RollupRow, top_and_others
from clientbase.analytics.run import Analysis
from clientbase.analytics.standing import CUSTOMER_DEFINITION
from clientbase.decisions.matrix import customer_matrix
from clientbase.outputs import writing
from clientbase.report import labels
from clientbase.report.charts import bridge_chart, forecast_chart, matrix_chart, whale_chart

#: customers listed at each end of the ranking in the HTML (the workbook has them all)
SHOWN = 25
#: groups of a roll-up shown one by one; the rest are summed into one row
TOP_GROUPS = 15


@dataclass(frozen=True)
class Tile:
    """One key figure at the top of the report: what, how much, and beside it the change or the basis."""

    title: str
    value: str
    detail: str
    bad: bool = False


def _change(now: Decimal, before: Decimal) -> tuple[str, bool]:
    pct = percent_of(now - before, abs(before)) if before else None
    text = f"{labels.money(now - before, 0)} against the compared period"
    if pct is not None:
        text = f"{'+' if now >= before else ''}{pct:.1f} % ({labels.money(now - before, 0)}) against the compared period"
    return text, now < before


def tiles(a: Analysis) -> list[Tile]:
    """The key figures: net revenue, net contribution, net margin, customers, loss makers, acquisition cost,
    unused capacity."""
    now, was = a.totals.lines, a.totals_previous.lines
    revenue, revenue_bad = _change(now["net_revenue"], was["net_revenue"])
    profit, profit_bad = _change(now["net_contribution"], was["net_contribution"])
    margin = percent_of(now["net_contribution"], now["net_revenue"])
    margin_was = percent_of(was["net_contribution"], was["net_revenue"])
    points = (
        ""
        if margin is None or margin_was is None
        else f"{margin - margin_was:+.1f} points against the compared period"
    )
    customers, before = a.totals.customers, a.totals_previous.customers
    prospects = a.standing_totals["prospect"]
    unused = sum(
        (u.unused_cost for u in a.capacity if u.unused_cost is not None and u.unused_cost > 0), Decimal(0)
    )
    over = [u for u in a.capacity if u.utilisation is not None and u.utilisation > 1]
    over_text = "".join(
        f"; {u.kind.replace('_', ' ')} ran over its capacity ({labels.share(u.utilisation, 0)})" for u in over
    )
    w = a.whale
    return [
        Tile("Net revenue", labels.money(now["net_revenue"], 0), revenue, revenue_bad),
        Tile("Net contribution", labels.money(now["net_contribution"], 0), profit, profit_bad),
        Tile(
            "Net margin",
            labels.percent(margin),
            points,
            margin is not None and margin_was is not None and margin < margin_was,
        ),
        Tile(
            "Customers", f"{customers:,}", f"with an order line in the period; {before:,} in the compared one"
        ),
        Tile(
            "Loss-making customers",
            f"{w.loss_makers:,}",
            f"{labels.share(Decimal(w.loss_makers) / w.customers if w.customers else None)} of the customers; "
            f"together {labels.money(from_cents(int(w.contribution[w.contribution < 0].sum())), 0)}",
            w.loss_makers > 0,
        ),
        Tile(
            "Acquisition cost",
            labels.money(-prospects.lines["net_contribution"], 0),
            f"{prospects.counterparties:,} prospects worked, at the cost-driver rates",
        ),
        Tile(
            "Unused capacity",
            labels.money(unused, 0),
            f"cost of capacity paid for and not used, charged to no customer{over_text}",
        ),
    ]


def _manager_rows(a: Analysis, rows: list[RollupRow]) -> list[RollupRow]:
    """Roll-up rows by owner with the managers' names as values."""
    return [
        RollupRow(
            r.attribute,
            a.manager(r.value) if not r.value or not r.value.endswith(" others") else r.value,
            r.customers,
            r.lines,
            r.loss_makers,
        )
        for r in rows
    ]


def rollup_tables(a: Analysis) -> dict[str, list[RollupRow]]:
    """Each roll-up as the report shows it: the largest groups and the others, owners by name."""
    out = {}
    for by, rows in a.rollups.items():
        shown = top_and_others(rows, TOP_GROUPS)
        out[by] = _manager_rows(a, shown) if by == "owner_id" else shown
    return out


def render_html(
    analysis: Analysis,
    *,
    javascript: str | None = None,
    generated_at: dt.datetime | None = None,
    forecast: dict[str, Any] | None = None,
) -> str:
    """The report as one HTML string (``javascript``: the Vega bundle, looked up when not given;
    ``generated_at``: the time it says it was generated, default now; ``forecast``: a forecast document,
    :meth:`clientbase.forecast.service.BaseForecast.document`, adds its section)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("clientbase.report", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(
        money=labels.money,
        whole=lambda v: labels.money(v, 0),
        pct=labels.percent,
        share=labels.share,
        qty=labels.quantity,
        label=labels.label,
    )
    ranked = analysis.ranked_ids()
    top = analysis.ranked_customers(ranked[:SHOWN])
    bottom = analysis.ranked_customers([c for c in ranked[-SHOWN:] if c not in ranked[:SHOWN]])
    matrix = customer_matrix(analysis)
    charts = {
        "whale": whale_chart(analysis).to_dict(),
        "bridge": bridge_chart(analysis).to_dict(),
        "matrix": matrix_chart(matrix).to_dict(),
    }
    if forecast is not None:
        title = f"{forecast['measure'].replace('_', ' ')} ({analysis.currency})"
        charts["forecast"] = forecast_chart(forecast["series"][0], title=title).to_dict()
    when = generated_at or dt.datetime.now().astimezone()
    return env.get_template("report.html").render(
        a=analysis,
        p=analysis.periods,
        generated=f"{when:%Y-%m-%d %H:%M}",
        tiles=tiles(analysis),
        money_lines=MONEY_LINES,
        components=COMPONENTS,
        matrix=matrix,
        customer_definition=CUSTOMER_DEFINITION,
        whale_text=whale_sentence(
            analysis.whale, analysis.standing_totals, analysis.totals.lines["net_contribution"]
        ),
        top=top,
        bottom=bottom,
        names={c.counterparty_id: analysis.name(c.counterparty_id) or "" for c in top + bottom},
        rollups=rollup_tables(analysis),
        charts_json=json.dumps(charts).replace("</", "<\\/"),
        javascript=javascript if javascript is not None else _javascript(),
        forecast=forecast,
    )


def _javascript() -> str:
    import vl_convert

    # vega, vega-lite and vega-embed with all their dependencies, as globals; no request leaves the page
    return str(cast(Any, vl_convert).javascript_bundle()).replace("</script", "<\\/script")


def write_html(analysis: Analysis, path: Path | str, *, forecast: dict[str, Any] | None = None) -> Path:
    """Write :func:`render_html` to ``path``."""
    with writing(path, what="report.html") as target:  # a missing folder is said before the report is made
        target.write_text(render_html(analysis, forecast=forecast), encoding="utf-8")
    return target
