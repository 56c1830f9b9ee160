"""The registry's record rules (:mod:`clientbase.registry.rules`) on the counterparties and contacts of a bulk
load: the same rules, cleaning and failures as a single edit, the spreadsheet import and the API.

A row is checked as the record it would leave: the stored record with the file's columns over it (a file
may leave optional columns out). A row equal to its stored record is not checked again. The good rows are
written back to ``typed_<table>`` in their cleaned (stored) form; the others are problems.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import sqlalchemy as sa

from clientbase import schema
from clientbase.exchange.rules import ROW
from clientbase.exchange.validate import Found, exists
from clientbase.schema import key_columns

if TYPE_CHECKING:
    import duckdb

    from clientbase.exchange.load import Staged
    from clientbase.store import Store

#: the tables whose rows are records of the registry: checked by its rules, versioned, with history
RECORD_TABLES = ("counterparties", "contacts")
_CHUNK = 1000


def stored_rows(conn: sa.Connection, table: sa.Table, keys: list[str]) -> dict[str, dict[str, Any]]:
    """The stored rows of ``keys`` by key (one query per thousand keys)."""
    key = table.c[key_columns(table)[0]]
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(keys), _CHUNK):
        for row in conn.execute(sa.select(table).where(key.in_(keys[start : start + _CHUNK]))):
            found[str(row._mapping[key.name])] = dict(row._mapping)
    return found


def _rows(validator: duckdb.DuckDBPyConnection, relation: str) -> tuple[pa.Schema, list[dict[str, Any]]]:
    data = validator.execute(f"SELECT * FROM {relation}").to_arrow_table()
    return data.schema, data.to_pylist()


def _countries(store: Store, validator: duckdb.DuckDBPyConnection, ids: set[str]) -> dict[str, str | None]:
    """The country of each counterparty of ``ids``: the batch's (cleaned) value first, else the stored one."""
    countries: dict[str, str | None] = {}
    with store.begin() as conn:
        for key, row in stored_rows(conn, schema.counterparties, sorted(ids)).items():
            countries[key] = row.get("country")
    if exists(validator, "typed_counterparties"):
        for key, country in validator.execute(
            "SELECT counterparty_id, country FROM typed_counterparties WHERE country IS NOT NULL"
        ).fetchall():
            if key in ids:
                countries[key] = country
    return countries


def _same(before: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    from clientbase.registry.history import changed_fields

    return not changed_fields(before, values)


def check_records(store: Store, validator: duckdb.DuckDBPyConnection, s: Staged, *, limit: int) -> Found:
    """Apply the record rules to ``typed_<table>`` of counterparties or contacts (see the module docstring)."""
    from clientbase.registry import rules

    table = s.table
    relation = f"typed_{table.name}"
    arrow_schema, rows = _rows(validator, relation)
    key = key_columns(table)[0]
    present = [c for c in s.present if c in table.c and c != "version"]
    with store.begin() as conn:
        before = stored_rows(conn, table, [str(r[key]) for r in rows])
    countries: dict[str, str | None] = {}
    if table is schema.contacts:
        countries = _countries(store, validator, {str(r["counterparty_id"]) for r in rows})
    found = Found()
    kept: list[dict[str, Any]] = []
    for row in rows:
        stored = before.get(str(row[key]))
        values = {name: row[name] for name in present}
        if stored is not None and _same(stored, values):
            kept.append(row)
            continue
        merged = {**(stored or {}), **values}
        merged.pop("version", None)
        country = countries.get(str(merged.get("counterparty_id"))) if table is schema.contacts else None
        cleaned, failures = rules.clean_record(table, merged, country=country)
        # a reference to a manager is checked with the other references, against the store and the batch
        failures = [f for f in failures if f.rule != "reference"]
        if failures:
            found.total += len(failures)
            found.problems += [
                f.problem(s.source, row[ROW]) for f in failures[: max(0, limit - len(found.problems))]
            ]
            continue
        kept.append({**row, **{name: cleaned.get(name) for name in present}})
    if found.total or kept != rows:
        _replace(validator, relation, arrow_schema, kept)
    return found


def _replace(
    validator: duckdb.DuckDBPyConnection, relation: str, arrow_schema: pa.Schema, rows: list[dict[str, Any]]
) -> None:
    data = pa.Table.from_pylist(rows, schema=arrow_schema)
    validator.register("_cleaned", data)
    try:
        validator.execute(f"CREATE OR REPLACE TABLE {relation} AS SELECT * FROM _cleaned")
    finally:
        validator.unregister("_cleaned")
