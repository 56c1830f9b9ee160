"""Templates (Jinja2, autoescape on) and the one ``render`` every page calls.

The layout (``layout/base.html``) gets the user, the navigation their role may see, and the CSRF token for the
page's forms and HTMX requests; on a page shown before log-in the token is the ``cb_csrf`` cookie's, set here.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from clientbase.web import formatting
from clientbase.web.security import ANON_CSRF_COOKIE, anonymous_csrf, set_cookie

TEMPLATES = Path(__file__).with_name("templates")


@cache
def templates() -> Jinja2Templates:
    engine = Jinja2Templates(directory=str(TEMPLATES))
    env = engine.env
    env.autoescape = True
    env.filters.update(
        money=formatting.money,
        number=formatting.number,
        percent=formatting.percent,
        when=formatting.when,
        cell=formatting.cell,
        as_input=formatting.as_input,
    )
    return engine


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render ``template`` with ``context`` plus the user, navigation and CSRF token of the request."""
    user = getattr(request.state, "user", None)
    new_cookie = None
    if user is not None and user.csrf_token:
        csrf = user.csrf_token
    else:
        csrf, is_new = anonymous_csrf(request)
        new_cookie = csrf if is_new else None
    nav = [
        item for item in request.app.state.navigation if user is not None and item.shown_to(user.actor.role)
    ]
    full = {
        "request": request,
        "user": user,
        "nav": nav,
        "csrf_token": csrf,
        "path": request.url.path,
        "app_title": request.app.state.settings.title,
        **(context or {}),
    }
    response = templates().TemplateResponse(request, template, full, status_code=status_code, headers=headers)
    if new_cookie is not None:
        set_cookie(response, request, ANON_CSRF_COOKIE, new_cookie, request.app.state.settings.secure_cookies)
    return response
