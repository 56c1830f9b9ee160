"""The forecast page: the total and the level chosen, history and forecast with 80 % and 95 % intervals,
every series' backtest against seasonal naive, and the plan against the forecast by manager with the gaps
and the customers that carry them; the head sets a plan line or imports a plan file.

The forecast runs in the background once per data fingerprint (:mod:`clientbase.web.computed`): the page
answers at once, shows "computing" and polls with HTMX until it is ready; every later view reads it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from clientbase.errors import ClientbaseError, ValidationError
from clientbase.forecast import plan
from clientbase.forecast.service import MAX_HORIZON, ForecastOptions
from clientbase.web import computed
from clientbase.web.api.forecast import save_and_import
from clientbase.web.charts import chart_block, forecast_band
from clientbase.web.deps import StoreDep, UserDep
from clientbase.web.forms import errors_by_field
from clientbase.web.jobs import Job
from clientbase.web.navigation import NavItem
from clientbase.web.rendering import is_htmx, render

router = APIRouter(include_in_schema=False)
NAV = (NavItem("Forecast", "/forecast", order=24),)

MEASURES = ("net_revenue", "net_contribution", "quantity", "orders")
LEVELS = ("total", "segment", "region", "owner", "acquisition_mode", "customer")
#: rows of the backtest table of a level (the largest series by their last 12 periods)
MOST_ROWS = 50
POLL = "load delay:2s"

Measure = Literal["net_revenue", "quantity", "orders", "net_contribution"]
Level = Literal["total", "segment", "region", "owner", "acquisition_mode", "customer"]


def _label(key: dict[str, Any]) -> str:
    return ", ".join(str(v) for k, v in key.items() if k != "level") or "total"


def _volume(entry: dict[str, Any]) -> Decimal:
    return sum((Decimal(str(p["value"])) for p in entry["history"][-12:]), Decimal(0))


def _pending(job: Job) -> dict[str, Any]:
    return {"pending": not job.done, "seconds": round(job.running_for), "error": job.error}


def forecast_view(document: dict[str, Any], level: str, chosen: str | None) -> dict[str, Any]:
    """What the page shows of a forecast document: the total, the level's series (largest first, at most
    :data:`MOST_ROWS`), the one charted, the charts."""
    total = document["series"][0]
    rows = [e for e in document["series"] if e["key"]["level"] == level and level != "total"]
    rows.sort(key=_volume, reverse=True)
    shown = rows[:MOST_ROWS]
    pick = next((e for e in rows if _label(e["key"]) == chosen), shown[0] if shown else None)
    measure = document["measure"].replace("_", " ")
    charts = [
        chart_block(
            forecast_band(total, title=measure),
            chart_id="fc_total",
            title=f"Total {measure}",
            description=_describe(total, measure),
        )
    ]
    if pick is not None:
        charts.append(
            chart_block(
                forecast_band(pick, title=f"{measure}, {_label(pick['key'])}"),
                chart_id="fc_level",
                title=f"{level.replace('_', ' ')} {_label(pick['key'])}: {measure}",
                description=_describe(pick, measure),
            )
        )
    return {
        "total": total,
        "rows": shown,
        "more": len(rows) - len(shown),
        "pick": pick,
        "choices": [_label(e["key"]) for e in rows],
        "charts": charts,
        "label": _label,
        "horizon_sum": lambda e: sum(Decimal(str(p["mean"])) for p in e["forecast"]),
    }


def _describe(entry: dict[str, Any], measure: str) -> str:
    ahead = entry["forecast"]
    if not ahead:
        return "No forecast."
    first, last = ahead[0], ahead[-1]
    return (
        f"{measure} forecast {first['period']} to {last['period']}: first {first['mean']} "
        f"(80 % {first['lo80']} to {first['hi80']}), last {last['mean']} (95 % {last['lo95']} to {last['hi95']}); "
        f"model {entry['model']}."
    )


@router.get("/forecast")
def forecast_page(
    request: Request,
    user: UserDep,
    measure: Measure = "net_revenue",
    freq: Literal["month", "week"] = "month",
    horizon: Annotated[int, Query(ge=1, le=MAX_HORIZON)] = 12,
    level: Level = "segment",
    series: Annotated[str | None, Query(max_length=200)] = None,
    saved: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    context = _page_context(request, user, measure, freq, horizon, level, series)
    if is_htmx(request) and request.headers.get("hx-target") == "forecast-result":
        return render(request, "forecast/_result.html", context)
    return render(request, "forecast/page.html", {**context, "saved": saved})


def _page_context(
    request: Request,
    user: UserDep,
    measure: str = "net_revenue",
    freq: str = "month",
    horizon: int = 12,
    level: str = "segment",
    series: str | None = None,
) -> dict[str, Any]:
    """The forecast of the query (kept, or started and polled) and the plan form, empty."""
    levels = ("total",) if level == "total" else ("total", level)
    job = computed.forecast(
        request, user, ForecastOptions(horizon=horizon, freq=freq, measure=measure, levels=levels)
    )
    query = {"measure": measure, "freq": freq, "horizon": horizon, "level": level}
    context: dict[str, Any] = {
        "query": query,
        "self_url": "/forecast?" + urlencode({**query, **({"series": series} if series else {})}),
        "measures": MEASURES,
        "levels": LEVELS,
        "poll": POLL,
        "saved": "",
        **_pending(job),
        "is_head": user.actor.role == "head",
        "form": {},
        "errors": {},
        "plan_measure": "net_revenue",
    }
    if job.done and job.error is None:
        document = computed.forecast_document(job)
        view = job.derive(f"view {level} {series}", lambda _: forecast_view(document, level, series))
        context |= {"doc": document, **view}
    return context


@router.get("/forecast/plan")
def plan_section(
    request: Request, store: StoreDep, user: UserDep, measure: Measure = "net_revenue"
) -> Response:
    """The plan against the forecast (a fragment the page loads; it polls while the customers' forecast
    is computed)."""
    context: dict[str, Any] = {"plan_measure": measure, "poll": POLL, "pending": False, "error": None}
    job_box: list[Job] = []

    def kept_forecast() -> Any:
        job = computed.plan_forecast(request, user, measure=measure)
        job_box.append(job)
        if not job.done:
            raise _Pending
        return job.value

    try:
        context["doc"] = plan.plan_vs_forecast(
            store=store, actor=user.actor, measure=measure, forecast=kept_forecast
        )
    except _Pending:
        context |= _pending(job_box[0])
    except ClientbaseError as exc:
        context["error"] = exc
    return render(request, "forecast/_plan.html", context)


class _Pending(Exception):
    """The customers' forecast is still being computed."""


