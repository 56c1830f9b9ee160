"""``GET /api/v1/analysis``: the net-profit analysis, the same document as ``clientbase analyze --json``;
``/value``: customer value (as ``clientbase value --json``); ``/dashboard``: the user's dashboard."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from clientbase.decisions import customer_metrics, overview
from clientbase.errors import ValidationError
from clientbase.web.api.models import ERRORS
from clientbase.web.deps import StoreDep, UserDep

router = APIRouter(tags=["analysis"], responses={k: ERRORS[k] for k in (400, 401, 403, 422)})


def _default(value: Any) -> Any:
    # as the CLI writes it (clientbase.cli.common.print_json): decimals as numbers, dates as ISO strings
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def json_response(document: Any) -> Response:
    """A JSON response of ``document`` written as the CLI's ``--json`` writes it."""
    body = json.dumps(document, default=_default, ensure_ascii=False, separators=(",", ":"))
    return Response(content=body, media_type="application/json")


@router.get("/analysis")
def analysis(
    store: StoreDep,
    user: UserDep,
    from_: Annotated[
        dt.date | None,
        Query(alias="from", description="First day of the period (default: 12 months to the last order)"),
    ] = None,
    to: Annotated[dt.date | None, Query(description="Last day of the period")] = None,
    as_of: Annotated[
        dt.date | None,
        Query(description="Analysis date, on or after `to` (default: the latest date in the data)"),
    ] = None,
    compare_from: Annotated[
        dt.date | None, Query(description="First day of the compared period (default: the 12 months before)")
    ] = None,
    compare_to: Annotated[dt.date | None, Query(description="Last day of the compared period")] = None,
) -> Response:
    """Per-customer net profit of one period against another, the whale curve, the profit bridge, roll-ups
    and the headline (the head and analysts)."""
    choice = overview.PeriodChoice(from_, to, as_of, compare_from, compare_to)
    problems = choice.problems()
    if problems:  # said at the field (422), as the page does
        raise ValidationError(problems)
    document = customer_metrics.analysis_document(
        store,
        actor=user.actor,
        start=from_,
        end=to,
        as_of=as_of,
        compare_start=compare_from,
        compare_end=compare_to,
    )
    return json_response(document)


@router.get("/value")
def value(store: StoreDep, user: UserDep) -> Response:
    """Customer value at the materialised analysis date: every customer's RFM segment, ABC and XYZ classes, CLV,
    P(alive), expected purchases and payment discipline, the segment counts and the ABC x XYZ nine-boxes (a
    manager: their own customers)."""
    return json_response(overview.value_view(store, actor=user.actor))


@router.get("/dashboard")
def dashboard(store: StoreDep, user: UserDep) -> Response:
    """The dashboard of the user: headline (head and analysts), key figures of both periods with the bridge,
    the whale curve, and the work lists (a manager's own; the head's by manager)."""
    return json_response(overview.dashboard(store, actor=user.actor))
