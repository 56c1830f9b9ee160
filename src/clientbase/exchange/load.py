"""Validate tables against the schema in bulk and write them to the store in one transaction.

The pipeline, for any source (CSV files, the demo generator, a spreadsheet converted to Arrow):

1. *stage*: each table's rows go into an in-memory DuckDB (the validator) with a row number;
2. *validate*: every field rule of :mod:`clientbase.schema` runs as one SQL query per rule (types, required,
   enums, minimums, decimals, duplicate keys, references to known keys in the batch or the store);
3. *merge*: inside ONE transaction of the store, rows are compared by key with what is there — new rows are
   inserted, changed rows replaced, identical rows left alone — so loading the same data twice changes
   nothing, and any failure leaves the database as it was.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa

from clientbase import schema
from clientbase.errors import Problem, StoreError, ValidationError
from clientbase.exchange.rules import ROW, ROW_RULES, column_checks, q, sql_type
from clientbase.schema import key_columns

if TYPE_CHECKING:
    import duckdb

    from clientbase.store import Store

#: stop collecting after this many problems (the count of all is still reported)
MAX_PROBLEMS = 1000
#: the date a cost driver applies from when the file leaves valid_from empty
ALWAYS = "1900-01-01"


@dataclass
class TableCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class LoadReport:
    """What a load did (or, for a dry run, would do), per table."""

    tables: dict[str, TableCounts] = field(default_factory=dict)

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
    return Staged(table, relation, source, frozenset(data.column_names))


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


def load_tables(store: Store, tables: Mapping[str, pa.Table], *, dry_run: bool = False) -> LoadReport:
    """Validate ``tables`` (schema table name -> Arrow table) and merge them into ``store`` atomically.

    Columns are named as in :mod:`clientbase.schema`; optional columns may be left out. Raises
    :class:`~clientbase.errors.ValidationError` listing every problem, and then nothing is written.

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
        return load_staged(store, validator, staged, dry_run=dry_run)
    finally:
        validator.close()


def _in_load_order(tables: Mapping[str, Any]) -> dict[str, Any]:
    unknown = [name for name in tables if name not in schema.metadata.tables]
    if unknown:
        raise ValidationError(
            [Problem(name, None, None, None, "not a table of the schema") for name in unknown]
        )
    order = [t.name for t in schema.EXCHANGE_TABLES] + ["demo_truth"]
    return {name: tables[name] for name in sorted(tables, key=order.index)}


def load_staged(
    store: Store, validator: duckdb.DuckDBPyConnection, staged: list[Staged], *, dry_run: bool = False
) -> LoadReport:
    """Validate staged tables, then merge them into the store in one transaction (unless ``dry_run``)."""
    by_name = {s.table.name: s for s in staged}
    if "order_lines" in by_name and "orders" not in by_name:
        by_name["orders"] = _derive_orders(validator, by_name["order_lines"])
    staged = [by_name[n] for n in _in_load_order(by_name)]
    problems: list[Problem] = []
    total = 0
    for check in (_validate, lambda v, s: _check_references(store, v, s, by_name)):
        # References are checked once every table is typed, against the batch and what the store holds.
        for s in staged:
            found, count = check(validator, s)
            if not s.derived:
                problems += found[: max(0, MAX_PROBLEMS - len(problems))]
                total += count
    if total:
        raise ValidationError(problems, total=total)
    return _merge(store, validator, staged, dry_run=dry_run)


