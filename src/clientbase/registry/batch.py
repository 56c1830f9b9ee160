"""Apply an import plan as one batch, and undo a batch.

:func:`apply` writes a plan (:mod:`.plan`) in one transaction: all rows or none. Every record it touches gets
field history with source ``import:<batch_id>``, and its exact prior state (whole row and freshness rows) is
kept in ``batch_changes``. Applying the same file again finds every row unchanged and writes nothing, not even a
batch. :func:`undo` puts every record back as it was, removes the batch's history and owner transfers, and
marks the batch undone; it refuses (and changes nothing) when a record was changed after the import, because
undoing would lose that change.

Example:
    >>> import sqlalchemy as sa, tempfile, os
    >>> from clientbase import schema
    >>> from clientbase.store import connect
    >>> from clientbase.registry.access import Actor
    >>> from clientbase.registry.plan import plan_import
    >>> store = connect("duckdb:///:memory:")
    >>> with store.begin() as conn:
    ...     _ = conn.execute(sa.insert(schema.managers).values(manager_id="M01", name="Anna", role="manager"))
    >>> path = os.path.join(tempfile.mkdtemp(), "anna.csv")
    >>> _ = open(path, "w").write("Firma;Land;Zahlungsziel\\nNordic Tools AB;SE;30\\n")
    >>> plan = plan_import(store, path=path, actor=Actor("M01", "manager"))
    >>> plan.summary()["new"]
    1
    >>> result = apply(store, plan)
    >>> result.new, store.table("counterparties").count().execute()
    (1, 1)
    >>> undo(store, batch_id=result.batch_id, actor=Actor("M01", "manager")).removed
    1
    >>> store.table("counterparties").count().execute()
    0
    >>> store.close()
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from clientbase import schema
from clientbase.errors import ConflictError, NotFoundError, PermissionDeniedError, Problem
from clientbase.registry import history, service
from clientbase.registry.access import Actor
from clientbase.registry.mapping import to_toml
from clientbase.registry.plan import ImportPlan, RowPlan
from clientbase.store import Store


@dataclass(frozen=True)
class BatchResult:
    """What :func:`apply` did; ``batch_id`` is ``None`` when nothing needed changing."""

    batch_id: str | None
    new: int
    updated: int
    unchanged: int
    rejected: int


@dataclass(frozen=True)
class UndoResult:
    batch_id: str
    removed: int
    restored: int


# -- rows as JSON, exactly -------------------------------------------------------------------------------------


def encode_row(row: Mapping[str, Any]) -> str:
    """A row as JSON that :func:`decode_row` turns back into the same values (decimals keep their scale)."""

    def plain(value: Any) -> Any:
        if isinstance(value, Decimal):
            return {"decimal": str(value)}
        if isinstance(value, dt.datetime):
            return {"datetime": value.isoformat()}
        if isinstance(value, dt.date):
            return {"date": value.isoformat()}
        return value

    return json.dumps({key: plain(value) for key, value in row.items()}, ensure_ascii=False, sort_keys=True)


def decode_row(text: str) -> dict[str, Any]:
    """The inverse of :func:`encode_row`.

    Example:
        >>> decode_row(encode_row({"a": Decimal("5.00"), "b": dt.date(2024, 1, 2), "c": None}))
        {'a': Decimal('5.00'), 'b': datetime.date(2024, 1, 2), 'c': None}
    """

    def typed(value: Any) -> Any:
        if isinstance(value, dict):
            if "decimal" in value:
                return Decimal(value["decimal"])
            if "datetime" in value:
                return dt.datetime.fromisoformat(value["datetime"])
            if "date" in value:
                return dt.date.fromisoformat(value["date"])
        return value

    return {key: typed(value) for key, value in json.loads(text).items()}


# -- apply ---------------------------------------------------------------------------------------------------------


def new_batch_id(at: dt.datetime) -> str:
    """A batch key that sorts by time: ``B20240517T103102-3f9a``."""
    return f"B{at:%Y%m%dT%H%M%S}-{secrets.token_hex(2)}"


def apply(store: Store, plan: ImportPlan) -> BatchResult:
    """Write every new and updated row of ``plan`` in one transaction, as one batch.

    Rejected rows are left out (they are in the error report). A record changed by someone since the dry run
    makes the whole apply fail with a ConflictError and nothing is written; run the dry run again.
    """
    counts = {action: plan.count(action) for action in ("new", "updated", "unchanged", "rejected")}
    todo = [row for row in plan.rows if row.action in ("new", "updated")]
    if not todo:
        return BatchResult(None, 0, 0, counts["unchanged"], counts["rejected"])
    at = history.utc_now()
    batch_id = new_batch_id(at)
    source = f"import:{batch_id}"
    with service.transaction(store) as conn:
        conn.execute(
            sa.insert(schema.import_batches).values(
                batch_id=batch_id,
                file_name=plan.file,
                file_sha256=plan.sha256,
                sheet=plan.sheet.sheet,
                mapping=to_toml(plan.mapping),
                created_by=plan.actor.manager_id,
                created_at=at,
                status="applied",
                new_count=counts["new"],
                updated_count=counts["updated"],
                unchanged_count=counts["unchanged"],
                rejected_count=counts["rejected"],
            )
        )
        writer = _BatchWriter(conn, batch_id, source, plan.actor.manager_id, at)
        for row in todo:
            writer.write(row)
    return BatchResult(batch_id, counts["new"], counts["updated"], counts["unchanged"], counts["rejected"])


@dataclass
class _BatchWriter:
    conn: sa.Connection
    batch_id: str
    source: str
    by: str
    at: dt.datetime
    seq: int = 0
    next_ids: dict[str, int] | None = None

    def _new_id(self, table: sa.Table) -> str:
        if self.next_ids is None:
            self.next_ids = {}
        if table.name not in self.next_ids:
            first = service.next_id(self.conn, table)
            prefix, _width = service.ID_FORMATS[table.name]
            self.next_ids[table.name] = int(first[len(prefix) :])
        prefix, width = service.ID_FORMATS[table.name]
        number = self.next_ids[table.name]
        self.next_ids[table.name] = number + 1
        return f"{prefix}{number:0{width}d}"

    def _snapshot(
        self, table: sa.Table, record_id: str, action: str, before: Mapping[str, Any] | None, version: int
    ) -> None:
        self.seq += 1
        self.conn.execute(
            sa.insert(schema.batch_changes).values(
                batch_id=self.batch_id,
                seq=self.seq,
                table_name=table.name,
                record_id=record_id,
                action=action,
                before_row=None if before is None else encode_row(before),
                before_verification=json.dumps(
                    [
                        json.loads(encode_row(r))
                        for r in history.verification_rows(self.conn, table, record_id)
                    ]
                ),
                after_version=version,
            )
        )

    def _insert(self, table: sa.Table, record: dict[str, object]) -> str:
        key = schema.key_columns(table)[0]
        if not record.get(key):
            record[key] = self._new_id(table)
        elif service.fetch(self.conn, table, str(record[key])) is not None:
            raise ConflictError(
                f"{table.name} {record[key]} was created since the dry run; run the dry run again."
            )
        record_id = str(record[key])
        self._snapshot(table, record_id, "insert", None, 1)
        service.insert_record(
            self.conn,
            table,
            record,
            changed_by=self.by,
            source=self.source,
            at=self.at,
            batch_id=self.batch_id,
        )
        return record_id

    def _update(
        self, table: sa.Table, record_id: str, planned: Mapping[str, Any], changes: Mapping[str, object]
    ) -> None:
        if not changes:
            return
        current = service.fetch(self.conn, table, record_id, lock=True)
        expected = int(planned.get("version") or 0)
        if current is None or int(current.get("version") or 0) != expected:
            raise ConflictError(
                f"{table.name} {record_id} was changed since the dry run; nothing was written. Run the dry run again."
            )
        self._snapshot(table, record_id, "update", current, expected + 1)
        service.update_record(
            self.conn,
            table,
            current,
            changes,
            expected_version=expected,
            changed_by=self.by,
            source=self.source,
            at=self.at,
            batch_id=self.batch_id,
        )

    def write(self, row: RowPlan) -> None:
        if row.action == "new":
            record_id = self._insert(schema.counterparties, dict(row.changes))
        else:
            assert row.record_id is not None and row.before is not None
            record_id = row.record_id
            self._update(schema.counterparties, record_id, row.before, row.changes)
        if row.contact_changes and row.contact_before is None:
            self._insert(
                schema.contacts, {**row.contact_changes, "counterparty_id": record_id, "contact_id": None}
            )
        elif row.contact_changes and row.contact_id is not None and row.contact_before is not None:
            self._update(schema.contacts, row.contact_id, row.contact_before, row.contact_changes)


# -- undo ------------------------------------------------------------------------------------------------------------


def undo(store: Store, *, batch_id: str, actor: Actor) -> UndoResult:
    """Put every record ``batch_id`` touched back exactly as it was, history and freshness included.

    Raises:
        NotFoundError: no such batch.
        ConflictError: the batch was undone already, or a record changed after it (undo would lose that change).
        PermissionDeniedError: only the head or the manager who applied the batch may undo it.
    """
    ib, bc = schema.import_batches, schema.batch_changes
    with service.transaction(store) as conn:
        batch = conn.execute(sa.select(ib).where(ib.c.batch_id == batch_id)).first()
        if batch is None:
            raise NotFoundError(f"No import batch {batch_id!r}; `clientbase import-batches` lists them.")
        if actor.role != "head" and not (actor.role == "manager" and batch.created_by == actor.manager_id):
            raise PermissionDeniedError(
                f"Only the head or {batch.created_by}, who applied it, may undo {batch_id}."
            )
        if batch.status == "undone":
            raise ConflictError(f"Batch {batch_id} was already undone at {batch.undone_at:%Y-%m-%d %H:%M}.")
        changes = [
            dict(r._mapping)
            for r in conn.execute(sa.select(bc).where(bc.c.batch_id == batch_id).order_by(bc.c.seq.desc()))
        ]
        _refuse_if_changed_since(conn, batch_id, changes)
        removed = restored = 0
        for change in changes:
            table = schema.metadata.tables[change["table_name"]]
            key = table.c[schema.key_columns(table)[0]]
            if change["action"] == "insert":
                conn.execute(sa.delete(table).where(key == change["record_id"]))
                removed += 1
            else:
                before = decode_row(change["before_row"])
                conn.execute(sa.update(table).where(key == change["record_id"]).values(**before))
                restored += 1
            fv = schema.field_verification
            conn.execute(
                sa.delete(fv).where(fv.c.table_name == table.name, fv.c.record_id == change["record_id"])
            )
            saved = [decode_row(json.dumps(r)) for r in json.loads(change["before_verification"] or "[]")]
            if saved:
                conn.execute(sa.insert(fv), saved)
        conn.execute(sa.delete(schema.field_history).where(schema.field_history.c.batch_id == batch_id))
        conn.execute(sa.delete(schema.owner_transfers).where(schema.owner_transfers.c.batch_id == batch_id))
        conn.execute(
            sa.update(ib)
            .where(ib.c.batch_id == batch_id)
            .values(status="undone", undone_at=history.utc_now(), undone_by=actor.manager_id)
        )
    return UndoResult(batch_id, removed, restored)


def _refuse_if_changed_since(conn: sa.Connection, batch_id: str, changes: list[dict[str, Any]]) -> None:
    moved = []
    for change in changes:
        table = schema.metadata.tables[change["table_name"]]
        current = service.fetch(conn, table, change["record_id"])
        if current is None or int(current.get("version") or 0) != change["after_version"]:
            moved.append(f"{table.name} {change['record_id']}")
    inserted = {
        c["record_id"] for c in changes if c["action"] == "insert" and c["table_name"] == "counterparties"
    }
    if inserted:
        ct = schema.contacts
        own = {c["record_id"] for c in changes if c["table_name"] == "contacts"}
        others = conn.execute(
            sa.select(ct.c.contact_id, ct.c.counterparty_id).where(ct.c.counterparty_id.in_(inserted))
        )
        moved += [
            f"contacts {r.contact_id} (added to {r.counterparty_id})"
            for r in others
            if r.contact_id not in own
        ]
    if moved:
        raise ConflictError(
            f"Cannot undo {batch_id}: these records changed after the import and undo would lose that: "
            + ", ".join(sorted(moved))
            + ". Change them back (or undo the later changes) first; nothing was undone."
        )


def list_batches(store: Store) -> list[dict[str, Any]]:
    """Every import batch, newest first."""
    ib = schema.import_batches
    with store.begin() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(ib).order_by(ib.c.created_at.desc()))]


def write_error_report(problems: list[Problem], path: str | Path) -> Path:
    """Write rejected rows' problems as CSV: ``row, column, value, reason`` (UTF-8 with BOM for Excel)."""
    target = Path(path)
    with target.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "column", "value", "reason"])
        for problem in problems:
            writer.writerow(
                [
                    problem.row if problem.row is not None else "",
                    problem.column or "",
                    problem.value or "",
                    problem.rule,
                ]
            )
    return target
