"""The customer card: every field grouped with the rules it breaks and its freshness, inline edit with
optimistic locking, contacts, history, owner transfer, archive and restore, the P&L waterfall of both
periods, customer value, open invoices, recent orders and activities, suspected duplicates."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from clientbase import schema
from clientbase.errors import Problem, ValidationError
from clientbase.registry import card as card_service
from clientbase.registry import service
from clientbase.registry.listing import COLUMNS
from clientbase.registry.service import StaleRecordError
from clientbase.web.charts import chart_block, waterfall
from clientbase.web.deps import StoreDep, UserDep
from clientbase.web.forms import errors_by_field, submitted
from clientbase.web.navigation import NavItem
from clientbase.web.rendering import is_htmx, render

router = APIRouter(include_in_schema=False)
NAV: tuple[NavItem, ...] = ()

EDITABLE = tuple(
    name
    for group in card_service.FIELD_GROUPS.values()
    for name in group
    if name not in card_service.READ_ONLY
)
CONTACT_FIELDS = ("name", "title", "email", "phone", "is_primary")
LABELS = {c.name: c.label for c in COLUMNS.values()}
ENUMS = {
    "status": schema.STATUSES,
    "size_band": schema.SIZE_BANDS,
    "acquisition_mode": schema.ACQUISITION_MODES,
}
#: the waterfall: (line, label, is a total); costs are shown as negative steps
STEPS = (
    ("gross_sales_list", "Gross sales at list", True),
    ("discount", "Discount", False),
    ("net_revenue", "Net revenue", True),
    ("cogs", "Cost of goods", False),
    ("gross_margin", "Gross margin", True),
    ("cost_to_serve", "Cost to serve", False),
    ("credit_cost", "Credit cost", False),
    ("net_contribution", "Net contribution", True),
)


def _pnl_chart(
    metrics: dict[str, Any] | None, state: dict[str, Any] | None, suffix: str, label: str
) -> dict[str, str] | None:
    if not metrics or metrics.get(f"net_revenue{suffix}") is None or state is None:
        return None
    steps = []
    for line, name, total in STEPS:
        amount = metrics.get(f"{line}{suffix}") or Decimal(0)
        steps.append((name, amount if total else -amount, total))
    period = (
        (state["period_start"], state["period_end"])
        if not suffix
        else (state["previous_start"], state["previous_end"])
    )
    title = f"{label}: {period[0]} to {period[1]}"
    net = metrics.get(f"net_contribution{suffix}")
    description = f"From gross sales at list {metrics.get(f'gross_sales_list{suffix}')} to net contribution {net} {state['currency']}."
    chart = waterfall(steps, currency=state["currency"])  # the figure caption carries the title
    return chart_block(chart, chart_id=f"pnl{suffix or '_cur'}", title=title, description=description)


def card_context(store: StoreDep, user: UserDep, counterparty_id: str) -> dict[str, Any]:
    card = card_service.customer_card(store, actor=user.actor, counterparty_id=counterparty_id)
    return {
        "card": card,
        "r": card.record,
        "groups": card_service.FIELD_GROUPS,
        "editable": EDITABLE,
        "labels": LABELS,
        "enums": ENUMS,
        "steps": STEPS,
        "charts": [
            c
            for c in (
                _pnl_chart(card.metrics, card.metrics_state, "", "Last period"),
                _pnl_chart(card.metrics, card.metrics_state, "_prev", "Period before"),
            )
            if c
        ],
    }


@router.get("/customers/{counterparty_id}")
def customer_card(
    request: Request, store: StoreDep, user: UserDep, counterparty_id: str, created: str = "", saved: str = ""
) -> Response:
    context = card_context(store, user, counterparty_id)
    return render(request, "customers/card.html", {**context, "created": created, "saved": saved})


def _field_fragment(
    request: Request,
    store: StoreDep,
    user: UserDep,
    counterparty_id: str,
    name: str,
    *,
    mode: str,
    errors: dict[str, list[str]] | None = None,
    value: object = None,
    conflict: StaleRecordError | None = None,
    status_code: int = 200,
    oob_history: bool = False,
) -> Response:
    context = card_context(store, user, counterparty_id)
    return render(
        request,
        "customers/_field.html",
        {
            **context,
            "name": name,
            "mode": mode,
            "errors": errors or {},
            "typed": value,
            "conflict": conflict,
            "oob_history": oob_history,
        },
        status_code=status_code,
    )


@router.get("/customers/{counterparty_id}/fields/{name}")
def field_view(request: Request, store: StoreDep, user: UserDep, counterparty_id: str, name: str) -> Response:
    if name not in EDITABLE:
        raise ValidationError(
            [Problem("counterparties", None, name, None, "read_only: this field is not edited here")]
        )
    return _field_fragment(request, store, user, counterparty_id, name, mode="view")


@router.get("/customers/{counterparty_id}/edit")
def edit_page(
    request: Request, store: StoreDep, user: UserDep, counterparty_id: str, field: str = ""
) -> Response:
    if field and is_htmx(request):
        if field not in EDITABLE:
            raise ValidationError(
                [Problem("counterparties", None, field, None, "read_only: this field is not edited here")]
            )
        return _field_fragment(request, store, user, counterparty_id, field, mode="edit")
    context = card_context(store, user, counterparty_id)
    return render(request, "customers/edit.html", {**context, "errors": {}, "values": None, "conflict": None})


@router.post("/customers/{counterparty_id}/edit")
async def save(request: Request, store: StoreDep, user: UserDep, counterparty_id: str) -> Response:
    form = dict(await request.form())
    changes = submitted(form, list(EDITABLE))
    version = _version(form.get("version"))
    try:
        service.update_counterparty(
            db=store,
            actor=user.actor,
            counterparty_id=counterparty_id,
            changes=changes,
            expected_version=version,
            source="ui",
        )
    except (ValidationError, StaleRecordError) as exc:
        errors = errors_by_field(exc) if isinstance(exc, ValidationError) else {}
        conflict = exc if isinstance(exc, StaleRecordError) else None
        status = 422 if conflict is None else 409
        if is_htmx(request) and len(changes) == 1:
            name = next(iter(changes))
            return _field_fragment(
                request,
                store,
                user,
                counterparty_id,
                name,
                mode="edit",
                errors=errors,
                value=changes[name],
                conflict=conflict,
                status_code=status,
            )
        context = card_context(store, user, counterparty_id)
        return render(
            request,
            "customers/edit.html",
            {**context, "errors": errors, "values": changes, "conflict": conflict},
            status_code=status,
        )
    if is_htmx(request) and len(changes) == 1:
        return _field_fragment(
            request, store, user, counterparty_id, next(iter(changes)), mode="view", oob_history=True
        )
    return RedirectResponse(f"/customers/{counterparty_id}?saved=1", status_code=303)


def _version(raw: object) -> int:
    try:
        return int(str(raw))
    except ValueError:
        raise ValidationError(
            [
                Problem(
                    "form",
                    None,
                    "version",
                    str(raw),
                    "type: the form lost its record version; reload the page",
                )
            ]
        ) from None


@router.post("/customers/{counterparty_id}/transfer")
def transfer(
    store: StoreDep,
    user: UserDep,
    counterparty_id: str,
    to_owner: Annotated[str, Form(max_length=64)],
    version: Annotated[int, Form()],
) -> Response:
    service.transfer_owner(
        db=store,
        actor=user.actor,
        counterparty_id=counterparty_id,
        to_owner=to_owner,
        expected_version=version,
        source="ui",
    )
    return RedirectResponse(f"/customers/{counterparty_id}?saved=1", status_code=303)


@router.post("/customers/{counterparty_id}/archive")
def archive(
    store: StoreDep, user: UserDep, counterparty_id: str, version: Annotated[int, Form()]
) -> Response:
    service.archive_counterparty(
        db=store, actor=user.actor, counterparty_id=counterparty_id, expected_version=version, source="ui"
    )
    return RedirectResponse(f"/customers/{counterparty_id}?saved=1", status_code=303)


@router.post("/customers/{counterparty_id}/restore")
def restore(
    store: StoreDep, user: UserDep, counterparty_id: str, version: Annotated[int, Form()]
) -> Response:
    service.restore_counterparty(
        db=store, actor=user.actor, counterparty_id=counterparty_id, expected_version=version, source="ui"
    )
    return RedirectResponse(f"/customers/{counterparty_id}?saved=1", status_code=303)


@router.post("/customers/{counterparty_id}/verify")
def verify(store: StoreDep, user: UserDep, counterparty_id: str) -> Response:
    fields = [c.name for c in schema.counterparties.columns if c.name not in ("counterparty_id", "version")]
    service.verify(
        db=store,
        actor=user.actor,
        kind="counterparties",
        record_id=counterparty_id,
        fields=fields,
        source="ui",
    )
    return RedirectResponse(f"/customers/{counterparty_id}?saved=1", status_code=303)


def _contact_values(form: dict[str, Any]) -> dict[str, object]:
    values = submitted(form, [n for n in CONTACT_FIELDS if n != "is_primary"])
    values["is_primary"] = form.get("is_primary") in ("on", "true", "1")
    return values


@router.post("/customers/{counterparty_id}/contacts")
async def add_contact(request: Request, store: StoreDep, user: UserDep, counterparty_id: str) -> Response:
    form = dict(await request.form())
    values = {**_contact_values(form), "counterparty_id": counterparty_id}
    try:
        service.create_contact(db=store, actor=user.actor, values=values, source="ui")
    except ValidationError as exc:
        context = card_context(store, user, counterparty_id)
        return render(
            request,
            "customers/card.html",
            {**context, "contact_errors": errors_by_field(exc), "contact_values": values},
            status_code=422,
        )
    return RedirectResponse(f"/customers/{counterparty_id}?saved=1#contacts", status_code=303)


@router.get("/customers/{counterparty_id}/contacts/{contact_id}/edit")
def contact_page(
    request: Request, store: StoreDep, user: UserDep, counterparty_id: str, contact_id: str
) -> Response:
    contact = service.get_record(store, actor=user.actor, kind="contacts", record_id=contact_id)
    return render(
        request,
        "customers/contact.html",
        {
            "contact": contact,
            "counterparty_id": counterparty_id,
            "values": contact,
            "errors": {},
            "conflict": None,
        },
    )


@router.post("/customers/{counterparty_id}/contacts/{contact_id}/edit")
async def save_contact(
    request: Request, store: StoreDep, user: UserDep, counterparty_id: str, contact_id: str
) -> Response:
    form = dict(await request.form())
    values = _contact_values(form)
    action = form.get("action")
    try:
        if action in ("archive", "restore"):
            change = service.archive_contact if action == "archive" else service.restore_contact
            change(
                db=store,
                actor=user.actor,
                contact_id=contact_id,
                expected_version=_version(form.get("version")),
                source="ui",
            )
        else:
            service.update_contact(
                db=store,
                actor=user.actor,
                contact_id=contact_id,
                changes=values,
                expected_version=_version(form.get("version")),
                source="ui",
            )
    except (ValidationError, StaleRecordError) as exc:
        contact = service.get_record(store, actor=user.actor, kind="contacts", record_id=contact_id)
        errors = errors_by_field(exc) if isinstance(exc, ValidationError) else {}
        conflict = exc if isinstance(exc, StaleRecordError) else None
        return render(
            request,
            "customers/contact.html",
            {
                "contact": contact,
                "counterparty_id": counterparty_id,
                "values": {**contact, **values},
                "errors": errors,
                "conflict": conflict,
            },
            status_code=409 if conflict else 422,
        )
    return RedirectResponse(f"/customers/{counterparty_id}?saved=1#contacts", status_code=303)
