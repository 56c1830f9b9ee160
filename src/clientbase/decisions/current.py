"""The decisions of the current data, for the web app: the inputs and the proposed actions computed once per
state of the data and kept in the process, so a page does not gather them again (4.6 s on the default demo).

The cache follows the pattern of :mod:`clientbase.decisions.customer_metrics`: an entry belongs to a
:func:`~clientbase.decisions.customer_metrics.fingerprint` of the data (counts, latest dates and sums of the
tables the analysis reads, the counterparties' versions and the settings, about 10 ms on the default demo);
each call compares the fingerprint and recomputes when the data moved on. One computation runs at a time per
store; the others wait for it. The server warms the cache after each refresh of the materialised analysis
(:mod:`clientbase.web.refresher`). Tasks and saved scenarios are always read live from the store.

Each function here is one service a route calls with the acting user; the roles are enforced by the
services it calls (:func:`~clientbase.decisions.actions.list_actions`,
:func:`~clientbase.decisions.matrix.matrix_for`, :func:`~clientbase.decisions.projection.run_scenario`,
:mod:`clientbase.decisions.tasks`), with the default periods and rules, the same as the CLI without options.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from clientbase.decisions import customer_metrics, tasks
from clientbase.decisions.actions import Action, ActionList, list_actions, propose_actions
from clientbase.decisions.inputs import DecisionInputs, gather_inputs
from clientbase.decisions.matrix import CustomerMatrix, matrix_for
from clientbase.decisions.projection import ScenarioResult, run_scenario
from clientbase.decisions.rules import Rules
from clientbase.decisions.saved_scenarios import SavedScenario, save_scenario
from clientbase.decisions.scenario import Scenario
from clientbase.registry.access import Actor
from clientbase.schema import ACTION_CODES


@dataclass(frozen=True)
class Decisions:
    """The inputs and every proposed action of one state of the data, and how long they took."""

    fingerprint: str
    inputs: DecisionInputs
    proposed: list[Action]
    seconds: float
    computed_at: float = field(default_factory=time.time)


#: stores kept at most (a server has one; tests open many)
MOST = 4
_lock = threading.Lock()
_entries: dict[int, Decisions] = {}
_computing: dict[int, threading.Lock] = {}


def current(store: Any) -> Decisions:
    """The :class:`Decisions` of the data as it is now (computed when the fingerprint moved on)."""
    key = id(store)
    now = customer_metrics.fingerprint(store)
    found = _entries.get(key)
    if found is not None and found.fingerprint == now:
        return found
    with _lock:
        gate = _computing.setdefault(key, threading.Lock())
    with gate:
        found = _entries.get(key)
        if found is not None and found.fingerprint == now:
            return found
        started = time.perf_counter()
        rules = Rules()
        inputs = gather_inputs(store, rules=rules)
        proposed = propose_actions(inputs, rules)
        made = Decisions(now, inputs, proposed, round(time.perf_counter() - started, 2))
        with _lock:
            while len(_entries) >= MOST:  # the oldest first (dicts keep their order)
                _entries.pop(next(iter(_entries)))
            _entries[key] = made
        return made


def forget(store: Any) -> None:
    """Drop the entry of ``store`` (when the store closes)."""
    _entries.pop(id(store), None)


def actions(
    store: Any,
    *,
    actor: Actor,
    owner: str | None = None,
    code: str | None = None,
    counterparty_id: str | None = None,
) -> ActionList:
    """The actions ``actor`` may see (:func:`~clientbase.decisions.actions.list_actions`), as
    ``clientbase actions --json`` gives them."""
    d = current(store)
    return list_actions(
        store,
        actor=actor,
        owner=owner,
        code=code,
        counterparty_id=counterparty_id,
        inputs=d.inputs,
        proposed=d.proposed,
    )


def matrix(store: Any, *, actor: Actor) -> CustomerMatrix:
    """The customer matrix as ``actor`` may see it, as ``clientbase matrix --json`` gives it."""
    return matrix_for(store, actor=actor, analysis=current(store).inputs.analysis)


def run(
    store: Any, *, actor: Actor, scenario: Scenario, save: bool = False
) -> tuple[ScenarioResult, SavedScenario | None]:
    """Run ``scenario`` on the actor's customers (as ``clientbase scenario run --json``), saving it when
    ``save``."""
    result = run_scenario(store, actor=actor, scenario=scenario, inputs=current(store).inputs)
    return result, save_scenario(store, actor=actor, result=result) if save else None


@dataclass(frozen=True)
class Overview:
    """The head's view: per owner, the actions of the current analysis (count, expected effect, per code)
    and the tasks (per status, overdue, expected effect)."""

    actions: ActionList
    tasks: list[dict[str, Any]]

    def rows(self) -> list[dict[str, Any]]:
        by_tasks = {row["owner_id"]: row for row in self.tasks}
        by_actions = {row["owner_id"]: row for row in self.actions.by_owner()}
        owners = sorted(set(by_tasks) | set(by_actions), key=lambda o: (o is None, o or ""))
        out = []
        for owner in owners:
            a = by_actions.get(owner, {})
            out.append(
                {
                    "owner_id": owner,
                    "actions": a.get("actions", 0),
                    "expected_effect": a.get("expected_effect", Decimal("0.00")),
                    "by_code": {c: a.get("by_code", {}).get(c, 0) for c in ACTION_CODES},
                    "tasks": by_tasks.get(owner),
                }
            )
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"period": self.actions.period, "currency": self.actions.currency, "owners": self.rows()}


def overview(store: Any, *, actor: Actor) -> Overview:
    """The actions and tasks by manager (a manager: their own row)."""
    return Overview(actions=actions(store, actor=actor), tasks=tasks.tasks_by_manager(store, actor=actor))


@dataclass(frozen=True)
class CustomerDecisions:
    """One customer's actions of the current analysis (in priority order) and its tasks."""

    actions: list[Action]
    tasks: list[tasks.Task]
    period: dict[str, str]
    currency: str


