"""The interactive API documentation (Swagger UI from the vendored bundle, no CDN, no inline script)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from clientbase.web.navigation import NavItem
from clientbase.web.rendering import render

router = APIRouter(include_in_schema=False)
NAV = (NavItem("API", "/docs", order=95),)


@router.get("/docs")
def swagger(request: Request) -> Response:
    return render(request, "docs/swagger.html")
