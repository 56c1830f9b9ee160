"""The ``Annotated`` dependencies routes declare: the store, the current user, the settings.

``UserDep`` is the one authentication path for pages and API alike: a bearer token
(``Authorization: Bearer ...``) or the session cookie; for the cookie, a state-changing request must also
pass the CSRF check (:mod:`clientbase.web.security`). No credentials raise
:class:`~clientbase.accounts.errors.AuthenticationError`: the API answers 401, a page redirects to the log-in.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from clientbase.accounts import sessions
from clientbase.accounts.errors import AuthenticationError
from clientbase.accounts.sessions import Identity
from clientbase.store import Store
from clientbase.web.security import SESSION_COOKIE, check_csrf
from clientbase.web.settings import WebSettings


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_settings(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[WebSettings, Depends(get_settings)]


#: the bearer token of the API; declared so the OpenAPI document (and Swagger UI's Authorize) describe it
bearer_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
BearerDep = Annotated[str | None, Depends(bearer_scheme)]


def optional_user(store: StoreDep, token: BearerDep, request: Request) -> Identity | None:
    """The user of a valid session cookie or bearer token, or ``None`` (no CSRF check: for safe pages)."""
    if token:
        return sessions.resolve_token(store, token)
    cookie = request.cookies.get(SESSION_COOKIE)
    return sessions.resolve_session(store, cookie) if cookie else None


async def current_user(request: Request, store: StoreDep, token: BearerDep) -> Identity:
    """The authenticated user; a cookie-authenticated state-changing request must carry its CSRF token."""
    user = optional_user(store, token, request)
    if user is None:
        raise AuthenticationError(
            "Log in first: the API takes a bearer token from POST /api/v1/auth/token "
            "(Authorization: Bearer <token>); the pages start at /login."
        )
    if user.via == "session":
        await check_csrf(request, user.csrf_token)
    request.state.user = user
    return user


OptionalUserDep = Annotated[Identity | None, Depends(optional_user)]
UserDep = Annotated[Identity, Depends(current_user)]
