"""Decide: ``actions`` and ``matrix``; ``scenario run | list | show | compare``; ``tasks publish | list |
by-manager | accept | reject | done | reopen | history | effect``.

Only typer, rich and the standard library load at start-up; the library is imported when a command runs.
Without ``--as`` the read-only commands read as an analyst would (everything, changing nothing); commands
that write need ``--as``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
from clientbase.cli.main import app

if TYPE_CHECKING:
    from clientbase.registry.access import Actor

scenario_app = typer.Typer(help="What-if scenarios on terms: run, save, list, compare.", no_args_is_help=True)
tasks_app = typer.Typer(
    help="Actions as tasks of their owners, and whether they worked.", no_args_is_help=True
)
app.add_typer(scenario_app, name="scenario")
app.add_typer(tasks_app, name="tasks")

AsOption = Annotated[
    str,
    typer.Option(
        "--as", envvar="CLIENTBASE_USER", help="Manager id of the user acting (or set CLIENTBASE_USER)."
    ),
]
RulesOption = Annotated[
    Path | None,
    typer.Option("--rules", help="TOML file of rules (defaults: clientbase actions --print-rules)."),
]
DateFrom = Annotated[
    dt.datetime | None,
    typer.Option("--from", formats=["%Y-%m-%d"], help="First day analysed (default: 12 months to --to)."),
]
DateTo = Annotated[
    dt.datetime | None,
    typer.Option("--to", formats=["%Y-%m-%d"], help="Last day analysed (default: the latest order)."),
]
DateAsOf = Annotated[
    dt.datetime | None,
    typer.Option(
        "--as-of", formats=["%Y-%m-%d"], help="Date unpaid invoices are counted to (default: latest date)."
    ),
]
LimitOption = Annotated[int, typer.Option("--limit", min=1, help="Rows shown in the table (--json has all).")]


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


def _actor(store: Any, acting: str, *, writes: bool = False) -> Actor:
    from clientbase.registry.access import Actor, load_actor

    if acting:
        with store.begin() as conn:
            return load_actor(conn, acting)
    if writes:
        raise typer.BadParameter("say who acts: --as M01 (or set CLIENTBASE_USER)", param_hint="--as")
    return Actor("cli", "analyst")


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


@app.command("actions")
def actions_command(
    db: DbOption = DEFAULT_DB,
    acting: AsOption = "",
    owner: Annotated[str | None, typer.Option("--owner", help="Only the actions this manager owns.")] = None,
    code: Annotated[str | None, typer.Option("--code", help="Only this action code (e.g. reprice).")] = None,
    customer: Annotated[str | None, typer.Option("--customer", help="Only this customer's actions.")] = None,
    rules: RulesOption = None,
    print_rules: Annotated[
        bool,
        typer.Option("--print-rules", help="Print every rule with its value and meaning as TOML, and stop."),
    ] = False,
    start: DateFrom = None,
    end: DateTo = None,
    as_of: DateAsOf = None,
    limit: LimitOption = 30,
    json: JsonOption = False,
) -> None:
    """Every customer's actions: code, priority, reasons in numbers, expected effect a year, owner, due date.

    Codes: reprice, minimum_order, cut_cost_to_serve, collect, renegotiate_terms, win_back, grow, retain,
    exit_or_self_service, qualify, drop_prospect (docs/decisions.md explains each rule with an example).

    Example: clientbase actions --as M01 --owner M03 --code reprice --json
    """
    from clientbase.decisions.rules import load_rules, rules_toml

    with cli_errors():
        chosen = load_rules(rules)
    if print_rules:
        typer.echo(rules_toml(chosen), nl=False)
        return
    from clientbase.decisions.actions import list_actions

    with open_store(db) as store, cli_errors():
        result = list_actions(
            store,
            actor=_actor(store, acting),
            owner=owner,
            code=code,
            counterparty_id=customer,
            rules=chosen,
            start=_day(start),
            end=_day(end),
            as_of=_day(as_of),
        )
    if json:
        print_json(result.as_dict())
        return
    p = result.period
    total = sum((a.expected_effect for a in result.actions), Decimal("0.00"))
    console.print(
        f"[bold]{len(result.actions):,} actions[/] on {p['from']} to {p['to']} (as of {p['as_of']}), expected "
        f"effect {_money(total)} {result.currency} a year; nothing below {_money(result.materiality)} fires"
    )
    table = Table()
    for column in ("#", "customer", "name", "code", "effect/yr", "owner", "due", "why"):
        table.add_column(column, justify="right" if column in ("#", "effect/yr") else "left", overflow="fold")
    for a in result.actions[:limit]:
        table.add_row(
            str(a.priority),
            a.counterparty_id,
            (a.name or "")[:28],
            a.code,
            _money(a.expected_effect),
            a.owner_id or "",
            a.due.isoformat(),
            a.reasons[0],
        )
    console.print(table)
    counts = ", ".join(f"{c} {v['actions']}" for c, v in result.by_code().items() if v["actions"])
    console.print(f"By code: {counts or 'none'}")
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)


@app.command("matrix")
def matrix_command(
    db: DbOption = DEFAULT_DB,
    acting: AsOption = "",
    rules: RulesOption = None,
    start: DateFrom = None,
    end: DateTo = None,
    as_of: DateAsOf = None,
    limit: LimitOption = 20,
    json: JsonOption = False,
) -> None:
    """The customer matrix (Shapiro et al. 1987): net price realised against cost-to-serve, four quadrants.

    Thresholds: the revenue-weighted medians, or [matrix] in --rules. --json lists every customer.

    Example: clientbase matrix --json
    """
    from clientbase.decisions.matrix import QUADRANTS, matrix_for
    from clientbase.decisions.rules import load_rules

    with cli_errors():
        chosen = load_rules(rules)
    with open_store(db) as store, cli_errors():
        m = matrix_for(
            store,
            actor=_actor(store, acting),
            rules=chosen,
            start=_day(start),
            end=_day(end),
            as_of=_day(as_of),
        )
    if json:
        print_json(m.as_dict())
        return
    console.print(
        f"[bold]Customer matrix[/] {m.period['from']} to {m.period['to']}: high price from "
        f"{m.price_threshold_pct:.1f} % of list ({m.threshold_source['price']}), high cost from "
        f"{m.cost_threshold_pct:.1f} % of net revenue ({m.threshold_source['cost']})"
    )
    quadrants = Table()
    for column in ("quadrant", "customers", "net revenue", "net contribution", "levers"):
        quadrants.add_column(
            column, justify="right" if column in ("customers", "net revenue", "net contribution") else "left"
        )
    summary = m.quadrants()
    for q in QUADRANTS:
        s = summary[q]
        quadrants.add_row(
            q.replace("_", " "),
            f"{s['customers']:,}",
            _money(s["net_revenue"]),
            _money(s["net_contribution"]),
            s["levers"],
        )
    console.print(quadrants)
    largest = Table(title=f"The {min(limit, len(m.points))} largest customers")
    for column in (
        "customer",
        "name",
        "quadrant",
        "net price %",
        "cost-to-serve %",
        "net revenue",
        "net contribution",
    ):
        largest.add_column(column, justify="left" if column in ("customer", "name", "quadrant") else "right")
    for p in m.points[:limit]:
        largest.add_row(
            p.counterparty_id,
            (p.name or "")[:28],
            p.quadrant.replace("_", " "),
            f"{p.net_price_pct:.1f}",
            f"{p.cost_to_serve_pct:.1f}",
            _money(p.net_revenue),
            _money(p.net_contribution),
        )
    console.print(largest)


@scenario_app.command("run")
def scenario_run(
    file: Annotated[Path, typer.Argument(help="Scenario TOML: name, [scope], [changes], [assumptions].")],
    db: DbOption = DEFAULT_DB,
    acting: AsOption = "",
    save: Annotated[
        bool, typer.Option("--save", help="Keep the scenario and its result in the store.")
    ] = False,
    rules: RulesOption = None,
    limit: LimitOption = 15,
    json: JsonOption = False,
) -> None:
    """Each customer's next-12-months P&L before and after changes to its terms, with a low/base/high range.

    docs/decisions.md documents the scope, the changes and the response assumptions.

    Example: clientbase scenario run what-if.toml --as M01 --save
    """
    from clientbase.decisions.projection import run_scenario
    from clientbase.decisions.rules import load_rules
    from clientbase.decisions.saved_scenarios import save_scenario
    from clientbase.decisions.scenario import parse_scenario
    from clientbase.errors import Problem, ValidationError

    with cli_errors():
        chosen = load_rules(rules)
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise ValidationError(
                [Problem(str(file), None, None, None, f"cannot read it: {exc.strerror}")]
            ) from None
        scenario = parse_scenario(text, file=str(file))
    with open_store(db) as store, cli_errors():
        actor = _actor(store, acting, writes=save)
        result = run_scenario(store, actor=actor, scenario=scenario, rules=chosen)
        saved = save_scenario(store, actor=actor, result=result) if save else None
    document = result.as_dict()
    if saved is not None:
        document["scenario_id"] = saved.scenario_id
    if json:
        print_json(document)
        return
    _print_scenario(document, limit)
    if saved is not None:
        console.print(f"saved as {saved.scenario_id}")


def _print_scenario(d: dict[str, Any], limit: int) -> None:
    t = d["totals"]
    console.print(
        f"[bold]{d['name']}[/]: {'; '.join(d['changes'])}, on {t['customers']:,} customers "
        f"(P&L {d['period']['from']} to {d['period']['to']} as the next 12 months, in {d['currency']})"
    )
    table = Table()
    for column in ("line", "before", "low", "base", "high"):
        table.add_column(column, justify="left" if column == "line" else "right")
    for line in t["before"]:
        table.add_row(
            line.replace("_", " "),
            _money(t["before"][line]),
            *(_money(t["after"][k][line]) for k in ("low", "base", "high")),
        )
    table.add_row(
        "[bold]change in net contribution[/]",
        "",
        *(f"[bold]{_money(t['change'][k])}[/]" for k in ("low", "base", "high")),
    )
    console.print(table)
    rows = sorted(d["customers"], key=lambda c: c["change"])
    customers = Table(title=f"The {min(limit, len(rows))} customers the change costs most")
    for column in ("customer", "name", "before", "after", "low", "high", "P(lost)"):
        customers.add_column(column, justify="left" if column in ("customer", "name") else "right")
    for c in rows[:limit]:
        customers.add_row(
            c["counterparty_id"],
            (c["name"] or "")[:28],
            _money(c["before"]["net_contribution"]),
            _money(c["after"]["net_contribution"]),
            _money(c["net_contribution_low"]),
            _money(c["net_contribution_high"]),
            f"{c['loss_probability']:.1%}",
        )
    console.print(customers)
    for note in d["notes"]:
        console.print(f"[yellow]note:[/] {note}", highlight=False)


@scenario_app.command("list")
def scenario_list(db: DbOption = DEFAULT_DB, acting: AsOption = "", json: JsonOption = False) -> None:
    """The saved scenarios, newest first, with their change in net contribution.

    Example: clientbase scenario list --as M01
    """
    from clientbase.decisions.saved_scenarios import list_scenarios

    with open_store(db) as store, cli_errors():
        saved = list_scenarios(store, actor=_actor(store, acting))
    if json:
        print_json({"scenarios": [s.summary() for s in saved]})
        return
    table = Table()
    for column in ("id", "name", "by", "saved", "customers", "change low", "base", "high"):
        table.add_column(
            column, justify="right" if column in ("customers", "change low", "base", "high") else "left"
        )
    for s in saved:
        totals = s.result.get("totals", {})
        change = totals.get("change", {})
        table.add_row(
            s.scenario_id,
            s.name,
            s.created_by or "",
            f"{s.created_at:%Y-%m-%d %H:%M}",
            str(totals.get("customers", "")),
            *(_money(change.get(k)) for k in ("low", "base", "high")),
        )
    console.print(table)


@scenario_app.command("show")
def scenario_show(
    scenario_id: Annotated[str, typer.Argument(help="Id from clientbase scenario list.")],
    db: DbOption = DEFAULT_DB,
    acting: AsOption = "",
    limit: LimitOption = 15,
    json: JsonOption = False,
) -> None:
    """One saved scenario: its TOML and its result as saved.

    Example: clientbase scenario show S3f2a9c1b0d4e5f6 --as M01
    """
    from clientbase.decisions.saved_scenarios import get_scenario

    with open_store(db) as store, cli_errors():
        saved = get_scenario(store, actor=_actor(store, acting), scenario_id=scenario_id)
    if json:
        print_json(saved.as_dict())
        return
    console.print(saved.definition, highlight=False, markup=False)
    _print_scenario(saved.result, limit)


@scenario_app.command("compare")
def scenario_compare(
    scenario_ids: Annotated[list[str], typer.Argument(help="Two or more ids from clientbase scenario list.")],
    db: DbOption = DEFAULT_DB,
    acting: AsOption = "",
    json: JsonOption = False,
) -> None:
    """Saved scenarios side by side: net contribution before and after (low, base, high).

    Example: clientbase scenario compare S3f2a9c1b0d4e5f6 S9a8b7c6d5e4f3a2 --as M01
    """
    from clientbase.decisions.saved_scenarios import compare_scenarios

    with open_store(db) as store, cli_errors():
        comparison = compare_scenarios(store, actor=_actor(store, acting), scenario_ids=scenario_ids)
    if json:
        print_json(comparison.as_dict())
        return
    rows = comparison.rows()
    table = Table()
    table.add_column("")
    for r in rows:
        table.add_column(f"{r['name']} ({r['scenario_id']})", justify="right")
    for key in (
        "customers",
        "net_revenue_before",
        "net_revenue_base",
        "net_contribution_before",
        "net_contribution_low",
        "net_contribution_base",
        "net_contribution_high",
        "change_low",
        "change_base",
        "change_high",
    ):
        table.add_row(
            key.replace("_", " "), *(str(r[key]) if key == "customers" else _money(r[key]) for r in rows)
        )
    table.add_row("changes", *("; ".join(r["changes"] or []) for r in rows))
    console.print(table)


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
        actor = _actor(store, acting, writes=True)
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
            _money(t.expected_effect),
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
            actor=_actor(store, acting),
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
        rows = tasks_by_manager(store, actor=_actor(store, acting))
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
            _money(r["expected_effect_live"]),
            _money(r["expected_effect_done"]),
        )
    console.print(table)


def _move(db: str, acting: str, task_id: str, status: str, **kwargs: Any) -> None:
    from clientbase.decisions.tasks import get_task, update_task

    with open_store(db) as store, cli_errors():
        actor = _actor(store, acting, writes=True)
        current = get_task(store, actor=actor, task_id=task_id)
        task = update_task(
            store, actor=actor, task_id=task_id, status=status, expected_version=current.version, **kwargs
        )
    console.print(f"{task.task_id} ({task.code}, {task.counterparty_id}) is now {task.status}.")


TaskArgument = Annotated[str, typer.Argument(help="Task id from clientbase tasks list.")]


@tasks_app.command("accept")
def tasks_accept(task_id: TaskArgument, db: DbOption = DEFAULT_DB, acting: AsOption = "") -> None:
    """Accept a task: you will do it.

    Example: clientbase tasks accept T4be0a1c2d3e4f5a6 --as M03
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

    Example: clientbase tasks reject T4be0a1c2d3e4f5a6 --reason "framework contract until June" --as M03
    """
    _move(db, acting, task_id, "rejected", reason=reason)


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

    Example: clientbase tasks done T4be0a1c2d3e4f5a6 --on 2026-11-20 --note "new price list" --as M03
    """
    _move(db, acting, task_id, "done", done_on=_day(on), note=note)


@tasks_app.command("reopen")
def tasks_reopen(task_id: TaskArgument, db: DbOption = DEFAULT_DB, acting: AsOption = "") -> None:
    """Open a rejected or accepted task again.

    Example: clientbase tasks reopen T4be0a1c2d3e4f5a6 --as M03
    """
    _move(db, acting, task_id, "open")


@tasks_app.command("history")
def tasks_history(
    task_id: TaskArgument, db: DbOption = DEFAULT_DB, acting: AsOption = "", json: JsonOption = False
) -> None:
    """Every status change of a task: who, when, why.

    Example: clientbase tasks history T4be0a1c2d3e4f5a6 --as M01
    """
    from clientbase.decisions.tasks import task_events

    with open_store(db) as store, cli_errors():
        events = task_events(store, actor=_actor(store, acting), task_id=task_id)
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
            store, actor=_actor(store, acting), options=EffectOptions(window_days=window_days)
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
                _money(d[k])
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
