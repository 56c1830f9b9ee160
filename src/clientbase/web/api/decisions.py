"""Decide: the actions of the current analysis, the customer matrix, tasks (list, the head's view by manager,
publish, accept, reject with a reason, done, reopen, with optimistic locking) and what-if scenarios (run,
save, list, show, compare).

The documents are those of the CLI's ``--json`` (``clientbase actions``, ``matrix``, ``scenario run``,
``tasks list``): money as numbers, dates as ISO text. The roles are the services' (docs/decisions.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field, StringConstraints

from clientbase.decisions import current, saved_scenarios, tasks
from clientbase.decisions.scenario import parse_scenario
from clientbase.schema import ACTION_CODES, TASK_STATUSES
from clientbase.web.api.analysis import json_response
from clientbase.web.api.models import ERRORS, NO_NUL, STRICT
from clientbase.web.deps import StoreDep, UserDep

router = APIRouter(tags=["decide"], responses={k: ERRORS[k] for k in (400, 401, 403, 404, 422)})

Id = Annotated[str | None, Query(max_length=64, pattern=NO_NUL)]
Code = Literal[ACTION_CODES]  # type: ignore[valid-type]
Status = Literal[TASK_STATUSES]  # type: ignore[valid-type]
JSON: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}}, "description": "The document, as the CLI's --json"}
}
Version = Annotated[int, Field(ge=-(2**31), le=2**31 - 1, description="The task's version when it was read")]


class TaskMove(BaseModel):
    model_config = STRICT
    version: Version
    note: Annotated[str, StringConstraints(max_length=500, pattern=NO_NUL)] | None = None


class TaskReject(TaskMove):
    reason: Annotated[str, StringConstraints(max_length=500, pattern=NO_NUL)] = Field(
        ..., description="Why the action is rejected (required)"
    )


class TaskDone(TaskMove):
    done_on: dt.date | None = Field(None, description="The day it was carried out (default today; not later)")


class Publish(BaseModel):
    model_config = STRICT
    code: Code | None = Field(None, description="Only the actions of this code")


class ScenarioBody(BaseModel):
    model_config = STRICT
    definition: Annotated[str, StringConstraints(max_length=20000, pattern=NO_NUL)] = Field(
        ...,
        description="The scenario as TOML, as `clientbase scenario run FILE.toml` reads it "
        "(name, [scope], [changes], [assumptions]; docs/decisions.md)",
        examples=['name = "2 points less discount"\n[changes]\ndiscount_points = -2\n'],
    )


@router.get("/actions", responses=JSON)
def actions(
    store: StoreDep,
    user: UserDep,
    owner: Id = None,
    code: Code | None = None,
    counterparty_id: Id = None,
) -> Response:
    """The actions of the current analysis you may see (a manager: on their own customers), highest priority
    first: the document of ``clientbase actions --json``."""
    listed = current.actions(store, actor=user.actor, owner=owner, code=code, counterparty_id=counterparty_id)
    return json_response(listed.as_dict())


@router.get("/matrix", responses=JSON)
def matrix(store: StoreDep, user: UserDep) -> Response:
    """The customer matrix (Shapiro et al. 1987): thresholds, quadrants with their levers, every customer you
    may see: the document of ``clientbase matrix --json``."""
    return json_response(current.matrix(store, actor=user.actor).as_dict())


@router.get("/tasks", responses=JSON)
def list_tasks(
    store: StoreDep,
    user: UserDep,
    owner: Id = None,
    status: Status | None = None,
    code: Code | None = None,
    counterparty_id: Id = None,
) -> Response:
    """The tasks you may see (a manager: their own), by due date then priority."""
    found = tasks.list_tasks(
        store, actor=user.actor, owner=owner, status=status, code=code, counterparty_id=counterparty_id
    )
    return json_response({"tasks": [t.as_dict() for t in found]})


@router.get("/tasks/by-manager", responses=JSON)
def by_manager(store: StoreDep, user: UserDep) -> Response:
    """The head's view: per owner, the actions of the current analysis (count, expected effect, per code) and
    the tasks (per status, overdue, expected effect of the live and the done ones). A manager gets their row."""
    return json_response(current.overview(store, actor=user.actor).as_dict())


@router.post("/tasks/publish", responses=JSON)
def publish(store: StoreDep, user: UserDep, body: Publish) -> Response:
    """Open a task for each action of the current analysis you may work (a manager: their own; the head:
    all), skipping those with a live task already (``clientbase tasks publish``)."""
    return json_response(current.publish(store, actor=user.actor, code=body.code).as_dict())


@router.get("/tasks/{task_id}", responses=JSON)
def get_task(store: StoreDep, user: UserDep, task_id: str) -> Response:
    """One task with its ``version`` (send it back with a move) and its events."""
    task = tasks.get_task(store, actor=user.actor, task_id=task_id)
    events = tasks.task_events(store, actor=user.actor, task_id=task_id)
    return json_response({**task.as_dict(), "events": events})


def _move(store: Any, user: Any, task_id: str, status: str, body: TaskMove) -> Response:
    task = tasks.update_task(
        store,
        actor=user.actor,
        task_id=task_id,
        status=status,
        expected_version=body.version,
        reason=getattr(body, "reason", None),
        done_on=getattr(body, "done_on", None),
        note=body.note,
    )
    return json_response(task.as_dict())


MOVED: dict[int | str, dict[str, Any]] = {**JSON, 409: ERRORS[409]}


@router.post("/tasks/{task_id}/accept", responses=MOVED)
def accept(store: StoreDep, user: UserDep, task_id: str, body: TaskMove) -> Response:
    """Accept an open task, from the version read (409 when it changed since; nothing written)."""
    return _move(store, user, task_id, "accepted", body)


@router.post("/tasks/{task_id}/reject", responses=MOVED)
def reject(store: StoreDep, user: UserDep, task_id: str, body: TaskReject) -> Response:
    """Reject a task with the reason why (required)."""
    return _move(store, user, task_id, "rejected", body)


@router.post("/tasks/{task_id}/done", responses=MOVED)
def done(store: StoreDep, user: UserDep, task_id: str, body: TaskDone) -> Response:
    """Mark a task done on the day it was carried out (the effect is measured from it)."""
    return _move(store, user, task_id, "done", body)


@router.post("/tasks/{task_id}/reopen", responses=MOVED)
def reopen(store: StoreDep, user: UserDep, task_id: str, body: TaskMove) -> Response:
    """Open an accepted or rejected task again."""
    return _move(store, user, task_id, "open", body)


@router.post("/scenarios/run", responses=JSON)
def run_scenario(store: StoreDep, user: UserDep, body: ScenarioBody) -> Response:
    """Run a scenario on your customers of its scope without saving it: before / after per customer and in
    total, low / base / high (``clientbase scenario run FILE.toml --json``)."""
    scenario = parse_scenario(body.definition, file="definition")
    result, _ = current.run(store, actor=user.actor, scenario=scenario)
    return json_response(result.as_dict())


@router.post("/scenarios", status_code=201, responses={201: JSON[200]})
def save_scenario(store: StoreDep, user: UserDep, body: ScenarioBody) -> Response:
    """Run a scenario and keep it with its result (``clientbase scenario run FILE.toml --save``)."""
    scenario = parse_scenario(body.definition, file="definition")
    _, saved = current.run(store, actor=user.actor, scenario=scenario, save=True)
    assert saved is not None
    response = json_response(saved.as_dict())
    response.status_code = 201
    return response


@router.get("/scenarios", responses=JSON)
def list_scenarios(store: StoreDep, user: UserDep) -> Response:
    """The saved scenarios you may see (a manager: their own), newest first, without their customers."""
    saved = saved_scenarios.list_scenarios(store, actor=user.actor)
    return json_response({"scenarios": [s.summary() for s in saved]})


@router.get("/scenarios/compare", responses=JSON)
def compare(
    store: StoreDep,
    user: UserDep,
    ids: Annotated[list[Annotated[str, StringConstraints(max_length=64)]], Query(max_length=20)],
) -> Response:
    """Two or more saved scenarios side by side (``clientbase scenario compare ID ID``):
    ``?ids=S1&ids=S2``."""
    return json_response(
        saved_scenarios.compare_scenarios(store, actor=user.actor, scenario_ids=ids).as_dict()
    )


@router.get("/scenarios/{scenario_id}", responses=JSON)
def get_scenario(store: StoreDep, user: UserDep, scenario_id: str) -> Response:
    """One saved scenario: its TOML and its whole result."""
    return json_response(
        saved_scenarios.get_scenario(store, actor=user.actor, scenario_id=scenario_id).as_dict()
    )
