"""The exchange format: a folder of CSV files, one per table (see docs/data-format.md).

``import_folder`` reads every file with DuckDB (all values as text, so that the schema's rules — not the CSV
sniffer — decide what is valid), validates and merges atomically. ``export_folder`` writes every table, the
history beside the data, sorted by key and in one snapshot of the store, so export -> import into an empty
database reproduces it exactly. The files are byte-faithful: a value is written as stored (a name starting
with ``=`` stays so); they are for programs, not for opening in a spreadsheet (``export-list`` is).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from clientbase import schema
from clientbase.errors import ConfigurationError, Problem, ValidationError
from clientbase.exchange.load import LoadReport, Staged, check_columns, load_staged, new_validator
from clientbase.exchange.rules import ROW, q
from clientbase.outputs import output_folder

if TYPE_CHECKING:
    import duckdb

    from clientbase.store import Store


#: the longest CSV line read (a longer value is refused by its column's length anyway)
MAX_LINE_BYTES = 64 * 1024 * 1024


def exchange_files() -> dict[str, sa.Table]:
    """File name -> table, in load order: the data, then the history that travels with it."""
    return {f"{t.name}.csv": t for t in (*schema.EXCHANGE_TABLES, *schema.EXCHANGE_HISTORY_TABLES)}


def import_folder(
    store: Store,
    directory: str | Path,
    *,
    dry_run: bool = False,
    skip_invalid: bool = False,
    overwrite_newer: bool = False,
) -> LoadReport:
    """Load every ``<table>.csv`` of ``directory`` into ``store`` in one transaction.

    A bad file or row raises :class:`~clientbase.errors.ValidationError` naming file, row, column, value
    and rule, and nothing is written; with ``skip_invalid`` the good rows are loaded and the report's
    ``problems`` name the others. A record older than the stored one is a conflict
    (:class:`~clientbase.errors.StaleRowsError`) unless ``overwrite_newer``. Loading the same folder twice
    changes nothing the second time.

    Example:
        >>> from clientbase.store import connect
        >>> with connect("duckdb:///:memory:") as store:  # doctest: +SKIP
        ...     import_folder(store, "export/").as_dict()["order_lines"]
        {'inserted': 1000000, 'updated': 0, 'unchanged': 0}
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise ConfigurationError(
            f"{folder} is not a folder: give the folder that holds the exchange CSV files."
        )
    files = exchange_files()
    csvs = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv")
    unknown = [
        Problem(p.name, None, None, None, f"unknown file; the exchange files are: {', '.join(files)}")
        for p in csvs
        if p.name not in files
    ]
    unreadable = [
        Problem(p.name, None, None, None, _not_a_file(p)) for p in csvs if p.name in files and not p.is_file()
    ]
    if unknown or unreadable:
        raise ValidationError(unknown + unreadable)
    if not csvs:
        raise ConfigurationError(
            f"{folder} holds no exchange CSV files (expected some of: {', '.join(files)})."
        )
    validator = new_validator()
    try:
        staged: list[Staged] = []
        problems: list[Problem] = []
        for path in csvs:
            try:
                staged.append(stage_csv(validator, files[path.name], path, keep_going=skip_invalid))
            except ValidationError as exc:
                problems += exc.problems
        if problems:
            raise ValidationError(problems)
        return load_staged(
            store,
            validator,
            staged,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            overwrite_newer=overwrite_newer,
        )
    finally:
        validator.close()


def _not_a_file(path: Path) -> str:
    if path.is_symlink() and not path.exists():
        return f"a link to {path.readlink()}, which does not exist; replace it by the CSV file"
    if path.is_dir():
        return "a folder, not a CSV file; put the table's CSV file here instead"
    return "not a regular file; put the table's CSV file here instead"


