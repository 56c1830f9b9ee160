"""The forecast and the plan: ``GET /forecast`` (the same document as ``clientbase forecast --json``), the
plan lines (list, set one, import a CSV/XLSX file) and the plan against the forecast (``clientbase plan show
--json``). A forecast is computed once per data fingerprint and kept (:mod:`clientbase.web.computed`): the
first call for a set of options waits for it, later calls read it."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from clientbase.forecast import plan
from clientbase.forecast.service import MAX_HORIZON, ForecastOptions
from clientbase.web import computed
from clientbase.web.api.analysis import json_response
from clientbase.web.api.models import ERRORS
from clientbase.web.deps import StoreDep, UserDep

router = APIRouter(tags=["forecast"], responses={k: ERRORS[k] for k in (202, 400, 401, 403, 422)})

Measure = Literal["net_revenue", "quantity", "orders", "net_contribution"]
Level = Literal["total", "segment", "region", "owner", "acquisition_mode", "customer"]
Horizon = Annotated[int, Query(ge=1, le=MAX_HORIZON, description="Periods ahead")]
MAX_UPLOAD = 5 * 1024 * 1024


@router.get("/forecast")
def forecast(
    request: Request,
    user: UserDep,
    horizon: Horizon = 12,
    freq: Literal["month", "week"] = "month",
    measure: Measure = "net_revenue",
    level: Annotated[
        list[Level] | None,
        Query(description="Levels besides the total, repeated (default total, segment, owner)"),
    ] = None,
    as_of: Annotated[dt.date | None, Query(description="Last day of data (default: the latest)")] = None,
    views: Annotated[
        bool, Query(description="Add the customer-value view and the prospects' pipeline (months only)")
    ] = True,
) -> Response:
    """One measure forecast for the total and each level, coherent to the cent, with 80 % and 95 %
    intervals and every series' backtest (MASE, sMAPE, WAPE, bias, seasonal naive's MASE). A manager
    gets their own book."""
    levels = tuple(dict.fromkeys(["total", *(level or ["segment", "owner"])]))
    options = ForecastOptions(
        horizon=horizon, freq=freq, measure=measure, levels=levels, as_of=as_of, views=views
    )
    return json_response(
        computed.forecast_document(computed.forecast(request, user, options, wait=computed.API_WAIT))
    )


class PlanLine(BaseModel):
    """One plan line: the target of a measure in a month for an owner and a segment (``*``: all)."""

    month: str = Field(max_length=10, pattern=r"^\d{4}-\d{2}$", examples=["2026-11"])
    target: str = Field(
        max_length=32, examples=["120000.00"], description="A number >= 0, in the measure's unit"
    )
    owner_id: str = Field("*", max_length=64, examples=["M03"])
    segment: str = Field("*", max_length=200, examples=["installers"])
    measure: Measure = "net_revenue"


@router.get("/plan")
def plan_lines(store: StoreDep, user: UserDep, measure: Measure = "net_revenue") -> Response:
    """The plan lines of a measure you may see (a manager: their own)."""
    return json_response(plan.plan_lines(store=store, actor=user.actor, measure=measure))


@router.post("/plan")
def set_plan(store: StoreDep, user: UserDep, line: PlanLine) -> Response:
    """Set or replace one plan line (the head)."""
    return json_response(plan.set_plan(store=store, actor=user.actor, **line.model_dump()))


@router.post("/plan/import")
def import_plan(
    store: StoreDep,
    user: UserDep,
    file: Annotated[UploadFile, File(description="CSV or XLSX: owner_id, segment, month, target[, measure]")],
) -> Response:
    """Set every line of a plan file, all or nothing (the head)."""
    return json_response(save_and_import(store, user, file))


def save_and_import(store: StoreDep, user: UserDep, file: UploadFile | None) -> dict[str, object]:
    """Keep an uploaded plan file under its name's suffix and import it (an empty file when none came: the
    service then refuses for the role or says the file is empty)."""
    name = Path((file.filename if file is not None else None) or "plan.csv").name
    suffix = Path(name).suffix.lower() if Path(name).suffix.lower() in (".csv", ".xlsx") else ".csv"
    with tempfile.TemporaryDirectory(prefix="clientbase-plan-") as folder:
        path = Path(folder) / f"{Path(name).stem[:60] or 'plan'}{suffix}"
        data = file.file.read(MAX_UPLOAD + 1) if file is not None else b""
        if len(data) > MAX_UPLOAD:
            from clientbase.errors import Problem, ValidationError

            raise ValidationError([Problem(name, None, "file", None, "larger than 5 MB; split the plan")])
        path.write_bytes(data)
        return plan.import_plan(store=store, actor=user.actor, path=path)


@router.get("/plan/vs-forecast")
def plan_vs_forecast(
    request: Request,
    store: StoreDep,
    user: UserDep,
    measure: Measure = "net_revenue",
    horizon: Horizon = 12,
    top: Annotated[int, Query(ge=1, le=100, description="Customers listed per shortfall")] = 10,
) -> Response:
    """Actual and forecast against every plan line you may see, the gaps and the customers that carry
    them (the forecast of every customer, kept per data fingerprint)."""
    document = plan.plan_vs_forecast(
        store=store,
        actor=user.actor,
        measure=measure,
        horizon=horizon,
        top=top,
        forecast=lambda: computed.ready(
            computed.plan_forecast(request, user, measure=measure, horizon=horizon, wait=computed.API_WAIT)
        ),
    )
    return json_response(document)
