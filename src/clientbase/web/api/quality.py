"""``GET /api/v1/quality``: the data-quality audit as the user may see it, the document of
``clientbase quality --json`` (with ``--as`` the user)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from clientbase.quality.service import quality_overview
from clientbase.web import reports
from clientbase.web.api.analysis import json_response
from clientbase.web.api.models import ERRORS
from clientbase.web.deps import StoreDep, UserDep

router = APIRouter(tags=["quality"], responses={k: ERRORS[k] for k in (400, 401, 422)})


@router.get("/quality")
def quality(
    request: Request,
    store: StoreDep,
    user: UserDep,
    as_of: Annotated[dt.date | None, Query(description="Day the audit looks from (default: today)")] = None,
) -> Response:
    """Scores overall, per manager and per field, the fix-first lists and the trend from the snapshots.

    The head and analysts see the whole base; a manager their own records (``scope`` says which)."""
    report = reports.quality_report(request, store) if as_of is None else None
    return json_response(quality_overview(store, actor=user.actor, as_of=as_of, report=report).as_dict())