def stage_csv(
    validator: duckdb.DuckDBPyConnection,
    table: sa.Table,
    path: Path,
    *,
    delimiter: str = ",",
    keep_going: bool = False,
) -> Staged:
    """Stage one CSV file of ``table`` (every value as text). Rows the CSV reader cannot split into the
    header's fields are problems: they refuse the file, or with ``keep_going`` are reported and left out."""
    import duckdb

    name = path.name
    literal = str(path).replace("'", "''")
    quoted_delimiter = delimiter.replace("'", "''")
    options = (
        f"header=true, delim='{quoted_delimiter}', quote='\"', escape='\"', auto_detect=false, strict_mode=true, "
        f"max_line_size={MAX_LINE_BYTES}"
    )
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header_row = next(csv.reader(handle, delimiter=delimiter), None)
    except UnicodeDecodeError as exc:
        raise ValidationError(
            [
                Problem(
                    name,
                    None,
                    None,
                    None,
                    f"not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8 CSV",
                )
            ]
        ) from exc
    except csv.Error as exc:
        raise ValidationError(
            [Problem(name, 1, None, None, f"the header cannot be read as CSV: {exc}")]
        ) from exc
    if not header_row or not any(h.strip() for h in header_row):
        raise ValidationError(
            [Problem(name, None, None, None, "the file is empty; it needs at least the header row")]
        )
    header = [h.strip() for h in header_row]
    problems = check_columns(table, header, name)
    if problems:
        raise ValidationError(problems)
    columns = "{" + ", ".join("'" + h.replace("'", "''") + "': 'VARCHAR'" for h in header) + "}"
    relation = f"raw_{table.name}"
    try:
        validator.execute(
            f"CREATE OR REPLACE TABLE {relation} AS SELECT row_number() OVER () + 1 AS {ROW}, * "
            f"FROM read_csv('{literal}', {options}, columns={columns}, store_rejects=true, "
            f"rejects_table='rejects_{table.name}', rejects_scan='scan_{table.name}')"
        )
    except duckdb.Error as exc:
        raise ValidationError(
            [Problem(name, None, None, None, f"cannot read the file as UTF-8 CSV: {exc}")]
        ) from exc
    rejects = validator.execute(
        "SELECT line, arg_min(column_name, coalesce(column_idx, -1)), arg_min(csv_line, coalesce(column_idx, -1)), "
        "arg_min(error_type, coalesce(column_idx, -1)), arg_min(error_message, coalesce(column_idx, -1)) "
        f"FROM rejects_{table.name} GROUP BY line ORDER BY line"
    ).fetchall()
    refused = [
        Problem(
            name,
            int(line),
            column,
            (csv_line or "").strip(),
            f"{message} (every row needs exactly the {len(header)} fields of the header; quote a value that "
            f"holds the delimiter {delimiter!r} or a quote)"
            if kind in ("MISSING COLUMNS", "TOO MANY COLUMNS")
            else str(message or kind or "cannot be read as CSV"),
        )
        for line, column, csv_line, kind, message in rejects
    ]
    if refused and not keep_going:
        raise ValidationError(refused)
    for line, *_ in rejects:  # number the rows as the file does: a refused row keeps its number
        validator.execute(f"UPDATE {relation} SET {ROW} = {ROW} + 1 WHERE {ROW} >= ?", [int(line)])
    kept = validator.execute(f"SELECT count(*) FROM {relation}").fetchall()[0][0]
    return Staged(
        table,
        relation,
        name,
        frozenset(header),
        rejected=refused,
        rejected_total=len(refused),
        rows=kept + len(refused),
    )


def export_folder(store: Store, directory: str | Path, *, format: str = "csv") -> dict[str, int]:
    """Write every exchange table to ``directory/<table>.csv`` (UTF-8, header, sorted by key), or with
    ``format="parquet"`` as a lake: ``directory/<table>/part-0.parquet`` (the schema's types kept; what
    ``--facts`` reads, :mod:`clientbase.analytics.lake`).

    Returns the number of rows written per file (per table folder for Parquet).

    Example:
        >>> from clientbase.store import connect
        >>> with connect("duckdb:///:memory:") as store:  # doctest: +SKIP
        ...     export_folder(store, "/tmp/export")["managers.csv"]
        0
    """
    if format not in ("csv", "parquet"):
        raise ConfigurationError(f"Unknown export format {format!r}; use csv or parquet.")
    folder = output_folder(directory)
    written: dict[str, int] = {}
    validator = new_validator()
    try:
        with store.snapshot() as view:  # every file from the same committed state
            for file_name, table in exchange_files().items():
                keys = ", ".join(q(k) for k in schema.key_columns(table))
                columns = ", ".join(q(c.name) for c in table.columns)
                if format == "parquet":
                    file_name = table.name
                    output_folder(folder / table.name)
                    target = str(folder / table.name / "part-0.parquet").replace("'", "''")
                    options = "FORMAT parquet"
                else:
                    target = str(folder / file_name).replace("'", "''")
                    options = "HEADER, DELIMITER ','"
                if view.duck is not None:
                    source, con = q(table.name), view.duck
                else:
                    # Stream from PostgreSQL as Arrow; the same DuckDB writer keeps the CSV format identical.
                    validator.register("_export", view.table(table.name).to_pyarrow())
                    source, con = "_export", validator
                con.execute(
                    f"COPY (SELECT {columns} FROM {source} ORDER BY {keys}) TO '{target}' ({options})"
                )
                written[file_name] = con.execute(f"SELECT count(*) FROM {source}").fetchall()[0][0]
    except OSError as exc:
        raise ConfigurationError(f"Cannot write into {folder}: {exc.strerror or exc}.") from None
    finally:
        validator.close()
    return written
