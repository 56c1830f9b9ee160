"""Log in, log out, change your own password."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from clientbase.accounts import sessions, users
from clientbase.accounts.errors import AuthenticationError, LoginThrottledError
from clientbase.accounts.login import authenticate
from clientbase.errors import ValidationError
from clientbase.web.deps import OptionalUserDep, SettingsDep, StoreDep, UserDep
from clientbase.web.forms import errors_by_field
from clientbase.web.navigation import NavItem
from clientbase.web.rendering import render
from clientbase.web.security import ANON_CSRF_COOKIE, SESSION_COOKIE, CsrfError, set_cookie

router = APIRouter(include_in_schema=False)
NAV: tuple[NavItem, ...] = ()


def safe_next(target: str | None) -> str:
    """Where to go after log-in: a path of this site only (never another host)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/customers"


@router.get("/login")
def login_page(request: Request, user: OptionalUserDep, next: str = "/customers", out: str = "") -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    message = "You are logged out." if out else ""
    return render(
        request, "auth/login.html", {"next": safe_next(next), "username": "", "message": message, "ok": True}
    )


@router.post("/login")
def login(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/customers",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    expected = request.cookies.get(ANON_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(csrf_token, expected):
        raise CsrfError(
            "The log-in form's security token is missing or out of date: reload the page and log in again."
        )
    context = {"next": safe_next(next), "username": username, "ok": False}
    try:
        actor = authenticate(store, username=username, password=password)
    except LoginThrottledError as exc:
        return render(
            request,
            "auth/login.html",
            {**context, "message": str(exc)},
            status_code=429,
            headers={"Retry-After": str(exc.retry_after)},
        )
    except AuthenticationError as exc:
        return render(request, "auth/login.html", {**context, "message": str(exc)}, status_code=401)
    secret, _ = sessions.create_session(
        store, manager_id=actor.manager_id, user_agent=request.headers.get("user-agent")
    )
    response = RedirectResponse(safe_next(next), status_code=303)
    set_cookie(response, request, SESSION_COOKIE, secret, settings.secure_cookies)  # a new session: rotated
    response.delete_cookie(ANON_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, store: StoreDep, user: UserDep) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        sessions.end_session(store, cookie)
    response = RedirectResponse("/login?out=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account/password")
def password_page(request: Request, user: UserDep, saved: str = "") -> Response:
    return render(request, "auth/password.html", {"errors": {}, "saved": bool(saved), "message": ""})


@router.post("/account/password")
def change_password(
    request: Request,
    store: StoreDep,
    user: UserDep,
    current_password: Annotated[str, Form(max_length=1000)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    repeat: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    errors: dict[str, list[str]] = {}
    message = ""
    if password != repeat:
        errors["repeat"] = ["The two new passwords differ; type the same one twice."]
    else:
        try:
            users.set_password(
                store,
                actor=user.actor,
                manager_id=user.actor.manager_id,
                password=password,
                current_password=current_password,
                keep_session=user.session_hash,
            )
            return RedirectResponse("/account/password?saved=1", status_code=303)
        except ValidationError as exc:
            errors = errors_by_field(exc)
        except AuthenticationError as exc:
            errors["current_password"] = [str(exc)]
    status = 422 if errors or message else 200
    return render(
        request,
        "auth/password.html",
        {"errors": errors, "saved": False, "message": message},
        status_code=status,
    )
