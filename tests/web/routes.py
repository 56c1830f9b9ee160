"""The app's routes as the tests see them: every (method, path) from the route table, so a new route cannot
be left out of the role matrix or the CSRF and CSP checks."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

#: routes anyone may call without logging in
PUBLIC = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/api/v1/auth/token"),
    ("GET", "/docs"),
    ("GET", "/openapi.json"),
}


def app_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) the app serves (HEAD and the static files aside), sorted."""
    out = set()
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute) and context.path != "/openapi.json":
            continue
        for method in context.methods or ():
            if method != "HEAD":
                out.add((method, context.path))
    return sorted(out)
