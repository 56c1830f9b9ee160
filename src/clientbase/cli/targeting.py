"""``acquisition``: what each channel and mode brought in profit; ``targets``: the prospects worth winning.

Only typer, rich, the standard library and ``clientbase.cli.common`` load with the CLI; the targeting
library (pandas, Ibis, scikit-learn) is imported when a command runs.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
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
from clientbase.cli.main import app

AsOfOption = Annotated[
    dt.datetime | None,
    typer.Option(
        "--as-of",
        formats=["%Y-%m-%d"],
        help="Day the history is read to (default: the latest date in the data).",
    ),
]
SinceOption = Annotated[
    dt.datetime | None,
    typer.Option(
        "--since",
        formats=["%Y-%m-%d"],
        help="First creation day of the prospects counted (default: the first day with an order line or activity).",
    ),
]
ActingOption = Annotated[
    str,
    typer.Option(
        "--as", envvar="CLIENTBASE_USER", help="Manager id of the user acting (or set CLIENTBASE_USER)."
    ),
]


def _date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


def _actor(store: Any, manager_id: str) -> Any:
    from clientbase.registry.access import load_actor

    with store.begin() as conn:
        return load_actor(conn, manager_id)


def _money(value: Any) -> str:
    return "" if value is None else f"{Decimal(value):,.0f}"


def _share(value: Any) -> str:
    return "" if value is None else f"{float(value):.0%}"


def _print_acquisition(doc: dict[str, Any], cohorts: bool) -> None:
    cur = doc["currency"]
    console.print(
        f"[bold]Acquisition in profit[/] of the prospects created {doc['since']} to {doc['as_of']} ({cur}); "
        f"{doc['records_before_since']:,} records created earlier are left out (--since)."
    )
    table = Table(title="Targeted against spontaneous, per channel (* first 12 months not yet over for all)")
    headers = (
        "channel",
        "mode",
        "prospects",
        "won",
        "conv.",
        "days to 1st order",
        "cost / won",
        "12-month net / won",
        "after cost",
        "to date / won",
        "payback month",
        "active",
        "loss-making",
    )
    for h in headers:
        table.add_column(h, justify="left" if h in ("channel", "mode") else "right")
    for pair in doc["targeted_vs_spontaneous"]:
        for mode in ("targeted", "spontaneous"):
            r = pair[mode]
            if r is None:
                continue
            table.add_row(
                pair["channel"],
                mode,
                f"{r['prospects']:,}",
                f"{r['converted']:,}",
                _share(r["conversion_rate"]),
                "" if r["days_to_first_order"] is None else f"{r['days_to_first_order']:.0f}",
                _money(r["cost_per_acquired"]),
                _money(r["first12_per_acquired"]) + ("" if r["first12_over"] else " *"),
                _money(r["net_first12_per_acquired"]),
                _money(r["to_date_per_acquired"]),
                "not yet" if r["payback_month"] is None else str(r["payback_month"]),
                _share(r["still_active_share"]),
                _share(r["loss_making_share"]),
            )
        if pair["channel"] != "all channels":
            table.add_section()
    console.print(table)
    c = doc["campaigns"]
    console.print(
        f"Campaigns: {c['count']} ({_money(c['allocated_cost'])} {cur} shared by their prospects"
        + (
            f"; {_money(c['unallocated_cost'])} {cur} of {len(c['unallocated'])} matched no prospect"
            if c["unallocated"]
            else ""
        )
        + ")."
    )
    if cohorts:
        months = Table(
            title="Cohorts by channel, mode and month of creation (* first 12 months not yet over)"
        )
        for h in (
            "channel",
            "mode",
            "month",
            "prospects",
            "won",
            "conv.",
            "cost / won",
            "12-month net / won",
            "payback",
        ):
            months.add_column(h, justify="left" if h in ("channel", "mode", "month") else "right")
        for r in doc["cohorts"]:
            months.add_row(
                r["channel"],
                r["mode"],
                r["cohort"],
                str(r["prospects"]),
                str(r["converted"]),
                _share(r["conversion_rate"]),
                _money(r["cost_per_acquired"]),
                _money(r["first12_per_acquired"]) + ("" if r["first12_over"] else " *"),
                "" if r["payback_month"] is None else str(r["payback_month"]),
            )
        console.print(months)


@app.command("acquisition")
def acquisition_command(
    acting: ActingOption = "",
    db: DbOption = DEFAULT_DB,
    as_of: AsOfOption = None,
    since: SinceOption = None,
    active_days: Annotated[
        int,
        typer.Option(
            "--active-days", min=1, help="A customer with an order line this recently is still active."
        ),
    ] = 180,
    cohorts: Annotated[bool, typer.Option("--cohorts", help="Also show every monthly cohort.")] = False,
    chart: Annotated[
        Path | None,
        typer.Option("--chart", help="Write the targeted-vs-spontaneous chart (.html, .svg or .png)."),
    ] = None,
    json: JsonOption = False,
) -> None:
    """What each acquisition channel and mode brought in profit: cohorts of prospects by channel, mode and
    month of creation, conversion, time to first order, cost to win (activities before the first order at
    the cost-driver rates, plus campaigns.csv), 12-month and to-date net contribution per customer won,
    payback month, share still active and share loss-making; targeted against spontaneous per channel.
    Company figures every role may read (--as, when given, must be a known, active user).

    Example: clientbase acquisition --db duckdb:///./clientbase.duckdb --chart acquisition.html
    """
    with open_store(db) as store, cli_errors():
        from clientbase.registry.access import Actor
        from clientbase.targeting.cohorts import CohortOptions
        from clientbase.targeting.service import acquisition

        doc = acquisition(
            store=store,
            actor=_actor(store, acting) if acting else Actor("-", "analyst"),
            as_of=_date(as_of),
            since=_date(since),
            options=CohortOptions(active_days=active_days),
        )
        if chart is not None:
            from clientbase.targeting.charts import acquisition_chart, write_chart

            write_chart(acquisition_chart(doc), chart)
    if json:
        print_json(doc)
    else:
        _print_acquisition(doc, cohorts)
        if chart is not None:
            console.print(f"Chart written to {chart}.")


def _print_targets(doc: dict[str, Any], shown: int) -> None:
    cur = doc["currency"]
    v = doc["validation"]
    method = "the model" if doc["method"] == "model" else "the cohort rates of channel and mode"
    console.print(
        f"[bold]Prospects worth winning[/] as of {doc['as_of']}, scored by {method}; horizon {doc['horizon_days']} days."
    )
    if doc["reason"]:
        console.print(
            f"[yellow]Too little history to fit a model: {doc['reason']}; the cohort rates stand in.[/]"
        )
    if v["auc"] is not None:
        console.print(
            f"Time-split validation (fitted before {v['cutoff']}, judged on {v['test_prospects']:,} prospects "
            f"created from then on): AUC {v['auc']:.3f} (cohort rates {v['auc_cohort_rates']:.3f}), Brier "
            f"{v['brier']:.3f} (base rate {v['brier_base_rate']:.3f}), top-decile lift {v['top_decile_lift']:.2f} "
            f"(cohort rates {v['top_decile_lift_cohort_rates']:.2f})."
        )
        console.print(
            "Calibration by decile of P(convert), predicted -> observed (prospects): "
            + " · ".join(
                f"{_share(c['predicted'])} -> {_share(c['observed'])} ({c['prospects']:,})"
                for c in v["calibration"]
            )
        )
    elif v["reason"]:
        console.print(f"[yellow]No validation: {v['reason']}.[/]")
    profit = v.get("profit")
    if profit:
        console.print(
            f"Working the top {profit['top_share']:.0%} ({profit['worked']} of {profit['prospects']}) by expected value "
            f"would have brought {_money(profit['top']['model'])} {cur} in 12 months after the cost to win, against "
            f"{_money(profit['all'])} working all of them, {_money(profit['random'])} for a random {profit['top_share']:.0%}, "
            f"{_money(profit['top']['conversion_only'])} ranked by P(convert) alone."
        )
    conversion = [f["field"] for f in doc["fields"] if f["conversion"]]
    contribution = [f["field"] for f in doc["fields"] if f["contribution"]]
    console.print(
        f"Who converts: {', '.join(conversion) or 'none'}; what a customer brings: "
        f"{', '.join(contribution) or 'none'} (--json says why the other fields are not used)."
    )
    prof = Table(title="The profile: groups of prospects from the most to the least worth winning")
    for h in ("rank", "group", "prospects", "conv.", "12-month net / won", "expected value"):
        prof.add_column(h, justify="left" if h == "group" else "right")
    for r in doc["profile"]:
        prof.add_row(
            f"{r['rank']}/{r['of']}",
            r["description"],
            f"{r['prospects']:,}",
            _share(r["conversion_rate"]),
            _money(r["first12_per_customer"]),
            _money(r["expected_value"]),
        )
    console.print(prof)
    ranked = Table(title=f"Open prospects by expected value ({shown:,} of {doc['open_prospects']:,})")
    for h in (
        "rank",
        "owner #",
        "prospect",
        "name",
        "owner",
        "P(convert)",
        "12-month if won",
        "cost to win",
        "expected value",
        "for",
        "against",
    ):
        if h == "name":
            ranked.add_column(h, no_wrap=True, overflow="ellipsis", max_width=26)
        else:
            ranked.add_column(h, justify="left" if h in ("prospect", "owner", "for", "against") else "right")
    for p in doc["prospects"][:shown]:
        pro = ", ".join(f"{f['field']}={f['value']}" for f in p["factors"] if f["direction"] == "for")
        con = ", ".join(f"{f['field']}={f['value']}" for f in p["factors"] if f["direction"] == "against")
        ranked.add_row(
            str(p["rank"]),
            str(p["owner_rank"]),
            p["counterparty_id"],
            p.get("name") or "",
            p.get("owner_id") or "",
            f"{p['p_convert']:.0%}",
            _money(p["expected_contribution"]),
            _money(p["expected_cost"]),
            _money(p["expected_value"]),
            pro,
            con,
        )
    console.print(ranked)


@app.command("targets")
def targets_command(
    acting: ActingOption = "",
    db: DbOption = DEFAULT_DB,
    owner: Annotated[str | None, typer.Option("--owner", help="Only this manager's prospects.")] = None,
    as_of: AsOfOption = None,
    since: SinceOption = None,
    horizon_days: Annotated[
        int | None,
        typer.Option(
            "--horizon-days", min=1, help="Days a prospect has to convert (default: from the history)."
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Prospects shown in the table.")] = 20,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the ranked list for a campaign (.xlsx or .csv).")
    ] = None,
    json: JsonOption = False,
) -> None:
    """The prospects worth winning: P(convert), expected 12-month net contribution if won, expected cost
    to win and expected value, with the top factors for and against, ranked per owner; the profile of the
    customers worth winning; the time-split validation (AUC, Brier, calibration, top-decile lift, profit
    of working the top 20 %). A manager sees their own prospects, the head and analysts all.

    Example: clientbase targets --as M01 --owner M03 --db duckdb:///./clientbase.duckdb --out m03.xlsx
    """
    if not acting:
        raise typer.BadParameter("say who is asking: --as <manager id> (or set CLIENTBASE_USER)")
    with open_store(db) as store, cli_errors():
        from clientbase.targeting.service import targets
        from clientbase.targeting.validation import TargetOptions

        doc = targets(
            store=store,
            actor=_actor(store, acting),
            owner=owner,
            as_of=_date(as_of),
            since=_date(since),
            options=TargetOptions(horizon_days=horizon_days),
            export_to=out,
        )
    if json:
        print_json(doc)
        return
    _print_targets(doc, min(limit, len(doc["prospects"])))
    if out is not None:
        console.print(f"{doc['export']['rows']:,} prospects written to {out}.")
