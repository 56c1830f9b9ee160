"""``clientbase demo`` builds the demo company; ``clientbase summary`` gives a first look at any database."""

from __future__ import annotations

import time
from datetime import date
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
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
from clientbase.errors import ConfigurationError


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigurationError(
            f"--end-date {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-10-31"
        ) from None


@app.command("demo")
def demo_command(
    customers: Annotated[
        int | None, typer.Option("--customers", help="Customers to generate (default 5000).", min=10)
    ] = None,
    years: Annotated[int, typer.Option("--years", help="Years of sales history.", min=1, max=20)] = 3,
    seed: Annotated[int, typer.Option("--seed", help="Seed: the same seed gives the same company.")] = 42,
    lines: Annotated[
        int | None,
        typer.Option(
            "--lines", help="About this many order lines (sizes the company when --customers is not given)."
        ),
    ] = None,
    end_date: Annotated[
        str, typer.Option("--end-date", help="Last day of the data, YYYY-MM-DD.")
    ] = "2026-10-31",
    force: Annotated[
        bool, typer.Option("--force", help="Merge into a database that already holds counterparties.")
    ] = False,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Build the demo company: a B2B wholesaler whose sales grow while its profit falls.

    Example: clientbase demo --customers 500 --years 3 --seed 7 --db duckdb:///./demo.duckdb
    """
    from clientbase.demo.build import load_demo
    from clientbase.demo.generate import generate, story_for

    with cli_errors():
        story = story_for(customers, years, seed, lines=lines, end_date=_parse_date(end_date))
    with (
        open_store(db, create=True) as store,
        Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as progress,
    ):
        started = time.perf_counter()
        task = progress.add_task("Generating customers and their facts", total=None)

        def step(_: str, done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        data = generate(story=story, progress=step)
        progress.update(task, description="Generated")
        loading = progress.add_task("Validating and loading into the database", total=None)
        report = load_demo(store, data, force=force)
        progress.update(loading, total=1, completed=1, description="Loaded")
    counts = report.tables
    console.print(
        f"Demo company built in {time.perf_counter() - started:.1f} s: "
        f"{counts['counterparties'].inserted} counterparties, {counts['order_lines'].inserted} order lines, "
        f"{counts['activities'].inserted} activities -> {db}"
    )
    console.print("Next: clientbase summary --db " + db)


@app.command("summary")
def summary_command(db: DbOption = DEFAULT_DB, as_json: JsonOption = False) -> None:
    """Summarise a database: rows per table; net revenue, gross margin and customers per year (12 months to
    the latest order, as `clientbase analyze` counts them); records per status and acquisition mode.

    Example: clientbase summary --db duckdb:///./clientbase.duckdb --json
    """
    from clientbase.analytics.summary import summary

    with open_store(db) as store:
        result = summary(store)
    if as_json:
        print_json(result)
        return
    _print_summary(result)


def _print_summary(result: dict[str, Any]) -> None:
    tables = Table(title="Rows per table")
    tables.add_column("table")
    tables.add_column("rows", justify="right")
    for name, count in result["tables"].items():
        tables.add_row(name, f"{count:,}")
    console.print(tables)

    years = Table(
        title="Sales per year (12 months to the date shown)",
        caption=f"customers: {result['customer_definition']} (the year); * the data begins inside the year",
    )
    for name in ("year to", "net revenue", "gross margin", "margin %", "orders", "lines", "customers"):
        years.add_column(name, justify="right")
    for y in result["years"]:
        years.add_row(
            f"{'* ' if y['partial'] else ''}{y['period_end']}",
            f"{y['net_revenue']:,.0f}",
            f"{y['gross_margin']:,.0f}",
            "" if y["gross_margin_pct"] is None else f"{y['gross_margin_pct']}",
            f"{y['orders']:,}",
            f"{y['order_lines']:,}",
            f"{y['customers']:,}",
        )
    console.print(years)

    status = Table(title="Counterparties per status")
    status.add_column("status")
    status.add_column("counterparties", justify="right")
    for row in result["counterparties_by_status"]:
        status.add_row(str(row["status"]), f"{row['counterparties']:,}")
    console.print(status)

    modes = Table(title="Records with the role customer, per acquisition mode and status")
    modes.add_column("acquisition mode")
    modes.add_column("status")
    modes.add_column("records", justify="right")
    for row in result["customers_by_acquisition_mode"]:
        modes.add_row(str(row["acquisition_mode"] or "(none)"), str(row["status"]), f"{row['customers']:,}")
    console.print(modes)
