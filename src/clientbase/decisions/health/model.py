"""What the health check returns: indicators with their targets and scores, steps, the report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

STEPS = ("form", "record", "work", "analyse", "decide")
STEP_TITLES = {
    "form": "Form the base",
    "record": "Record it",
    "work": "Work with it",
    "analyse": "Analyse it",
    "decide": "Decide and act",
}
#: how an indicator's value reads: a share (0-1), a count, a number per 1,000, days, money, a ratio, months
UNITS = ("share", "count", "per_1000", "days", "money", "ratio", "months", "score")


@dataclass(frozen=True)
class Point:
    """One period of an indicator's trend: its label (``2025-11-01..2026-10-31``) and the value then."""

    period: str
    value: float | None
    #: the value scored on today's target range (set by the scoring)
    score: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"period": self.period, "value": self.value, "score": self.score}


@dataclass(frozen=True)
class Change:
    """A change that would move an indicator to its target: what to do in words with its numbers, the
    list of records it concerns (a link the customer list understands), the money at stake if known."""

    text: str
    link: str | None = None
    money: Decimal | None = None


@dataclass
class Indicator:
    """One measured indicator of one step; ``score``, ``target`` and ``manager_scores`` are set by
    :func:`clientbase.decisions.health.scoring.score_indicator`."""

    code: str
    name: str
    definition: str
    unit: str
    better: str  # "higher" or "lower"
    value: float | None
    step: str = ""
    trend: list[Point] = field(default_factory=list)
    by_manager: dict[str, float | None] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)
    note: str | None = None
    change: Change | None = None
    #: the changes per manager (manager id -> change), for the worst manager's own change
    manager_changes: dict[str, Change] = field(default_factory=dict)
    target: dict[str, Any] = field(default_factory=dict)
    score: float | None = None
    weight: float = 1.0
    manager_scores: dict[str, float | None] = field(default_factory=dict)
    #: the records the indicator counts against it, where it names them (not in the JSON; tests read it)
    members: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "definition": self.definition,
            "unit": self.unit,
            "better": self.better,
            "value": self.value,
            "trend": [p.as_dict() for p in self.trend],
            "target": self.target,
            "score": self.score,
            "weight": self.weight,
            "by_manager": [
                {"manager_id": m, "value": v, "score": self.manager_scores.get(m)}
                for m, v in sorted(self.by_manager.items())
            ],
            "detail": self.detail,
            "note": self.note,
        }


@dataclass
class Step:
    name: str
    indicators: list[Indicator]
    score: float | None = None
    weight: float = 0.0
    by_manager: dict[str, float | None] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": STEP_TITLES[self.name],
            "score": self.score,
            "weight": self.weight,
            "by_manager": [{"manager_id": m, "score": s} for m, s in sorted(self.by_manager.items())],
            "indicators": [i.as_dict() for i in self.indicators],
        }


@dataclass
class Improvement:
    """One of the changes to make first: the indicator it moves, the points it adds to the overall score
    when the indicator reaches its target, the money at stake where known."""

    step: str
    code: str
    text: str
    link: str | None
    points: float
    money: Decimal | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "indicator": self.code,
            "change": self.text,
            "link": self.link,
            "score_points": self.points,
            "money": self.money,
        }


@dataclass
class HealthReport:
    as_of: dt.date | None
    periods: list[str]
    currency: str
    steps: dict[str, Step]
    overall: float | None
    by_manager: dict[str, float | None]
    improve_first: list[Improvement]
    notes: list[str]
    weights: dict[str, float]
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape ``clientbase health --json`` prints and ``/api/v1/health`` returns."""
        return {
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "periods": self.periods,
            "currency": self.currency,
            "overall": self.overall,
            "weights": self.weights,
            "by_manager": [{"manager_id": m, "score": s} for m, s in sorted(self.by_manager.items())],
            "steps": {name: step.as_dict() for name, step in self.steps.items()},
            "improve_first": [i.as_dict() for i in self.improve_first],
            "notes": self.notes,
        }
