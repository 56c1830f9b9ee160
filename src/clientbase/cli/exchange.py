"""``import-folder`` and ``export-folder``: the exchange format in and out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from clientbase.cli.common import DEFAULT_DB, DbOption, JsonOption, console, open_store, print_json
from clientbase.cli.main import app


@app.command("import-folder")
def import_folder_command(
    directory: Annotated[
        Path, typer.Argument(help="Folder of exchange CSV files (managers.csv, counterparties.csv ...).")
    ],
    db: DbOption = DEFAULT_DB,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and count, write nothing.")] = False,
    json: JsonOption = False,
) -> None:
    """Load a folder in the exchange format, all or nothing.

    Every file is validated against the common schema first; any bad file or row is reported with file,
    row, column, value and rule, and then nothing is written. Rows whose key is already there are replaced
    when they differ and left alone when equal, so importing the same folder twice changes nothing.

    Example: clientbase import-folder ./export --db duckdb:///./clientbase.duckdb
    """
    from clientbase.exchange import import_folder

    with open_store(db) as store:
        report = import_folder(store, directory, dry_run=dry_run)
    if json:
        print_json({"dry_run": dry_run, "tables": report.as_dict()})
        return
    table = Table(title=("Would load" if dry_run else "Loaded") + f" {directory}")
    for column in ("table", "inserted", "updated", "unchanged"):
        table.add_column(column, justify="left" if column == "table" else "right")
    for name, counts in report.tables.items():
        table.add_row(name, f"{counts.inserted:,}", f"{counts.updated:,}", f"{counts.unchanged:,}")
    console.print(table)


@app.command("export-folder")
def export_folder_command(
    directory: Annotated[
        Path, typer.Argument(help="Folder to write the CSV files into (created if missing).")
    ],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Write every table to a folder of CSV files in the exchange format (docs/data-format.md).

    Example: clientbase export-folder ./export --db duckdb:///./clientbase.duckdb
    """
    from clientbase.exchange import export_folder

    with open_store(db) as store:
        written = export_folder(store, directory)
    for name, rows in written.items():
        console.print(f"{name:<22} {rows:>12,} rows")
