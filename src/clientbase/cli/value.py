"""``value``: every customer's lifetime value, churn risk, segment, ABC/XYZ class and payment discipline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
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

if TYPE_CHECKING:  # the models pull in scipy.stats (over a second): imported when the command runs
    from clientbase.decisions.value import CustomerValue


def _two_percentages(text: str, option: str) -> tuple[Decimal, Decimal]:
    parts = [p.strip() for p in text.split(",")]
    try:
        first, second = (Decimal(p) for p in parts)
    except (ValueError, ArithmeticError):
        raise typer.BadParameter(f"give two percentages separated by a comma, e.g. {option} 80,15") from None
    return first / 100, second / 100


def _cell(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def _print(value: CustomerValue, limit: int) -> None:
    o, n, now = value.options, len(value.customers), value.customers_in_period
    console.print(
        f"[bold]Customer value[/] as of {value.as_of} of the {n:,} customers with a purchase by then: "
        f"{now:,} customers with an order line in the period {value.period.start} to {value.period.end} "
        f"and {n - now:,} who bought only before it. CLV over {o.horizon_months} months at "
        f"{o.monthly_discount_rate:.2%} a month on net contribution (the P&L of that period)."
    )
    table = Table(title=f"Top {min(limit, len(value.customers))} customers by lifetime value")
    columns = (
        ("customer", "counterparty_id", 0),
        ("name", "name", 0),
        ("CLV", "clv", 2),
        ("P(alive)", "p_alive", 2),
        ("churn rank", "churn_rank", 0),
        ("purchases 90d", "expected_purchases_90d", 1),
        ("segment", "rfm_segment", 0),
        ("ABC rev", "abc_revenue", 0),
        ("ABC profit", "abc_profit", 0),
        ("XYZ", "xyz", 0),
        ("days to pay", "avg_days_to_pay", 0),
        ("terms", "payment_days", 0),
        ("late %", "share_paid_late", 0),
    )
    for title, _, _ in columns:
        left = title in ("customer", "name", "segment")
        if title == "name":
            table.add_column(title, no_wrap=True, overflow="ellipsis", max_width=28)
        else:
            table.add_column(title, justify="left" if left else "right")
    for row in value.customers.head(limit).to_dict("records"):
        cells = []
        for _, key, digits in columns:
            v = row[key]
            if key == "share_paid_late" and isinstance(v, float) and v == v:
                v = 100 * v
            cells.append(_cell(v, digits))
        table.add_row(*cells)
    console.print(table)
    at_risk = value.churn_ranking()
    at_risk = at_risk[at_risk["net_contribution"] > 0].head(min(limit, 10))
    churn = Table(title="Highest churn risk among the customers with a positive net contribution")
    for title in ("customer", "name", "P(alive)", "purchases 90d", "days since last", "net contribution"):
        if title == "name":
            churn.add_column(title, no_wrap=True, overflow="ellipsis", max_width=28)
        else:
            churn.add_column(title, justify="left" if title == "customer" else "right")
    for row in at_risk.to_dict("records"):
        churn.add_row(
            str(row["counterparty_id"]),
            _cell(row["name"]),
            _cell(row["p_alive"]),
            _cell(row["expected_purchases_90d"], 1),
            _cell(row["days_since_last"]),
            _cell(row["net_contribution"]),
        )
    console.print(churn)
    counts = ", ".join(f"{name} {n}" for name, n in value.segment_counts().items())
    console.print(f"[bold]Segments:[/] {counts}")
    box = value.abc_xyz()
    matrix = Table(title="ABC x XYZ")
    matrix.add_column("")
    for x in "XYZ":
        matrix.add_column(x, justify="right")
    for a in "ABC":
        matrix.add_row(a, *[str(box[a + x]) for x in "XYZ"])
    console.print(matrix)
    flagged = value.a_revenue_c_profit()
    console.print(
        f"[bold]{len(flagged)} customer(s) are A by net revenue but C or loss-making by net contribution[/]"
        + (": " + ", ".join(str(c) for c in flagged["counterparty_id"].head(20)) if len(flagged) else ".")
    )


@app.command("value")
def value_command(
    db: DbOption = DEFAULT_DB,
    as_of: Annotated[
        dt.datetime | None,
        typer.Option(
            "--as-of",
            formats=["%Y-%m-%d"],
            help="Purchases up to this day count (default: latest order date).",
        ),
    ] = None,
    horizon_months: Annotated[
        int, typer.Option("--horizon-months", min=1, help="Months of future purchases in the CLV.")
    ] = 12,
    discount_rate: Annotated[
        float,
        typer.Option("--monthly-discount-rate", help="Discount rate per month for the CLV (0.01 = 1 %)."),
    ] = 0.01,
    model: Annotated[
        str, typer.Option("--model", help="Purchase model: bgnbd (BG/NBD) or mbgnbd (MBG/NBD).")
    ] = "bgnbd",
    abc: Annotated[
        str, typer.Option("--abc", help="ABC shares in percent: A, then B (C is the rest).")
    ] = "80,15",
    xyz: Annotated[
        str,
        typer.Option(
            "--xyz",
            help="XYZ limits of the coefficient of variation of monthly demand in percent: X, then Y.",
        ),
    ] = "50,100",
    limit: Annotated[int, typer.Option("--limit", min=1, help="Customers shown in the table.")] = 20,
    json: JsonOption = False,
    facts: FactsOption = None,
    engine: EngineOption = None,
) -> None:
    """Lifetime value and churn risk of every customer, with RFM segment, ABC/XYZ class and payment discipline.

    CLV is on net contribution per purchase (from the per-customer P&L), not revenue. --json prints every
    customer, the segment counts, the ABC-XYZ nine-box and the customers A by revenue but C by profit.

    Example: clientbase value --db duckdb:///./clientbase.duckdb --horizon-months 12 --abc 80,15 --limit 20
    """
    a_share, b_share = _two_percentages(abc, "--abc")
    x_limit, y_limit = _two_percentages(xyz, "--xyz")
    with cli_errors():
        from clientbase.analytics.segments import AbcThresholds, XyzThresholds
        from clientbase.decisions.value import ValueOptions, customer_value

        options = ValueOptions(
            horizon_months=horizon_months,
            monthly_discount_rate=discount_rate,
            model=model,
            abc=AbcThresholds(a=a_share, b=b_share),
            xyz=XyzThresholds(x=float(x_limit), y=float(y_limit)),
        )
    with open_store(db) as store, cli_errors():
        value = customer_value(
            facts_source(store, facts, engine), as_of=as_of.date() if as_of else None, options=options
        )
    if json:
        print_json(value.document())
    else:
        _print(value, limit)
