"""``analyze``: per-customer net profit, the whale curve and why profit lags sales; ``report``: HTML/XLSX."""

from __future__ import annotations

import atexit
import datetime as dt
import gc
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
)
from clientbase.cli.main import app

if TYPE_CHECKING:  # the analysis pulls in Ibis, pandas and pyarrow: imported when a command runs
    from decimal import Decimal

    from clientbase.analytics.run import Analysis


def _date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


FromOption = Annotated[
    dt.datetime | None,
    typer.Option("--from", formats=["%Y-%m-%d"], help="First day analysed (default: 12 months to --to)."),
]
ToOption = Annotated[
    dt.datetime | None,
    typer.Option("--to", formats=["%Y-%m-%d"], help="Last day analysed (default: the latest order date)."),
]
AsOfOption = Annotated[
    dt.datetime | None,
    typer.Option(
        "--as-of",
        formats=["%Y-%m-%d"],
        help="Date unpaid invoices are counted to, on or after --to (default: latest date in the data).",
    ),
]
CompareFromOption = Annotated[
    dt.datetime | None,
    typer.Option("--compare-from", formats=["%Y-%m-%d"], help="First day of the compared period."),
]
CompareToOption = Annotated[
    dt.datetime | None,
    typer.Option("--compare-to", formats=["%Y-%m-%d"], help="Last day of the compared period."),
]


def run_analysis(
    db: str,
    start: dt.datetime | None,
    end: dt.datetime | None,
    as_of: dt.datetime | None,
    compare_start: dt.datetime | None,
    compare_end: dt.datetime | None,
    facts: str | None = None,
    engine: str | None = None,
) -> Analysis:
    from clientbase.analytics.run import analyze

    with open_store(db) as store, cli_errors():
        return analyze(
            facts_source(store, facts, engine),
            start=_date(start),
            end=_date(end),
            as_of=_date(as_of),
            compare_start=_date(compare_start),
            compare_end=_date(compare_end),
        )


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _print_pnl(a: Analysis) -> None:
    from clientbase.analytics.pnl import MONEY_LINES
    from clientbase.analytics.standing import CUSTOMER_DEFINITION

    pnl = Table(title="P&L of the company (every counterparty in the period)")
    pnl.add_column("line")
    pnl.add_column("previous", justify="right")
    pnl.add_column("current", justify="right")
    pnl.add_column("change", justify="right")
    for line in MONEY_LINES:
        before, now = a.totals_previous.lines[line], a.totals.lines[line]
        pnl.add_row(line.replace("_", " "), _money(before), _money(now), _money(now - before))
    was, this = a.standing_totals_previous, a.standing_totals
    rows = (
        ("  of it customers", "customer", 1),
        ("  acquisition cost of prospects", "prospect", -1),
        ("  cost of former customers without sales", "former", -1),
    )
    for label, name, sign in rows:
        before, after = (sign * t[name].lines["net_contribution"] for t in (was, this))
        pnl.add_row(label, _money(before), _money(after), _money(after - before))
    counts = (
        (CUSTOMER_DEFINITION, "customer"),
        ("prospects worked (no order yet)", "prospect"),
        ("former customers without sales", "former"),
    )
    for label, name in counts:
        pnl.add_row(label, f"{was[name].counterparties:,}", f"{this[name].counterparties:,}", "")
    console.print(pnl)


def _print_acquisition(a: Analysis) -> None:
    if not a.acquisition:
        return
    table = Table(
        title="Acquisition cost: prospects' activities at the cost-driver rates, by channel and mode"
    )
    for column in ("channel", "mode", "prospects", "activities", "cost"):
        table.add_column(column, justify="left" if column in ("channel", "mode") else "right")
    for r in a.acquisition:
        table.add_row(
            r.channel or "(none)", r.mode or "(none)", f"{r.prospects:,}", f"{r.activities:,}", _money(r.cost)
        )
    console.print(table)


