"""Decide: my actions (a manager's tasks: accept, reject with a reason, done), the head's view by manager,
the customer matrix, the scenario editor (run, save, list, compare side by side) and the actions section of
the customer card. Every number comes from :mod:`clientbase.decisions.current` (the same as the CLI's
``actions``, ``matrix`` and ``scenario run`` on the same base)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from clientbase.analytics.period import PeriodError
from clientbase.decisions import current, saved_scenarios, tasks
from clientbase.decisions.matrix import LEVERS, QUADRANTS
from clientbase.decisions.projection import LINES
from clientbase.decisions.scenario import FORM_FIELDS, form_defaults, scenario_from_form
from clientbase.errors import ConfigurationError, ConflictError, Problem, ValidationError
from clientbase.schema import ACTION_CODES, TASK_STATUSES
from clientbase.web.charts import chart_block, matrix_scatter
from clientbase.web.deps import StoreDep, UserDep
from clientbase.web.errors import period_detail
from clientbase.web.forms import errors_by_field
from clientbase.web.navigation import NavItem
from clientbase.web.rendering import is_htmx, render

router = APIRouter(include_in_schema=False)
NAV = (
    NavItem("My actions", "/actions", order=30),
    NavItem("By manager", "/by-manager", roles=("head", "analyst"), order=31),
    NavItem("Matrix", "/matrix", order=32),
    NavItem("Scenarios", "/scenarios", order=33),
)
Filter = Annotated[str, Query(max_length=64)]
#: customers shown on a page (the API has all)
MOST_ROWS = 200
#: tasks and actions shown on my actions (each task row carries its forms)
MOST_TASKS = 100
LINE_LABELS = {
    "gross_sales_list": "Gross sales at list",
    "discount": "Discount",
    "fees": "Fees",
    "net_revenue": "Net revenue",
    "cogs": "Cost of goods",
    "gross_margin": "Gross margin",
    "cost_to_serve": "Cost to serve",
    "credit_cost": "Credit cost",
    "net_contribution": "Net contribution",
}


def _choice(value: str, allowed: tuple[str, ...]) -> str | None:
    return value if value in allowed else None


def _worklist_page(
    request: Request,
    store: StoreDep,
    user: UserDep,
    *,
    owner: str = "",
    code: str = "",
    status: str = "",
    errors: dict[str, dict[str, list[str]]] | None = None,
    conflict: str = "",
    done: str = "",
    status_code: int = 200,
) -> Response:
    listed = current.worklist(
        store,
        actor=user.actor,
        owner=owner or None,
        code=_choice(code, ACTION_CODES),
        status=_choice(status, TASK_STATUSES),
    )
    context = {
        "work": listed,
        "unpublished": listed.unpublished(),
        "owner": owner,
        "code": code,
        "status": status,
        "codes": ACTION_CODES,
        "statuses": TASK_STATUSES,
        "task_errors": errors or {},
        "conflict": conflict,
        "done": done,
        "today": dt.date.today().isoformat(),
        "transitions": lambda state: tasks.TRANSITIONS.get(state, ()),
        "most": MOST_TASKS,
    }
    return render(request, "decide/actions.html", context, status_code=status_code)


def _no_analysis(
    request: Request, exc: ConfigurationError, title: str, *, fragment: bool = False
) -> Response:
    """A base with nothing to analyse yet (no sales, so no default period): say so on the page."""
    detail = period_detail(exc) if isinstance(exc, PeriodError) else str(exc)
    context = {"title": title, "detail": detail, "fragment": fragment}
    return render(request, "decide/no_analysis.html", context)


@router.get("/actions")
def my_actions(
    request: Request,
    store: StoreDep,
    user: UserDep,
    owner: Filter = "",
    code: Filter = "",
    status: Filter = "",
    done: Filter = "",
) -> Response:
    try:
        return _worklist_page(request, store, user, owner=owner, code=code, status=status, done=done)
    except ConfigurationError as exc:
        return _no_analysis(request, exc, "My actions")


@router.post("/actions/publish")
def publish(store: StoreDep, user: UserDep) -> Response:
    made = current.publish(store, actor=user.actor)
    return RedirectResponse(f"/actions?done=published+{len(made.created)}", status_code=303)


@router.post("/actions/tasks/{task_id}")
async def move_task(request: Request, store: StoreDep, user: UserDep, task_id: str) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    back = {k: form.get(k, "")[:64] for k in ("owner", "code", "status")}

    def page(**extra: Any) -> Response:
        return _worklist_page(
            request, store, user, owner=back["owner"], code=back["code"], status=back["status"], **extra
        )

    try:
        version = int(form.get("version", ""))
        day = dt.date.fromisoformat(form["done_on"]) if form.get("done_on") else None
    except ValueError:
        problem = Problem(
            "task", None, "done_on", form.get("done_on"), "a day as YYYY-MM-DD; reload the page"
        )
        return page(errors={task_id: errors_by_field(ValidationError([problem]))}, status_code=422)
    try:
        task = tasks.update_task(
            store,
            actor=user.actor,
            task_id=task_id,
            status=form.get("move", ""),
            expected_version=version,
            reason=form.get("reason") or None,
            done_on=day,
        )
    except ValidationError as exc:
        return page(errors={task_id: errors_by_field(exc)}, status_code=422)
    except ConflictError as exc:
        return page(conflict=str(exc), status_code=409)
    query = urlencode({"done": f"{task.status} {task.task_id}", **{k: v for k, v in back.items() if v}})
    return RedirectResponse(f"/actions?{query}#t-{task.task_id}", status_code=303)


@router.get("/by-manager")
def by_manager(request: Request, store: StoreDep, user: UserDep) -> Response:
    try:
        view = current.overview(store, actor=user.actor)
    except ConfigurationError as exc:
        return _no_analysis(request, exc, "Actions and tasks by manager")
    used = [c for c in ACTION_CODES if any(row["by_code"][c] for row in view.rows())]
    return render(request, "decide/by_manager.html", {"view": view, "rows": view.rows(), "codes": used})


@router.get("/matrix")
def matrix(request: Request, store: StoreDep, user: UserDep) -> Response:
    try:
        m = current.matrix(store, actor=user.actor)
    except ConfigurationError as exc:
        return _no_analysis(request, exc, "The customer matrix")
    quadrants = m.quadrants()
    description = (
        f"{len(m.points)} customers by cost-to-serve (% of net revenue, split at {m.cost_threshold_pct} %) and "
        f"net price realised (% of list, split at {m.price_threshold_pct} %); "
        + ", ".join(f"{q.replace('_', ' ')} {quadrants[q]['customers']}" for q in QUADRANTS)
        + "."
    )
    chart = chart_block(
        matrix_scatter(m), chart_id="matrix", title="The customer matrix", description=description
    )
    return render(
        request,
        "decide/matrix.html",
        {
            "m": m,
            "quadrants": quadrants,
            "order": QUADRANTS,
            "levers": LEVERS,
            "chart": chart,
            "points": m.points[:50],
        },
    )


def _scenario_page(
    request: Request,
    store: StoreDep,
    user: UserDep,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    result: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "values": values or form_defaults(),
        "errors": errors or {},
        "result": result,
        "saved": saved_scenarios.list_scenarios(store, actor=user.actor),
        "codes": ACTION_CODES,
        "quadrants": QUADRANTS,
        "lines": LINES,
        "labels": LINE_LABELS,
        "most": MOST_ROWS,
    }
    return render(request, "decide/scenarios.html", context, status_code=status_code)


@router.get("/scenarios")
def scenarios(
    request: Request,
    store: StoreDep,
    user: UserDep,
    customers: Annotated[str, Query(max_length=2000)] = "",
    quadrant: Filter = "",
    action: Filter = "",
) -> Response:
    """The editor, its scope filled from the query when a link names one (the card, the matrix)."""
    values = {**form_defaults(), "customers": customers, "quadrant": quadrant, "action": action}
    return _scenario_page(request, store, user, values=values)


@router.post("/scenarios")
async def run_scenario(request: Request, store: StoreDep, user: UserDep) -> Response:
    form = await request.form()
    values = {name: str(form.get(name) or "") for name, _, _ in FORM_FIELDS}
    try:
        scenario = scenario_from_form(values)
        result, saved = current.run(store, actor=user.actor, scenario=scenario, save=form.get("do") == "save")
    except ValidationError as exc:
        return _scenario_page(
            request, store, user, values=values, errors=errors_by_field(exc), status_code=422
        )
    except ConfigurationError as exc:  # nothing to project on yet (no sales)
        return _scenario_page(request, store, user, values=values, errors={"": [str(exc)]}, status_code=422)
    if saved is not None:
        return RedirectResponse(f"/scenarios/{saved.scenario_id}?saved=1", status_code=303)
    return _scenario_page(request, store, user, values=values, result=result.as_dict())


@router.get("/scenarios/compare")
def compare(
    request: Request,
    store: StoreDep,
    user: UserDep,
    ids: Annotated[list[Annotated[str, Query(max_length=64)]], Query(max_length=20)] = [],  # noqa: B006
) -> Response:
    comparison = saved_scenarios.compare_scenarios(store, actor=user.actor, scenario_ids=list(ids))
    return render(
        request, "decide/compare.html", {"rows": comparison.rows(), "scenarios": comparison.scenarios}
    )


@router.get("/scenarios/{scenario_id}")
def saved_scenario(
    request: Request, store: StoreDep, user: UserDep, scenario_id: str, saved: str = ""
) -> Response:
    found = saved_scenarios.get_scenario(store, actor=user.actor, scenario_id=scenario_id)
    context = {
        "s": found,
        "result": found.result,
        "just_saved": bool(saved),
        "lines": LINES,
        "labels": LINE_LABELS,
        "most": MOST_ROWS,
    }
    return render(request, "decide/scenario.html", context)


@router.get("/customers/{counterparty_id}/actions")
def card_actions(request: Request, store: StoreDep, user: UserDep, counterparty_id: str) -> Response:
    try:
        found = current.for_customer(store, actor=user.actor, counterparty_id=counterparty_id)
    except ConfigurationError as exc:
        return _no_analysis(request, exc, "Actions", fragment=is_htmx(request))
    context = {"found": found, "counterparty_id": counterparty_id}
    template = "decide/_card_actions.html" if is_htmx(request) else "decide/card_actions.html"
    return render(request, template, context)
