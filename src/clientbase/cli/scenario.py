"""``scenario run | list | show | compare``: what-if scenarios on terms (docs/decisions.md)."""

from __future__ import annotations

from pathlib import Path
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
from clientbase.cli.decide import AsOption, LimitOption, RulesOption, actor_for, money_text
from clientbase.cli.help import App
from clientbase.cli.main import app

scenario_app = App(
    help="What-if scenarios on terms: run, save, list, compare.\n\n"
    "Example: clientbase scenario run docs/examples/what-if.toml --as M01",
    no_args_is_help=True,
)
app.add_typer(scenario_app, name="scenario")


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

    Example: clientbase scenario run docs/examples/what-if.toml --as M01 --save
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
        actor = actor_for(store, acting, writes=save)
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
    for label, values in d["assumptions"].items():
        console.print(f"  {label}: " + ", ".join(f"{k} {v:g}" for k, v in values.items()), highlight=False)
    table = Table()
    for column in ("line", "before", "low", "base", "high"):
        table.add_column(column, justify="left" if column == "line" else "right")
    for line in t["before"]:
        table.add_row(
            line.replace("_", " "),
            money_text(t["before"][line]),
            *(money_text(t["after"][k][line]) for k in ("low", "base", "high")),
        )
    table.add_row(
        "[bold]change in net contribution[/]",
        "",
        *(f"[bold]{money_text(t['change'][k])}[/]" for k in ("low", "base", "high")),
    )
    console.print(table)
    rows = sorted(d["customers"], key=lambda c: c["change"])
    customers = Table(
        title=f"The {min(limit, len(rows))} customers whose net contribution gains least (base)"
    )
    for column in ("customer", "name", "before", "after", "low", "high", "P(lost)"):
        customers.add_column(column, justify="left" if column in ("customer", "name") else "right")
    for c in rows[:limit]:
        customers.add_row(
            c["counterparty_id"],
            (c["name"] or "")[:28],
            money_text(c["before"]["net_contribution"]),
            money_text(c["after"]["net_contribution"]),
            money_text(c["net_contribution_low"]),
            money_text(c["net_contribution_high"]),
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
        saved = list_scenarios(store, actor=actor_for(store, acting))
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
            *(money_text(change.get(k)) for k in ("low", "base", "high")),
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
        saved = get_scenario(store, actor=actor_for(store, acting), scenario_id=scenario_id)
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
        comparison = compare_scenarios(store, actor=actor_for(store, acting), scenario_ids=scenario_ids)
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
            key.replace("_", " "), *(str(r[key]) if key == "customers" else money_text(r[key]) for r in rows)
        )
    table.add_row("changes", *("; ".join(r["changes"] or []) for r in rows))
    console.print(table)
