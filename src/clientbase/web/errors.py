"""The one place library errors become HTTP: status codes, JSON bodies for the API, pages for people.

``ValidationError`` 422 with ``{"errors": [{"field", "value", "reason"}]}``; ``NotFoundError`` 404;
``ConflictError`` 409 (a stale save also lists the change it missed); ``PermissionDeniedError`` 403;
``AuthenticationError`` 401 (a page redirects to the log-in instead); ``LoginThrottledError`` 429 with
``Retry-After``; ``ConfigurationError`` 400; other ``ClientbaseError`` 503. FastAPI's own request validation
answers in the same shape as ``ValidationError``. Anything else is logged and answers a plain 500 without a
trace. Every body has a ``detail`` that says what went wrong and how to fix it.

A :class:`~clientbase.analytics.period.PeriodError` is worded here in the web's terms, not the CLI's: its
inputs by their query parameters (``from``, ``to``, ``as_of``, ``compare_from``, ``compare_to``), and a base
without order lines says to import sales first (the Decide routes take no period: nothing to give there).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from clientbase.accounts.errors import AuthenticationError, LoginThrottledError
from clientbase.analytics.period import PeriodError
from clientbase.decisions.overview import PERIOD_PARAMETERS
from clientbase.errors import (
    ClientbaseError,
    ConfigurationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from clientbase.web.rendering import render

log = logging.getLogger(__name__)

#: most specific first
STATUS: tuple[tuple[type[ClientbaseError], int], ...] = (
    (ValidationError, 422),
    (NotFoundError, 404),
    (ConflictError, 409),
    (LoginThrottledError, 429),
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (ConfigurationError, 400),
)
TITLES = {
    400: "Bad request",
    401: "Log in first",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Changed by someone else",
    422: "Please correct the input",
    429: "Too many attempts",
    500: "Something went wrong",
    503: "The database could not answer",
}


def status_of(exc: ClientbaseError) -> int:
    return next((code for kind, code in STATUS if isinstance(exc, kind)), 503)


def field_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """The problems of ``exc`` as ``[{"field", "value", "reason"}]``."""
    return [{"field": p.column, "value": p.value, "reason": p.rule} for p in exc.problems]


def period_detail(exc: PeriodError) -> str:
    """``exc`` worded for the web: its inputs by their query parameters; without order lines, import sales."""
    if exc.no_sales:
        return (
            "There are no order lines in the base yet, so there is no period to analyse or decide on: import "
            "sales first (a transaction file of order lines, docs/data-format.md)."
        )
    return exc.worded({key: f"`{name}`" for key, name in PERIOD_PARAMETERS.items()})


def body_of(exc: ClientbaseError) -> dict[str, Any]:
    body: dict[str, Any] = {"detail": period_detail(exc) if isinstance(exc, PeriodError) else str(exc)}
    if isinstance(exc, ValidationError):
        body["errors"] = field_errors(exc)
    missed = getattr(exc, "missed", None)
    if missed is not None:
        body["current_version"] = exc.current_version  # type: ignore[attr-defined]
        body["missed"] = [
            {k: h.get(k) for k in ("field_name", "old_value", "new_value", "changed_by", "source")}
            | {"changed_at": h["changed_at"].isoformat() if h.get("changed_at") else None}
            for h in missed
        ]
    return body


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


def _respond(
    request: Request, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Response:
    if wants_json(request):
        return JSONResponse(body, status_code=status, headers=headers)
    context = {"status": status, "title": TITLES.get(status, "Error"), "body": body}
    template = "errors/_error.html" if request.headers.get("hx-request") else "errors/error.html"
    return render(request, template, context, status_code=status, headers=headers)


async def on_clientbase_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ClientbaseError)
    status = status_of(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, LoginThrottledError):
        headers["Retry-After"] = str(exc.retry_after)
    elif status == 401 and wants_json(request):
        headers["WWW-Authenticate"] = "Bearer"
    elif status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": f"/login?next={quote(target)}"})
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    if status >= 500:
        log.error("%s on %s %s: %s", type(exc).__name__, request.method, request.url.path, exc)
    return _respond(request, status, body_of(exc), headers)


async def on_request_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for error in exc.errors():
        location = [
            str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "form")
        ]
        value = error.get("input")
        errors.append(
            {
                "field": ".".join(location) or None,
                "value": None if value is None or isinstance(value, dict | list) else str(value)[:200],
                "reason": str(error.get("msg", "invalid")),
            }
        )
    shown = "; ".join(f"{e['field']}: {e['reason']}" for e in errors[:5])
    body = {
        "detail": f"The request does not fit the API's description ({shown}); see /docs.",
        "errors": errors,
    }
    return _respond(request, 422, body)


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "Error")
    if exc.status_code == 404:
        detail = f"There is no page or API route {request.url.path}; the API is described at /docs."
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}; see /docs for the methods."
    return _respond(request, exc.status_code, {"detail": detail}, dict(exc.headers or {}))


async def on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    body = {
        "detail": "The server hit an unexpected error and logged it; try again, or tell the administrator."
    }
    return _respond(request, 500, body)


async def on_computing(request: Request, exc: Exception) -> Response:
    """A long computation not done yet (:class:`clientbase.web.computed.Computing`): 202, ask again."""
    return JSONResponse({"detail": str(exc)}, status_code=202, headers={"Retry-After": "5"})


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    from clientbase.web.computed import Computing

    app.add_exception_handler(Computing, on_computing)
    app.add_exception_handler(ClientbaseError, on_clientbase_error)
    app.add_exception_handler(RequestValidationError, on_request_validation)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
