"""Contacts of a counterparty: list, add, change (optimistic locking)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from clientbase.registry import card, service
from clientbase.web.api.models import ERRORS, Contact, ContactChange, ContactCreate
from clientbase.web.deps import StoreDep, UserDep

router = APIRouter(tags=["contacts"], responses={k: ERRORS[k] for k in (400, 401, 403, 404, 422)})


@router.get("/counterparties/{counterparty_id}/contacts", response_model=list[Contact])
def contacts(store: StoreDep, user: UserDep, counterparty_id: str) -> list[dict[str, Any]]:
    """The counterparty's contacts, the main one first, archived ones last."""
    return card.contacts_of(store, actor=user.actor, counterparty_id=counterparty_id)


@router.post(
    "/counterparties/{counterparty_id}/contacts",
    response_model=Contact,
    status_code=201,
    responses={409: ERRORS[409]},
)
def add_contact(store: StoreDep, user: UserDep, counterparty_id: str, body: ContactCreate) -> dict[str, Any]:
    """Add a contact (phones are read in the counterparty's country)."""
    values = {**body.model_dump(exclude_none=True), "counterparty_id": counterparty_id}
    service.get_record(store, actor=user.actor, kind="counterparties", record_id=counterparty_id)
    return service.create_contact(db=store, actor=user.actor, values=values, source="api")


@router.patch("/contacts/{contact_id}", response_model=Contact, responses={409: ERRORS[409]})
def change_contact(store: StoreDep, user: UserDep, contact_id: str, body: ContactChange) -> dict[str, Any]:
    """Change a contact read at ``version`` (409 / 422 as for counterparties)."""
    changes = body.model_dump(exclude_unset=True)
    version = changes.pop("version")
    return service.update_contact(
        db=store,
        actor=user.actor,
        contact_id=contact_id,
        changes=changes,
        expected_version=version,
        source="api",
    )
