"""Follow-through: actions become tasks of their owners, who accept, reject (with a reason) or do them.

A task moves ``open -> accepted | rejected | done``, ``accepted -> done | rejected | open``, ``rejected -> open``;
``done`` is final, and its ``done_on`` day is where the effect measurement (:mod:`clientbase.decisions.effect`)
starts. Every change is an event (who, when, why) and is made from the version read (optimistic locking).

Roles: a manager sees and works the tasks they own; the head sees and works all (and sees them by
manager); an analyst reads all and changes none. Publishing turns the actions a user may work into open
tasks, skipping an action whose customer already has an open or accepted task of the same code, or any
task of that code from the same analysis.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from clientbase import schema
from clientbase.decisions.actions import Action, ActionList
from clientbase.errors import (
    ConfigurationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    Problem,
    ValidationError,
)
from clientbase.registry.access import Actor
from clientbase.schema import ACTION_CODES, TASK_STATUSES

#: status -> the statuses it may move to
TRANSITIONS = {
    "open": ("accepted", "rejected", "done"),
    "accepted": ("done", "rejected", "open"),
    "rejected": ("open",),
    "done": (),
}
#: statuses of a task still to be worked
LIVE = ("open", "accepted")


@dataclass(frozen=True)
class Task:
    """One task, JSON-ready through :meth:`as_dict`."""

    task_id: str
    counterparty_id: str
    code: str
    owner_id: str | None
    status: str
    priority: int | None
    expected_effect: Decimal | None
    reasons: list[str]
    assumptions: list[str]
    facts: dict[str, Any]
    due: dt.date | None
    period_from: dt.date | None
    period_to: dt.date | None
    as_of: dt.date | None
    created_by: str | None
    created_at: dt.datetime
    updated_by: str | None
    updated_at: dt.datetime | None
    reject_reason: str | None
    done_on: dt.date | None
    note: str | None
    version: int

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in self.__dict__.items():
            out[name] = value.isoformat() if isinstance(value, dt.date) else value
        return out


def _now(now: dt.datetime | None) -> dt.datetime:
    return (now or dt.datetime.now(dt.UTC)).replace(tzinfo=None, microsecond=0)


#: the task columns held as JSON text
_JSON_COLUMNS = {"reasons": "[]", "assumptions": "[]", "facts": "{}"}


def _task(row: Any) -> Task:
    r = dict(row)
    values: dict[str, Any] = {f.name: r.get(f.name) for f in dataclasses.fields(Task)}
    values.update({name: json.loads(r.get(name) or empty) for name, empty in _JSON_COLUMNS.items()})
    values["version"] = int(r.get("version") or 0)
    return Task(**values)


def _json(value: Any) -> str:
    return json.dumps(
        value, default=lambda v: str(v) if isinstance(v, Decimal) else v.isoformat(), ensure_ascii=False
    )


def ensure_worker(actor: Actor) -> None:
    if actor.role == "analyst":
        raise PermissionDeniedError(f"{actor.manager_id} is an analyst: analysts read tasks and change none.")


@dataclass(frozen=True)
class Published:
    """What :func:`publish_tasks` did."""

    created: list[Task]
    skipped: int

    def as_dict(self) -> dict[str, Any]:
        return {"created": [t.as_dict() for t in self.created], "skipped": self.skipped}


def publish_tasks(
    store: Any, *, actor: Actor, actions: ActionList | Iterable[Action], now: dt.datetime | None = None
) -> Published:
    """Open a task for each action ``actor`` may work (a manager: those they own; the head: all).

    Raises:
        PermissionDeniedError: an analyst.
    """
    ensure_worker(actor)
    at = _now(now)
    listed = actions.actions if isinstance(actions, ActionList) else list(actions)
    period = actions.period if isinstance(actions, ActionList) else {}
    mine = [a for a in listed if actor.role == "head" or a.owner_id == actor.manager_id]
    t = schema.action_tasks
    as_of = dt.date.fromisoformat(period["as_of"]) if period.get("as_of") else None
    with store.begin() as conn:
        existing = conn.execute(sa.select(t.c.counterparty_id, t.c.code, t.c.status, t.c.as_of)).all()
        taken = {
            (r.counterparty_id, r.code) for r in existing if r.status in LIVE or (as_of and r.as_of == as_of)
        }
        rows = []
        for a in mine:
            if (a.counterparty_id, a.code) in taken:
                continue
            taken.add((a.counterparty_id, a.code))
            rows.append(
                {
                    "task_id": "T" + uuid.uuid4().hex[:15],
                    "counterparty_id": a.counterparty_id,
                    "code": a.code,
                    "owner_id": a.owner_id,
                    "status": "open",
                    "priority": a.priority,
                    "expected_effect": a.expected_effect,
                    "reasons": _json(list(a.reasons)),
                    "assumptions": _json(list(a.assumptions)),
                    "facts": _json(a.facts),
                    "due": a.due,
                    "period_from": dt.date.fromisoformat(period["from"]) if period.get("from") else None,
                    "period_to": dt.date.fromisoformat(period["to"]) if period.get("to") else None,
                    "as_of": as_of,
                    "created_by": actor.manager_id,
                    "created_at": at,
                    "version": 1,
                }
            )
        if rows:
            conn.execute(sa.insert(t), rows)
            conn.execute(
                sa.insert(schema.task_events),
                [
                    {
                        "task_id": r["task_id"],
                        "seq": 1,
                        "status": "open",
                        "changed_by": actor.manager_id,
                        "changed_at": at,
                    }
                    for r in rows
                ],
            )
    return Published(created=[_task(r) for r in rows], skipped=len(mine) - len(rows))


def list_tasks(
    store: Any,
    *,
    actor: Actor,
    owner: str | None = None,
    status: str | None = None,
    code: str | None = None,
    counterparty_id: str | None = None,
) -> list[Task]:
    """The tasks ``actor`` may see (a manager: their own), by due date then priority.

    Raises:
        PermissionDeniedError: a manager asking for another manager's tasks.
        ConfigurationError: an unknown status or code.
    """
    if status is not None and status not in TASK_STATUSES:
        raise ConfigurationError(f"Unknown task status {status!r}; use one of {', '.join(TASK_STATUSES)}.")
    if code is not None and code not in ACTION_CODES:
        raise ConfigurationError(f"Unknown action code {code!r}; the codes are {', '.join(ACTION_CODES)}.")
    if owner is not None and not actor.sees_all and owner != actor.manager_id:
        raise PermissionDeniedError(f"{actor.manager_id} sees only their own tasks, not those of {owner}.")
    t = schema.action_tasks
    query = sa.select(t)
    if not actor.sees_all:
        query = query.where(t.c.owner_id == actor.manager_id)
    for column, value in (
        ("owner_id", owner),
        ("status", status),
        ("code", code),
        ("counterparty_id", counterparty_id),
    ):
        if value is not None:
            query = query.where(t.c[column] == value)
    with store.begin() as conn:
        rows = conn.execute(query.order_by(t.c.due, t.c.priority, t.c.task_id)).mappings()
        return [_task(r) for r in rows]


def tasks_by_manager(store: Any, *, actor: Actor) -> list[dict[str, Any]]:
    """Per owner: tasks per status, the expected effect of the live and the done ones, overdue live tasks
    (due before today). A manager gets their own row only."""
    tasks = list_tasks(store, actor=actor)
    today = dt.datetime.now(dt.UTC).date()
    groups: dict[str | None, list[Task]] = defaultdict(list)
    for task in tasks:
        groups[task.owner_id].append(task)
    out = []
    for owner in sorted(groups, key=lambda o: (o is None, o or "")):
        members = groups[owner]
        out.append(
            {
                "owner_id": owner,
                **{s: sum(1 for m in members if m.status == s) for s in TASK_STATUSES},
                "overdue": sum(
                    1 for m in members if m.status in LIVE and m.due is not None and m.due < today
                ),
                "expected_effect_live": sum(
                    (m.expected_effect or Decimal(0) for m in members if m.status in LIVE), Decimal("0.00")
                ),
                "expected_effect_done": sum(
                    (m.expected_effect or Decimal(0) for m in members if m.status == "done"), Decimal("0.00")
                ),
            }
        )
    return out


def get_task(store: Any, *, actor: Actor, task_id: str) -> Task:
    """One task ``actor`` may see.

    Raises:
        NotFoundError: no such task, or not visible to ``actor``.
    """
    t = schema.action_tasks
    with store.begin() as conn:
        row = conn.execute(sa.select(t).where(t.c.task_id == task_id)).mappings().first()
    if row is None or not (actor.sees_all or row["owner_id"] == actor.manager_id):
        raise NotFoundError(f"No task {task_id!r} visible to {actor.manager_id}.")
    return _task(row)


def update_task(
    store: Any,
    *,
    actor: Actor,
    task_id: str,
    status: str,
    expected_version: int,
    reason: str | None = None,
    done_on: dt.date | None = None,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> Task:
    """Move a task to ``status`` from the version read.

    ``reason`` is required to reject; ``done_on`` (default today) is the day a done action was carried out,
    not in the future.

    Raises:
        PermissionDeniedError: an analyst, or a manager working another's task.
        ValidationError: a move the task's status does not allow, a rejection without a reason, a done day
            in the future.
        ConflictError: the task changed since ``expected_version``; nothing was written.
    """
    ensure_worker(actor)
    at = _now(now)
    task = get_task(store, actor=actor, task_id=task_id)
    if actor.role != "head" and task.owner_id != actor.manager_id:
        raise PermissionDeniedError(
            f"{actor.manager_id} may work only their own tasks; {task_id} is {task.owner_id}'s."
        )
    if status not in TASK_STATUSES:
        raise _invalid("status", status, f"use one of {', '.join(TASK_STATUSES)}")
    if status not in TRANSITIONS[task.status]:
        allowed = ", ".join(TRANSITIONS[task.status]) or "nothing (done is final)"
        raise _invalid("status", status, f"a {task.status} task may move to {allowed}")
    values: dict[str, Any] = {"status": status, "updated_by": actor.manager_id, "updated_at": at}
    if status == "rejected":
        if not reason or not reason.strip():
            raise _invalid("reason", reason, "say why the action is rejected")
        values["reject_reason"] = reason.strip()[:500]
    if status == "done":
        day = done_on or at.date()
        if day > at.date():
            raise _invalid("done_on", day.isoformat(), f"is in the future (today is {at.date()})")
        values["done_on"] = day
    if note:
        values["note"] = note.strip()[:500]
    t, e = schema.action_tasks, schema.task_events
    with store.begin() as conn:
        changed = conn.execute(
            sa.update(t)
            .where(t.c.task_id == task_id, sa.func.coalesce(t.c.version, 0) == expected_version)
            .values(**values, version=expected_version + 1)
            .returning(t.c.task_id)
        ).fetchall()
        if len(changed) != 1:
            raise ConflictError(
                f"Task {task_id} was changed since you read it (your version {expected_version}, now "
                f"{task.version}); nothing was written: reload it and try again."
            )
        seq = conn.execute(
            sa.select(sa.func.coalesce(sa.func.max(e.c.seq), 0)).where(e.c.task_id == task_id)
        ).scalar_one()
        conn.execute(
            sa.insert(e).values(
                task_id=task_id,
                seq=int(seq) + 1,
                status=status,
                changed_by=actor.manager_id,
                changed_at=at,
                note=(reason or note or None),
            )
        )
    return get_task(store, actor=actor, task_id=task_id)


def task_events(store: Any, *, actor: Actor, task_id: str) -> list[dict[str, Any]]:
    """Every status change of a task ``actor`` may see, oldest first."""
    get_task(store, actor=actor, task_id=task_id)
    e = schema.task_events
    with store.begin() as conn:
        rows = conn.execute(sa.select(e).where(e.c.task_id == task_id).order_by(e.c.seq)).mappings()
        return [
            {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in dict(r).items()} for r in rows
        ]


def treated_customers(store: Any) -> dict[str, set[str]]:
    """Per code, the customers with an accepted or done task of it (ids only: the controls of the effect
    measurement must leave them out, whoever owns them)."""
    t = schema.action_tasks
    out: dict[str, set[str]] = defaultdict(set)
    with store.begin() as conn:
        rows = conn.execute(
            sa.select(t.c.code, t.c.counterparty_id).where(t.c.status.in_(("accepted", "done")))
        )
        for code, cid in rows:
            out[code].add(cid)
    return out


def _invalid(column: str, value: Any, rule: str) -> ValidationError:
    return ValidationError([Problem("task", None, column, None if value is None else str(value), rule)])
