"""Counterparties: list (search, filters, sort, paging), read, create, change with optimistic locking,
archive, restore, transfer, history, and the customer's P&L of both periods."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from clientbase.decisions import customer_metrics
from clientbase.registry import listing, service
from clientbase.web.api.models import (
    ERRORS,
    Counterparty,
    CounterpartyChange,
    CounterpartyCreate,
    CounterpartyPage,
    HistoryEntry,
    Transfer,
    Version,
)
from clientbase.web.deps import StoreDep, UserDep

router = APIRouter(tags=["counterparties"], responses={k: ERRORS[k] for k in (400, 401, 403, 404, 422)})

Text = Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]*$")]


@router.get("/counterparties", response_model=CounterpartyPage)
def list_counterparties(
    request: Request,
    store: StoreDep,
    user: UserDep,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=r"^[^\x00]*$",
            description="Words that must each appear in the name, an id, the e-mail, phone or city",
        ),
    ] = None,
    owner_id: Text = None,
    status: Literal["prospect", "active", "lapsed", "lost", "archived"] | None = None,
    role: Literal["customer", "prospect", "supplier"] | None = None,
    segment: Text = None,
    size_band: Literal["micro", "small", "medium", "large", "key"] | None = None,
    country: Text = None,
    region: Text = None,
    industry: Text = None,
    acquisition_channel: Text = None,
    acquisition_mode: Literal["targeted", "spontaneous"] | None = None,
    loss_making: Literal["true", "false"] | None = None,
    abc: Literal["A", "B", "C"] | None = None,
    include_archived: bool = False,
    sort: Annotated[
        str, Query(max_length=64, description="A column, - first for descending (e.g. -net_revenue)")
    ] = "name",
    limit: Annotated[int, Query(ge=1, le=listing.MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> dict[str, Any]:
    """The counterparties you may see that match, one page at a time, with the total count."""
    query = listing.ListQuery.parse(dict(request.query_params))
    page = listing.list_counterparties(store, actor=user.actor, query=query)
    items = [{k: row.get(k) for k in listing.RECORD_COLUMNS} for row in page.items]
    return {"items": items, "total": page.total, "limit": query.limit, "offset": query.offset}


@router.post("/counterparties", response_model=Counterparty, status_code=201, responses={409: ERRORS[409]})
def create_counterparty(store: StoreDep, user: UserDep, body: CounterpartyCreate) -> dict[str, Any]:
    """Create a counterparty (a manager's is their own; the head may name any owner)."""
    values = body.model_dump(exclude_none=True)
    return service.create_counterparty(db=store, actor=user.actor, values=values, source="api")


@router.get("/counterparties/{counterparty_id}", response_model=Counterparty)
def get_counterparty(store: StoreDep, user: UserDep, counterparty_id: str) -> dict[str, Any]:
    """One counterparty with its ``version`` (send it back with a change)."""
    return service.get_record(store, actor=user.actor, kind="counterparties", record_id=counterparty_id)


@router.patch("/counterparties/{counterparty_id}", response_model=Counterparty, responses={409: ERRORS[409]})
def change_counterparty(
    store: StoreDep, user: UserDep, counterparty_id: str, body: CounterpartyChange
) -> dict[str, Any]:
    """Change the given fields of a record read at ``version``: 409 with the change you missed when someone
    changed it since, 422 with the field errors when a value breaks a rule; nothing is written then."""
    changes = body.model_dump(exclude_unset=True)
    version = changes.pop("version")
    return service.update_counterparty(
        db=store,
        actor=user.actor,
        counterparty_id=counterparty_id,
        changes=changes,
        expected_version=version,
        source="api",
    )


@router.post(
    "/counterparties/{counterparty_id}/archive", response_model=Counterparty, responses={409: ERRORS[409]}
)
def archive(store: StoreDep, user: UserDep, counterparty_id: str, body: Version) -> dict[str, Any]:
    """Archive a record (status ``archived``; restore gives back the status it had)."""
    return service.archive_counterparty(
        db=store,
        actor=user.actor,
        counterparty_id=counterparty_id,
        expected_version=body.version,
        source="api",
    )


@router.post(
    "/counterparties/{counterparty_id}/restore", response_model=Counterparty, responses={409: ERRORS[409]}
)
def restore(store: StoreDep, user: UserDep, counterparty_id: str, body: Version) -> dict[str, Any]:
    """Give an archived record back the status it had."""
    return service.restore_counterparty(
        db=store,
        actor=user.actor,
        counterparty_id=counterparty_id,
        expected_version=body.version,
        source="api",
    )


@router.post(
    "/counterparties/{counterparty_id}/transfer", response_model=Counterparty, responses={409: ERRORS[409]}
)
def transfer(store: StoreDep, user: UserDep, counterparty_id: str, body: Transfer) -> dict[str, Any]:
    """Give the record to another manager (the head only)."""
    return service.transfer_owner(
        db=store,
        actor=user.actor,
        counterparty_id=counterparty_id,
        to_owner=body.to_owner,
        expected_version=body.version,
        source="api",
    )


@router.get("/counterparties/{counterparty_id}/history", response_model=list[HistoryEntry])
def history(store: StoreDep, user: UserDep, counterparty_id: str) -> list[dict[str, Any]]:
    """Every change of the record's fields, oldest first: who, when, from where, before and after."""
    return service.record_history(store, actor=user.actor, kind="counterparties", record_id=counterparty_id)


@router.get("/counterparties/{counterparty_id}/pnl")
def pnl(store: StoreDep, user: UserDep, counterparty_id: str) -> Response:
    """The customer's P&L of the last period and the one before (the default periods of ``clientbase
    analyze``, from the materialised analysis; ``computed_at`` says when it was computed), as the analysis
    document writes a customer. ``current`` / ``previous`` are null when the customer had no activity then."""
    from clientbase.web.api.analysis import json_response

    return json_response(
        customer_metrics.customer_pnl(store, actor=user.actor, counterparty_id=counterparty_id)
    )
