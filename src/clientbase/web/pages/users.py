"""User management for the head: add a user, change a role, deactivate or reactivate, set a password."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from clientbase import schema
from clientbase.accounts import users
from clientbase.errors import PermissionDeniedError, ValidationError
from clientbase.web.deps import StoreDep, UserDep
from clientbase.web.forms import errors_by_field
from clientbase.web.navigation import NavItem
from clientbase.web.rendering import render

router = APIRouter(include_in_schema=False)
NAV = (NavItem("Users", "/users", roles=("head",), order=90),)


def _ensure_head(user: UserDep) -> None:
    if user.actor.role != "head":
        raise PermissionDeniedError(
            f"{user.actor.manager_id} ({user.actor.role}) may not manage users: only the head does."
        )


def _page(
    request: Request,
    store: StoreDep,
    user: UserDep,
    *,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, Any] | None = None,
    done: str = "",
    status_code: int = 200,
) -> Response:
    context = {
        "users": users.list_users(store, actor=user.actor),
        "roles": schema.MANAGER_ROLES,
        "errors": errors or {},
        "values": values or {},
        "done": done,
    }
    return render(request, "users/list.html", context, status_code=status_code)


@router.get("/users")
def user_list(request: Request, store: StoreDep, user: UserDep, done: str = "") -> Response:
    _ensure_head(user)
    return _page(request, store, user, done=done)


@router.post("/users")
def add_user(
    request: Request,
    store: StoreDep,
    user: UserDep,
    manager_id: Annotated[str, Form(max_length=64)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    email: Annotated[str, Form(max_length=320)] = "",
    role: Annotated[str, Form(max_length=16)] = "manager",
    password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    _ensure_head(user)
    values = {"manager_id": manager_id, "name": name, "email": email or None, "role": role}
    try:
        users.add_user(store, actor=user.actor, values=values)
        if password:
            users.set_password(store, actor=user.actor, manager_id=manager_id.strip(), password=password)
    except ValidationError as exc:
        return _page(request, store, user, errors=errors_by_field(exc), values=values, status_code=422)
    return RedirectResponse(f"/users?done=Added+{manager_id.strip()}", status_code=303)


@router.post("/users/{manager_id}")
def change_user(
    request: Request,
    store: StoreDep,
    user: UserDep,
    manager_id: str,
    role: Annotated[str | None, Form(max_length=16)] = None,
    active: Annotated[str | None, Form(max_length=8)] = None,
) -> Response:
    changes: dict[str, object] = {}
    if role:
        changes["role"] = role
    if active in ("true", "false"):
        changes["active"] = active == "true"
    users.update_user(store, actor=user.actor, manager_id=manager_id, changes=changes)
    return RedirectResponse(f"/users?done=Changed+{manager_id}", status_code=303)


@router.post("/users/{manager_id}/password")
def set_user_password(
    request: Request,
    store: StoreDep,
    user: UserDep,
    manager_id: str,
    password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    _ensure_head(user)
    try:
        users.set_password(store, actor=user.actor, manager_id=manager_id, password=password)
    except ValidationError as exc:
        return _page(
            request,
            store,
            user,
            errors={f"password-{manager_id}": errors_by_field(exc).get("password", [])},
            status_code=422,
        )
    return RedirectResponse(f"/users?done=Set+the+password+of+{manager_id}", status_code=303)