def _derive_orders(validator: duckdb.DuckDBPyConnection, lines: Staged) -> Staged:
    """Order headers from the lines; the lines of one order must agree on customer and date."""
    validator.execute(
        f"""CREATE OR REPLACE TABLE raw_orders AS
        SELECT min({ROW}) AS {ROW}, order_id, min(counterparty_id) AS counterparty_id, min(order_date) AS order_date,
               count(DISTINCT counterparty_id) AS n_cp, count(DISTINCT order_date) AS n_date
        FROM {lines.relation} WHERE order_id IS NOT NULL GROUP BY order_id"""
    )
    bad = validator.execute(
        f"SELECT {ROW}, order_id, n_cp FROM raw_orders WHERE n_cp > 1 OR n_date > 1 ORDER BY {ROW} LIMIT {MAX_PROBLEMS}"
    ).fetchall()
    if bad:
        raise ValidationError(
            [
                Problem(
                    lines.source,
                    row,
                    "counterparty_id" if n_cp > 1 else "order_date",
                    order_id,
                    "the lines of one order must share one counterparty_id and one order_date",
                )
                for row, order_id, n_cp in bad
            ]
        )
    validator.execute("ALTER TABLE raw_orders DROP COLUMN n_cp")
    validator.execute("ALTER TABLE raw_orders DROP COLUMN n_date")
    return Staged(
        schema.orders,
        "raw_orders",
        lines.source,
        frozenset(c.name for c in schema.orders.columns),
        derived=True,
    )


def _validate(validator: duckdb.DuckDBPyConnection, s: Staged) -> tuple[list[Problem], int]:
    """Run every column and row rule; on success replace the raw relation by a typed ``typed_<table>``.

    All rules of a table are counted in ONE scan; only the rules that fail are queried again for examples.
    """
    problems: list[Problem] = []
    present = {row[0] for row in validator.execute(f"DESCRIBE {s.relation}").fetchall()}
    filled = f"filled_{s.table.name}"
    validator.execute(
        f"CREATE OR REPLACE TABLE {filled} AS "
        f"SELECT {', '.join(_raw_select(c, present) for c in s.table.columns)}, {ROW} FROM {s.relation}"
    )
    validator.execute(f"DROP TABLE IF EXISTS {s.relation}")
    checks = column_checks(s.table, filled) + ROW_RULES.get(s.table.name, [])
    keys = ", ".join(q(k) for k in key_columns(s.table))
    counts = validator.execute(
        "SELECT "
        + ", ".join(f"count(*) FILTER (WHERE {c.where})" for c in checks)
        + f", (SELECT count(*) FROM (SELECT 1 FROM {filled} GROUP BY {keys} HAVING count(*) > 1)) FROM {filled}"
    ).fetchall()[0]
    for check, count in zip(checks, counts, strict=False):
        if count:
            rows = validator.execute(
                f"SELECT {ROW}, CAST({q(check.column)} AS VARCHAR) FROM {filled} WHERE {check.where} "
                f"ORDER BY {ROW} LIMIT {MAX_PROBLEMS}"
            ).fetchall()
            problems += [Problem(s.source, row, check.column, value, check.rule) for row, value in rows]
    total = sum(counts[:-1])
    if counts[-1]:
        dup_sql = f"""SELECT {ROW}, concat_ws(' / ', {keys}) FROM (
            SELECT {ROW}, {keys}, count(*) OVER (PARTITION BY {keys}) AS n FROM {filled}) WHERE n > 1"""
        total += validator.execute(f"SELECT count(*) FROM ({dup_sql})").fetchall()[0][0]
        dups = validator.execute(f"{dup_sql} ORDER BY {ROW} LIMIT {MAX_PROBLEMS}").fetchall()
        problems += [
            Problem(
                s.source,
                row,
                "/".join(key_columns(s.table)),
                value,
                "duplicate key: another row of this file has the same key",
            )
            for row, value in dups
        ]
    if total == 0:
        typed = ", ".join(f"CAST({q(c.name)} AS {sql_type(c)}) AS {q(c.name)}" for c in s.table.columns)
        validator.execute(
            f"CREATE OR REPLACE TABLE typed_{s.table.name} AS SELECT {ROW}, {typed} FROM {filled}"
        )
        validator.execute(f"DROP TABLE {filled}")
    return problems, total


