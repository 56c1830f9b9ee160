"""The analysis (``/analysis``) for chosen periods: the P&L table of every customer with the customer list's
filters, sorting and paging, the roll-ups, the whale curve and the bridge, cost-to-serve by kind and capacity
use, and the HTML and XLSX reports of the same periods; customer value (``/value``): segments, the ABC x XYZ
grid, CLV, churn risk (P(alive)) and payment discipline per customer."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from clientbase import schema
from clientbase.decisions import customer_metrics, overview
from clientbase.errors import ValidationError
from clientbase.registry import listing
from clientbase.registry.listing import ListColumn
from clientbase.web.deps import StoreDep, UserDep
from clientbase.web.forms import errors_by_field
from clientbase.web.navigation import NavItem
from clientbase.web.pages.dashboard import BRIDGE_LABELS, KPIS, bridge_chart, whale_chart
from clientbase.web.rendering import is_htmx, render
from clientbase.web.tables import TableView

router = APIRouter(include_in_schema=False)
NAV = (
    NavItem("Analysis", "/analysis", roles=("head", "analyst"), order=20),
    NavItem("Customer value", "/value", order=22),
)
PNL_COLUMNS = [
    ListColumn("name", "Customer"),
    ListColumn("owner_name", "Owner"),
    ListColumn("segment", "Segment"),
    ListColumn("size_band", "Size band"),
    ListColumn("net_revenue", "Net revenue", "money"),
    ListColumn("gross_margin", "Gross margin", "money"),
    ListColumn("cost_to_serve", "Cost to serve", "money"),
    ListColumn("credit_cost", "Credit cost", "money"),
    ListColumn("net_contribution", "Net contribution", "money"),
    ListColumn("net_margin_pct", "Margin %", "number"),
    ListColumn("orders", "Orders", "number"),
    ListColumn("net_contribution_prev", "Net contribution before", "money"),
    ListColumn("change", "Change", "money"),
]
VALUE_TABLE = [
    ListColumn("name", "Customer"),
    ListColumn("owner_id", "Owner"),
    ListColumn("rfm_segment", "RFM segment"),
    ListColumn("abc_revenue", "ABC revenue"),
    ListColumn("abc_profit", "ABC profit"),
    ListColumn("xyz", "XYZ"),
    ListColumn("clv", "CLV", "money"),
    ListColumn("p_alive", "P(alive)", "percent"),
    ListColumn("expected_purchases_90d", "Purchases in 90 days", "number"),
    ListColumn("avg_days_to_pay", "Days to pay", "number"),
    ListColumn("days_over_terms", "Days over terms", "number"),
    ListColumn("share_paid_late", "Paid late", "percent"),
    ListColumn("dso", "DSO", "number"),
    ListColumn("receivables", "Receivables", "money"),
]
ROLLUP_LABELS = {
    "segment": "Segment",
    "industry": "Industry",
    "region": "Region",
    "owner_id": "Owner",
    "acquisition_channel": "Acquisition channel",
    "acquisition_mode": "Acquisition mode",
    "size_band": "Size band",
}
TABLE_PARAMS = ("q", *listing.FILTERS, "include_archived", "sort", "limit", "offset")


def _params(request: Request) -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.query_params.multi_items() if v != ""]


def _page_args(request: Request, columns: list[ListColumn], default_sort: str) -> tuple[str, int, int]:
    """sort, limit and offset of the table, each wrong one a problem at its field."""
    params = request.query_params
    query = listing.ListQuery.parse(
        {"limit": params.get("limit"), "offset": params.get("offset")}
    )  # the list's paging rules and messages
    sort = params.get("sort") or default_sort
    if sort.lstrip("-") not in {c.name for c in columns}:
        from clientbase.errors import Problem

        names = ", ".join(c.name for c in columns)
        raise ValidationError([Problem("query", None, "sort", sort, f"enum: sort by one of {names}")])
    return sort, query.limit, query.offset


def _view(request: Request, store: StoreDep, user: UserDep, choice: overview.PeriodChoice) -> Any:
    """The analysis of ``choice``, kept a minute per periods and refresh (paging does not recompute it)."""
    state = customer_metrics.state(store)
    # a manager's call reaches the service (which refuses it) and is never cached
    key = ("analysis", user.actor.sees_all, choice, None if state is None else state["computed_at"])
    return request.app.state.cache.get(
        key, lambda: overview.analysis_view(store, actor=user.actor, choice=choice)
    )


@router.get("/analysis")
def analysis_page(request: Request, store: StoreDep, user: UserDep) -> Response:
    params = request.query_params
    errors: dict[str, list[str]] = {}
    try:
        choice = overview.PeriodChoice.parse(params)
    except ValidationError as exc:
        errors = errors_by_field(exc)
        choice = overview.PeriodChoice()
    try:
        view = _view(request, store, user, choice)
    except ValidationError as exc:  # what only the data can say: the form again, the message at its field
        asked = {k: params.get(k, "") for k in overview.PERIOD_FIELDS}
        context = {"errors": {**errors, **errors_by_field(exc)}, "periods": asked}
        return render(request, "analysis/no_periods.html", context, status_code=422)
    try:
        sort, limit, offset = _page_args(request, PNL_COLUMNS, "-net_contribution")
        query = listing.ListQuery.parse(
            {k: params.get(k) for k in ("q", *listing.FILTERS, "include_archived")}
        )
        rows, total = overview.customer_page(
            store, actor=user.actor, view=view, query=query, sort=sort, limit=limit, offset=offset
        )
    except ValidationError as exc:
        errors.update(errors_by_field(exc))
        query, sort, limit, offset = listing.ListQuery(), "-net_contribution", 50, 0
        rows, total = overview.customer_page(
            store, actor=user.actor, view=view, query=query, sort=sort, limit=limit, offset=offset
        )
    table = TableView(
        path="/analysis",
        params=_params(request),
        columns=PNL_COLUMNS,
        rows=[{**r, "owner_name": view.owner(r["owner_id"])} for r in rows],
        total=total,
        limit=limit,
        offset=offset,
        sort=sort,
        link_column="name",
        link_prefix="/customers/",
        target="#pnl",
        caption="The P&L of every customer of the period",
        empty="No customer of the period matches these filters.",
    )
    if is_htmx(request) and request.headers.get("hx-target") == "pnl":
        return render(request, "analysis/_pnl.html", {"table": table})
    summary = view.summary
    choices = request.app.state.cache.get(
        ("customer-choices", user.actor.manager_id, user.actor.role),
        lambda: listing.choices(store, actor=user.actor),
    )
    periods = {
        "from": summary["period"]["from"],
        "to": summary["period"]["to"],
        "as_of": summary["period"]["as_of"],
        "compare_from": summary["compare_period"]["from"],
        "compare_to": summary["compare_period"]["to"],
    }
    asked = {k: params.get(k, "") for k in overview.PERIOD_FIELDS}
    report_query = urlencode(choice.as_params())
    context = {
        "view": view,
        "s": summary,
        "table": table,
        "query": query,
        "errors": errors,
        "periods": {k: asked[k] if errors and asked[k] else v for k, v in periods.items()},
        "report_query": report_query,
        "figures": view.key_figures,
        "kpis": KPIS,
        "bridge_labels": BRIDGE_LABELS,
        "rollup_labels": ROLLUP_LABELS,
        "choices": choices,
        "enums": {
            "size_band": schema.SIZE_BANDS,
            "acquisition_mode": schema.ACQUISITION_MODES,
            "status": schema.STATUSES,
        },
        "charts": [
            c
            for c in (
                whale_chart(summary["whale"], view.whale_points, "whale"),
                bridge_chart(summary["bridge"], summary["currency"], "bridge"),
            )
            if c
        ],
    }
    return render(request, "analysis/page.html", context, status_code=422 if errors else 200)


@router.get("/analysis/report.{fmt}")
def report(request: Request, store: StoreDep, user: UserDep, fmt: str) -> Response:
    """The HTML report or the XLSX workbook of the chosen periods (as ``clientbase report``)."""
    choice = overview.PeriodChoice.parse(request.query_params)
    folder = Path(tempfile.mkdtemp(prefix="clientbase-report-"))
    path = folder / f"analysis.{fmt if fmt in ('html', 'xlsx') else 'out'}"

    def cleanup() -> None:
        path.unlink(missing_ok=True)
        folder.rmdir()

    try:
        overview.write_report(store, actor=user.actor, choice=choice, path=path, kind=fmt)
    except Exception:
        cleanup()
        raise
    media = (
        "text/html; charset=utf-8"
        if fmt == "html"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"analysis-{choice.start or 'default'}-{choice.end or ''}".rstrip("-") + f".{fmt}"
    return FileResponse(path, media_type=media, filename=name, background=BackgroundTask(cleanup))


@router.get("/value")
def value_page(request: Request, store: StoreDep, user: UserDep) -> Response:
    value = overview.value_view(store, actor=user.actor)
    sort, limit, offset = _page_args(request, VALUE_TABLE, "-clv")
    rows = overview.sort_rows(value["customers"], sort)
    table = TableView(
        path="/value",
        params=_params(request),
        columns=VALUE_TABLE,
        rows=rows[offset : offset + limit],
        total=len(rows),
        limit=limit,
        offset=offset,
        sort=sort,
        link_column="name",
        link_prefix="/customers/",
        target="#value-table",
        caption="Customer value of every customer",
        empty="No customer has a value yet.",
    )
    if is_htmx(request) and request.headers.get("hx-target") == "value-table":
        return render(request, "analysis/_value_table.html", {"table": table})
    from clientbase.analytics.segments import ABC, XYZ

    return render(request, "analysis/value.html", {"value": value, "table": table, "abc": ABC, "xyz": XYZ})
