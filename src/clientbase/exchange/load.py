"""Validate tables against the schema in bulk and write them to the store in one transaction.

The pipeline, for any source (CSV files, transaction files, the demo generator, Arrow tables):

1. *stage*: each table's rows go into an in-memory DuckDB (the validator) with a row number;
2. *validate*, table by table in load order (a table only references tables before it):
   every column rule of :mod:`clientbase.schema` with the spellings of :mod:`clientbase.formats` (types,
   ranges, required values, enums, minimums, decimals never rounded, text without NUL), duplicate keys, the
   registry's record rules for counterparties and contacts (:mod:`.records`: formats of VAT numbers,
   e-mails, phones, countries, what a record needs by role and status), and references to known keys in the
   store or in the batch;
3. *merge* (:mod:`.merge`): inside ONE transaction of the store, each table by the rule that fits it, so
   loading the same data twice changes nothing and any failure leaves the database as it was.

By default any problem refuses the whole load, every problem reported (file, row, column, value, rule).
With ``skip_invalid`` the good rows are loaded and the others reported: a row that fails a rule, a row that
refers to a refused row, a record older than the stored one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import sqlalchemy as sa

from clientbase import schema
from clientbase.errors import ConflictError, Problem, StaleRowsError, StoreError, ValidationError
from clientbase.exchange import merge as merging
from clientbase.exchange.merge import TableCounts
from clientbase.exchange.records import RECORD_TABLES, check_records
from clientbase.exchange.rules import ROW
from clientbase.exchange.validate import (
    Found,
    check_columns_and_keys,
    check_references,
    derive_orders,
    referenced_tables,
)

if TYPE_CHECKING:
    import duckdb

    from clientbase.store import Store

#: problems shown in a refusal (all are counted)
MAX_PROBLEMS = 1000
#: problems kept for the error report when invalid rows are skipped
REPORT_PROBLEMS = 100_000

__all__ = ["LoadReport", "Staged", "TableCounts", "check_columns", "load_staged", "load_tables"]


@dataclass
class LoadReport:
    """What a load did (or, for a dry run, would do), per table; ``problems`` of the rows it refused."""

    tables: dict[str, TableCounts] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: every problem, also those beyond ``problems``
    total_problems: int = 0

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {name: vars(c).copy() for name, c in self.tables.items()}


@dataclass
class Staged:
    """A table staged in the validator: ``relation`` is its name there; ``source`` names it in errors."""

    table: sa.Table
    relation: str
    source: str
    #: the columns the source gave; on update, the others keep their stored values
    present: frozenset[str]
    #: built from another staged table (orders from order_lines), whose own checks report its problems
    derived: bool = False
    #: rows the reader already refused (a CSV row with too many fields), and how many in all
    rejected: list[Problem] = field(default_factory=list)
    rejected_total: int = 0
    #: rows staged, refused ones included
    rows: int = 0


def new_validator() -> duckdb.DuckDBPyConnection:
    import duckdb

    return duckdb.connect(":memory:")


def stage_arrow(validator: duckdb.DuckDBPyConnection, table: sa.Table, data: pa.Table, source: str) -> Staged:
    """Stage an Arrow table (typed or all strings). Unknown columns are an error; missing optional ones are null."""
    problems = check_columns(table, list(data.column_names), source)
    if problems:
        raise ValidationError(problems)
    relation = f"raw_{table.name}"
    validator.register(f"arrow_{table.name}", data)
    validator.execute(
        f"CREATE OR REPLACE TABLE {relation} AS SELECT row_number() OVER () + 1 AS {ROW}, * FROM arrow_{table.name}"
    )
    validator.unregister(f"arrow_{table.name}")
    return Staged(table, relation, source, frozenset(data.column_names), rows=data.num_rows)


def check_columns(table: sa.Table, columns: list[str], source: str) -> list[Problem]:
    """Header problems: unknown, duplicated or missing required columns."""
    problems: list[Problem] = []
    known = {c.name for c in table.columns}
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            problems.append(Problem(source, 1, name, None, "column appears twice in the header"))
        seen.add(name)
        if name not in known:
            problems.append(
                Problem(
                    source,
                    1,
                    name,
                    None,
                    f"unknown column; the columns of {table.name} are: {', '.join(known_order(table))}",
                )
            )
    for column in table.columns:
        f: schema.Field = column.info["field"]
        if column.name not in seen and (f.required or (column.primary_key and not f.internal)):
            problems.append(
                Problem(source, 1, column.name, None, "required column is missing from the header")
            )
    return problems


def known_order(table: sa.Table) -> list[str]:
    return [c.name for c in table.columns]


def load_tables(
    store: Store,
    tables: Mapping[str, pa.Table],
    *,
    dry_run: bool = False,
    skip_invalid: bool = False,
    overwrite_newer: bool = False,
) -> LoadReport:
    """Validate ``tables`` (schema table name -> Arrow table) and merge them into ``store`` atomically.

    Columns are named as in :mod:`clientbase.schema`; optional columns may be left out. Raises
    :class:`~clientbase.errors.ValidationError` listing every problem, and then nothing is written (unless
    ``skip_invalid``: see :func:`load_staged`).

    Example:
        >>> import pyarrow as pa
        >>> from clientbase.store import connect
        >>> with connect("duckdb:///:memory:") as store:
        ...     report = load_tables(store, {"managers": pa.table({"manager_id": ["M1"], "name": ["Anna"]})})
        ...     report.tables["managers"].inserted
        1
    """
    validator = new_validator()
    try:
        staged = [
            stage_arrow(validator, schema.metadata.tables[name], data, name)
            for name, data in _in_load_order(tables).items()
        ]
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


def load_order() -> list[str]:
    """Every table a load may hold, each after the tables it references."""
    return [t.name for t in (*schema.EXCHANGE_TABLES, *schema.EXCHANGE_HISTORY_TABLES)] + ["demo_truth"]


def _in_load_order(tables: Mapping[str, Any]) -> dict[str, Any]:
    order = load_order()
    unknown = [name for name in tables if name not in order]
    if unknown:
        raise ValidationError(
            [Problem(name, None, None, None, "not a table the exchange format loads") for name in unknown]
        )
    return {name: tables[name] for name in sorted(tables, key=order.index)}


def load_staged(
    store: Store,
    validator: duckdb.DuckDBPyConnection,
    staged: list[Staged],
    *,
    dry_run: bool = False,
    skip_invalid: bool = False,
    overwrite_newer: bool = False,
) -> LoadReport:
    """Validate staged tables, then merge them into the store in one transaction (unless ``dry_run``).

    Raises:
        ValidationError: some row breaks a rule (and not ``skip_invalid``); nothing was written.
        StaleRowsError: some record is older than the stored one (and neither ``skip_invalid`` nor
            ``overwrite_newer``); nothing was written.
        ConflictError: another session wrote the same tables at the same moment; nothing was written.
    """
    by_name = {s.table.name: s for s in staged}
    derive = "order_lines" in by_name and "orders" not in by_name
    limit = REPORT_PROBLEMS if skip_invalid else MAX_PROBLEMS
    found: dict[str, Found] = {}
    for s in [by_name[n] for n in _in_load_order(by_name)]:
        failed = {name for name, f in found.items() if f.total}
        skip = set() if skip_invalid else failed & referenced_tables(s.table)
        f = Found(list(s.rejected), s.rejected_total)
        f.add(check_columns_and_keys(validator, s, limit=limit))
        if s.table.name in RECORD_TABLES:
            f.add(check_records(store, validator, s, limit=limit))
        f.add(check_references(store, validator, s, by_name.keys(), skip_against=skip, limit=limit))
        found[s.table.name] = f
        if derive and s.table.name == "order_lines":
            f.add(derive_orders(validator, s, limit=limit))
            columns = frozenset(c.name for c in schema.orders.columns)
            by_name["orders"] = Staged(schema.orders, "typed_orders", s.source, columns, derived=True)
            found["orders"] = Found()
    problems = [p for f in found.values() for p in sorted(f.problems, key=lambda p: p.row or 0)]
    total = sum(f.total for f in found.values())
    if total and not skip_invalid:
        raise ValidationError(problems[:MAX_PROBLEMS], total=total)
    ordered = [by_name[n] for n in _in_load_order(by_name)]
    report = _merge(
        store, validator, ordered, dry_run=dry_run, keep_going=skip_invalid, overwrite=overwrite_newer
    )
    conflicts = report.problems
    if conflicts and not skip_invalid:
        raise StaleRowsError(conflicts)
    report.problems = problems + conflicts
    report.total_problems = total + len(conflicts)
    return report


def _merge(
    store: Store,
    validator: duckdb.DuckDBPyConnection,
    staged: list[Staged],
    *,
    dry_run: bool,
    keep_going: bool,
    overwrite: bool,
) -> LoadReport:
    """Merge every staged table in one transaction; conflicting records are left out when ``keep_going``,
    else (like ``dry_run``) the transaction is rolled back."""
    from clientbase.registry.history import utc_now

    report = LoadReport()
    written = [s.table.name for s in staged]
    if any(name in RECORD_TABLES for name in written):
        written += list(merging.RECORD_SIDE_TABLES)
    try:
        with store.begin() as conn:
            merging.lock_tables(conn, written)
            records = merging.RecordMerge(conn, utc_now(), overwrite_newer=overwrite)
            for s in staged:
                name = s.table.name
                data = merging.fetch_typed(validator, name)
                validator.execute(f"DROP TABLE typed_{name}")
                if merging.is_record_table(name):
                    counts, conflicts = records.merge(s, data, dry_run=dry_run)
                    report.problems += conflicts
                elif merging.is_history_table(name):
                    counts = merging.merge_history(conn, s, data.drop_columns([ROW]), dry_run=dry_run)
                else:
                    counts = merging.merge_plain(conn, s, data.drop_columns([ROW]), dry_run=dry_run)
                if not s.derived:
                    counts.rejected += max(0, s.rows - data.num_rows)
                report.tables[name] = counts
            if dry_run or (report.problems and not keep_going):
                conn.rollback()
    except sa.exc.DBAPIError as exc:
        raise _write_error(exc) from exc
    return report


def _write_error(exc: sa.exc.DBAPIError) -> Exception:
    """A database error while writing: a clash with another writer is a conflict, anything else a StoreError."""
    text = str(exc.orig)
    first = text.splitlines()[0] if text else type(exc.orig).__name__
    clash = (
        "onflict",
        "could not serialize",
        "deadlock",
        "duplicate key",
        "Duplicate key",
        "unique constraint",
    )
    if any(word in text for word in clash):
        return ConflictError(
            f"Another session wrote the same records at the same moment; nothing was written. Run the load "
            f"again. ({first})"
        )
    return StoreError(f"Writing to the database failed; nothing was written: {first}")
