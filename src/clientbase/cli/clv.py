"""``clv fit``: fit a customer-value model (BG/NBD, MBG/NBD, Pareto/NBD, Gamma-Gamma) to any transaction file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from clientbase.cli.common import JsonOption, cli_errors, console, print_json
from clientbase.cli.help import App
from clientbase.cli.main import app
from clientbase.errors import Problem, ValidationError

if TYPE_CHECKING:
    import duckdb
    import ibis.expr.types as ir

    from clientbase.models import FittedModel

clv_app = App(
    help="Customer lifetime value models fitted to a transaction file.\n\n"
    "Example: clientbase clv fit orders.csv --customer-col customer --date-col date --calibration-end 1997-09-30",
    no_args_is_help=True,
)
app.add_typer(clv_app, name="clv")

MODEL_CHOICES = ("bgnbd", "mbgnbd", "pareto", "gammagamma")
SPREADSHEETS = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _problem(
    file: Path, rule: str, *, column: str | None = None, row: int | None = None, value: Any = None
) -> ValidationError:
    shown = None if value is None else str(value)
    return ValidationError([Problem(file.name, row, column, shown, rule)])


def _load_spreadsheet(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    import pyarrow as pa
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=True)
    if not rows:
        raise _problem(path, "the first sheet is empty")
    header = [str(h).strip() for h in rows[0]]
    columns: dict[str, Any] = {}
    for i, name in enumerate(header):
        values = [row[i] if i < len(row) and row[i] != "" else None for row in rows[1:]]
        try:
            columns[name] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            columns[name] = pa.array([None if v is None else str(v) for v in values], pa.string())
    con.register("_sheet", pa.table(columns))
    con.execute("CREATE TABLE transactions AS SELECT * FROM _sheet")
    con.unregister("_sheet")


def load_transactions(
    con: duckdb.DuckDBPyConnection, path: Path, *, date_col: str, date_format: str | None
) -> None:
    """Table ``transactions`` in ``con`` from a CSV, Parquet or spreadsheet file, its date column parsed."""
    import duckdb

    if not path.is_file():
        raise _problem(path, f"file not found: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix in SPREADSHEETS:
            _load_spreadsheet(con, path)
        elif suffix == ".parquet":
            con.execute("CREATE TABLE transactions AS SELECT * FROM read_parquet(?)", [str(path)])
        else:
            # dates are read as text and parsed below, so a bad date is reported with its row, not as a crash
            sniffed = [
                r[0] for r in con.execute("DESCRIBE SELECT * FROM read_csv(?)", [str(path)]).fetchall()
            ]
            types = {date_col: "VARCHAR"} if date_col in sniffed else {}
            con.execute(
                "CREATE TABLE transactions AS SELECT * FROM read_csv(?, types = ?)"
                if types
                else "CREATE TABLE transactions AS SELECT * FROM read_csv(?)",
                [str(path), types] if types else [str(path)],
            )
    except duckdb.Error as exc:
        raise _problem(path, f"cannot read the file as {suffix.lstrip('.') or 'CSV'}: {exc}") from None
    names = [row[0] for row in con.execute("SELECT column_name FROM (DESCRIBE transactions)").fetchall()]
    if date_col not in names:
        raise _problem(
            path,
            f"date column not found; the columns are {', '.join(names)} (choose one with --date-col)",
            column=date_col,
        )
    kind = con.execute(
        "SELECT column_type FROM (DESCRIBE transactions) WHERE column_name = ?", [date_col]
    ).fetchall()[0][0]
    column = _quote(date_col)
    if date_format is not None:
        parsed = f"try_strptime(CAST({column} AS VARCHAR), ?)::DATE"
        params: list[Any] = [date_format]
    elif kind.startswith(("DATE", "TIMESTAMP")):
        return
    else:
        parsed = f"TRY_CAST(CAST({column} AS VARCHAR) AS DATE)"
        params = []
    bad = con.execute(
        f"SELECT rowid + 1, CAST({column} AS VARCHAR) FROM transactions "
        f"WHERE {column} IS NOT NULL AND {parsed} IS NULL ORDER BY rowid LIMIT 1",
        params,
    ).fetchall()
    if bad:
        hint = (
            f"not a date in the format {date_format!r}"
            if date_format
            else "not a date; write dates as YYYY-MM-DD or give --date-format (e.g. --date-format %Y%m%d)"
        )
        raise _problem(path, hint, column=date_col, row=int(bad[0][0]), value=bad[0][1])
    con.execute(
        f"CREATE OR REPLACE TABLE transactions AS SELECT * REPLACE ({parsed} AS {column}) FROM transactions",
        params,
    )


def fit_model_to_summary(summary: ir.Table, model_name: str) -> FittedModel:
    """Fit the named model to an RFM summary table; identical rows are grouped in the engine first."""
    from clientbase.analytics.rfm import rfm_groups
    from clientbase.models import MODELS

    model = MODELS[model_name]()
    if model_name == "gammagamma":
        if "monetary_value" not in summary.columns:
            raise ValidationError(
                [
                    Problem(
                        "options", None, "--amount-col", None, "the gammagamma model needs purchase amounts"
                    )
                ]
            )
        groups = rfm_groups(
            summary.filter(summary.frequency > 0), columns=("frequency", "monetary_value")
        ).to_pyarrow()
        return model.fit(  # type: ignore[attr-defined]
            groups["frequency"].to_numpy(),
            groups["monetary_value"].to_numpy(),
            weights=groups["weight"].to_numpy(),
        )
    groups = rfm_groups(summary).to_pyarrow()
    return model.fit(  # type: ignore[attr-defined]
        groups["frequency"].to_numpy(),
        groups["recency"].to_numpy(),
        groups["T"].to_numpy(),
        weights=groups["weight"].to_numpy(),
    )


@clv_app.command("fit")
def fit_command(
    file: Annotated[Path, typer.Argument(help="Transactions: CSV, Parquet or XLSX, one row per purchase.")],
    customer_col: Annotated[str, typer.Option("--customer-col", help="Column naming the customer.")],
    date_col: Annotated[str, typer.Option("--date-col", help="Column with the purchase date.")],
    calibration_end: Annotated[
        str, typer.Option("--calibration-end", help="Last day of the calibration period, YYYY-MM-DD.")
    ],
    amount_col: Annotated[
        str | None,
        typer.Option("--amount-col", help="Column with the purchase value (needed by gammagamma)."),
    ] = None,
    time_unit: Annotated[str, typer.Option("--time-unit", help="day, week or month.")] = "week",
    model: Annotated[str, typer.Option("--model", help="bgnbd, mbgnbd, pareto or gammagamma.")] = "bgnbd",
    date_format: Annotated[
        str | None, typer.Option("--date-format", help="strptime format of the dates, e.g. %Y%m%d.")
    ] = None,
    json: JsonOption = False,
) -> None:
    """Fit a BTYD model to the RFM summary of a transaction file and print its parameters.

    Purchases of one customer on the same day are merged; frequency counts repeat purchase days, recency
    and T are measured in --time-unit up to --calibration-end (later rows are ignored). Models: bgnbd
    (Fader, Hardie & Lee 2005), mbgnbd, pareto (Pareto/NBD) and gammagamma (spend per purchase; needs
    --amount-col, fitted on repeat buyers). The output is {model, params, std_errors, log_likelihood,
    n_customers}.

    Example: clientbase clv fit orders.csv --customer-col customer --date-col date --amount-col amount --calibration-end 1997-09-30 --model bgnbd --json
    """
    import ibis

    from clientbase.analytics.rfm import rfm_summary

    with cli_errors():
        if model not in MODEL_CHOICES:
            raise ValidationError(
                [
                    Problem(
                        "options",
                        None,
                        "--model",
                        model,
                        f"unknown model; use one of {', '.join(MODEL_CHOICES)}",
                    )
                ]
            )
        try:
            end = dt.date.fromisoformat(calibration_end)
        except ValueError:
            raise ValidationError(
                [
                    Problem(
                        "options", None, "--calibration-end", calibration_end, "not a date; write YYYY-MM-DD"
                    )
                ]
            ) from None
        con = ibis.duckdb.connect()
        try:
            load_transactions(con.con, file, date_col=date_col, date_format=date_format)
            summary = rfm_summary(
                con.table("transactions"),
                customer_col=customer_col,
                date_col=date_col,
                amount_col=amount_col,
                calibration_end=end,
                time_unit=time_unit,
                where=file.name,
            )
            fitted = fit_model_to_summary(summary, model)
        finally:
            con.disconnect()
    document = fitted.to_dict()
    document["time_unit"] = time_unit
    document["calibration_end"] = end.isoformat()
    if json:
        print_json(document)
        return
    table = Table(title=f"{model} fitted to {file.name} (time unit: {time_unit}, calibration end {end})")
    for column in ("name", "estimate", "std error"):
        table.add_column(column, justify="left" if column == "name" else "right")
    for name, estimate in fitted.params_.items():
        error = fitted.std_errors_.get(name, float("nan"))
        table.add_row(name, f"{estimate:.6g}", f"{error:.4g}")
    console.print(table)
    console.print(f"log-likelihood {fitted.log_likelihood_:,.2f} on {fitted.n_customers_:,} customers")