@router.post("/forecast/plan")
def set_plan_line(
    request: Request,
    store: StoreDep,
    user: UserDep,
    month: Annotated[str, Form(max_length=10)] = "",
    target: Annotated[str, Form(max_length=32)] = "",
    owner_id: Annotated[str, Form(max_length=64)] = "*",
    segment: Annotated[str, Form(max_length=200)] = "*",
    measure: Annotated[str, Form(max_length=32)] = "net_revenue",
) -> Response:
    form = {"month": month, "target": target, "owner_id": owner_id, "segment": segment, "measure": measure}
    try:
        line = plan.set_plan(store=store, actor=user.actor, **form)
    except ValidationError as exc:
        return _plan_form_error(request, user, form, errors_by_field(exc))
    done = f"Plan set: {line['month']:%Y-%m} {line['owner_id']} {line['segment']} {line['target']:,}"
    return RedirectResponse("/forecast?" + urlencode({"saved": done}) + "#plan", status_code=303)


@router.post("/forecast/plan/import")
def import_plan_file(
    request: Request,
    store: StoreDep,
    user: UserDep,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    try:
        result = save_and_import(store, user, file)
    except ValidationError as exc:
        return _plan_form_error(request, user, {}, {"file": [_problem_text(p) for p in exc.problems]})
    done = f"{result['lines']} plan line(s) set from {file.filename if file else 'the file'}"
    return RedirectResponse("/forecast?" + urlencode({"saved": done}) + "#plan", status_code=303)


def _problem_text(problem: Any) -> str:
    where = ", ".join(
        str(x)
        for x in (
            f"row {problem.row}" if problem.row else None,
            problem.column,
            repr(problem.value) if problem.value else None,
        )
        if x
    )
    return f"{where}: {problem.rule}" if where else problem.rule


def _plan_form_error(
    request: Request, user: UserDep, form: dict[str, Any], errors: dict[str, list[str]]
) -> Response:
    """The page again with the plan form's errors at their fields (422), the forecast as kept."""
    context = {**_page_context(request, user), "form": form, "errors": errors}
    return render(request, "forecast/page.html", context, status_code=422)