def _print_analysis(a: Analysis, top: int) -> None:
    from clientbase.analytics.bridge import COMPONENTS
    from clientbase.analytics.headline import whale_sentence

    p = a.periods
    console.print(
        f"[bold]Net profit per customer[/] {p.current.start} to {p.current.end} (as of {p.as_of}) "
        f"against {p.previous.start} to {p.previous.end}, in {a.currency}; data from {a.data_from} to {a.data_to}"
    )
    for note in a.notes:
        console.print(f"[yellow]Note:[/] {note}.")
    _print_pnl(a)

    ranked = a.ranked_ids()
    shown = a.ranked_customers(ranked[:top] + [c for c in ranked[-top:] if c not in ranked[:top]])
    customers = Table(title=f"Top and bottom {top} customers by net contribution")
    for column in (
        "customer",
        "name",
        "net revenue",
        "discount",
        "gross margin",
        "cost-to-serve",
        "credit",
        "net contribution",
    ):
        customers.add_column(column, justify="left" if column in ("customer", "name") else "right")
    for c in shown:
        customers.add_row(
            c.counterparty_id,
            a.name(c.counterparty_id) or "",
            _money(c.net_revenue),
            _money(c.discount),
            _money(c.gross_margin),
            _money(c.cost_to_serve),
            _money(c.credit_cost),
            _money(c.net_contribution),
        )
    console.print(customers)
    console.print(whale_sentence(a.whale, a.standing_totals, a.totals.lines["net_contribution"]))
    _print_acquisition(a)
    bridge = Table(
        title=f"Bridge of net contribution: {_money(a.bridge.before_total)} -> {_money(a.bridge.after_total)}"
    )
    bridge.add_column("part")
    bridge.add_column("amount", justify="right")
    for name in COMPONENTS:
        bridge.add_row(name.replace("_", " "), _money(a.bridge.components[name]))
    bridge.add_row("[bold]total change[/]", f"[bold]{_money(a.bridge.total_change)}[/]")
    console.print(bridge)
    console.print(f"[bold]{a.headline}[/]")


@app.command("analyze")
def analyze_command(
    db: DbOption = DEFAULT_DB,
    start: FromOption = None,
    end: ToOption = None,
    as_of: AsOfOption = None,
    compare_start: CompareFromOption = None,
    compare_end: CompareToOption = None,
    top: Annotated[
        int, typer.Option("--top", min=1, help="Customers shown at each end of the ranking.")
    ] = 10,
    json: JsonOption = False,
    facts: FactsOption = None,
    engine: EngineOption = None,
) -> None:
    """Per-customer net profit (P&L), the whale curve and a bridge of why profit moved.

    Default: the last 12 months to the latest order date against the 12 months before.

    Example: clientbase analyze --db duckdb:///./clientbase.duckdb --from 2024-01-01 --to 2024-12-31 --json
    """
    a = run_analysis(db, start, end, as_of, compare_start, compare_end, facts, engine)
    # Tearing down pandas, Ibis, SQLAlchemy and the analysis when the process exits takes half a second of
    # cyclic garbage collection: frozen, what is left is the operating system's to reclaim (the store is closed,
    # stdout is flushed before the exit handlers run; see docs/benchmarks.md, bench_scale)
    atexit.register(gc.freeze)
    if json:
        # the per-customer arrays written column by column: with every customer the document holds millions
        # of values (the same text as json.dumps of a.document(), clientbase.analytics.jsonwriter)
        a.write_json(sys.stdout)
    else:
        _print_analysis(a, top)


@app.command("report")
def report_command(
    db: DbOption = DEFAULT_DB,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write a self-contained HTML report here.")
    ] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Write an Excel workbook here.")] = None,
    start: FromOption = None,
    end: ToOption = None,
    as_of: AsOfOption = None,
    compare_start: CompareFromOption = None,
    compare_end: CompareToOption = None,
    forecast: Annotated[
        bool,
        typer.Option(
            "--forecast", help="Add the net-revenue forecast (total, segment, owner) with its chart."
        ),
    ] = False,
    facts: FactsOption = None,
    engine: EngineOption = None,
) -> None:
    """Write the analysis as a self-contained HTML report (charts, no network) and/or an XLSX workbook.

    Example: clientbase report --out report.html --xlsx report.xlsx
    """
    if out is None and xlsx is None:
        raise typer.BadParameter("give --out report.html, --xlsx report.xlsx or both")
    from clientbase.outputs import output_file
    from clientbase.report import write_html, write_xlsx

    with cli_errors():  # a path that cannot be written is said before the analysis runs
        for target, example in ((out, "report.html"), (xlsx, "report.xlsx")):
            if target is not None:
                output_file(target, what=example)
    a = run_analysis(db, start, end, as_of, compare_start, compare_end, facts, engine)
    forecast_document = None
    if forecast and out is not None:
        from clientbase.forecast.service import ForecastOptions, forecast_base
        from clientbase.registry.access import Actor

        with open_store(db) as store, cli_errors():
            result = forecast_base(
                store=facts_source(store, facts, engine),
                actor=Actor("local", "analyst"),
                options=ForecastOptions(views=False),
            )
            forecast_document = result.document()
    with cli_errors():
        if out is not None:
            write_html(a, out, forecast=forecast_document)
            console.print(f"wrote {out}")
        if xlsx is not None:
            write_xlsx(a, xlsx)
            console.print(f"wrote {xlsx}")
