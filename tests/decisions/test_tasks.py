"""Tasks: published once per action, worked by their owners through the allowed moves, seen by role, every
change an event, stale writes refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal as D

import pytest

from clientbase.decisions.actions import Action
from clientbase.decisions.tasks import (
    get_task,
    list_tasks,
    publish_tasks,
    task_events,
    tasks_by_manager,
    update_task,
)
from clientbase.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from clientbase.registry.access import Actor
from clientbase.store import Store, connect
from tests.decisions.company import build

HEAD, ANNA, IVAN, OLA = (
    Actor("M01", "head"),
    Actor("M03", "manager"),
    Actor("M04", "manager"),
    Actor("M02", "analyst"),
)
NOW = dt.datetime(2025, 1, 10, 9, 0)


def action(cid: str, code: str, owner: str, effect: str = "100.00", priority: int = 1) -> Action:
    return Action(
        counterparty_id=cid,
        code=code,
        priority=priority,
        score=D(effect),
        reasons=(f"{cid} reason",),
        expected_effect=D(effect),
        assumptions=("an assumption",),
        at_stake=D(effect) * 2,
        owner_id=owner,
        due=dt.date(2025, 1, 30),
        facts={"x": 1},
    )


ACTIONS = [
    action("A", "reprice", "M03", "500.00", 1),
    action("B", "collect", "M04", "80.00", 2),
    action("C", "grow", "M03", "60.00", 3),
]


@pytest.fixture
def store() -> Iterator[Store]:
    with connect("duckdb:///:memory:") as s:
        build(s)
        yield s


def test_publishing_twice_opens_each_task_once(store: Store) -> None:
    first = publish_tasks(store, actor=HEAD, actions=ACTIONS, now=NOW)
    assert len(first.created) == 3 and first.skipped == 0
    again = publish_tasks(store, actor=HEAD, actions=ACTIONS, now=NOW)
    assert again.created == [] and again.skipped == 3
    task = get_task(store, actor=HEAD, task_id=first.created[0].task_id)
    assert (task.status, task.owner_id, task.expected_effect, task.reasons, task.facts) == (
        "open",
        "M03",
        D("500.00"),
        ["A reason"],
        {"x": 1},
    )


def test_a_manager_publishes_their_own_and_an_analyst_none(store: Store) -> None:
    mine = publish_tasks(store, actor=ANNA, actions=ACTIONS, now=NOW)
    assert sorted(t.counterparty_id for t in mine.created) == ["A", "C"]
    with pytest.raises(PermissionDeniedError, match="analyst"):
        publish_tasks(store, actor=OLA, actions=ACTIONS, now=NOW)


def test_who_sees_which_tasks(store: Store) -> None:
    publish_tasks(store, actor=HEAD, actions=ACTIONS, now=NOW)
    assert [t.counterparty_id for t in list_tasks(store, actor=ANNA)] == ["A", "C"]
    assert len(list_tasks(store, actor=OLA)) == len(list_tasks(store, actor=HEAD)) == 3
    assert [t.counterparty_id for t in list_tasks(store, actor=HEAD, owner="M04")] == ["B"]
    with pytest.raises(PermissionDeniedError):
        list_tasks(store, actor=ANNA, owner="M04")
    b = list_tasks(store, actor=HEAD, owner="M04")[0]
    with pytest.raises(NotFoundError):  # the same answer as a task that does not exist
        get_task(store, actor=ANNA, task_id=b.task_id)
    rows = {r["owner_id"]: r for r in tasks_by_manager(store, actor=HEAD)}
    assert rows["M03"]["open"] == 2 and rows["M03"]["expected_effect_live"] == D("560.00")
    assert [r["owner_id"] for r in tasks_by_manager(store, actor=IVAN)] == ["M04"]


def test_the_moves_of_a_task(store: Store) -> None:
    task = publish_tasks(store, actor=HEAD, actions=ACTIONS[:1], now=NOW).created[0]
    accepted = update_task(
        store, actor=ANNA, task_id=task.task_id, status="accepted", expected_version=1, now=NOW
    )
    assert accepted.status == "accepted" and accepted.version == 2
    with pytest.raises(ValidationError, match="say why"):
        update_task(store, actor=ANNA, task_id=task.task_id, status="rejected", expected_version=2, now=NOW)
    with pytest.raises(ValidationError, match="in the future"):
        update_task(
            store,
            actor=ANNA,
            task_id=task.task_id,
            status="done",
            expected_version=2,
            done_on=dt.date(2025, 2, 1),
            now=NOW,
        )
    done = update_task(
        store,
        actor=ANNA,
        task_id=task.task_id,
        status="done",
        expected_version=2,
        done_on=dt.date(2025, 1, 5),
        note="new price list",
        now=NOW,
    )
    assert (done.status, done.done_on, done.note, done.updated_by) == (
        "done",
        dt.date(2025, 1, 5),
        "new price list",
        "M03",
    )
    with pytest.raises(ValidationError, match="done is final"):
        update_task(store, actor=HEAD, task_id=task.task_id, status="open", expected_version=3, now=NOW)
    events = task_events(store, actor=HEAD, task_id=task.task_id)
    assert [(e["seq"], e["status"], e["changed_by"]) for e in events] == [
        (1, "open", "M01"),
        (2, "accepted", "M03"),
        (3, "done", "M03"),
    ]


def test_reject_with_a_reason_reopen_and_roles(store: Store) -> None:
    task = publish_tasks(store, actor=HEAD, actions=ACTIONS[1:2], now=NOW).created[0]  # B, owned by M04
    with pytest.raises(PermissionDeniedError):
        update_task(store, actor=OLA, task_id=task.task_id, status="accepted", expected_version=1, now=NOW)
    with pytest.raises(NotFoundError):
        update_task(store, actor=ANNA, task_id=task.task_id, status="accepted", expected_version=1, now=NOW)
    rejected = update_task(
        store,
        actor=IVAN,
        task_id=task.task_id,
        status="rejected",
        expected_version=1,
        reason="  pays by direct debit from January ",
        now=NOW,
    )
    assert rejected.reject_reason == "pays by direct debit from January"
    # the head works anyone's task; a stale version is refused and nothing is written
    with pytest.raises(ConflictError, match="changed since you read it"):
        update_task(store, actor=HEAD, task_id=task.task_id, status="open", expected_version=1, now=NOW)
    reopened = update_task(
        store, actor=HEAD, task_id=task.task_id, status="open", expected_version=2, now=NOW
    )
    assert reopened.status == "open" and reopened.version == 3
    # the reopened task is live again: publishing the same action skips it
    assert publish_tasks(store, actor=HEAD, actions=ACTIONS[1:2], now=NOW).skipped == 1