def for_customer(store: Any, *, actor: Actor, counterparty_id: str) -> CustomerDecisions:
    """The actions and tasks of one record ``actor`` may see (404 otherwise); a record that is neither a
    customer with sales nor a prospect has no action."""
    from clientbase.registry import service

    service.get_record(store, actor=actor, kind="counterparties", record_id=counterparty_id)
    d = current(store)
    listed = (
        actions(store, actor=actor, counterparty_id=counterparty_id).actions
        if counterparty_id in d.inputs.frame.index
        else []
    )
    p = d.inputs.analysis.periods
    return CustomerDecisions(
        actions=listed,
        tasks=tasks.list_tasks(store, actor=actor, counterparty_id=counterparty_id),
        period={**p.current.as_dict(), "as_of": p.as_of.isoformat()},
        currency=d.inputs.analysis.currency,
    )


def publish(store: Any, *, actor: Actor, code: str | None = None) -> tasks.Published:
    """Turn the actions of the current analysis that ``actor`` may work (a manager: their own; the head:
    all; optionally of one ``code``) into open tasks, as ``clientbase tasks publish`` does."""
    tasks.ensure_worker(actor)
    return tasks.publish_tasks(store, actor=actor, actions=actions(store, actor=actor, code=code))


@dataclass(frozen=True)
class Worklist:
    """A user's actions of the current analysis and their tasks (optionally of one owner and code)."""

    actions: ActionList
    tasks: list[tasks.Task]

    def unpublished(self) -> list[Action]:
        """The actions without a live task of the same customer and code."""
        live = {(t.counterparty_id, t.code) for t in self.tasks if t.status in tasks.LIVE}
        return [a for a in self.actions.actions if (a.counterparty_id, a.code) not in live]

    def expected_effect(self) -> Decimal:
        return sum((a.expected_effect for a in self.actions.actions), Decimal("0.00"))


def worklist(
    store: Any, *, actor: Actor, owner: str | None = None, code: str | None = None, status: str | None = None
) -> Worklist:
    """The actions ``actor`` may see and the tasks (a manager: their own; the head: all or one owner's)."""
    listed = actions(store, actor=actor, owner=owner, code=code)
    found = tasks.list_tasks(store, actor=actor, owner=owner, code=code, status=status)
    return Worklist(actions=listed, tasks=found)