def _raw_select(column: sa.Column[Any], present: set[str]) -> str:
    """The raw value of a column, with the defaults of internal columns filled in."""
    name = q(column.name)
    value = name if column.name in present else "NULL"
    table = column.table.name
    if column.name == "version":
        return f"coalesce(CAST({value} AS VARCHAR), '1') AS {name}"
    if table == "cost_drivers" and column.name == "valid_from":
        return f"coalesce(CAST({value} AS VARCHAR), '{ALWAYS}') AS {name}"
    if table == "payments" and column.name == "payment_id":
        # A stable key for files without one: the n-th payment of an invoice on a day.
        generated = (
            f"concat_ws(':', invoice_id, CAST(paid_date AS VARCHAR), "
            f"CAST(row_number() OVER (PARTITION BY invoice_id, paid_date ORDER BY {ROW}) AS VARCHAR))"
        )
        return f"coalesce(CAST({value} AS VARCHAR), {generated}) AS {name}"
    if value == "NULL":
        return f"CAST(NULL AS VARCHAR) AS {name}"
    return name


def _check_references(
    store: Store, validator: duckdb.DuckDBPyConnection, s: Staged, by_name: dict[str, Staged]
) -> tuple[list[Problem], int]:
    problems: list[Problem] = []
    total = 0
    if not _exists(validator, f"typed_{s.table.name}"):
        return problems, total
    for column in s.table.columns:
        ref = column.info["field"].references
        if not ref:
            continue
        ref_table, ref_column = ref.split(".")
        if ref_table in by_name and not _exists(validator, f"typed_{ref_table}"):
            continue  # that table has its own errors; checking against it would only echo them row by row
        known = f"known_{ref_table}_{ref_column}"
        if not _exists(validator, known):
            existing = store.table(ref_table).select(ref_column).distinct().to_pyarrow()
            validator.register(f"existing_{known}", existing)
            parts = [f"SELECT {q(ref_column)} AS k FROM existing_{known}"]
            if ref_table in by_name and _exists(validator, f"typed_{ref_table}"):
                parts.append(f"SELECT {q(ref_column)} FROM typed_{ref_table}")
            validator.execute(f"CREATE TABLE {known} AS {' UNION '.join(parts)}")
        sql = f"""SELECT t.{ROW}, CAST(t.{q(column.name)} AS VARCHAR) FROM typed_{s.table.name} t
                 WHERE t.{q(column.name)} IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM {known} k WHERE k.k = t.{q(column.name)})"""
        count = validator.execute(f"SELECT count(*) FROM ({sql})").fetchall()[0][0]
        if count:
            total += count
            rows = validator.execute(f"{sql} ORDER BY 1 LIMIT {MAX_PROBLEMS}").fetchall()
            rule = (
                f"unknown {ref_column.removesuffix('_id')}: no {ref_table}.{ref_column} has this value in the "
                f"database or in this batch; add it to {ref_table} first or correct the value"
            )
            problems += [Problem(s.source, row, column.name, value, rule) for row, value in rows]
    return problems, total


def _exists(validator: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = validator.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? UNION ALL "
        "SELECT count(*) FROM duckdb_views() WHERE view_name = ?",
        [name, name],
    ).fetchall()
    return any(n for (n,) in found)


