"""The users (the ``managers`` table) and their passwords: list, add, change role, deactivate, set passwords.

Only the head manages users; anyone changes their own password (giving the current one). Deactivating a user
ends their sessions and login tokens at once; a deactivated user cannot log in, and their records keep them as
owner until the head transfers them.

Example:
    >>> import sqlalchemy as sa
    >>> from clientbase.store import connect
    >>> store = connect("duckdb:///:memory:")
    >>> with store.begin() as conn:
    ...     _ = conn.execute(sa.insert(schema.managers).values(manager_id="M01", name="Anna", role="head"))
    >>> head = Actor("M01", "head")
    >>> add_user(store, actor=head, values={"manager_id": "M02", "name": "Boris", "role": "analyst"})["role"]
    'analyst'
    >>> [u["manager_id"] for u in list_users(store, actor=head)]
    ['M01', 'M02']
    >>> store.close()
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from clientbase import schema
from clientbase.accounts.errors import AuthenticationError
from clientbase.accounts.passwords import check_strength, hash_password, random_password, verify_password
from clientbase.accounts.sessions import end_sessions_of
from clientbase.errors import ConflictError, NotFoundError, PermissionDeniedError, Problem, ValidationError
from clientbase.registry.access import Actor
from clientbase.registry.history import utc_now
from clientbase.registry.rules import clean_email
from clientbase.store import Store

MANAGER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
EDITABLE = ("name", "email", "role", "active")


def _ensure_head(actor: Actor, what: str) -> None:
    if actor.role != "head":
        raise PermissionDeniedError(
            f"{actor.manager_id} ({actor.role}) may not {what}: only the head manages users."
        )


def list_users(store: Store, *, actor: Actor) -> list[dict[str, Any]]:
    """Every user with ``has_password``, by manager id (any role may read who the colleagues are)."""
    m, uc = schema.managers, schema.user_credentials
    with store.begin() as conn:
        rows = conn.execute(
            sa.select(m, uc.c.password_hash.is_not(None).label("has_password"), uc.c.password_set_at)
            .select_from(m.outerjoin(uc, uc.c.manager_id == m.c.manager_id))
            .order_by(m.c.manager_id)
        )
        return [{**dict(r._mapping), "has_password": bool(r.has_password)} for r in rows]


def get_user(store: Store, *, actor: Actor, manager_id: str) -> dict[str, Any]:
    for user in list_users(store, actor=actor):
        if user["manager_id"] == manager_id:
            return user
    raise NotFoundError(f"No user {manager_id!r}; `clientbase user list` shows who there is.")


def _clean(values: Mapping[str, object], *, new: bool) -> dict[str, object]:
    problems: list[Problem] = []
    out: dict[str, object] = {}

    def bad(field: str, value: object, rule: str) -> None:
        problems.append(Problem("managers", None, field, None if value is None else str(value), rule))

    for name, value in values.items():
        text = value.strip() if isinstance(value, str) else value
        if name == "manager_id":
            if not isinstance(text, str) or not MANAGER_ID.match(text):
                bad(name, value, "format: letters, digits, '.', '_' or '-', at most 64, like M07")
            out[name] = text
        elif name == "name":
            if not text:
                bad(name, value, "required: every user needs a name")
            elif len(str(text)) > 200:
                bad(name, value, "length: longer than 200 characters")
            out[name] = text
        elif name == "email":
            try:
                out[name] = clean_email(str(text)) if text else None
            except ValueError as exc:
                bad(name, value, f"format: {exc}")
        elif name == "role":
            if text not in schema.MANAGER_ROLES:
                bad(name, value, f"enum: {text!r} is not one of {', '.join(schema.MANAGER_ROLES)}")
            out[name] = text
        elif name == "active":
            out[name] = value if isinstance(value, bool) else str(value).lower() in ("true", "1", "yes", "on")
        else:
            bad(name, value, f"unknown_field: a user has {', '.join(('manager_id', *EDITABLE))}")
    if new:
        for required in ("manager_id", "name"):
            if required not in values:
                bad(required, None, f"required: a new user needs a {required}")
    if problems:
        raise ValidationError(problems)
    return out


def add_user(store: Store, *, actor: Actor, values: Mapping[str, object]) -> dict[str, Any]:
    """Add a user (head only); ``role`` defaults to ``manager``. The new user logs in once a password is set."""
    _ensure_head(actor, "add users")
    row = {"role": "manager", "active": True, **_clean(values, new=True)}
    m = schema.managers
    with store.begin() as conn:
        taken = conn.execute(
            sa.select(m.c.manager_id).where(sa.func.lower(m.c.manager_id) == str(row["manager_id"]).lower())
        ).first()
        if taken is not None:
            raise ConflictError(f"There is already a user {taken.manager_id}; choose another manager id.")
        conn.execute(sa.insert(m).values(**row))
    return get_user(store, actor=actor, manager_id=str(row["manager_id"]))


def update_user(
    store: Store, *, actor: Actor, manager_id: str, changes: Mapping[str, object]
) -> dict[str, Any]:
    """Change a user's name, e-mail, role or active flag (head only; the head cannot demote or deactivate
    themselves, so the base always keeps someone who manages it)."""
    _ensure_head(actor, "change users")
    cleaned = _clean(changes, new=False)
    if "manager_id" in cleaned:
        raise ValidationError(
            [Problem("managers", None, "manager_id", manager_id, "read_only: ids are not edited")]
        )
    if manager_id == actor.manager_id and (
        cleaned.get("role", "head") != "head" or cleaned.get("active") is False
    ):
        raise PermissionDeniedError(
            "The head cannot demote or deactivate themselves; make another user head first."
        )
    m = schema.managers
    with store.begin() as conn:
        found = conn.execute(sa.select(m.c.manager_id).where(m.c.manager_id == manager_id)).first()
        if found is None:
            raise NotFoundError(f"No user {manager_id!r}.")
        if cleaned:
            conn.execute(sa.update(m).where(m.c.manager_id == manager_id).values(**cleaned))
        if cleaned.get("active") is False:
            end_sessions_of(conn, manager_id)
    return get_user(store, actor=actor, manager_id=manager_id)


def _write_hash(conn: sa.Connection, manager_id: str, password: str, set_by: str) -> None:
    uc = schema.user_credentials
    values = {"password_hash": hash_password(password), "password_set_at": utc_now(), "set_by": set_by}
    exists = conn.execute(sa.select(uc.c.manager_id).where(uc.c.manager_id == manager_id)).first()
    if exists is None:
        conn.execute(sa.insert(uc).values(manager_id=manager_id, **values))
    else:
        conn.execute(sa.update(uc).where(uc.c.manager_id == manager_id).values(**values))


def set_password(
    store: Store,
    *,
    actor: Actor | None,
    manager_id: str,
    password: str,
    current_password: str | None = None,
    keep_session: str | None = None,
) -> None:
    """Set ``manager_id``'s password: the user themselves (with ``current_password``), the head for anyone, or
    the operator at the server's console (``actor=None``: ``clientbase user set-password``). Ends the user's
    other sessions and login tokens.
    """
    if actor is not None and actor.manager_id != manager_id:
        _ensure_head(actor, f"set {manager_id}'s password")
    check_strength(password)
    uc, m = schema.user_credentials, schema.managers
    with store.begin() as conn:
        if conn.execute(sa.select(m.c.manager_id).where(m.c.manager_id == manager_id)).first() is None:
            raise NotFoundError(f"No user {manager_id!r}; `clientbase user list` shows who there is.")
        if actor is not None and actor.manager_id == manager_id:
            stored = conn.execute(sa.select(uc.c.password_hash).where(uc.c.manager_id == manager_id)).scalar()
            if not verify_password(current_password or "", stored):
                raise AuthenticationError("The current password is wrong; nothing was changed.")
        _write_hash(conn, manager_id, password, actor.manager_id if actor else "console")
        end_sessions_of(conn, manager_id, keep=keep_session)


def first_start_password(store: Store) -> tuple[str, str] | None:
    """On a base where no user has a password yet: a random password for the first active head (by manager
    id), stored only as its hash; returns ``(manager_id, password)`` to show once, else ``None``."""
    m, uc = schema.managers, schema.user_credentials
    with store.begin() as conn:
        if conn.execute(sa.select(uc.c.manager_id).where(uc.c.password_hash.is_not(None)).limit(1)).first():
            return None
        head = conn.execute(
            sa.select(m.c.manager_id)
            .where(m.c.role == "head", sa.func.coalesce(m.c.active, True).is_(True))
            .order_by(m.c.manager_id)
            .limit(1)
        ).scalar()
        if head is None:
            return None
        password = random_password()
        _write_hash(conn, head, password, "first start")
        return head, password
