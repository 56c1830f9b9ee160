"""``GET /api/v1/health``: the five steps checked, the same document as ``clientbase health --json``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from clientbase.decisions.health.service import health
from clientbase.web.api.analysis import json_response
from clientbase.web.api.models import ERRORS
from clientbase.web.deps import StoreDep, UserDep

router = APIRouter(tags=["health"], responses={k: ERRORS[k] for k in (400, 401, 403, 422)})


class TrendPoint(BaseModel):
    period: str
    value: float | None
    score: float | None


class Target(BaseModel):
    good: float
    bad: float
    low: float
    high: float
    source: str


class ManagerValue(BaseModel):
    manager_id: str
    value: float | None
    score: float | None


class IndicatorOut(BaseModel):
    code: str
    name: str
    definition: str
    unit: str
    better: str
    value: float | None
    trend: list[TrendPoint]
    target: Target
    score: float | None
    weight: float
    by_manager: list[ManagerValue]
    detail: dict[str, Any]
    note: str | None


class ManagerScore(BaseModel):
    manager_id: str
    score: float | None


class StepOut(BaseModel):
    title: str
    score: float | None
    weight: float
    by_manager: list[ManagerScore]
    indicators: list[IndicatorOut]


class Improvement(BaseModel):
    step: str
    indicator: str
    change: str
    link: str | None
    score_points: float
    money: float | None


class HealthOut(BaseModel):
    as_of: str | None
    periods: list[str]
    currency: str
    overall: float | None
    weights: dict[str, float]
    by_manager: list[ManagerScore]
    steps: dict[str, StepOut]
    improve_first: list[Improvement]
    notes: list[str]


@router.get("/health", responses={200: {"model": HealthOut, "description": "The health check"}})
def health_check(
    store: StoreDep,
    user: UserDep,
    as_of: Annotated[
        dt.date | None, Query(description="Day to look from (default: the latest date in the data)")
    ] = None,
) -> Response:
    """How well the company forms, records, works, analyses and decides: every indicator with its value,
    trend, target and score, a score per step, manager and overall, and the three changes to make first
    (the head and analysts; docs/health.md)."""
    return json_response(health(store, actor=user.actor, as_of=as_of).as_dict())
