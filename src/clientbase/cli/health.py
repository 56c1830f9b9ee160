"""`clientbase health`: the five steps checked (form, record, work, analyse, decide) and what to improve first."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

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
from clientbase.cli.decide import AsOption, actor_for, day_of
from clientbase.cli.main import app


def _shown(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "share":
        return f"{100 * value:.1f} %"
    if unit in ("ratio",):
        return f"{value:.2f}"
    return f"{value:,.1f}"


@app.command("health")
def health_command(
    db: DbOption = DEFAULT_DB,
    acting: AsOption = "",
    as_of: Annotated[
        dt.datetime | None,
        typer.Option(
            "--as-of", formats=["%Y-%m-%d"], help="Day to look from (default: the latest date in the data)."
        ),
    ] = None,
    settings: Annotated[
        Path | None,
        typer.Option("--settings", help="TOML file of weights and targets (defaults: --print-settings)."),
    ] = None,
    print_settings: Annotated[
        bool,
        typer.Option("--print-settings", help="Print every weight, target and window as TOML, and stop."),
    ] = False,
    duplicates: Annotated[
        bool,
        typer.Option(
            "--duplicates", help="Run the duplicate search (seconds) instead of reading the last one."
        ),
    ] = False,
    forecast: Annotated[
        bool,
        typer.Option("--forecast", help="Backtest the forecast of the total for its accuracy (seconds)."),
    ] = False,
    json: JsonOption = False,
) -> None:
    """How well the company forms, records, works, analyses and decides: indicators with targets and trends,
    a score per step, manager and overall, and the three changes to make first (docs/health.md).

    Example: clientbase health --as M01 --json
    """
    from clientbase.decisions.health.settings import load_settings, settings_toml

    with cli_errors():
        chosen = load_settings(settings)
    if print_settings:
        typer.echo(settings_toml(chosen), nl=False)
        return
    from clientbase.decisions.health.service import health

    with open_store(db) as store, cli_errors():
        report = health(
            store,
            actor=actor_for(store, acting),
            as_of=day_of(as_of),
            settings=chosen,
            duplicates=duplicates,
            forecast=forecast,
            cache=False,
        )
    if json:
        print_json(report.as_dict())
        return
    overall = "-" if report.overall is None else f"{report.overall:.1f}"
    console.print(f"[bold]Health {overall} / 100[/] as of {report.as_of} ({report.seconds:.1f} s)")
    steps = Table("step", "score", "weakest manager")
    for name, step in report.steps.items():
        known = [(s, m) for m, s in step.by_manager.items() if s is not None]
        weakest = f"{min(known)[1]} ({min(known)[0]:.1f})" if known else ""
        steps.add_row(name, "-" if step.score is None else f"{step.score:.1f}", weakest)
    console.print(steps)
    for name, step in report.steps.items():
        table = Table("indicator", "value", "target", "score", "trend", title=name)
        for ind in step.indicators:
            t = ind.target
            trend = " -> ".join(_shown(p.value, ind.unit) for p in ind.trend[-4:])
            table.add_row(
                ind.name,
                _shown(ind.value, ind.unit),
                f"{_shown(t.get('low'), ind.unit)}..{_shown(t.get('high'), ind.unit)}",
                "-" if ind.score is None else f"{ind.score:.0f}",
                trend or (ind.note or ""),
            )
        console.print(table)
    console.print("[bold]Improve first:[/]")
    for k, item in enumerate(report.improve_first, 1):
        link = f" ({item.link})" if item.link else ""
        console.print(f"  {k}. \\[{item.step}] {item.text}: +{item.points:.1f} points{link}", highlight=False)
    for note in report.notes:
        console.print(f"[dim]Note: {note}[/]")
