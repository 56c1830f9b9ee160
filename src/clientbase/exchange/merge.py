"""Write validated tables into the store in ONE transaction, each table by the rule that fits what it holds.

- Plain tables (settings, products, order lines, invoices, ...): a merge by key. New keys are inserted, rows
  that differ replace the stored ones, equal rows are left alone, so loading the same data twice changes
  nothing. A file without some optional columns keeps the stored values of those columns.
- Records of the registry (counterparties, contacts): the same merge, but as the registry writes them. A
  changed record gets the next version and a field-history row per changed field (source ``exchange``),
  its changed fields are marked fresh, an owner change is an owner transfer. A load never lowers a version:
  a row older than the stored record (the file's ``version`` below the stored one) is a conflict, reported
  per record, unless ``overwrite_newer`` says to replace the stored record anyway.
- History (field history, freshness, transfers, import batches, merges, decisions, quality snapshots): rows
  the store lacks are added, stored rows are kept as they are (the base's own account of what happened
  wins), except that a later freshness time replaces an earlier one.

On PostgreSQL the tables written are locked (``SHARE ROW EXCLUSIVE``) before anything is compared, so two
loads, or a load and an edit, run one after the other and the second sees the first's result: the outcome
does not depend on timing, and a stale row is reported as a conflict instead of silently winning.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa

from clientbase import schema
from clientbase.errors import Problem
from clientbase.exchange.records import RECORD_TABLES, stored_rows
from clientbase.exchange.rules import ROW, q
from clientbase.schema import key_columns

if TYPE_CHECKING:
    import duckdb

    from clientbase.exchange.load import Staged

#: the tables a change of a record also writes
RECORD_SIDE_TABLES = ("field_history", "field_verification", "owner_transfers")


@dataclass
class TableCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    #: rows refused: invalid (with --skip-invalid) or older than the stored record
    rejected: int = 0


@dataclass
class MergeResult:
    counts: dict[str, TableCounts] = field(default_factory=dict)
    #: rows older than their stored record, one problem per row
    conflicts: list[Problem] = field(default_factory=list)


def lock_tables(conn: sa.Connection, names: list[str]) -> None:
    """On PostgreSQL, hold ``names`` against other writers (readers go on) until the transaction ends."""
    if conn.dialect.name != "postgresql" or not names:
        return
    ordered = [t.name for t in schema.metadata.sorted_tables if t.name in names]
    conn.exec_driver_sql(f"LOCK TABLE {', '.join(q(n) for n in ordered)} IN SHARE ROW EXCLUSIVE MODE")


def copy_into(conn: sa.Connection, table: sa.Table, data: pa.Table, target: str, *, temporary: bool) -> None:
    """Append ``data`` to ``target`` inside the open transaction; ``temporary`` first creates it like ``table``."""
    raw = conn.connection.driver_connection
    columns = ", ".join(q(c.name) for c in table.columns)
    if conn.dialect.name == "duckdb":
        duck: Any = raw  # duckdb-engine's wrapper passes register() through to the DuckDB connection
        duck.register("_incoming", data)
        try:
            if temporary:
                conn.exec_driver_sql(
                    f"CREATE OR REPLACE TEMP TABLE {target} AS SELECT {columns} FROM _incoming"
                )
            else:
                conn.exec_driver_sql(f"INSERT INTO {target} ({columns}) SELECT {columns} FROM _incoming")
        finally:
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


def _is_empty(conn: sa.Connection, name: str) -> bool:
    return not conn.exec_driver_sql(
        f"SELECT count(*) FROM (SELECT 1 FROM {q(name)} LIMIT 1) AS x"
    ).scalar_one()


def _staged(conn: sa.Connection, staged: Staged, data: pa.Table, *, dry_run: bool) -> str | None:
    """``data`` in a temporary stage to merge from; ``None`` when the table is empty and took it directly."""
    name = staged.table.name
    if _is_empty(conn, name):
        if not dry_run:
            copy_into(conn, staged.table, data, q(name), temporary=False)
        return None
    stage = f"_stage_{name}"
    copy_into(conn, staged.table, data, stage, temporary=True)
    return stage


def _replace_from(conn: sa.Connection, table: sa.Table, stage: str, on: str) -> None:
    """Replace the stored rows that ``stage`` has keys of, and add the others."""
    target = q(table.name)
    conn.exec_driver_sql(f"DELETE FROM {target} t WHERE EXISTS (SELECT 1 FROM {stage} s WHERE {on})")
    columns = ", ".join(q(c.name) for c in table.columns)
    conn.exec_driver_sql(f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {stage}")


def merge_plain(conn: sa.Connection, staged: Staged, data: pa.Table, *, dry_run: bool) -> TableCounts:
    """The merge by key of a plain table (see the module docstring)."""
    table = staged.table
    stage = _staged(conn, staged, data, dry_run=dry_run)
    if stage is None:
        return TableCounts(inserted=data.num_rows)
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
    if not dry_run and incoming:
        conn.exec_driver_sql(
            f"DELETE FROM {stage} s WHERE EXISTS (SELECT 1 FROM {target} t WHERE {on} AND {same})"
        )
        _replace_from(conn, table, stage, on)
    conn.exec_driver_sql(f"DROP TABLE {stage}")
    return TableCounts(inserted=incoming - matched, updated=matched - unchanged, unchanged=unchanged)


def merge_history(conn: sa.Connection, staged: Staged, data: pa.Table, *, dry_run: bool) -> TableCounts:
    """Add the history rows the store lacks; a later freshness time replaces an earlier one."""
    table = staged.table
    stage = _staged(conn, staged, data, dry_run=dry_run)
    if stage is None:
        return TableCounts(inserted=data.num_rows)
    target = q(table.name)
    on = " AND ".join(f"t.{q(k)} = s.{q(k)}" for k in key_columns(table))
    newer = " AND s.verified_at > t.verified_at" if table is schema.field_verification else " AND false"
    incoming = conn.exec_driver_sql(f"SELECT count(*) FROM {stage}").scalar_one()
    matched, replacing = conn.exec_driver_sql(
        f"SELECT count(*), count(*) FILTER (WHERE true{newer}) FROM {stage} s JOIN {target} t ON {on}"
    ).one()
    if not dry_run and incoming:
        older = f"EXISTS (SELECT 1 FROM {target} t WHERE {on}) AND NOT EXISTS (SELECT 1 FROM {target} t WHERE {on}{newer})"
        conn.exec_driver_sql(f"DELETE FROM {stage} s WHERE {older}")
        _replace_from(conn, table, stage, on)
    conn.exec_driver_sql(f"DROP TABLE {stage}")
    return TableCounts(inserted=incoming - matched, updated=replacing, unchanged=matched - replacing)


@dataclass
class RecordMerge:
    """The merge of registry records, writing versions, history, freshness and owner transfers."""

    conn: sa.Connection
    at: Any
    overwrite_newer: bool = False
    changed_by: str | None = None

    def merge(self, staged: Staged, data: pa.Table, *, dry_run: bool) -> tuple[TableCounts, list[Problem]]:
        from clientbase.registry import history
        from clientbase.registry.bulk import delete_keys, insert_rows

        table = staged.table
        key = key_columns(table)[0]
        rows = data.to_pylist()
        stored = stored_rows(self.conn, table, [str(r[key]) for r in rows])
        given_version = "version" in staged.present
        present = [c for c in staged.present if c in table.c and c not in (key, "version")]
        log = history.ChangeLog(self.changed_by, "exchange", self.at)
        counts = TableCounts()
        conflicts: list[Problem] = []
        written: list[dict[str, Any]] = []
        replaced: list[str] = []
        transfers: list[dict[str, Any]] = []
        for row in rows:
            record_id = str(row[key])
            before = stored.get(record_id)
            if before is None:
                written.append(
                    {c.name: row[c.name] for c in table.columns} | {"version": row["version"] or 1}
                )
                counts.inserted += 1
                continue
            values = {name: row[name] for name in present}
            changed = history.changed_fields(before, values)
            if not changed:
                counts.unchanged += 1
                continue
            stored_version = int(before.get("version") or 0)
            file_version = int(row["version"]) if given_version and row["version"] is not None else None
            if file_version is not None and stored_version > file_version and not self.overwrite_newer:
                conflicts.append(_conflict(staged, row, table, record_id, stored_version, file_version))
                continue
            version = max(stored_version + 1, file_version or 0)
            changes = {name: values[name] for name in changed}
            log.record(table, record_id, before, changes, version)
            if table is schema.counterparties and "owner_id" in changes and changes["owner_id"] is not None:
                transfers.append(self._transfer(record_id, before.get("owner_id"), changes["owner_id"]))
            written.append({**before, **changes, "version": version})
            replaced.append(record_id)
            counts.updated += 1
        counts.rejected = len(conflicts)
        if not dry_run:
            delete_keys(self.conn, table, key, replaced)
            insert_rows(self.conn, table, written)
            insert_rows(self.conn, schema.owner_transfers, transfers)
            log.flush(self.conn)
        return counts, conflicts

    def _transfer(self, record_id: str, from_owner: object, to_owner: object) -> dict[str, Any]:
        return {
            "transfer_id": uuid.uuid4().hex,
            "counterparty_id": record_id,
            "from_owner": from_owner,
            "to_owner": to_owner,
            "transferred_by": self.changed_by,
            "transferred_at": self.at,
            "source": "exchange",
            "reason": "loaded from an exchange folder",
        }


def _conflict(
    staged: Staged, row: dict[str, Any], table: sa.Table, record_id: str, stored: int, given: int
) -> Problem:
    return Problem(
        staged.source,
        row.get(ROW),
        "version",
        str(given),
        f"conflict: {table.name} {record_id} was changed after this file was written (stored version {stored}, "
        f"the file's {given}); this row was not loaded. Export again, or load with --overwrite-newer to replace "
        "the stored record",
    )


def is_record_table(name: str) -> bool:
    return name in RECORD_TABLES


def is_history_table(name: str) -> bool:
    return name in {t.name for t in schema.EXCHANGE_HISTORY_TABLES}


def fetch_typed(validator: duckdb.DuckDBPyConnection, name: str) -> pa.Table:
    """The good rows of a table, with their row numbers (for conflicts) and the schema's columns."""
    columns = ", ".join(q(c.name) for c in schema.metadata.tables[name].columns)
    return validator.execute(f"SELECT {ROW}, {columns} FROM typed_{name}").to_arrow_table()
