"""``forecast``: sales volume and profit forecast from the base (or any series file), reconciled, with accuracy.

Only typer, rich and the standard library load at start-up; statsforecast, pandas and the rest are imported
when a command runs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

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
    err_console,
    facts_source,
    open_store,
    print_json,
)
from clientbase.cli.help import App
from clientbase.cli.main import app

# no help here: the callback's docstring (with its example) is the group's help
forecast_app = App(invoke_without_command=True)
app.add_typer(forecast_app, name="forecast")

AsOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        envvar="CLIENTBASE_USER",
        help="Manager id of the user asking: a manager sees their own book (default: the whole base).",
    ),
]
HorizonOption = Annotated[int, typer.Option("--horizon", min=1, max=120, help="Periods to forecast.")]
JobsOption = Annotated[int, typer.Option("--jobs", min=1, help="Processes the models may use.")]
WindowsOption = Annotated[int, typer.Option("--windows", min=1, help="Backtest windows (rolling origins).")]
BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float]) -> str:
    """One character per value, from ▁ (lowest) to █ (highest).

    Example:
        >>> sparkline([1.0, 2.0, 3.0])
        '▁▅█'
    """
    if not values:
        return ""
    low, high = min(values), max(values)
    span = high - low or 1.0
    return "".join(BARS[min(len(BARS) - 1, int((v - low) / span * (len(BARS) - 1) + 0.5))] for v in values)


def _money(value: Any) -> str:
    return "" if value is None else f"{float(value):,.2f}"


def _num(value: Any, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _chart(entry: dict[str, Any], periods: int = 24) -> str:
    history = [float(p["value"]) for p in entry["history"][-periods:]]
    ahead = [float(p["mean"]) for p in entry["forecast"]]
    line = sparkline(history + ahead)
    return f"[cyan]{line[: len(history)]}[/][bold magenta]{line[len(history) :]}[/]"


def _print_document(document: dict[str, Any], limit: int) -> None:
    series = document["series"]
    title = document.get("measure") or document.get("file")
    console.print(
        f"[bold]Forecast of {title}[/] {document.get('freq', '')}, {document['horizon']} periods ahead"
        + (f", data to {document['as_of']}" if "as_of" in document else "")
        + f"; reconciled by {document['reconciliation']['method']}"
        + (" (coherent to the unit)" if document["coherent"] else " (NOT coherent)")
    )
    if document.get("reconciliation", {}).get("fallback_reason"):
        console.print(f"[yellow]{document['reconciliation']['fallback_reason']}[/]")
    if document.get("last_period") and not document["last_period"]["complete"]:
        console.print(
            f"The last period {document['last_period']['period']} is incomplete: shown, not fitted, forecast in full."
        )
    top = series[0]
    console.print(f"{top['key']}  history (cyan) and forecast (magenta): {_chart(top)}")
    table = Table(title=f"{_label(top['key'])}: forecast with 80 % and 95 % intervals ({top['model']})")
    for column in ("period", "lo95", "lo80", "mean", "hi80", "hi95"):
        table.add_column(column, justify="left" if column == "period" else "right")
    for p in top["forecast"]:
        table.add_row(p["period"], *(_money(p[k]) for k in ("lo95", "lo80", "mean", "hi80", "hi95")))
    console.print(table)
    if document.get("accuracy"):
        acc = Table(title="Backtest by level: median MASE of the chosen models against seasonal naive's")
        for column in ("level", "series", "beat seasonal naive", "median MASE", "seasonal naive MASE"):
            acc.add_column(column, justify="left" if column == "level" else "right")
        for a in document["accuracy"]:
            acc.add_row(
                a["level"],
                str(a["series"]),
                str(a.get("beat_seasonal_naive", "—")),
                _num(a.get("median_mase"), 3),
                _num(a.get("median_seasonal_naive_mase"), 3),
            )
        console.print(acc)
    rows = Table(title=f"Series (first {min(limit, len(series))} of {len(series)})")
    for column in (
        "series",
        "model",
        "next",
        "total ahead",
        "MASE",
        "sMAPE %",
        "WAPE",
        "bias",
        "SN MASE",
        "chart",
    ):
        rows.add_column(column, justify="left" if column in ("series", "model", "chart") else "right")
    for entry in series[:limit]:
        b = entry["backtest"] or {}
        rows.add_row(
            _label(entry["key"]),
            entry["model"] + ("" if b.get("beats_seasonal_naive", True) else " (nothing beat it)"),
            _money(entry["forecast"][0]["mean"]),
            _money(sum(float(p["mean"]) for p in entry["forecast"])),
            _num(b.get("mase"), 3),
            _num(b.get("smape"), 1),
            _num(b.get("wape"), 3),
            _money(b.get("bias")),
            _num(b.get("seasonal_naive_mase"), 3),
            _chart(entry, 12),
        )
    console.print(rows)
    for name in ("customer_value_view", "pipeline"):
        view = document.get(name)
        if view:
            console.print(f"[bold]{view['title']}:[/] {view['summary']}")


def _label(key: dict[str, Any]) -> str:
    parts = [str(v) for k, v in key.items() if k != "level"]
    return key["level"] if not parts else f"{key['level']} {' / '.join(parts)}"


@forecast_app.callback()
def forecast_command(
    ctx: typer.Context,
    db: DbOption = DEFAULT_DB,
    horizon: HorizonOption = 12,
    freq: Annotated[str, typer.Option("--freq", help="month or week.")] = "month",
    measure: Annotated[
        str, typer.Option("--measure", help="net_revenue, quantity, orders or net_contribution.")
    ] = "net_revenue",
    level: Annotated[
        str,
        typer.Option(
            "--level",
            help="Comma-separated levels: total, segment, region, owner, acquisition_mode, customer.",
        ),
    ] = "total,segment,owner",
    as_of: Annotated[
        dt.datetime | None,
        typer.Option(
            "--as-of", formats=["%Y-%m-%d"], help="Last day of data (default: the latest in the base)."
        ),
    ] = None,
    acting: AsOption = None,
    windows: WindowsOption = 3,
    jobs: JobsOption = 1,
    views: Annotated[
        bool,
        typer.Option("--views/--no-views", help="Add the customer-value view and the prospects' pipeline."),
    ] = True,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Series shown in the table.")] = 20,
    json: JsonOption = False,
    facts: FactsOption = None,
    engine: EngineOption = None,
) -> None:
    """Forecast one measure for the total and each level, coherent to the cent, with its backtest.

    Every series' model is chosen by a rolling-origin backtest on MASE (seasonal naive is the floor); the
    levels are reconciled with MinTrace; an incomplete last period is marked and never fitted.

    Example: clientbase forecast --db duckdb:///./clientbase.duckdb --horizon 12 --level total,segment,owner --json
    """
    if ctx.invoked_subcommand is not None:
        return
    with cli_errors():
        from clientbase.forecast.service import ForecastOptions, forecast_base

        options = ForecastOptions(
            horizon=horizon,
            freq=freq,
            measure=measure,
            levels=tuple(p.strip() for p in level.split(",") if p.strip()),
            as_of=as_of.date() if as_of else None,
            windows=windows,
            jobs=jobs,
            views=views,
        )
    with open_store(db) as store, cli_errors():
        actor = _actor(store, acting)
        with err_console.status("Forecasting ...") as status:
            result = forecast_base(
                store=facts_source(store, facts, engine), actor=actor, options=options, progress=status.update
            )
        document = result.document()
    if json:
        print_json(document)
    else:
        _print_document(document, limit)


def _actor(store: Any, manager_id: str | None) -> Any:
    from clientbase.registry.access import Actor, load_actor

    if manager_id is None:  # whoever holds the database file reads all of it, as `analyze` does
        return Actor("local", "analyst")
    with store.begin() as conn:
        return load_actor(conn, manager_id)


@forecast_app.command("file")
def forecast_file_command(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX/ODS or Parquet file.")],
    time_col: Annotated[str, typer.Option("--time-col", help="Column with the date or time.")],
    target_col: Annotated[str, typer.Option("--target-col", help="Column with the value to forecast.")],
    id_col: Annotated[
        str | None, typer.Option("--id-col", help="Column naming each series (several series get a total).")
    ] = None,
    horizon: HorizonOption = 12,
    freq: Annotated[
        str | None,
        typer.Option(
            "--freq", help="Cut the times into day, week, month, quarter or year (default: inferred)."
        ),
    ] = None,
    season: Annotated[
        int | None,
        typer.Option("--season", min=1, help="Periods in a season (default: a year of the frequency)."),
    ] = None,
    sheet: Annotated[str | None, typer.Option("--sheet", help="Sheet of a workbook.")] = None,
    windows: WindowsOption = 3,
    jobs: JobsOption = 1,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Series shown in the table.")] = 20,
    json: JsonOption = False,
) -> None:
    """Forecast the series of any file with the same model choice, backtest and intervals.

    Rows with the same id and time are added up; a period without rows counts 0.

    Example: clientbase forecast file sales.csv --time-col month --target-col sales --horizon 12 --json
    """
    with cli_errors():
        from clientbase.forecast.service import forecast_file

        with err_console.status("Forecasting ..."):
            result = forecast_file(
                path=file,
                time_col=time_col,
                target_col=target_col,
                id_col=id_col,
                horizon=horizon,
                freq=freq,
                season=season,
                windows=windows,
                jobs=jobs,
                sheet=sheet,
            )
        document = result.document()
    if json:
        print_json(document)
    else:
        _print_document(document, limit)


plan_app = App(
    help="The sales plan: targets per owner, segment and month, set by the head; actual and forecast against it.\n\n"
    "Example: clientbase plan set --as M01 --owner M03 --segment installers --month 2026-11 --target 120000",
    no_args_is_help=True,
)
app.add_typer(plan_app, name="plan")
MeasureOption = Annotated[
    str, typer.Option("--measure", help="net_revenue, quantity, orders or net_contribution.")
]
HeadOption = Annotated[
    str, typer.Option("--as", envvar="CLIENTBASE_USER", help="Manager id of the user acting (the head).")
]


@plan_app.command("set")
def plan_set_command(
    acting: HeadOption,
    month: Annotated[str, typer.Option("--month", help="Month planned, YYYY-MM.")],
    target: Annotated[str, typer.Option("--target", help="Target for the month, in the measure's unit.")],
    owner: Annotated[str, typer.Option("--owner", help="Manager id, or * for every owner.")] = "*",
    segment: Annotated[str, typer.Option("--segment", help="Segment, or * for every segment.")] = "*",
    measure: MeasureOption = "net_revenue",
    db: DbOption = DEFAULT_DB,
    json: JsonOption = False,
) -> None:
    """Set (or replace) one plan line. Only the head sets plans.

    Example: clientbase plan set --as M01 --owner M03 --segment installers --month 2026-11 --target 120000
    """
    with open_store(db) as store, cli_errors():
        from clientbase.forecast.plan import set_plan

        line = set_plan(
            store=store,
            actor=_actor(store, acting),
            month=month,
            target=target,
            owner_id=owner,
            segment=segment,
            measure=measure,
        )
    if json:
        print_json(line)
    else:
        console.print(
            f"plan {line['measure']} {line['month']:%Y-%m} owner {line['owner_id']} segment {line['segment']}: "
            f"{line['target']:,}"
        )


@plan_app.command("import")
def plan_import_command(
    file: Annotated[
        Path, typer.Argument(help="CSV or XLSX with owner_id, segment, month, target[, measure].")
    ],
    acting: HeadOption,
    db: DbOption = DEFAULT_DB,
    json: JsonOption = False,
) -> None:
    """Set every line of a plan file; one bad row and nothing is written.

    Example: clientbase plan import plan.csv --as M01
    """
    with open_store(db) as store, cli_errors():
        from clientbase.forecast.plan import import_plan

        result = import_plan(store=store, actor=_actor(store, acting), path=file)
    if json:
        print_json(result)
    else:
        console.print(f"{result['lines']} plan line(s) set from {result['file']}")


@plan_app.command("show")
def plan_show_command(
    acting: AsOption = None,
    measure: MeasureOption = "net_revenue",
    horizon: HorizonOption = 12,
    top: Annotated[int, typer.Option("--top", min=1, help="Customers listed per shortfall.")] = 5,
    jobs: JobsOption = 1,
    db: DbOption = DEFAULT_DB,
    json: JsonOption = False,
) -> None:
    """Actual and forecast against the plan: the gap of every line and the customers that carry it.

    Example: clientbase plan show --as M03 --measure net_revenue --top 5
    """
    with open_store(db) as store, cli_errors():
        from clientbase.forecast.plan import plan_vs_forecast

        with err_console.status("Forecasting the customers of the plan ..."):
            result = plan_vs_forecast(
                store=store, actor=_actor(store, acting), measure=measure, horizon=horizon, jobs=jobs, top=top
            )
    if json:
        print_json(result)
        return
    table = Table(title=f"Plan against actual and forecast ({measure}, data to {result['as_of']})")
    for column in ("month", "owner", "segment", "target", "basis", "value", "gap"):
        table.add_column(column, justify="right" if column in ("target", "value", "gap") else "left")
    for line in result["lines"]:
        gap = line["gap"]
        shown = "" if gap is None else (f"[red]{_money(gap)}[/]" if gap < 0 else _money(gap))
        table.add_row(
            line["month"],
            line["owner_id"],
            line["segment"],
            _money(line["target"]),
            line["basis"],
            _money(line["value"]),
            shown,
        )
    console.print(table)
    for group in result["shortfalls"]:
        console.print(
            f"[bold]{group['owner_id']} / {group['segment']}[/]: forecast {_money(group['forecast'])} against "
            f"{_money(group['target'])} over {group['months']} month(s), gap {_money(group['gap'])}; largest "
            "expected shortfalls: "
            + ", ".join(f"{c['counterparty_id']} {_money(c['shortfall'])}" for c in group["customers"])
        )
