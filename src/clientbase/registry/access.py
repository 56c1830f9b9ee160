"""Row-level access: who may see, edit and assign which records.

A manager sees and edits their own records (those they own); the head sees and edits all and assigns owners;
an analyst reads all and edits none. The service layer checks every call against these rules, so the CLI,
the API and the web pages cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from clientbase import schema
from clientbase.errors import NotFoundError, PermissionDeniedError


@dataclass(frozen=True)
class Actor:
    """The user acting: their manager id and role (``head``, ``manager`` or ``analyst``).

    Example:
        >>> Actor("M01", "manager").can_edit({"owner_id": "M01"})
        True
    """

    manager_id: str
    role: str

    def __post_init__(self) -> None:
        if self.role not in schema.MANAGER_ROLES:
            raise PermissionDeniedError(
                f"{self.manager_id} has role {self.role!r}; a user needs one of {', '.join(schema.MANAGER_ROLES)}"
            )

    @property
    def sees_all(self) -> bool:
        return self.role in ("head", "analyst")

    def can_read(self, record: Mapping[str, object]) -> bool:
        """Whether this user may see ``record`` (a counterparty row)."""
        return self.sees_all or record.get("owner_id") == self.manager_id

    def can_edit(self, record: Mapping[str, object]) -> bool:
        """Whether this user may change ``record`` (a counterparty row)."""
        if self.role == "head":
            return True
        return self.role == "manager" and record.get("owner_id") == self.manager_id


def load_actor(conn: sa.Connection, manager_id: str) -> Actor:
    """The :class:`Actor` of ``manager_id`` from the managers table.

    Raises:
        NotFoundError: no such manager, or the manager is no longer active.
    """
    row = conn.execute(
        sa.select(schema.managers.c.role, schema.managers.c.active).where(
            schema.managers.c.manager_id == manager_id
        )
    ).first()
    if row is None:
        raise NotFoundError(f"No manager {manager_id!r}; the managers table lists who may act (--as).")
    if row.active is False:
        raise PermissionDeniedError(f"Manager {manager_id!r} is no longer active and may not act.")
    return Actor(manager_id, row.role or "manager")


def not_found(actor: Actor, what: str) -> NotFoundError:
    """The one answer for a record that does not exist and for one ``actor`` may not see."""
    return NotFoundError(f"No {what} visible to {actor.manager_id}.")


def ensure_can_read(actor: Actor, record: Mapping[str, object], what: str) -> None:
    if not actor.can_read(record):
        # same message as a missing record: a manager does not learn what others own
        raise not_found(actor, what)


def ensure_can_edit(actor: Actor, record: Mapping[str, object], what: str) -> None:
    """Raise :class:`PermissionDeniedError` unless ``actor`` may change ``record``."""
    if actor.role == "analyst":
        raise PermissionDeniedError(f"{actor.manager_id} is an analyst: analysts read records and edit none.")
    ensure_can_read(actor, record, what)
    if not actor.can_edit(record):
        raise PermissionDeniedError(
            f"{actor.manager_id} may edit only their own records; {what} is owned by {record.get('owner_id')}."
        )


def ensure_can_assign(actor: Actor, *, to_owner: object, from_owner: object = None) -> None:
    """Only the head assigns owners; a manager may create a record for themselves only."""
    if actor.role == "head":
        return
    if actor.role == "manager" and to_owner == actor.manager_id and from_owner in (None, actor.manager_id):
        return
    raise PermissionDeniedError(
        f"{actor.manager_id} ({actor.role}) may not assign records to {to_owner}: only the head assigns owners."
    )


def visible(actor: Actor, table: sa.Table) -> Any:
    """A SQLAlchemy condition selecting the rows of ``table`` (counterparties or contacts) ``actor`` sees."""
    if actor.sees_all:
        return sa.true()
    if table is schema.counterparties:
        return schema.counterparties.c.owner_id == actor.manager_id
    owned = sa.select(schema.counterparties.c.counterparty_id).where(
        schema.counterparties.c.owner_id == actor.manager_id
    )
    return table.c.counterparty_id.in_(owned)
