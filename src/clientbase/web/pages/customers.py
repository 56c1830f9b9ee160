"""The customer list: search, filters, sorting, paging and columns in the query string; saved views; bulk
actions; export of the current view; the form for a new prospect or customer."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from clientbase import schema
from clientbase.accounts import views
from clientbase.errors import Problem, ValidationError
from clientbase.registry import bulk_edit, listing, rules, service
from clientbase.registry.card import FIELD_GROUPS
from clientbase.web.deps import StoreDep, UserDep
from clientbase.web.forms import errors_by_field, submitted
from clientbase.web.navigation import NavItem
from clientbase.web.rendering import is_htmx, render
from clientbase.web.tables import TableView

router = APIRouter(include_in_schema=False)
NAV = (NavItem("Customers", "/customers", order=10),)
PAGE = "customers"
#: the fields of the "new prospect / customer" form
NEW_FIELDS = tuple(
    name
    for group in FIELD_GROUPS.values()
    for name in group
    if name not in ("created_at", "first_order_date")
)


def _columns(cols: list[str]) -> list[listing.ListColumn]:
    chosen = [c for c in cols if c in listing.COLUMNS] or list(listing.DEFAULT_COLUMNS)
    return [listing.COLUMNS[c] for c in chosen]


def _params(request: Request) -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.query_params.multi_items() if v != "" and k not in ("done", "error")]


def list_table(request: Request, store: StoreDep, user: UserDep) -> tuple[TableView, listing.ListQuery]:
    params = dict(request.query_params)
    query = listing.ListQuery.parse(params)
    columns = _columns(request.query_params.getlist("cols"))
    page = listing.list_counterparties(
        store, actor=user.actor, query=query, columns=[c.name for c in columns]
    )
    table = TableView(
        path="/customers",
        params=_params(request),
        columns=columns,
        rows=page.items,
        total=page.total,
        limit=query.limit,
        offset=query.offset,
        sort=query.sort,
        link_column="name",
        link_prefix="/customers/",
        selectable=user.actor.role != "analyst",
        target="#results",
        caption="Customers, prospects and suppliers",
        empty="No record matches these filters.",
    )
    return table, query


def filter_choices(request: Request, store: StoreDep, user: UserDep) -> dict[str, list[str]]:
    """The filters' choices (distinct values), at most a minute old: a new segment shows up within a minute."""
    key = ("customer-choices", user.actor.manager_id, user.actor.role)
    return request.app.state.cache.get(key, lambda: listing.choices(store, actor=user.actor))


@router.get("/customers")
def customer_list(
    request: Request, store: StoreDep, user: UserDep, done: str = "", error: str = ""
) -> Response:
    table, query = list_table(request, store, user)
    context = {
        "table": table,
        "query": query,
        "export_query": urlencode(table.params),
        "choices": filter_choices(request, store, user),
        "enums": {
            "role": schema.ROLES,
            "status": schema.STATUSES,
            "size_band": schema.SIZE_BANDS,
            "acquisition_mode": schema.ACQUISITION_MODES,
            "abc": ("A", "B", "C"),
        },
        "all_columns": list(listing.COLUMNS.values()),
        "shown": {c.name for c in table.columns},
        "views": views.list_views(store, actor=user.actor, page=PAGE),
        "done": done,
        "error": error,
    }
    template = (
        "customers/_results.html"
        if is_htmx(request) and request.headers.get("hx-target") == "results"
        else "customers/list.html"
    )
    return render(request, template, context)


@router.get("/customers/export.{fmt}")
def export(request: Request, store: StoreDep, user: UserDep, fmt: str) -> Response:
    if fmt not in ("csv", "xlsx"):
        raise ValidationError([Problem("export", None, "format", fmt, "enum: export as .csv or .xlsx")])
    query = listing.ListQuery.parse(dict(request.query_params))
    folder = Path(tempfile.mkdtemp(prefix="clientbase-export-"))
    path = folder / f"customers.{fmt}"
    listing.export_view(store, actor=user.actor, query=query, path=path)

    def cleanup() -> None:
        path.unlink(missing_ok=True)
        folder.rmdir()

    media = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return FileResponse(
        path, media_type=media, filename=f"customers.{fmt}", background=BackgroundTask(cleanup)
    )


@router.post("/customers/bulk")
def bulk(
    request: Request,
    store: StoreDep,
    user: UserDep,
    ids: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI reads the default, never mutates it
    action: Annotated[str, Form(max_length=32)] = "",
    value: Annotated[str, Form(max_length=64)] = "",
    back: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    field = {"transfer": "owner_id", "status": "status"}.get(action)
    target = back if back.startswith("/customers") else "/customers"
    sep = "&" if "?" in target else "?"
    if field is None or not value:
        return RedirectResponse(f"{target}{sep}error=Choose+an+action+and+a+value", status_code=303)
    count = bulk_edit.update_many(store, actor=user.actor, counterparty_ids=ids, changes={field: value})
    return RedirectResponse(f"{target}{sep}done={count}", status_code=303)


@router.post("/customers/views")
def save_view(
    request: Request,
    store: StoreDep,
    user: UserDep,
    view_name: Annotated[str, Form(max_length=200)] = "",
    query: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    saved = views.save_view(store, actor=user.actor, page=PAGE, name=view_name, query=query)
    return RedirectResponse(f"/customers?{saved['query']}", status_code=303)


@router.post("/customers/views/{view_id}/delete")
def delete_view(store: StoreDep, user: UserDep, view_id: str) -> Response:
    views.delete_view(store, actor=user.actor, view_id=view_id)
    return RedirectResponse("/customers", status_code=303)


def _new_context(
    store: StoreDep, user: UserDep, values: dict[str, object], errors: dict[str, list[str]]
) -> dict[str, object]:
    return {
        "groups": {k: [n for n in v if n in NEW_FIELDS] for k, v in FIELD_GROUPS.items()},
        "values": values,
        "errors": errors,
        "enums": _enums(),
        "managers": listing.choices(store, actor=user.actor)["owner_id"],
        "labels": {c.name: c.label for c in listing.COLUMNS.values()},
        # the fields the common criteria ask of this kind of record (marked *)
        "required": {"name", "roles", "status"} | {name for name, _ in rules.required_fields(values)},
    }


def _enums() -> dict[str, tuple[str, ...]]:
    return {
        "status": schema.STATUSES,
        "size_band": schema.SIZE_BANDS,
        "acquisition_mode": schema.ACQUISITION_MODES,
    }


@router.get("/customers/new")
def new_page(
    request: Request, store: StoreDep, user: UserDep, role: Annotated[str, Query(max_length=20)] = "prospect"
) -> Response:
    status = "prospect" if role == "prospect" else "active"
    values: dict[str, object] = {"roles": role if role in schema.ROLES else "prospect", "status": status}
    if user.actor.role == "manager":
        values["owner_id"] = user.actor.manager_id
    return render(request, "customers/new.html", _new_context(store, user, values, {}))


@router.post("/customers/new")
async def create(request: Request, store: StoreDep, user: UserDep) -> Response:
    form = await request.form()
    values = {k: v for k, v in submitted(dict(form), list(NEW_FIELDS)).items() if v is not None}
    try:
        record = service.create_counterparty(db=store, actor=user.actor, values=values, source="ui")
    except ValidationError as exc:
        context = _new_context(store, user, values, errors_by_field(exc))
        return render(request, "customers/new.html", context, status_code=422)
    return RedirectResponse(f"/customers/{record['counterparty_id']}?created=1", status_code=303)
