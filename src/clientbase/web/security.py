"""Cookies, CSRF and the security headers: one path for pages and API alike.

* The session cookie ``cb_session`` is HttpOnly, SameSite=Lax, and Secure when the request came over https
  (or ``WebSettings.secure_cookies``); its value is a random secret whose hash the store keeps
  (:mod:`clientbase.accounts.sessions`). Log-in always starts a new session (the cookie is rotated).
* CSRF: every state-changing request that is authenticated by the cookie must carry the session's token,
  as the form field ``csrf_token`` (plain HTML forms, which work without JavaScript) or the header
  ``X-CSRF-Token`` (HTMX requests: ``static/app.js`` adds it from the page's ``<meta name="csrf-token">``).
  Before log-in, the log-in form's token is a double-submit cookie ``cb_csrf``. Requests with a bearer token
  carry no ambient credentials and need none. This is a small synchronizer-token check rather than
  starlette-csrf, which reads the token only from a header and cookie, so plain forms without JavaScript could
  not pass it.
* Every response carries a Content-Security-Policy with no ``unsafe-inline`` and no ``unsafe-eval`` (charts
  use vega-interpreter), ``X-Content-Type-Options``, ``Referrer-Policy`` and ``X-Frame-Options``.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clientbase.errors import PermissionDeniedError

SESSION_COOKIE = "cb_session"
ANON_CSRF_COOKIE = "cb_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class CsrfError(PermissionDeniedError):
    """A state-changing request without the right CSRF token."""


def is_secure(request: Request, setting: bool | None) -> bool:
    return request.url.scheme == "https" if setting is None else setting


def set_cookie(response: Response, request: Request, name: str, value: str, setting: bool | None) -> None:
    response.set_cookie(
        name, value, httponly=True, samesite="lax", secure=is_secure(request, setting), path="/"
    )


def anonymous_csrf(request: Request) -> tuple[str, bool]:
    """The log-in form's token: the ``cb_csrf`` cookie's, or a new one (``True``: set the cookie)."""
    current = request.cookies.get(ANON_CSRF_COOKIE)
    if current and len(current) >= 32:
        return current, False
    return secrets.token_urlsafe(32), True


async def submitted_token(request: Request) -> str | None:
    """The CSRF token the request carries: the header, else the form field."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # Starlette caches it: the route reads the same form
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def check_csrf(request: Request, expected: str | None) -> None:
    """Refuse a state-changing request whose token does not match ``expected``."""
    if request.method in SAFE_METHODS:
        return
    given = await submitted_token(request)
    if not expected or not given or not hmac.compare_digest(given, expected):
        raise CsrfError(
            "The form's security token is missing or out of date (CSRF check): reload the page and send it "
            "again. Scripts should use a bearer token (POST /api/v1/auth/token)."
        )


class SecurityHeaders:
    """ASGI middleware adding :data:`SECURITY_HEADERS` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in message.get("headers", [])}
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [
                    h for h in SECURITY_HEADERS if h[0] not in names
                ]
            await send(message)

        await self.app(scope, receive, with_headers)
