"""The API's request and response bodies, derived from the schema's columns so they cannot drift from it.

Money and other decimals are JSON strings (``"1234.50"``), exact; dates are ``YYYY-MM-DD``. Inputs refuse
NUL characters and values that could not be stored (too long, too many digits) before they reach the
registry, which checks every rule of the common criteria and answers 422 with the field errors.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model

from clientbase import schema

NO_NUL = r"^[^\x00]*$"


def _python_type(column: sa.Column[Any], *, inbound: bool) -> Any:
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return bool
    if isinstance(kind, sa.Integer):
        return Annotated[int, Field(ge=-(2**31), le=2**31 - 1)] if inbound else int
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
        if inbound:
            places = kind.scale or 0
            return Annotated[
                Decimal, Field(max_digits=kind.precision, decimal_places=places, allow_inf_nan=False)
            ]
        return Decimal
    if isinstance(kind, sa.Date):
        return dt.date
    length = getattr(kind, "length", None)
    return Annotated[str, StringConstraints(max_length=length, pattern=NO_NUL)] if inbound and length else str


def _fields(table: sa.Table, *, inbound: bool, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in table.columns:
        if column.name in skip:
            continue
        rule = column.info["field"]
        out[column.name] = (_python_type(column, inbound=inbound) | None, Field(None, description=rule.doc))
    return out


STRICT = ConfigDict(extra="forbid")

Counterparty = create_model(
    "Counterparty",
    __doc__="A counterparty as stored, with the version to send back with a change.",
    **_fields(schema.counterparties, inbound=False),
)
CounterpartyCreate = create_model(
    "CounterpartyCreate",
    __config__=STRICT,
    __doc__="A new counterparty; the key is generated when absent, created_at defaults to today.",
    **_fields(schema.counterparties, inbound=True, skip=("version",)),
)
CounterpartyChange = create_model(
    "CounterpartyChange",
    __config__=STRICT,
    __doc__="The fields to change (null clears a field) and the version the record was read at.",
    version=(int, Field(..., description="The record's version when it was read (optimistic locking)")),
    **_fields(schema.counterparties, inbound=True, skip=("version", "counterparty_id")),
)
Contact = create_model(
    "Contact", __doc__="A person at a counterparty.", **_fields(schema.contacts, inbound=False)
)
ContactCreate = create_model(
    "ContactCreate",
    __config__=STRICT,
    __doc__="A new contact of the counterparty in the path.",
    **_fields(schema.contacts, inbound=True, skip=("version", "counterparty_id", "archived")),
)
ContactChange = create_model(
    "ContactChange",
    __config__=STRICT,
    __doc__="The contact's fields to change and the version read.",
    version=(int, Field(..., description="The contact's version when it was read")),
    **_fields(schema.contacts, inbound=True, skip=("version", "contact_id", "counterparty_id")),
)


class CounterpartyPage(BaseModel):
    """One page of the list and the count of every matching record."""

    items: list[Counterparty]  # type: ignore[valid-type]
    total: int
    limit: int
    offset: int


class Version(BaseModel):
    model_config = STRICT
    version: int = Field(..., description="The record's version when it was read")


class Transfer(BaseModel):
    model_config = STRICT
    to_owner: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=NO_NUL)]
    version: int


class HistoryEntry(BaseModel):
    field_name: str
    old_value: str | None
    new_value: str | None
    changed_by: str | None
    changed_at: dt.datetime
    source: str
    record_version: int | None


class FieldError(BaseModel):
    field: str | None
    value: str | None
    reason: str


class ErrorBody(BaseModel):
    """Every error: what went wrong and how to fix it; field errors for 422; the missed change for 409."""

    detail: str
    errors: list[FieldError] | None = None
    current_version: int | None = None
    missed: list[dict[str, Any]] | None = None


class Token(BaseModel):
    access_token: str
    token_type: str
    expires_at: str | None
    manager_id: str
    kind: str


class User(BaseModel):
    manager_id: str
    name: str | None
    email: str | None
    role: str | None
    active: bool | None
    has_password: bool


class UserCreate(BaseModel):
    model_config = STRICT
    manager_id: Annotated[str, StringConstraints(max_length=64, pattern=NO_NUL)]
    name: Annotated[str, StringConstraints(max_length=200, pattern=NO_NUL)]
    email: Annotated[str, StringConstraints(max_length=320, pattern=NO_NUL)] | None = None
    role: str = "manager"


class UserChange(BaseModel):
    model_config = STRICT
    name: Annotated[str, StringConstraints(max_length=200, pattern=NO_NUL)] | None = None
    email: Annotated[str, StringConstraints(max_length=320, pattern=NO_NUL)] | None = None
    role: str | None = None
    active: bool | None = None


class PasswordChange(BaseModel):
    model_config = STRICT
    password: Annotated[str, StringConstraints(max_length=200)]
    current_password: Annotated[str, StringConstraints(max_length=200)] | None = None


#: the error responses every route may give, for the OpenAPI document
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text}
    for code, text in (
        (400, "An option that cannot work (e.g. dates out of order); detail says how to fix it"),
        (401, "No valid bearer token or session"),
        (403, "The role may not do this"),
        (404, "No such record, or one you may not see"),
        (409, "Changed by someone else since it was read; nothing was written"),
        (422, "A value breaks a rule; errors lists field, value and reason"),
        (202, "Still computing (a forecast or the prospect models); ask again after Retry-After seconds"),
    )
}
