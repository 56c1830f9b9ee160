"""Web sessions and API tokens: random secrets handed to the client, only their SHA-256 kept in the store.

A session is created at log-in (a new one every time, so a cookie set before log-in is never promoted: the
session is rotated) and carries its own CSRF token; it ends at log-out, when it has not been used for
:data:`SESSION_IDLE`, or when its user is deactivated. An API token is ``login`` (issued by
``POST /api/v1/auth/token``, lives :data:`LOGIN_TOKEN_LIFETIME`) or ``script`` (``clientbase user token``,
lives until revoked). Resolving either checks that the user is still active and gives the
:class:`~clientbase.registry.access.Actor` with the user's current role.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from clientbase import schema
from clientbase.accounts.errors import AuthenticationError
from clientbase.registry.access import Actor
from clientbase.registry.history import utc_now
from clientbase.store import Store

SESSION_IDLE = dt.timedelta(hours=12)
LOGIN_TOKEN_LIFETIME = dt.timedelta(hours=12)
#: last-seen times are written at most this often (a write per request would serialise the readers)
TOUCH_EVERY = dt.timedelta(minutes=1)
TOKEN_PREFIX = "cb_"


@dataclass(frozen=True)
class Identity:
    """Who is asking: the actor, their name, and how they proved it (``session`` or ``token``)."""

    actor: Actor
    name: str
    via: str
    #: the session's CSRF token (``None`` for a bearer token: no cookie, no cross-site forgery)
    csrf_token: str | None = None
    session_hash: str | None = None


def digest(secret: str) -> str:
    """The SHA-256 of a session or token secret, as stored.

    Example:
        >>> len(digest("abc"))
        64
    """
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _active_user(conn: sa.Connection, manager_id: str) -> tuple[Actor, str] | None:
    m = schema.managers
    row = conn.execute(sa.select(m.c.role, m.c.active, m.c.name).where(m.c.manager_id == manager_id)).first()
    if row is None or row.active is False or row.role not in schema.MANAGER_ROLES:
        return None
    return Actor(manager_id, row.role), str(row.name or manager_id)


def create_session(store: Store, *, manager_id: str, user_agent: str | None = None) -> tuple[str, str]:
    """Start a session for ``manager_id``; returns ``(cookie value, CSRF token)``."""
    secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = utc_now()
    with store.begin() as conn:
        conn.execute(
            sa.insert(schema.web_sessions).values(
                session_hash=digest(secret),
                manager_id=manager_id,
                csrf_token=csrf,
                created_at=now,
                last_seen_at=now,
                expires_at=now + SESSION_IDLE,
                user_agent=(user_agent or "")[:300] or None,
            )
        )
    return secret, csrf


def resolve_session(store: Store, secret: str) -> Identity | None:
    """The identity of a session cookie, or ``None`` when it is unknown, expired or its user inactive."""
    ws = schema.web_sessions
    key = digest(secret)
    now = utc_now()
    with store.begin() as conn:
        row = conn.execute(sa.select(ws).where(ws.c.session_hash == key)).first()
        if row is None or row.expires_at <= now:
            return None
        user = _active_user(conn, row.manager_id)
        if user is None:
            return None
        if row.last_seen_at is None or now - row.last_seen_at >= TOUCH_EVERY:
            conn.execute(
                sa.update(ws)
                .where(ws.c.session_hash == key)
                .values(last_seen_at=now, expires_at=now + SESSION_IDLE)
            )
    return Identity(user[0], user[1], "session", csrf_token=row.csrf_token, session_hash=key)


def end_session(store: Store, secret: str) -> None:
    """Log out: forget the session (a no-op for an unknown cookie)."""
    with store.begin() as conn:
        conn.execute(
            sa.delete(schema.web_sessions).where(schema.web_sessions.c.session_hash == digest(secret))
        )


def end_sessions_of(conn: sa.Connection, manager_id: str, *, keep: str | None = None) -> None:
    """End every session of ``manager_id`` (but the one hashed ``keep``): after a password change or
    deactivation nobody stays logged in with the old credentials."""
    ws = schema.web_sessions
    query = sa.delete(ws).where(ws.c.manager_id == manager_id)
    if keep is not None:
        query = query.where(ws.c.session_hash != keep)
    conn.execute(query)
    conn.execute(
        sa.update(schema.api_tokens)
        .where(schema.api_tokens.c.manager_id == manager_id, schema.api_tokens.c.kind == "login")
        .values(revoked_at=utc_now())
    )


def issue_token(
    store: Store, *, manager_id: str, kind: str = "login", name: str | None = None
) -> dict[str, Any]:
    """A new bearer token for ``manager_id``: ``{"access_token", "token_type", "expires_at", ...}``.

    The token itself is returned once and never stored; keep it where scripts can read it.
    """
    if kind not in schema.TOKEN_KINDS:
        raise ValueError(f"unknown token kind {kind!r}")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utc_now()
    expires = now + LOGIN_TOKEN_LIFETIME if kind == "login" else None
    with store.begin() as conn:
        conn.execute(
            sa.insert(schema.api_tokens).values(
                token_hash=digest(secret),
                token_prefix=secret[:10],
                manager_id=manager_id,
                kind=kind,
                name=name,
                created_at=now,
                expires_at=expires,
            )
        )
    return {
        "access_token": secret,
        "token_type": "bearer",
        "expires_at": None if expires is None else expires.isoformat() + "Z",
        "manager_id": manager_id,
        "kind": kind,
    }


def resolve_token(store: Store, secret: str) -> Identity:
    """The identity of a bearer token.

    Raises:
        AuthenticationError: unknown, expired or revoked token, or an inactive user.
    """
    at = schema.api_tokens
    key = digest(secret)
    now = utc_now()
    with store.begin() as conn:
        row = conn.execute(sa.select(at).where(at.c.token_hash == key)).first()
        if (
            row is None
            or row.revoked_at is not None
            or (row.expires_at is not None and row.expires_at <= now)
        ):
            raise AuthenticationError(
                "The bearer token is unknown, expired or revoked: get a new one from POST /api/v1/auth/token "
                "or `clientbase user token MANAGER_ID`."
            )
        user = _active_user(conn, row.manager_id)
        if user is None:
            raise AuthenticationError(f"User {row.manager_id} is no longer active; their tokens do not work.")
        if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
            conn.execute(sa.update(at).where(at.c.token_hash == key).values(last_used_at=now))
    return Identity(user[0], user[1], "token")


def revoke_token(store: Store, *, manager_id: str, prefix: str) -> int:
    """Revoke the tokens of ``manager_id`` whose shown prefix is ``prefix``; returns how many."""
    at = schema.api_tokens
    with store.begin() as conn:
        result = conn.execute(
            sa.update(at)
            .where(at.c.manager_id == manager_id, at.c.token_prefix == prefix, at.c.revoked_at.is_(None))
            .values(revoked_at=utc_now())
            .returning(at.c.token_hash)
        )
        return len(result.fetchall())
