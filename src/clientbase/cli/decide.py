"""Decide: ``actions`` and ``matrix``, and the options the ``scenario`` and ``tasks`` commands share.

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
    EngineOption,
    FactsOption,
    JsonOption,
    cli_errors,
    console,
    facts_source,
    open_store,
    print_json,
)
from clientbase.cli.main import app

if TYPE_CHECKING:
    from clientbase.registry.access import Actor

AsOption = Annotated[
    str,
    typer.Option(
        "--as",
        envvar="CLIENTBASE_USER",
        help="Manager id of the user acting (or set CLIENTBASE_USER); without it, read as an analyst.",
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


def day_of(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


def actor_for(store: Any, acting: str, *, writes: bool = False) -> Actor:
    from clientbase.registry.access import Actor, load_actor

    if acting:
        with store.begin() as conn:
            return load_actor(conn, acting)
    if writes:
        raise typer.BadParameter("say who acts: --as M01 (or set CLIENTBASE_USER)", param_hint="--as")
    return Actor("cli", "analyst")


def money_text(value: Decimal | None) -> str:
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
    facts: FactsOption = None,
    engine: EngineOption = None,
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
            facts_source(store, facts, engine),
            actor=actor_for(store, acting),
            owner=owner,
            code=code,
            counterparty_id=customer,
            rules=chosen,
            start=day_of(start),
            end=day_of(end),
            as_of=day_of(as_of),
        )
    if json:
        print_json(result.as_dict())
        return
    p = result.period
    total = sum((a.expected_effect for a in result.actions), Decimal("0.00"))
    console.print(
        f"[bold]{len(result.actions):,} actions[/] on {p['from']} to {p['to']} (as of {p['as_of']}), expected "
        f"effect {money_text(total)} {result.currency} a year; nothing below {money_text(result.materiality)} fires"
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
            money_text(a.expected_effect),
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
            actor=actor_for(store, acting),
            rules=chosen,
            start=day_of(start),
            end=day_of(end),
            as_of=day_of(as_of),
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
            money_text(s["net_revenue"]),
            money_text(s["net_contribution"]),
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
            money_text(p.net_revenue),
            money_text(p.net_contribution),
        )
    console.print(largest)
