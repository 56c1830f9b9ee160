"""``init``, ``import-folder`` and ``export-folder``: a new base, and the exchange format in and out."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from clientbase.cli.common import (
    DEFAULT_DB,
    DbOption,
    JsonOption,
    cli_errors,
    console,
    err_console,
    open_store,
    print_json,
)
from clientbase.cli.main import app
from clientbase.errors import NotFoundError

if TYPE_CHECKING:
    from clientbase.exchange import LoadReport


SkipInvalidOption = Annotated[
    bool,
    typer.Option(
        "--skip-invalid",
        help="Load the valid rows and list the others in the error report (else: all or nothing).",
    ),
]
ErrorsOption = Annotated[
    Path | None,
    typer.Option("--errors", help="Error report CSV (default: <folder or file>-errors.csv beside it)."),
]


@contextlib.contextmanager
def reporting_problems(source: Path, errors: Path | None) -> Iterator[None]:
    """Write the problems of a refused load to the error report, say where, and let the error go on."""
    from clientbase.errors import StaleRowsError, ValidationError
    from clientbase.outputs import error_report_path, write_error_report

    try:
        yield
    except (ValidationError, StaleRowsError) as exc:
        path = write_error_report(exc.problems, error_report_path(source, errors))
        err_console.print(f"The problems are listed in {path}.", highlight=False)
        raise


def print_load(
    title: str, report: LoadReport, source: Path, errors: Path | None, as_json: bool, dry_run: bool
) -> None:
    """The counts of a load per table, and the error report of the rows it refused."""
    from clientbase.outputs import error_report_path, write_error_report

    written = None
    if report.problems:
        written = write_error_report(report.problems, error_report_path(source, errors))
    if as_json:
        print_json(
            {
                "dry_run": dry_run,
                "tables": report.as_dict(),
                "problems": report.total_problems,
                "error_report": str(written) if written else None,
            }
        )
        return
    table = Table(title=("Would load" if dry_run else "Loaded") + f" {title}")
    for column in ("table", "inserted", "updated", "unchanged", "rejected"):
        table.add_column(column, justify="left" if column == "table" else "right")
    for name, counts in report.tables.items():
        table.add_row(
            name,
            f"{counts.inserted:,}",
            f"{counts.updated:,}",
            f"{counts.unchanged:,}",
            f"{counts.rejected:,}",
        )
    console.print(table)
    if written:
        err_console.print(
            f"{report.total_problems:,} problem(s) in rows that were not loaded; they are listed in {written}.",
            highlight=False,
        )


@app.command("import-folder")
def import_folder_command(
    directory: Annotated[
        Path, typer.Argument(help="Folder of exchange CSV files (managers.csv, counterparties.csv ...).")
    ],
    db: DbOption = DEFAULT_DB,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and count, write nothing.")] = False,
    skip_invalid: SkipInvalidOption = False,
    overwrite_newer: Annotated[
        bool,
        typer.Option(
            "--overwrite-newer",
            help="Replace records changed in the database since the file was written (else: a conflict).",
        ),
    ] = False,
    errors: ErrorsOption = None,
    json: JsonOption = False,
) -> None:
    """Load a folder in the exchange format, all or nothing (into a new base when --db names none yet).

    Every file is validated against the common schema and the registry's record rules first; any bad file
    or row is reported with file, row, column, value and rule (also in the error report), and then nothing
    is written, unless --skip-invalid loads the valid rows. Rows whose key is already there are replaced when
    they differ and left alone when equal, so importing the same folder twice changes nothing; a record
    changed in the base after the file was written is a conflict, unless --overwrite-newer.

    Example: clientbase import-folder ./export --db duckdb:///./clientbase.duckdb
    """
    from clientbase.exchange import import_folder

    with open_store(db, create=True) as store, cli_errors(), reporting_problems(directory, errors):
        report = import_folder(
            store, directory, dry_run=dry_run, skip_invalid=skip_invalid, overwrite_newer=overwrite_newer
        )
    print_load(str(directory), report, directory, errors, json, dry_run)


@app.command("export-folder")
def export_folder_command(
    directory: Annotated[
        Path, typer.Argument(help="Folder to write the CSV files into (created if missing).")
    ],
    db: DbOption = DEFAULT_DB,
    format: Annotated[
        str,
        typer.Option(
            "--format",
            help="csv (the exchange folder) or parquet (a lake: one folder of Parquet files per table, "
            "what --facts reads).",
        ),
    ] = "csv",
) -> None:
    """Write every table to a folder of CSV files in the exchange format (docs/data-format.md), or as a
    Parquet lake with --format parquet (docs/scale.md).

    Example: clientbase export-folder ./export --db duckdb:///./clientbase.duckdb
    """
    from clientbase.exchange import export_folder

    with open_store(db) as store, cli_errors():
        written = export_folder(store, directory, format=format)
    for name, rows in written.items():
        console.print(f"{name:<22} {rows:>12,} rows")


@app.command("init")
def init_command(db: DbOption = DEFAULT_DB) -> None:
    """Create an empty base with the schema (a DuckDB file, or the tables in a PostgreSQL database).

    An existing base is left as it is (its schema brought up to date). Fill it with `clientbase import-folder`,
    `clientbase import` and `clientbase import-transactions`, or build the demo instead with `clientbase demo`.

    Example: clientbase init --db duckdb:////tmp/new.duckdb
    """
    from clientbase.store import connect

    with cli_errors():
        try:
            connect(db, create=False).close()
            existed = True
        except NotFoundError:
            existed = False
        if not existed:
            connect(db, create=True).close()
    console.print(
        f"{'The base already exists, schema up to date' if existed else 'Created an empty base'}: {db}"
    )
