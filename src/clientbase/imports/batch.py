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
    >>> from clientbase.imports.plan import plan_import
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

import datetime as dt
import json
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from clientbase import schema
from clientbase.errors import ConflictError, NotFoundError, PermissionDeniedError
from clientbase.imports.mapping import to_toml
from clientbase.imports.plan import ImportPlan, RowPlan
from clientbase.registry import history, service
from clientbase.registry.access import Actor
from clientbase.registry.bulk import delete_fields, delete_keys, insert_rows, update_rows
from clientbase.registry.ids import allocating
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

    def work(conn: sa.Connection) -> str:
        at = history.utc_now()
        batch_id = new_batch_id(at)
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
        log = history.ChangeLog(plan.actor.manager_id, f"import:{batch_id}", at, batch_id)
        _BatchWriter(conn, batch_id, log).write(todo)
        return batch_id

    with allocating(store):
        batch_id = service.run(store, work)
    return BatchResult(batch_id, counts["new"], counts["updated"], counts["unchanged"], counts["rejected"])


def _chunks(values: list[str], size: int = 1000) -> list[list[str]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def _rows_by_key(
    conn: sa.Connection, table: sa.Table, keys: list[str], *, lock: bool = False
) -> dict[str, dict[str, Any]]:
    """The rows of ``keys``; ``lock`` holds them (PostgreSQL ``FOR UPDATE``) until the transaction ends."""
    key = table.c[schema.key_columns(table)[0]]
    found: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(keys):
        query = sa.select(table).where(key.in_(chunk))
        if lock and conn.dialect.name == "postgresql":
            query = query.with_for_update()
        for row in conn.execute(query):
            found[str(row._mapping[key.name])] = dict(row._mapping)
    return found


def _verification_by_record(
    conn: sa.Connection, table: sa.Table, keys: list[str]
) -> dict[str, list[dict[str, Any]]]:
    fv = schema.field_verification
    found: dict[str, list[dict[str, Any]]] = {}
    for chunk in _chunks(keys):
        query = sa.select(fv).where(fv.c.table_name == table.name, fv.c.record_id.in_(chunk))
        for row in conn.execute(query):
            found.setdefault(row.record_id, []).append(dict(row._mapping))
    return found


@dataclass
class _BatchWriter:
    """Writes a batch in bulk: inserts and snapshots in one statement per table, one UPDATE per changed record."""

    conn: sa.Connection
    batch_id: str
    log: history.ChangeLog

    def write(self, rows: list[RowPlan]) -> None:
        cp, ct = schema.counterparties, schema.contacts
        updates: list[tuple[sa.Table, str, Mapping[str, Any], Mapping[str, object]]] = []
        new_records: list[tuple[sa.Table, dict[str, object]]] = []
        ids = _IdSource(self.conn)
        for row in rows:
            if row.action == "new":
                record = dict(row.changes)
                record["counterparty_id"] = record.get("counterparty_id") or ids.next(cp)
                new_records.append((cp, record))
                record_id = str(record["counterparty_id"])
            else:
                assert row.record_id is not None and row.before is not None
                record_id = row.record_id
                if row.changes:
                    updates.append((cp, record_id, row.before, row.changes))
            if row.contact_changes and row.contact_before is None:
                person = {**row.contact_changes, "counterparty_id": record_id, "contact_id": ids.next(ct)}
                new_records.append((ct, person))
            elif row.contact_changes and row.contact_id is not None and row.contact_before is not None:
                updates.append((ct, row.contact_id, row.contact_before, row.contact_changes))
        self._insert(new_records)
        self._update(updates)
        self.log.flush(self.conn)

    def _snapshots(self, items: list[tuple[str, str, str, str | None, str, int]]) -> None:
        if not items:
            return
        start = self.conn.execute(
            sa.select(sa.func.count()).where(schema.batch_changes.c.batch_id == self.batch_id)
        ).scalar_one()
        insert_rows(
            self.conn,
            schema.batch_changes,
            [
                {
                    "batch_id": self.batch_id,
                    "seq": start + n,
                    "table_name": table_name,
                    "record_id": record_id,
                    "action": action,
                    "before_row": before,
                    "before_verification": verification,
                    "after_version": version,
                }
                for n, (table_name, record_id, action, before, verification, version) in enumerate(
                    items, start=1
                )
            ],
        )

    def _insert(self, records: list[tuple[sa.Table, dict[str, object]]]) -> None:
        for table in (schema.counterparties, schema.contacts):
            rows = [{**r, "version": 1} for t, r in records if t is table]
            if not rows:
                continue
            key = schema.key_columns(table)[0]
            keys = [str(r[key]) for r in rows]
            taken = sorted(_rows_by_key(self.conn, table, keys))
            if taken:
                raise ConflictError(
                    f"{table.name} {', '.join(taken[:5])} were created since the dry run; run the dry run again."
                )
            self._snapshots([(table.name, k, "insert", None, "[]", 1) for k in keys])
            columns = [c.name for c in table.columns]
            insert_rows(self.conn, table, [{c: r.get(c) for c in columns} for r in rows])
            for record_id, row in zip(keys, rows, strict=True):
                self.log.record(
                    table, record_id, {}, {k: v for k, v in row.items() if v is not None}, 1, new=True
                )

    def _update(self, updates: list[tuple[sa.Table, str, Mapping[str, Any], Mapping[str, object]]]) -> None:
        for table in (schema.counterparties, schema.contacts):
            mine = [(record_id, planned, changes) for t, record_id, planned, changes in updates if t is table]
            if not mine:
                continue
            keys = [record_id for record_id, _, _ in mine]
            current = _rows_by_key(self.conn, table, keys, lock=True)
            moved = [
                k
                for k, planned, _ in mine
                if k not in current or int(current[k].get("version") or 0) != int(planned.get("version") or 0)
            ]
            if moved:
                raise ConflictError(
                    f"{table.name} {', '.join(moved[:5])} was changed since the dry run; nothing was written. "
                    "Run the dry run again."
                )
            fresh = _verification_by_record(self.conn, table, keys)
            self._snapshots(
                [
                    (
                        table.name,
                        k,
                        "update",
                        encode_row(current[k]),
                        json.dumps([json.loads(encode_row(r)) for r in fresh.get(k, [])]),
                        int(current[k].get("version") or 0) + 1,
                    )
                    for k in keys
                ]
            )
            transfers = []
            writes: list[tuple[str, int, Mapping[str, Any]]] = []
            for record_id, _planned, changes in mine:
                before = current[record_id]
                version = int(before.get("version") or 0)
                values = {name: changes[name] for name in history.changed_fields(before, changes)}
                writes.append((record_id, version, values))
                self.log.record(table, record_id, before, values, version + 1)
                if "owner_id" in values:
                    transfers.append(
                        {
                            "transfer_id": uuid.uuid4().hex,
                            "counterparty_id": record_id,
                            "from_owner": before.get("owner_id"),
                            "to_owner": values["owner_id"],
                            "transferred_by": self.log.changed_by,
                            "transferred_at": self.log.at,
                            "source": self.log.source,
                            "batch_id": self.batch_id,
                        }
                    )
            if update_rows(self.conn, table, writes) != len(writes):
                raise ConflictError(
                    f"Some {table.name} records were changed while the import was written; nothing was written. "
                    "Run the dry run again."
                )
            insert_rows(self.conn, schema.owner_transfers, transfers)


class _IdSource:
    """New keys for a batch: the next free key of each table (allocation locked), counted up locally."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.next_numbers: dict[str, tuple[int, int]] = {}

    def next(self, table: sa.Table) -> str:
        prefix, _width = service.ID_FORMATS[table.name]
        if table.name not in self.next_numbers:
            first = service.next_id(self.conn, table)
            self.next_numbers[table.name] = (int(first[len(prefix) :]), len(first) - len(prefix))
        number, width = self.next_numbers[table.name]
        self.next_numbers[table.name] = (number + 1, width)
        return f"{prefix}{number:0{width}d}"


# -- undo ------------------------------------------------------------------------------------------------------------


def undo(store: Store, *, batch_id: str, actor: Actor) -> UndoResult:
    """Put back what ``batch_id`` changed, keeping what happened after it.

    Records the batch created are removed; records it updated get their prior row back; the fields it set
    get their prior freshness back unless someone confirmed them since (that later confirmation is kept);
    the batch's history rows and owner transfers go. The batch stays listed, marked undone, and its undo
    snapshots are deleted so that they stop taking space.

    Raises:
        NotFoundError: no such batch.
        ConflictError: the batch was undone already, or a record changed after it (undo would lose that change).
        PermissionDeniedError: only the head or the manager who applied the batch may undo it.
    """
    result = service.run(store, lambda conn: _undo(conn, batch_id, actor))
    store.reclaim()
    return result


def _undo(conn: sa.Connection, batch_id: str, actor: Actor) -> UndoResult:
    ib, bc, fh = schema.import_batches, schema.batch_changes, schema.field_history
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
    set_by_batch = {
        (r.table_name, r.record_id, r.field_name)
        for r in conn.execute(
            sa.select(fh.c.table_name, fh.c.record_id, fh.c.field_name).where(fh.c.batch_id == batch_id)
        )
    }
    removed = restored = 0
    for table in (schema.contacts, schema.counterparties):
        mine = [c for c in changes if c["table_name"] == table.name]
        key = table.c[schema.key_columns(table)[0]]
        inserted = [c["record_id"] for c in mine if c["action"] == "insert"]
        updated = [c for c in mine if c["action"] == "update"]
        # updated rows are put back whole: delete, then insert the saved row (every column, version included)
        delete_keys(conn, table, key.name, inserted + [c["record_id"] for c in updated])
        insert_rows(conn, table, [decode_row(c["before_row"]) for c in updated])
        removed += len(inserted)
        restored += len(updated)
        delete_keys(conn, schema.field_verification, "record_id", inserted, table_name=table.name)
        _restore_freshness(conn, table, batch_id, updated, set_by_batch)
    conn.execute(sa.delete(fh).where(fh.c.batch_id == batch_id))
    conn.execute(sa.delete(schema.owner_transfers).where(schema.owner_transfers.c.batch_id == batch_id))
    conn.execute(sa.delete(bc).where(bc.c.batch_id == batch_id))  # the snapshots are spent
    conn.execute(
        sa.update(ib)
        .where(ib.c.batch_id == batch_id)
        .values(status="undone", undone_at=history.utc_now(), undone_by=actor.manager_id)
    )
    return UndoResult(batch_id, removed, restored)


def _restore_freshness(
    conn: sa.Connection,
    table: sa.Table,
    batch_id: str,
    updated: list[dict[str, Any]],
    set_by_batch: set[tuple[str, str, str]],
) -> None:
    """The prior freshness of the fields the batch set on updated records, where it is still the batch's."""
    fv = schema.field_verification
    ids = [c["record_id"] for c in updated]
    current = {
        (r.record_id, r.field_name): r.source
        for chunk in _chunks(ids)
        for r in conn.execute(
            sa.select(fv.c.record_id, fv.c.field_name, fv.c.source).where(
                fv.c.table_name == table.name, fv.c.record_id.in_(chunk)
            )
        )
    }
    mine = f"import:{batch_id}"
    back = [
        (record_id, name)
        for (table_name, record_id, name) in set_by_batch
        if table_name == table.name and record_id in set(ids) and current.get((record_id, name)) == mine
    ]
    delete_fields(conn, fv, table.name, back)
    wanted = set(back)
    saved = [
        row
        for change in updated
        for row in (decode_row(json.dumps(r)) for r in json.loads(change["before_verification"] or "[]"))
        if (row["record_id"], row["field_name"]) in wanted
    ]
    insert_rows(conn, fv, saved)


def _refuse_if_changed_since(conn: sa.Connection, batch_id: str, changes: list[dict[str, Any]]) -> None:
    moved = []
    for table in (schema.counterparties, schema.contacts):
        mine = [c for c in changes if c["table_name"] == table.name]
        current = _rows_by_key(conn, table, [c["record_id"] for c in mine], lock=True)
        for change in mine:
            now = current.get(change["record_id"])
            if now is None or int(now.get("version") or 0) != change["after_version"]:
                moved.append(f"{table.name} {change['record_id']}")
    inserted = [
        c["record_id"] for c in changes if c["action"] == "insert" and c["table_name"] == "counterparties"
    ]
    own = {c["record_id"] for c in changes if c["table_name"] == "contacts"}
    ct = schema.contacts
    for chunk in _chunks(inserted):
        others = conn.execute(
            sa.select(ct.c.contact_id, ct.c.counterparty_id).where(ct.c.counterparty_id.in_(chunk))
        )
        moved += [
            f"contacts {r.contact_id} (added to {r.counterparty_id})"
            for r in others
            if r.contact_id not in own
        ]
    if moved:
        raise ConflictError(
            f"Cannot undo {batch_id}: these records changed after the import and undo would lose that: "
            + ", ".join(sorted(moved)[:20])
            + (f" and {len(moved) - 20} more" if len(moved) > 20 else "")
            + ". Change them back (or undo the later changes) first; nothing was undone."
        )


def list_batches(store: Store) -> list[dict[str, Any]]:
    """Every import batch, newest first."""
    ib = schema.import_batches
    with store.begin() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(ib).order_by(ib.c.created_at.desc()))]