def _merge(
    store: Store, validator: duckdb.DuckDBPyConnection, staged: list[Staged], *, dry_run: bool
) -> LoadReport:
    report = LoadReport()
    try:
        with store.begin() as conn:
            for s in staged:
                name = s.table.name
                columns = ", ".join(q(c.name) for c in s.table.columns)
                # A plain scan keeps the file's order; no sort needed.
                data = validator.execute(f"SELECT {columns} FROM typed_{name}").to_arrow_table()
                validator.execute(f"DROP TABLE typed_{name}")
                if conn.exec_driver_sql(
                    f"SELECT count(*) FROM (SELECT 1 FROM {q(name)} LIMIT 1) AS x"
                ).scalar_one():
                    stage = f"_stage_{name}"
                    _copy_into(conn, store.dialect, s.table, data, stage, temporary=True)
                    report.tables[name] = _merge_stage(conn, s, stage, dry_run=dry_run)
                else:
                    # Nothing there yet: every row is new, so insert straight into the table.
                    if not dry_run:
                        _copy_into(conn, store.dialect, s.table, data, q(name), temporary=False)
                    report.tables[name] = TableCounts(inserted=data.num_rows)
            if dry_run:
                conn.rollback()
    except sa.exc.DBAPIError as exc:
        raise StoreError(f"Writing to the database failed; nothing was written: {exc.orig}") from exc
    return report


def _copy_into(
    conn: sa.Connection, dialect: str, table: sa.Table, data: pa.Table, target: str, *, temporary: bool
) -> None:
    """Append ``data`` to ``target`` inside the open transaction; ``temporary`` first creates it like ``table``."""
    raw = conn.connection.driver_connection
    columns = ", ".join(q(c.name) for c in table.columns)
    if dialect == "duckdb":
        duck: Any = raw  # duckdb-engine's wrapper passes register() through to the DuckDB connection
        duck.register("_incoming", data)
        if temporary:
            conn.exec_driver_sql(f"CREATE OR REPLACE TEMP TABLE {target} AS SELECT {columns} FROM _incoming")
        else:
            conn.exec_driver_sql(f"INSERT INTO {target} ({columns}) SELECT {columns} FROM _incoming")
        duck.unregister("_incoming")
        return
    if temporary:
        conn.exec_driver_sql(f"CREATE TEMP TABLE {target} (LIKE {q(table.name)}) ON COMMIT DROP")
    pg: Any = raw
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    with pg.cursor() as cur, cur.copy(f"COPY {target} ({columns}) FROM STDIN (FORMAT csv)") as copy:
        for batch in data.to_batches(max_chunksize=200_000):
            buffer = io.BytesIO()
            pacsv.write_csv(batch, buffer, options)
            copy.write(buffer.getvalue())


def _merge_stage(conn: sa.Connection, staged: Staged, stage: str, *, dry_run: bool) -> TableCounts:
    table = staged.table
    target = q(table.name)
    keys = key_columns(table)
    on = " AND ".join(f"t.{q(k)} = s.{q(k)}" for k in keys)
    kept = [c.name for c in table.columns if c.name not in staged.present and c.name not in keys]
    if kept:
        # A file without some columns updates only the columns it has.
        assign = ", ".join(f"{q(c)} = t.{q(c)}" for c in kept)
        conn.exec_driver_sql(f"UPDATE {stage} AS s SET {assign} FROM {target} AS t WHERE {on}")
    same = " AND ".join(f"t.{q(c.name)} IS NOT DISTINCT FROM s.{q(c.name)}" for c in table.columns)
    incoming = conn.exec_driver_sql(f"SELECT count(*) FROM {stage}").scalar_one()
    matched, unchanged = conn.exec_driver_sql(
        f"SELECT count(*), count(*) FILTER (WHERE {same}) FROM {stage} s JOIN {target} t ON {on}"
    ).one()
    counts = TableCounts(inserted=incoming - matched, updated=matched - unchanged, unchanged=unchanged)
    if dry_run or incoming == 0:
        return counts
    if matched:
        conn.exec_driver_sql(
            f"DELETE FROM {stage} s WHERE EXISTS (SELECT 1 FROM {target} t WHERE {on} AND {same})"
        )
        conn.exec_driver_sql(f"DELETE FROM {target} t WHERE EXISTS (SELECT 1 FROM {stage} s WHERE {on})")
    columns = ", ".join(q(c.name) for c in table.columns)
    conn.exec_driver_sql(f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {stage}")
    conn.exec_driver_sql(f"DROP TABLE {stage}")
    return counts
