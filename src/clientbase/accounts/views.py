"""Saved views of the list pages, per user: a name and the query string of filters, sort and columns."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa

from clientbase import schema
from clientbase.errors import NotFoundError, Problem, ValidationError
from clientbase.registry.access import Actor
from clientbase.registry.history import utc_now
from clientbase.store import Store

#: parameters a view does not keep (the page it was on, the token of the form that saved it)
NOT_SAVED = ("offset", "csrf_token", "view_name", "done")


def clean_query(query: str) -> str:
    """``query`` without the parameters a view does not keep.

    Example:
        >>> clean_query("status=lapsed&offset=50&sort=-net_revenue")
        'status=lapsed&sort=-net_revenue'
    """
    return urlencode([(k, v) for k, v in parse_qsl(query, keep_blank_values=False) if k not in NOT_SAVED])


def save_view(store: Store, *, actor: Actor, page: str, name: str, query: str) -> dict[str, Any]:
    """Save (or replace, by name) a view of ``page`` for ``actor``."""
    label = " ".join(name.split())
    if not label or len(label) > 100:
        raise ValidationError(
            [
                Problem(
                    "saved view",
                    None,
                    "view_name",
                    name,
                    "required: give the view a name of at most 100 characters",
                )
            ]
        )
    sv = schema.saved_views
    row = {
        "view_id": uuid.uuid4().hex,
        "manager_id": actor.manager_id,
        "page": page,
        "name": label,
        "query": clean_query(query)[:2000],
        "created_at": utc_now(),
    }
    with store.begin() as conn:
        conn.execute(
            sa.delete(sv).where(sv.c.manager_id == actor.manager_id, sv.c.page == page, sv.c.name == label)
        )
        conn.execute(sa.insert(sv).values(**row))
    return row


def list_views(store: Store, *, actor: Actor, page: str) -> list[dict[str, Any]]:
    """``actor``'s saved views of ``page``, by name."""
    sv = schema.saved_views
    with store.begin() as conn:
        rows = conn.execute(
            sa.select(sv).where(sv.c.manager_id == actor.manager_id, sv.c.page == page).order_by(sv.c.name)
        )
        return [dict(r._mapping) for r in rows]


def delete_view(store: Store, *, actor: Actor, view_id: str) -> None:
    """Delete one of ``actor``'s own views (another user's view answers not found)."""
    sv = schema.saved_views
    with store.begin() as conn:
        gone = conn.execute(
            sa.delete(sv)
            .where(sv.c.view_id == view_id, sv.c.manager_id == actor.manager_id)
            .returning(sv.c.view_id)
        ).fetchall()
    if not gone:
        raise NotFoundError(f"No saved view {view_id!r} of {actor.manager_id}.")
