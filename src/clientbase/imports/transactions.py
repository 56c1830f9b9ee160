"""Bulk transaction imports: order lines, invoices, payments or activities from one CSV or Parquet file.

The file is read by DuckDB (``read_csv`` with every value as text, or ``read_parquet``), never row by row in
Python, and handed to the engine-side loader of :mod:`clientbase.exchange.load`: the same validation (types,
required values, keys, duplicate keys, references to known counterparties, products, invoices and activity
kinds in the database or in the file, sign and minimum rules) with the same per-row error report (file, row,
column, value, rule), and the same atomic merge by key. So a monthly export appends to the base, and
re-importing an overlapping export adds nothing twice: rows whose key is there and equal are left alone,
changed ones are replaced, and any bad row means nothing is written.

Example:
    >>> import os, tempfile
    >>> import pyarrow as pa
    >>> from clientbase.exchange import load_tables
    >>> from clientbase.store import connect
    >>> store = connect("duckdb:///:memory:")
    >>> _ = load_tables(store, {
    ...     "managers": pa.table({"manager_id": ["M1"], "name": ["Anna Berg"]}),
    ...     "counterparties": pa.table({"counterparty_id": ["C1"], "name": ["Nordic Tools AB"],
    ...                                 "roles": ["customer"], "status": ["active"], "created_at": ["2024-01-02"],
    ...                                 "owner_id": ["M1"], "country": ["SE"], "payment_days": ["30"]}),
    ...     "products": pa.table({"product_id": ["P1"], "name": ["Drill"], "list_price": ["129.00"],
    ...                           "unit_cost": ["81.50"]})})
    >>> path = os.path.join(tempfile.mkdtemp(), "lines.csv")
    >>> _ = open(path, "w").write(
    ...     "order_id,line_no,counterparty_id,order_date,product_id,quantity,list_price,net_price,unit_cost\\n"
    ...     "O1,1,C1,2024-05-17,P1,3,129.00,116.10,81.50\\n")
    >>> import_transactions(store, path, table="order_lines").as_dict()["order_lines"]
    {'inserted': 1, 'updated': 0, 'unchanged': 0}
    >>> import_transactions(store, path, table="order_lines").as_dict()["order_lines"]
    {'inserted': 0, 'updated': 0, 'unchanged': 1}
    >>> store.close()
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from clientbase import schema
from clientbase.errors import ConfigurationError, Problem, ValidationError
from clientbase.exchange.folder import stage_csv
from clientbase.exchange.load import LoadReport, Staged, check_columns, load_staged, new_validator
from clientbase.exchange.rules import ROW
from clientbase.imports.spreadsheet import sniff_delimiter

if TYPE_CHECKING:
    import duckdb

    from clientbase.store import Store

TRANSACTION_TABLES = ("order_lines", "invoices", "payments", "activities")


def import_transactions(
    store: Store, path: str | Path, *, table: str, dry_run: bool = False, skip_invalid: bool = False
) -> LoadReport:
    """Validate the CSV or Parquet file ``path`` as rows of ``table`` and merge it into ``store`` atomically.

    Order headers (``orders``) are derived from order lines. Returns the counts per table (for a dry run,
    what would happen). With ``skip_invalid`` the good rows are loaded and the report's ``problems`` name
    the others.

    Raises:
        ConfigurationError: an unknown table or file type.
        ValidationError: every bad row and value (file, row, column, value, rule); nothing was written.
    """
    if table not in TRANSACTION_TABLES:
        raise ConfigurationError(
            f"Unknown transaction table {table!r}: use one of {', '.join(TRANSACTION_TABLES)}."
        )
    source = Path(path)
    if not source.is_file():
        what = "a folder, not a file" if source.is_dir() else "file not found; check the path"
        raise ValidationError([Problem(source.name, None, None, str(source), what)])
    target = schema.metadata.tables[table]
    validator = new_validator()
    try:
        suffix = source.suffix.lower()
        if suffix == ".parquet":
            staged = _stage_parquet(validator, target, source)
        elif suffix in (".csv", ".txt", ".tsv"):
            staged = stage_csv(
                validator, target, source, delimiter=_sniffed_delimiter(source), keep_going=skip_invalid
            )
        else:
            raise ConfigurationError(f"Cannot read {source.name}: give a .csv or .parquet file.")
        return load_staged(store, validator, [staged], dry_run=dry_run, skip_invalid=skip_invalid)
    finally:
        validator.close()


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _stage_parquet(validator: duckdb.DuckDBPyConnection, table: sa.Table, path: Path) -> Staged:
    import duckdb

    try:
        columns = [
            row[0]
            for row in validator.execute(f"DESCRIBE SELECT * FROM read_parquet({_literal(path)})").fetchall()
        ]
    except duckdb.Error as exc:
        raise ValidationError(
            [Problem(path.name, None, None, None, f"not a readable Parquet file: {exc}")]
        ) from exc
    problems = check_columns(table, columns, path.name)
    if problems:
        raise ValidationError(problems)
    relation = f"raw_{table.name}"
    # rows are numbered as a spreadsheet shows the table (the column names are row 1, the first row is row 2),
    # like a CSV file's rows and the Arrow tables of the exchange loader
    validator.execute(
        f"CREATE OR REPLACE TABLE {relation} AS SELECT file_row_number + 2 AS {ROW}, * EXCLUDE (file_row_number) "
        f"FROM read_parquet({_literal(path)}, file_row_number=true)"
    )
    return Staged(table, relation, path.name, frozenset(columns))


def _sniffed_delimiter(path: Path) -> str:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            head = handle.read(64 * 1024)
    except UnicodeDecodeError as exc:
        raise ValidationError(
            [Problem(path.name, None, None, None, f"not UTF-8 text ({exc.reason}); save it as UTF-8 CSV")]
        ) from exc
    return sniff_delimiter(head)
