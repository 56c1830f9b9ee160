"""Forming the base: the acquisition cohorts (``clientbase acquisition --json``), the prospects worth
winning with the validation and the profile (``clientbase targets --json``), the "work this list" file, and
one record's score. The models are fitted once per data fingerprint and kept
(:mod:`clientbase.web.computed`)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from clientbase.targeting import service
from clientbase.targeting.export import write_list
from clientbase.web import computed
from clientbase.web.api.analysis import json_response
from clientbase.web.api.models import ERRORS
from clientbase.web.deps import StoreDep, UserDep

router = APIRouter(tags=["targeting"], responses={k: ERRORS[k] for k in (202, 400, 401, 403, 404, 422)})

Owner = Annotated[
    str | None, Query(max_length=64, pattern=r"^[^\x00]*$", description="Only this owner's prospects")
]
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.get("/acquisition")
def acquisition(
    request: Request,
    user: UserDep,
    as_of: Annotated[dt.date | None, Query(description="Last day of data (default: the latest)")] = None,
    since: Annotated[dt.date | None, Query(description="First creation day counted")] = None,
) -> Response:
    """Acquisition in profit: cohorts by channel, mode and month, targeted against spontaneous per channel,
    the campaigns (company figures every role reads)."""
    return json_response(
        computed.ready(computed.acquisition(request, user, as_of=as_of, since=since, wait=computed.API_WAIT))
    )


@router.get("/targets")
def targets(
    request: Request,
    user: UserDep,
    owner: Owner = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> Response:
    """The open prospects you may see (a manager: their own), ranked by expected value, with P(convert),
    the expected 12-month net contribution if won, the cost to win and the factors; the validation and
    the profile beside them."""
    document = computed.ready(computed.targets(request, user, wait=computed.API_WAIT))
    return json_response(service.narrow(document, actor=user.actor, owner=owner, limit=limit, offset=offset))


@router.get("/targets/validation")
def validation(request: Request, user: UserDep) -> Response:
    """The time-split validation of the prospect models (AUC, Brier, calibration, lift, profit captured)
    and the fields each model kept."""
    document = computed.ready(computed.targets(request, user, wait=computed.API_WAIT))
    keys = ("as_of", "method", "reason", "horizon_days", "validation", "fields")
    return json_response({k: document[k] for k in keys})


@router.get("/targets/profile")
def profile(request: Request, user: UserDep) -> Response:
    """The profile of customers worth winning, in words and numbers, best first."""
    document = computed.ready(computed.targets(request, user, wait=computed.API_WAIT))
    return json_response({k: document[k] for k in ("as_of", "method", "currency", "profile")})


@router.get("/targets/export.{fmt}", response_class=FileResponse)
def export(
    request: Request, store: StoreDep, user: UserDep, fmt: Literal["csv", "xlsx"], owner: Owner = None
) -> Response:
    """The ranked prospects you may see as a file to work a campaign from (phone, e-mail, city, the
    scores and the factors for and against)."""
    return export_file(request, store, user, fmt, owner)


def export_file(request: Request, store: StoreDep, user: UserDep, fmt: str, owner: str | None) -> Response:
    """The "work this list" file of the kept targets document (:func:`clientbase.targeting.export.write_list`)."""
    document = service.narrow(
        computed.ready(computed.targets(request, user, wait=computed.API_WAIT)), actor=user.actor, owner=owner
    )
    folder = Path(tempfile.mkdtemp(prefix="clientbase-targets-"))
    path = folder / f"prospects.{fmt}"
    write_list(store, document, path)

    def cleanup() -> None:
        path.unlink(missing_ok=True)
        folder.rmdir()

    name = f"prospects-{document['owner'] or 'all'}.{fmt}"
    return FileResponse(path, media_type=MEDIA[fmt], filename=name, background=BackgroundTask(cleanup))


@router.get("/counterparties/{counterparty_id}/score")
def score(request: Request, store: StoreDep, user: UserDep, counterparty_id: str) -> Response:
    """A record's score and factors (``{"score": null}`` when it is not an open prospect)."""
    card = service.prospect_card(
        store=store,
        actor=user.actor,
        counterparty_id=counterparty_id,
        document=lambda: computed.ready(computed.targets(request, user, wait=computed.API_WAIT)),
    )
    return json_response({"counterparty_id": counterparty_id, "score": card})
