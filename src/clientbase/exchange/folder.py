"""The exchange format: a folder of CSV files, one per table (see docs/data-format.md).

``import_folder`` reads every file with DuckDB (all values as text, so that the schema's rules — not the CSV
sniffer — decide what is valid), validates and merges atomically. ``export_folder`` writes every table sorted
by key, so export -> import reproduces a database exactly.
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

if TYPE_CHECKING:
    import duckdb

    from clientbase.store import Store


def exchange_files() -> dict[str, sa.Table]:
    """File name -> table, in load order."""
    return {f"{t.name}.csv": t for t in schema.EXCHANGE_TABLES}


def import_folder(store: Store, directory: str | Path, *, dry_run: bool = False) -> LoadReport:
    """Load every ``<table>.csv`` of ``directory`` into ``store`` in one transaction.

    A bad file or row raises :class:`~clientbase.errors.ValidationError` naming file, row, column, value
    and rule, and nothing is written. Loading the same folder twice changes nothing the second time.

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
    unknown = [p.name for p in csvs if p.name not in files]
    if unknown:
        raise ValidationError(
            [
                Problem(name, None, None, None, f"unknown file; the exchange files are: {', '.join(files)}")
                for name in unknown
            ]
        )
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
                staged.append(_stage_csv(validator, files[path.name], path))
            except ValidationError as exc:
                problems += exc.problems
        if problems:
            raise ValidationError(problems)
        return load_staged(store, validator, staged, dry_run=dry_run)
    finally:
        validator.close()


def _stage_csv(validator: duckdb.DuckDBPyConnection, table: sa.Table, path: Path) -> Staged:
    import duckdb

    name = path.name
    literal = str(path).replace("'", "''")
    options = "header=true, delim=',', quote='\"', escape='\"', auto_detect=false, strict_mode=true"
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header_row = next(csv.reader(handle), None)
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
    if not header_row:
        raise ValidationError(
            [Problem(name, None, None, None, "the file is empty; it needs at least the header row")]
        )
    header = [h.strip() for h in header_row]
    problems = check_columns(table, header, name)
    if problems:
        raise ValidationError(problems)
    columns = "{" + ", ".join(f"'{h}': 'VARCHAR'" for h in header) + "}"
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
        "SELECT line, min_by(column_name, column_idx), min_by(csv_line, column_idx), min_by(error_type, column_idx), "
        f"min_by(error_message, column_idx) FROM rejects_{table.name} GROUP BY line ORDER BY line"
    ).fetchall()
    if rejects:
        raise ValidationError(
            [
                Problem(
                    name,
                    int(line),
                    column,
                    (csv_line or "").strip(),
                    f"{error_message} (every row needs exactly the {len(header)} fields of the header)"
                    if error_type in ("MISSING COLUMNS", "TOO MANY COLUMNS")
                    else str(error_message),
                )
                for line, column, csv_line, error_type, error_message in rejects
            ]
        )
    return Staged(table, relation, name, frozenset(header))


def export_folder(store: Store, directory: str | Path) -> dict[str, int]:
    """Write every exchange table to ``directory/<table>.csv`` (UTF-8, header, sorted by key).

    Returns the number of rows written per file.

    Example:
        >>> from clientbase.store import connect
        >>> with connect("duckdb:///:memory:") as store:  # doctest: +SKIP
        ...     export_folder(store, "/tmp/export")["managers.csv"]
        0
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    validator = new_validator()
    try:
        for file_name, table in exchange_files().items():
            keys = ", ".join(q(k) for k in schema.key_columns(table))
            columns = ", ".join(q(c.name) for c in table.columns)
            target = str(folder / file_name).replace("'", "''")
            if store.duck is not None:
                source, con = q(table.name), store.duck
            else:
                # Stream from PostgreSQL as Arrow; the same DuckDB writer keeps the CSV format identical.
                validator.register("_export", store.table(table.name).to_pyarrow())
                source, con = "_export", validator
            con.execute(
                f"COPY (SELECT {columns} FROM {source} ORDER BY {keys}) TO '{target}' (HEADER, DELIMITER ',')"
            )
            written[file_name] = con.execute(f"SELECT count(*) FROM {source}").fetchall()[0][0]
    finally:
        validator.close()
    return written
