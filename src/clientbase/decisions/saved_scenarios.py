"""Saved scenarios: a scenario's TOML and its result kept in the store, listed, shown and compared side by side.

Anyone may save a scenario they ran (it changes no record). A manager lists and opens the scenarios they
saved (their results hold only their own customers); the head and analysts see every saved scenario.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from clientbase import schema
from clientbase.decisions.projection import LINES, ScenarioResult
from clientbase.errors import NotFoundError, Problem, ValidationError
from clientbase.registry.access import Actor


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


#: the keys whose values are money in a stored result (written as text, read back as Decimal)
MONEY_KEYS = frozenset(
    {*LINES, "change", "low", "base", "high", "net_contribution_low", "net_contribution_high"}
)


def _decimals(value: Any, key: str = "") -> Any:
    """Money read back from the stored JSON as Decimal (it was written as text to stay exact)."""
    if isinstance(value, dict):
        return {k: _decimals(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimals(v, key) for v in value]
    if isinstance(value, str) and key in MONEY_KEYS:
        return Decimal(value)
    return value


@dataclass(frozen=True)
class SavedScenario:
    scenario_id: str
    name: str
    definition: str
    result: dict[str, Any]
    created_by: str | None
    created_at: dt.datetime

    def summary(self) -> dict[str, Any]:
        """The scenario without its per-customer rows."""
        return {
            "scenario_id": self.scenario_id,
            "name": self.name,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "period": self.result.get("period"),
            "changes": self.result.get("changes"),
            "totals": self.result.get("totals"),
        }

    def as_dict(self) -> dict[str, Any]:
        return {**self.summary(), "definition": self.definition, "result": self.result}


def save_scenario(
    store: Any, *, actor: Actor, result: ScenarioResult, now: dt.datetime | None = None
) -> SavedScenario:
    """Keep ``result`` (and the TOML of its scenario) in the store; returns what was saved."""
    if not result.scenario.text:
        raise ValidationError(
            [_problem("definition", "the scenario has no TOML text to keep; use parse_scenario")]
        )
    at = (now or dt.datetime.now(dt.UTC)).replace(tzinfo=None, microsecond=0)
    document = json.loads(json.dumps(result.as_dict(), default=_json_default))
    row = {
        "scenario_id": "S" + uuid.uuid4().hex[:15],
        "name": result.scenario.name,
        "definition": result.scenario.text,
        "result": json.dumps(document, ensure_ascii=False),
        "period_from": dt.date.fromisoformat(result.period["from"]),
        "period_to": dt.date.fromisoformat(result.period["to"]),
        "created_by": actor.manager_id,
        "created_at": at,
    }
    with store.begin() as conn:
        conn.execute(sa.insert(schema.scenarios).values(**row))
    return _saved(row)


def _problem(column: str, rule: str) -> Problem:
    return Problem("scenario", None, column, None, rule)


def _saved(row: Any) -> SavedScenario:
    r = dict(row)
    return SavedScenario(
        scenario_id=r["scenario_id"],
        name=r["name"],
        definition=r["definition"],
        result=_decimals(json.loads(r["result"] or "{}")),
        created_by=r["created_by"],
        created_at=r["created_at"],
    )


def _visible(actor: Actor) -> Any:
    s = schema.scenarios
    return sa.true() if actor.sees_all else s.c.created_by == actor.manager_id


def list_scenarios(store: Any, *, actor: Actor) -> list[SavedScenario]:
    """The saved scenarios ``actor`` may see, newest first."""
    s = schema.scenarios
    with store.begin() as conn:
        rows = conn.execute(
            sa.select(s).where(_visible(actor)).order_by(s.c.created_at.desc(), s.c.scenario_id)
        ).mappings()
        return [_saved(r) for r in rows]


def get_scenario(store: Any, *, actor: Actor, scenario_id: str) -> SavedScenario:
    """One saved scenario.

    Raises:
        NotFoundError: no such scenario visible to ``actor``.
    """
    s = schema.scenarios
    with store.begin() as conn:
        row = (
            conn.execute(sa.select(s).where(s.c.scenario_id == scenario_id, _visible(actor)))
            .mappings()
            .first()
        )
    if row is None:
        raise NotFoundError(
            f"No saved scenario {scenario_id!r} visible to {actor.manager_id}; `clientbase scenario list` shows them."
        )
    return _saved(row)


@dataclass(frozen=True)
class Comparison:
    """Saved scenarios side by side: per scenario its totals before and after (low, base, high)."""

    scenarios: list[SavedScenario]

    def rows(self) -> list[dict[str, Any]]:
        out = []
        for s in self.scenarios:
            totals = s.result.get("totals", {})
            before = totals.get("before", {}).get("net_contribution")
            after = totals.get("after", {})
            out.append(
                {
                    "scenario_id": s.scenario_id,
                    "name": s.name,
                    "period": s.result.get("period"),
                    "changes": s.result.get("changes"),
                    "customers": totals.get("customers"),
                    "net_contribution_before": before,
                    **{
                        f"net_contribution_{k}": after.get(k, {}).get("net_contribution")
                        for k in ("low", "base", "high")
                    },
                    **{f"change_{k}": totals.get("change", {}).get(k) for k in ("low", "base", "high")},
                    "net_revenue_before": totals.get("before", {}).get("net_revenue"),
                    "net_revenue_base": after.get("base", {}).get("net_revenue"),
                }
            )
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"scenarios": self.rows()}


def compare_scenarios(store: Any, *, actor: Actor, scenario_ids: list[str]) -> Comparison:
    """The saved scenarios ``scenario_ids`` side by side (in the order given)."""
    if len(scenario_ids) < 2:
        raise ValidationError([_problem("scenario_id", "give two or more saved scenarios to compare")])
    return Comparison([get_scenario(store, actor=actor, scenario_id=i) for i in scenario_ids])
