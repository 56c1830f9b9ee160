"""``tasks publish | list | by-manager | accept | reject | done | reopen | history | effect``: actions as tasks of
their owners, and whether they worked (docs/decisions.md)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich.table import Table

from clientbase.cli.common import (
    DEFAULT_DB,
    DbOption,
    JsonOption,
    cli_errors,
    console,
    open_store,
    print_json,
)
from clientbase.cli.decide import AsOption, LimitOption, RulesOption, actor_for, day_of, money_text
from clientbase.cli.help import App
from clientbase.cli.main import app

tasks_app = App(
    help="Actions as tasks of their owners, and whether they worked.\n\n"
    "Example: clientbase tasks by-manager --as M01",
    no_args_is_help=True,
)
app.add_typer(tasks_app, name="tasks")


@tasks_app.command("publish")
def tasks_publish(
    db: DbOption = DEFAULT_DB,
    acting: AsOption = "",
    code: Annotated[str | None, typer.Option("--code", help="Only actions of this code.")] = None,
    rules: RulesOption = None,
    json: JsonOption = False,
) -> None:
    """Turn the actions you may work into open tasks (the head: everyone's; a manager: their own).

    An action whose customer already has an open or accepted task of the same code is skipped.

    Example: clientbase tasks publish --as M01
    """
    from clientbase.decisions.actions import list_actions
    from clientbase.decisions.rules import load_rules
    from clientbase.decisions.tasks import publish_tasks

    with cli_errors():
        chosen = load_rules(rules)
    with open_store(db) as store, cli_errors():
        actor = actor_for(store, acting, writes=True)
        owner = None if actor.role == "head" else actor.manager_id
        found = list_actions(store, actor=actor, owner=owner, code=code, rules=chosen)
        published = publish_tasks(store, actor=actor, actions=found)
    if json:
        print_json(published.as_dict())
        return
    console.print(f"{len(published.created):,} tasks opened, {published.skipped:,} actions already had one.")


def _print_tasks(tasks: list[Any], limit: int) -> None:
    table = Table()
    for column in ("task", "customer", "code", "status", "owner", "due", "effect/yr", "why"):
        table.add_column(column, justify="right" if column == "effect/yr" else "left", overflow="fold")
    for t in tasks[:limit]:
        why = t.reject_reason if t.status == "rejected" else (t.reasons[0] if t.reasons else "")
        table.add_row(
            t.task_id,
            t.counterparty_id,
            t.code,
            t.status,
            t.owner_id or "",
            str(t.due or ""),
            money_text(t.expected_effect),
            why,
        )
    console.print(table)
    if len(tasks) > limit:
        console.print(f"... and {len(tasks) - limit:,} more (--limit, --json)")


@tasks_app.command("list")
def tasks_list(
    db: DbOption = DEFAULT_DB,
    acting: AsOption = "",
    owner: Annotated[str | None, typer.Option("--owner", help="Only this manager's tasks.")] = None,
    status: Annotated[str | None, typer.Option("--status", help="open, accepted, rejected or done.")] = None,
    code: Annotated[str | None, typer.Option("--code", help="Only this action code.")] = None,
    customer: Annotated[str | None, typer.Option("--customer", help="Only this customer's tasks.")] = None,
    limit: LimitOption = 30,
    json: JsonOption = False,
) -> None:
    """Tasks by due date: a manager's own, or everyone's for the head and analysts.

    Example: clientbase tasks list --as M03 --status open
    """
    from clientbase.decisions.tasks import list_tasks

    with open_store(db) as store, cli_errors():
        tasks = list_tasks(
            store,
            actor=actor_for(store, acting),
            owner=owner,
            status=status,
            code=code,
            counterparty_id=customer,
        )
    if json:
        print_json({"tasks": [t.as_dict() for t in tasks]})
        return
    _print_tasks(tasks, limit)


@tasks_app.command("by-manager")
def tasks_by_manager_command(
    db: DbOption = DEFAULT_DB, acting: AsOption = "", json: JsonOption = False
) -> None:
    """Tasks per manager: open, accepted, rejected, done, overdue, and their expected effect.

    Example: clientbase tasks by-manager --as M01
    """
    from clientbase.decisions.tasks import tasks_by_manager

    with open_store(db) as store, cli_errors():
        rows = tasks_by_manager(store, actor=actor_for(store, acting))
    if json:
        print_json({"managers": rows})
        return
    table = Table()
    for column in ("owner", "open", "accepted", "rejected", "done", "overdue", "effect live", "effect done"):
        table.add_column(column, justify="left" if column == "owner" else "right")
    for r in rows:
        table.add_row(
            r["owner_id"] or "(none)",
            *(str(r[k]) for k in ("open", "accepted", "rejected", "done", "overdue")),
            money_text(r["expected_effect_live"]),
            money_text(r["expected_effect_done"]),
        )
    console.print(table)


def _move(db: str, acting: str, task_id: str, status: str, **kwargs: Any) -> None:
    from clientbase.decisions.tasks import get_task, update_task

    with open_store(db) as store, cli_errors():
        actor = actor_for(store, acting, writes=True)
        current = get_task(store, actor=actor, task_id=task_id)
        task = update_task(
            store, actor=actor, task_id=task_id, status=status, expected_version=current.version, **kwargs
        )
    console.print(f"{task.task_id} ({task.code}, {task.counterparty_id}) is now {task.status}.")


TaskArgument = Annotated[str, typer.Argument(help="Task id from clientbase tasks list.")]


@tasks_app.command("accept")
def tasks_accept(task_id: TaskArgument, db: DbOption = DEFAULT_DB, acting: AsOption = "") -> None:
    """Accept a task: you will do it.

    Example: clientbase tasks accept T4be0a1c2d3e4f5a --as M03
    """
    _move(db, acting, task_id, "accepted")


@tasks_app.command("reject")
def tasks_reject(
    task_id: TaskArgument,
    reason: Annotated[str, typer.Option("--reason", help="Why the action is not right (required).")],
    db: DbOption = DEFAULT_DB,
    acting: AsOption = "",
) -> None:
    """Reject a task, saying why.

    Example: clientbase tasks reject T4be0a1c2d3e4f5a --reason "framework contract until June" --as M03
    """
    _move(db, acting, task_id, "rejected", reason=reason)


@tasks_app.command("reopen")
def tasks_reopen(task_id: TaskArgument, db: DbOption = DEFAULT_DB, acting: AsOption = "") -> None:
    """Open a rejected or accepted task again.

    Example: clientbase tasks reopen T4be0a1c2d3e4f5a --as M03
    """
    _move(db, acting, task_id, "open")


@tasks_app.command("done")
def tasks_done(
    task_id: TaskArgument,
    on: Annotated[
        dt.datetime | None,
        typer.Option("--on", formats=["%Y-%m-%d"], help="Day it was done (default: today)."),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="What was done.")] = None,
    db: DbOption = DEFAULT_DB,
    acting: AsOption = "",
) -> None:
    """Mark a task done on the day it was carried out; its effect is measured from that day.

    Example: clientbase tasks done T4be0a1c2d3e4f5a --on 2026-11-20 --note "new price list" --as M03
    """
    _move(db, acting, task_id, "done", done_on=day_of(on), note=note)


@tasks_app.command("history")
def tasks_history(
    task_id: TaskArgument, db: DbOption = DEFAULT_DB, acting: AsOption = "", json: JsonOption = False
) -> None:
    """Every status change of a task: who, when, why.

    Example: clientbase tasks history T4be0a1c2d3e4f5a --as M01
    """
    from clientbase.decisions.tasks import task_events

    with open_store(db) as store, cli_errors():
        events = task_events(store, actor=actor_for(store, acting), task_id=task_id)
    if json:
        print_json({"events": events})
        return
    for e in events:
        console.print(
            f"{e['changed_at']} {e['changed_by'] or ''}: {e['status']}"
            + (f" ({e['note']})" if e["note"] else ""),
            highlight=False,
        )


@tasks_app.command("effect")
def tasks_effect(
    db: DbOption = DEFAULT_DB,
    acting: AsOption = "",
    window_days: Annotated[
        int, typer.Option("--window-days", min=1, help="Days compared before and after.")
    ] = 180,
    json: JsonOption = False,
) -> None:
    """Did the done tasks work? Each lever's effect a year against similar customers (difference in differences).

    Example: clientbase tasks effect --as M01 --window-days 180
    """
    from clientbase.decisions.effect import EffectOptions, measure_effects

    with open_store(db) as store, cli_errors():
        report = measure_effects(
            store, actor=actor_for(store, acting), options=EffectOptions(window_days=window_days)
        )
    if json:
        print_json(report.as_dict())
        return
    table = Table(title="Measured effect a year per lever (95 % interval) against the expected")
    for column in ("code", "tasks", "effect/yr", "std error", "95 % low", "95 % high", "expected/yr"):
        table.add_column(column, justify="left" if column == "code" else "right")
    for lever in report.levers():
        d = lever.as_dict()
        table.add_row(
            d["code"],
            str(d["tasks"]),
            *(
                money_text(d[k])
                for k in (
                    "effect_a_year",
                    "standard_error_a_year",
                    "ci95_low",
                    "ci95_high",
                    "expected_a_year",
                )
            ),
        )
    console.print(table)
    if report.waiting:
        console.print(
            f"{len(report.waiting)} done task(s) not measured yet, e.g. {report.waiting[0]['reason']}"
        )
