"""``POST /api/v1/auth/token``: the OAuth2 password flow (user name = manager id) gives a bearer token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from clientbase.accounts import sessions
from clientbase.accounts.login import authenticate
from clientbase.web.api.models import ERRORS, Token
from clientbase.web.deps import StoreDep

router = APIRouter(tags=["auth"])


@router.post(
    "/auth/token",
    response_model=Token,
    responses={
        401: ERRORS[401],
        422: ERRORS[422],
        429: {"description": "Too many failed log-ins; see Retry-After"},
    },
)
def token(store: StoreDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> dict[str, Any]:
    """Log in with ``username`` (your manager id) and ``password``; the token lasts 12 hours.

    Send it as ``Authorization: Bearer <access_token>``. For scripts that run unattended, the server's
    operator makes a lasting token with ``clientbase user token MANAGER_ID``.
    """
    actor = authenticate(store, username=form.username, password=form.password)
    return sessions.issue_token(store, manager_id=actor.manager_id, kind="login")
