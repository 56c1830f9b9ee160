"""The checks of the loader that run in the validator (an in-memory DuckDB): every column rule of a table in
one scan, duplicate keys, and references to the keys of the store and of the batch.

Each check leaves the good rows of a table as ``typed_<table>`` (values cast to the schema's types) and
returns the problems of the others, at most ``limit`` of them with their values, all of them counted.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from clientbase import formats, schema
from clientbase.errors import Problem
from clientbase.exchange.rules import ROW, ROW_RULES, column_checks, is_key, matched_name, needs_match, q
from clientbase.schema import key_columns

if TYPE_CHECKING:
    import duckdb

    from clientbase.exchange.load import Staged
    from clientbase.store import Store

#: the date a cost driver applies from when the file leaves valid_from empty
ALWAYS = "1900-01-01"


@dataclass
class Found:
    """Problems of one check: ``problems`` (up to the limit) and ``total`` (all of them)."""

    problems: list[Problem] = field(default_factory=list)
    total: int = 0

    def add(self, other: Found) -> None:
        self.problems += other.problems
        self.total += other.total


def exists(validator: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = validator.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? UNION ALL "
        "SELECT count(*) FROM duckdb_views() WHERE view_name = ?",
        [name, name],
    ).fetchall()
    return any(n for (n,) in found)


def staged_types(validator: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    return {row[0]: str(row[1]) for row in validator.execute(f"DESCRIBE {relation}").fetchall()}


def _raw_select(column: sa.Column[Any], types: dict[str, str]) -> str:
    """The raw value of a column: empty text is NULL, keys are trimmed, internal columns get their defaults."""
    name = q(column.name)
    present = column.name in types
    text = present and types[column.name].upper().startswith("VARCHAR")
    if not present:
        value = "CAST(NULL AS VARCHAR)"
    elif text and (is_key(column) or formats.kind(column) != "text"):
        value = formats.sql_trimmed(name)  # keys are stored without surrounding spaces
    elif text:
        value = f"CASE WHEN trim({name}, ' ') = '' THEN NULL ELSE {name} END"
    else:
        value = name
    table = column.table.name
    if column.name == "version":
        return f"coalesce(CAST({value} AS VARCHAR), '1') AS {name}"
    if table == "cost_drivers" and column.name == "valid_from":
        return f"coalesce(CAST({value} AS VARCHAR), '{ALWAYS}') AS {name}"
    if table == "payments" and column.name == "payment_id":
        # A stable key for files without one: the n-th payment of an invoice on a day.
        generated = (
            f"concat_ws(':', trim(CAST(invoice_id AS VARCHAR), ' '), CAST(paid_date AS VARCHAR), "
            f"CAST(row_number() OVER (PARTITION BY invoice_id, paid_date ORDER BY {ROW}) AS VARCHAR))"
        )
        return f"coalesce(CAST({value} AS VARCHAR), {generated}) AS {name}"
    return f"{value} AS {name}"


def _examples(
    validator: duckdb.DuckDBPyConnection,
    source: str,
    relation: str,
    where: str,
    column: str,
    rule: str,
    limit: int,
) -> list[Problem]:
    if limit <= 0:
        return []
    rows = validator.execute(
        f"SELECT {ROW}, CAST({q(column)} AS VARCHAR) FROM {relation} WHERE {where} ORDER BY {ROW} LIMIT {limit}"
    ).fetchall()
    return [Problem(source, row, column, value, rule) for row, value in rows]


def check_columns_and_keys(validator: duckdb.DuckDBPyConnection, s: Staged, *, limit: int) -> Found:
    """Every column and row rule and the uniqueness of the key; the good rows become ``typed_<table>``.

    All rules of a table are counted in ONE scan; only the rules that fail are queried again for examples.
    """
    found = Found()
    types = staged_types(validator, s.relation)
    filled = f"filled_{s.table.name}"
    values = f"SELECT {', '.join(_raw_select(c, types) for c in s.table.columns)}, {ROW} FROM {s.relation}"
    filled_types = {row[0]: str(row[1]) for row in validator.execute(f"DESCRIBE {values}").fetchall()}
    # each value is read by its type's pattern once, however many checks ask
    matches = [
        f"{formats.sql_matches(c, q(c.name), trimmed=True)} AS {matched_name(c)}"
        for c in s.table.columns
        if needs_match(c, filled_types.get(c.name, "VARCHAR"))
    ]
    validator.execute(
        f"CREATE OR REPLACE TABLE {filled} AS SELECT *{''.join(', ' + m for m in matches)} FROM ({values})"
    )
    validator.execute(f"DROP TABLE IF EXISTS {s.relation}")
    checks = column_checks(s.table, filled_types) + ROW_RULES.get(s.table.name, [])
    key_names = key_columns(s.table)
    keys = ", ".join(q(k) for k in key_names)
    counts = validator.execute(
        "SELECT "
        + ", ".join(f"count(*) FILTER (WHERE {c.where})" for c in checks)
        + f", (SELECT count(*) FROM (SELECT 1 FROM {filled} GROUP BY {keys} HAVING count(*) > 1)) FROM {filled}"
    ).fetchall()[0]
    for check, count in zip(checks, counts, strict=False):
        if count:
            found.total += count
            found.problems += _examples(
                validator,
                s.source,
                filled,
                check.where,
                check.column,
                check.rule,
                limit - len(found.problems),
            )
    wheres = [c.where for c in checks]
    if counts[-1]:
        duplicates = f"dup_keys_{s.table.name}"
        validator.execute(
            f"CREATE OR REPLACE TABLE {duplicates} AS SELECT {keys} FROM {filled} GROUP BY {keys} HAVING count(*) > 1"
        )
        same = " AND ".join(f"d.{q(k)} IS NOT DISTINCT FROM {filled}.{q(k)}" for k in key_names)
        duplicated = f"EXISTS (SELECT 1 FROM {duplicates} d WHERE {same})"
        wheres.append(duplicated)
        found.total += validator.execute(f"SELECT count(*) FROM {filled} WHERE {duplicated}").fetchall()[0][0]
        rule = "duplicate key: another row of this file has the same key"
        rows = validator.execute(
            f"SELECT {ROW}, concat_ws(' / ', {keys}) FROM {filled} WHERE {duplicated} ORDER BY {ROW} "
            f"LIMIT {max(0, limit - len(found.problems))}"
        ).fetchall()
        found.problems += [Problem(s.source, row, "/".join(key_names), value, rule) for row, value in rows]
    bad = " OR ".join(wheres)
    typed = ", ".join(
        f"{formats.sql_cast(c, q(c.name), filled_types.get(c.name, 'VARCHAR'), trimmed=True)} AS {q(c.name)}"
        for c in s.table.columns
    )
    keep = f"WHERE NOT ({bad})" if found.total else ""
    validator.execute(
        f"CREATE OR REPLACE TABLE typed_{s.table.name} AS SELECT {ROW}, {typed} FROM {filled} {keep}"
    )
    validator.execute(f"DROP TABLE {filled}")
    validator.execute(f"DROP TABLE IF EXISTS dup_keys_{s.table.name}")
    return found


def known_keys(
    store: Store, validator: duckdb.DuckDBPyConnection, table: str, column: str, *, batch: bool
) -> str:
    """A relation ``k`` of the values of ``table.column`` in the store (and, ``batch``, in its typed rows)."""
    name = f"known_{table}_{column}_{int(batch)}"
    if not exists(validator, name):
        existing = store.table(table).select(column).distinct().to_pyarrow()
        validator.register(f"existing_{name}", existing)
        parts = [f"SELECT {q(column)} AS k FROM existing_{name}"]
        if batch and exists(validator, f"typed_{table}"):
            parts.append(f"SELECT {q(column)} FROM typed_{table}")
        validator.execute(f"CREATE TABLE {name} AS {' UNION '.join(parts)}")
    return name


def check_references(
    store: Store,
    validator: duckdb.DuckDBPyConnection,
    s: Staged,
    batch: Collection[str],
    *,
    skip_against: Collection[str] = (),
    limit: int,
) -> Found:
    """Every reference of ``typed_<table>`` must exist in the store or in the batch's tables ``batch``; rows that
    break one leave ``typed_<table>``. A reference to a table of ``skip_against`` is not checked (that table
    has its own errors; checking against it would only echo them row by row)."""
    found = Found()
    relation = f"typed_{s.table.name}"
    bad: list[str] = []
    for column in s.table.columns:
        ref = column.info["field"].references
        if not ref:
            continue
        ref_table, ref_column = ref.split(".")
        if ref_table in skip_against:
            continue
        known = known_keys(store, validator, ref_table, ref_column, batch=ref_table in batch)
        where = (
            f"{q(column.name)} IS NOT NULL AND NOT EXISTS "
            f"(SELECT 1 FROM {known} k WHERE k.k = {relation}.{q(column.name)})"
        )
        count = validator.execute(f"SELECT count(*) FROM {relation} WHERE {where}").fetchall()[0][0]
        if count:
            found.total += count
            rule = (
                f"unknown {ref_column.removesuffix('_id')}: no {ref_table}.{ref_column} has this value in the "
                f"database or in this batch; add it to {ref_table} first or correct the value"
            )
            found.problems += _examples(
                validator, s.source, relation, where, column.name, rule, limit - len(found.problems)
            )
            bad.append(where)
    if bad:
        validator.execute(f"DELETE FROM {relation} WHERE {' OR '.join(bad)}")
    return found


def referenced_tables(table: sa.Table) -> set[str]:
    return {
        str(c.info["field"].references).split(".")[0] for c in table.columns if c.info["field"].references
    }


def derive_orders(validator: duckdb.DuckDBPyConnection, lines: Staged, *, limit: int) -> Found:
    """Order headers (``typed_orders``) from the good order lines; the lines of one order must agree on
    customer and date (the lines of an order that does not are problems, and leave ``typed_order_lines``)."""
    validator.execute(
        f"""CREATE OR REPLACE TABLE derived_orders AS
        SELECT order_id, min({ROW}) AS {ROW}, min(counterparty_id) AS counterparty_id,
               min(order_date) AS order_date, count(DISTINCT counterparty_id) AS n_cp,
               count(DISTINCT order_date) AS n_date
        FROM typed_order_lines GROUP BY order_id"""
    )
    found = Found()
    mixed = "order_id IN (SELECT order_id FROM derived_orders WHERE n_cp > 1 OR n_date > 1)"
    found.total = validator.execute(f"SELECT count(*) FROM typed_order_lines WHERE {mixed}").fetchall()[0][0]
    if found.total:
        rows = validator.execute(
            f"SELECT l.{ROW}, l.order_id, d.n_cp FROM typed_order_lines l JOIN derived_orders d USING (order_id) "
            f"WHERE d.n_cp > 1 OR d.n_date > 1 ORDER BY l.{ROW} LIMIT {limit}"
        ).fetchall()
        found.problems = [
            Problem(
                lines.source,
                row,
                "counterparty_id" if n_cp > 1 else "order_date",
                order_id,
                "the lines of one order must share one counterparty_id and one order_date",
            )
            for row, order_id, n_cp in rows
        ]
        validator.execute(f"DELETE FROM typed_order_lines WHERE {mixed}")
    columns = ", ".join(
        f"CAST(NULL AS {formats.sql_type(c)}) AS {q(c.name)}"
        if c.name not in ("order_id", "counterparty_id", "order_date")
        else q(c.name)
        for c in schema.orders.columns
    )
    validator.execute(
        f"CREATE OR REPLACE TABLE typed_orders AS SELECT {ROW}, {columns} FROM derived_orders "
        "WHERE n_cp = 1 AND n_date = 1"
    )
    validator.execute("DROP TABLE derived_orders")
    return found
