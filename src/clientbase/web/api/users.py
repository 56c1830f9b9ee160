"""Users: who you are, the list of users, and the head's user management; password changes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from clientbase.accounts import users
from clientbase.web.api.models import ERRORS, PasswordChange, User, UserChange, UserCreate
from clientbase.web.deps import StoreDep, UserDep

router = APIRouter(tags=["users"], responses={k: ERRORS[k] for k in (400, 401, 403, 404, 422)})


def _public(user: dict[str, Any]) -> dict[str, Any]:
    return {k: user.get(k) for k in ("manager_id", "name", "email", "role", "active", "has_password")}


@router.get("/me", response_model=User)
def me(store: StoreDep, user: UserDep) -> dict[str, Any]:
    """The user the token or session acts as."""
    return _public(users.get_user(store, actor=user.actor, manager_id=user.actor.manager_id))


@router.get("/users", response_model=list[User])
def list_users(store: StoreDep, user: UserDep) -> list[dict[str, Any]]:
    """Every user (the managers table), by id."""
    return [_public(u) for u in users.list_users(store, actor=user.actor)]


@router.post("/users", response_model=User, status_code=201, responses={409: ERRORS[409]})
def add_user(store: StoreDep, user: UserDep, body: UserCreate) -> dict[str, Any]:
    """Add a user (the head only); set their password next."""
    return _public(users.add_user(store, actor=user.actor, values=body.model_dump(exclude_none=True)))


@router.patch("/users/{manager_id}", response_model=User)
def change_user(store: StoreDep, user: UserDep, manager_id: str, body: UserChange) -> dict[str, Any]:
    """Change a user's name, e-mail, role or active flag (the head only; deactivating logs them out)."""
    return _public(
        users.update_user(
            store, actor=user.actor, manager_id=manager_id, changes=body.model_dump(exclude_unset=True)
        )
    )


@router.post("/users/{manager_id}/password", status_code=204, response_class=Response)
def set_password(
    request: Request, store: StoreDep, user: UserDep, manager_id: str, body: PasswordChange
) -> Response:
    """Set a password: your own (give ``current_password``) or, for the head, anyone's. Ends the user's other
    sessions and login tokens."""
    users.set_password(
        store,
        actor=user.actor,
        manager_id=manager_id,
        password=body.password,
        current_password=body.current_password,
        keep_session=user.session_hash,
    )
    return Response(status_code=204)
