"""The registry service: create, update, archive, restore, transfer and verify counterparties and contacts.

Shared by the CLI, the API and the web pages. Every function is keyword-only, takes ``db`` (a
:class:`~clientbase.store.Store`, which gets its own transaction, or an open ``sqlalchemy.Connection``, whose
transaction the caller owns) and the acting user, checks access (:mod:`.access`), validates
(:mod:`.rules`), writes field history and freshness (:mod:`.history`), and locks optimistically on the
``version`` column: an update made from a stale version raises :class:`StaleRecordError`, which shows the
change the caller missed, and writes nothing.

Example:
    >>> import sqlalchemy as sa
    >>> from clientbase import schema
    >>> from clientbase.store import connect
    >>> store = connect("duckdb:///:memory:")
    >>> with store.begin() as conn:
    ...     _ = conn.execute(sa.insert(schema.managers).values(manager_id="M01", name="Anna", role="manager"))
    >>> anna = Actor("M01", "manager")
    >>> rec = create_counterparty(db=store, actor=anna, values={
    ...     "name": "Nordic Tools AB", "roles": "customer", "status": "active", "country": "SE",
    ...     "payment_days": 30})
    >>> rec["counterparty_id"], rec["owner_id"], rec["version"]
    ('C00001', 'M01', 1)
    >>> rec = update_counterparty(db=store, actor=anna, counterparty_id="C00001",
    ...                           changes={"phone": "018 12 34 56"}, expected_version=1)
    >>> rec["phone"], rec["version"]
    ('+4618123456', 2)
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from clientbase import schema
from clientbase.errors import (
    ConfigurationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from clientbase.registry import access, history, rules
from clientbase.registry.access import Actor
from clientbase.registry.ids import ID_FORMATS, allocating, next_id
from clientbase.registry.transact import Db, run, transaction

__all__ = ["ID_FORMATS", "Db", "StaleRecordError", "next_id", "run", "transaction"]


class StaleRecordError(ConflictError):
    """An update made from a stale version; ``missed`` lists the history rows of the change in between."""

    def __init__(
        self, table: sa.Table, record_id: str, expected: int, current: int, missed: list[dict[str, Any]]
    ) -> None:
        self.record_id = record_id
        self.expected_version = expected
        self.current_version = current
        self.missed = missed
        lines = [
            f"  {h['field_name']}: {h['old_value']!r} -> {h['new_value']!r} "
            f"(by {h['changed_by'] or '?'}, {h['changed_at']:%Y-%m-%d %H:%M:%S}, {h['source']})"
            for h in missed
        ]
        super().__init__(
            f"{table.name} {record_id} was changed since you read it (your version {expected}, now {current})"
            + (":\n" + "\n".join(lines) if lines else ".")
            + "\nNothing was written: reload the record and apply your change again."
        )


def table_of(kind: str) -> sa.Table:
    """The table of ``kind``: ``counterparties`` or ``contacts``."""
    if kind not in ("counterparties", "contacts"):
        raise ConfigurationError(f"Unknown kind of record {kind!r}: use counterparties or contacts.")
    return schema.counterparties if kind == "counterparties" else schema.contacts


def _key(table: sa.Table) -> sa.Column[Any]:
    return table.c[schema.key_columns(table)[0]]


def fetch(
    conn: sa.Connection, table: sa.Table, record_id: str, *, lock: bool = False
) -> dict[str, Any] | None:
    """One row as a dict, or ``None``."""
    query = sa.select(table).where(_key(table) == record_id)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    return None if row is None else dict(row._mapping)


def _managers(conn: sa.Connection) -> list[str]:
    return list(conn.execute(sa.select(schema.managers.c.manager_id)).scalars())


def _owner_row(conn: sa.Connection, table: sa.Table, record: Mapping[str, object]) -> dict[str, Any]:
    """The counterparty row that decides access to ``record`` (itself, or a contact's counterparty)."""
    if table is schema.counterparties:
        return dict(record)
    parent = fetch(conn, schema.counterparties, str(record.get("counterparty_id")))
    if parent is None:
        raise NotFoundError(f"No counterparty {record.get('counterparty_id')!r} for this contact.")
    return parent


def find_visible(
    conn: sa.Connection, actor: Actor, table: sa.Table, record_id: str, *, lock: bool = False
) -> dict[str, Any]:
    """The record ``record_id`` of ``table`` if ``actor`` may see it; one and the same :class:`NotFoundError`
    when it does not exist and when it is someone else's (a manager does not learn what others own)."""
    what = f"{'counterparty' if table is schema.counterparties else 'contact'} {record_id}"
    row = fetch(conn, table, record_id, lock=lock)
    if row is None:
        raise access.not_found(actor, what)
    access.ensure_can_read(actor, _owner_row(conn, table, row), what)
    return row


def validate(
    conn: sa.Connection, table: sa.Table, record: Mapping[str, object], *, file: str | None = None
) -> dict[str, object]:
    """The cleaned record, or :class:`ValidationError` listing every field, value and rule it breaks."""
    country = None
    if table is schema.contacts and record.get("counterparty_id"):
        parent = fetch(conn, schema.counterparties, str(record["counterparty_id"]))
        if parent is None:
            problem = rules.Failure(
                "counterparty_id", record["counterparty_id"], "reference", "no such counterparty"
            )
            raise ValidationError([problem.problem(file or table.name)])
        country = parent.get("country")
    cleaned, failures = rules.clean_record(table, record, managers=_managers(conn), country=country)
    if failures:
        raise ValidationError([f.problem(file or table.name) for f in failures])
    return cleaned


# -- low-level writes, used by the service functions below and by import batches --------------------------


def insert_record(
    conn: sa.Connection,
    table: sa.Table,
    record: Mapping[str, object],
    *,
    changed_by: str | None,
    source: str,
    at: dt.datetime,
    batch_id: str | None = None,
) -> dict[str, object]:
    """Insert a validated record at version 1 with its history (no access check: the caller did it)."""
    row = {**{name: value for name, value in record.items() if value is not None}, "version": 1}
    conn.execute(sa.insert(table).values(**row))
    history.write_changes(
        conn,
        table=table,
        record_id=str(row[_key(table).name]),
        before={},
        after=row,
        changed_by=changed_by,
        source=source,
        version=1,
        at=at,
        batch_id=batch_id,
    )
    return row


def update_record(
    conn: sa.Connection,
    table: sa.Table,
    before: Mapping[str, object],
    changes: Mapping[str, object],
    *,
    expected_version: int,
    changed_by: str | None,
    source: str,
    at: dt.datetime,
    batch_id: str | None = None,
    log: history.ChangeLog | None = None,
) -> dict[str, object]:
    """Write ``changes`` (already validated) if the record is still at ``expected_version``.

    The history goes to ``log`` when one is given (the caller flushes it), else it is written at once.

    Raises:
        StaleRecordError: the record has moved on; nothing was written.
    """
    key = _key(table)
    record_id = str(before[key.name])
    names = history.changed_fields(before, changes)
    if not names:
        return dict(before)
    new_version = expected_version + 1
    values = {name: changes[name] for name in names}
    if table is schema.counterparties and "owner_id" in values:
        conn.execute(
            sa.insert(schema.owner_transfers).values(
                transfer_id=uuid.uuid4().hex,
                counterparty_id=record_id,
                from_owner=before.get("owner_id"),
                to_owner=values["owner_id"],
                transferred_by=changed_by,
                transferred_at=at,
                source=source,
                batch_id=batch_id,
            )
        )
    result = conn.execute(
        sa.update(table)
        .where(key == record_id, sa.func.coalesce(table.c.version, 0) == expected_version)
        .values(**values, version=new_version)
        .returning(key)  # duckdb-engine's rowcount is -1; RETURNING counts on both engines
    )
    if len(result.fetchall()) != 1:
        raise stale_error(conn, table, record_id, expected_version)
    if log is not None:
        log.record(table, record_id, before, values, new_version)
    else:
        history.write_changes(
            conn,
            table=table,
            record_id=record_id,
            before=before,
            after=values,
            changed_by=changed_by,
            source=source,
            version=new_version,
            at=at,
            batch_id=batch_id,
        )
    return {**before, **values, "version": new_version}


def stale_error(conn: sa.Connection, table: sa.Table, record_id: str, expected: int) -> StaleRecordError:
    """The :class:`StaleRecordError` of ``record_id`` read at version ``expected``, with what it missed."""
    current = fetch(conn, table, record_id)
    version = int(current.get("version") or 0) if current else -1
    return StaleRecordError(
        table, record_id, expected, version, history.changes_since(conn, table, record_id, expected)
    )


# -- the service ------------------------------------------------------------------------------------------------


def get_record(db: Db, *, actor: Actor, kind: str, record_id: str) -> dict[str, Any]:
    """One counterparty or contact (``kind``: ``counterparties`` / ``contacts``) the actor may see."""
    table = table_of(kind)
    with transaction(db) as conn:
        return find_visible(conn, actor, table, record_id)


def _create(
    db: Db, table: sa.Table, actor: Actor, values: Mapping[str, object], source: str
) -> dict[str, Any]:
    history.check_source(source)
    key = _key(table).name

    def work(conn: sa.Connection) -> dict[str, Any]:
        record = dict(values)
        if table is schema.contacts:
            if actor.role == "analyst":
                raise PermissionDeniedError(
                    f"{actor.manager_id} is an analyst: analysts read records and edit none."
                )
            if record.get("counterparty_id"):  # without one, the rules say it is required
                # a counterparty the actor may not see is "not found", as everywhere
                find_visible(conn, actor, schema.counterparties, str(record["counterparty_id"]))
        if not record.get(key):
            record[key] = next_id(conn, table)
        elif fetch(conn, table, str(record[key]).strip()) is not None:
            raise ConflictError(f"{table.name} {record[key]} already exists; update it instead.")
        if table is schema.counterparties:
            record.setdefault("created_at", dt.date.today())
            if not record.get("owner_id") and actor.role == "manager":
                record["owner_id"] = actor.manager_id
            if record.get("owner_id"):
                access.ensure_can_assign(actor, to_owner=record["owner_id"])
            elif actor.role == "analyst":
                access.ensure_can_edit(actor, record, f"new {table.name}")
        cleaned = validate(conn, table, record)
        access.ensure_can_edit(actor, _owner_row(conn, table, cleaned), f"{table.name} {cleaned[key]}")
        return insert_record(
            conn, table, cleaned, changed_by=actor.manager_id, source=source, at=history.utc_now()
        )

    with allocating(db):
        return run(db, work)


def _update(
    db: Db,
    table: sa.Table,
    actor: Actor,
    record_id: str,
    changes: Mapping[str, object],
    expected_version: int,
    source: str,
) -> dict[str, Any]:
    history.check_source(source)

    def work(conn: sa.Connection) -> dict[str, Any]:
        before = find_visible(conn, actor, table, record_id, lock=True)
        access.ensure_can_edit(actor, _owner_row(conn, table, before), f"{table.name} {record_id}")
        key = _key(table).name
        if changes.get(key, record_id) != record_id or "version" in changes:
            raise ValidationError(
                [
                    rules.Failure(
                        key, changes.get(key), "read_only", "keys and versions are not edited"
                    ).problem(table.name)
                ]
            )
        if int(before.get("version") or 0) != expected_version:
            raise stale_error(conn, table, record_id, expected_version)
        if (
            table is schema.counterparties
            and "owner_id" in changes
            and changes["owner_id"] != before["owner_id"]
        ):
            access.ensure_can_assign(actor, to_owner=changes["owner_id"], from_owner=before["owner_id"])
        moved_to = changes.get("counterparty_id", before.get("counterparty_id"))
        if table is schema.contacts and moved_to != before["counterparty_id"]:
            parent = find_visible(conn, actor, schema.counterparties, str(moved_to or ""))
            access.ensure_can_edit(actor, parent, f"counterparty {moved_to}")
        cleaned = validate(conn, table, {**before, **changes})
        return update_record(
            conn,
            table,
            before,
            {name: cleaned[name] for name in changes},
            expected_version=expected_version,
            changed_by=actor.manager_id,
            source=source,
            at=history.utc_now(),
        )

    return run(db, work)


def create_counterparty(
    *, db: Db, actor: Actor, values: Mapping[str, object], source: str = "api"
) -> dict[str, Any]:
    """Create a counterparty; a manager's record is theirs unless the head assigns another owner.

    The key is generated (``C00001``...) when ``values`` has none; ``created_at`` defaults to today.

    Raises:
        ValidationError: a value breaks a rule (each problem names field, value and rule).
        PermissionDeniedError: an analyst, or a manager creating a record for someone else.
    """
    return _create(db, schema.counterparties, actor, values, source)


def update_counterparty(
    *,
    db: Db,
    actor: Actor,
    counterparty_id: str,
    changes: Mapping[str, object],
    expected_version: int,
    source: str = "api",
) -> dict[str, Any]:
    """Change fields of a counterparty read at ``expected_version``; returns the new row.

    Raises:
        StaleRecordError: someone changed it since; shows their change; nothing was written.
        ValidationError, PermissionDeniedError, NotFoundError.
    """
    return _update(db, schema.counterparties, actor, counterparty_id, changes, expected_version, source)


def archive_counterparty(
    *, db: Db, actor: Actor, counterparty_id: str, expected_version: int, source: str = "api"
) -> dict[str, Any]:
    """Set a counterparty's status to ``archived`` (its history keeps the status it had)."""
    return update_counterparty(
        db=db,
        actor=actor,
        counterparty_id=counterparty_id,
        changes={"status": "archived"},
        expected_version=expected_version,
        source=source,
    )


def restore_counterparty(
    *, db: Db, actor: Actor, counterparty_id: str, expected_version: int, source: str = "api"
) -> dict[str, Any]:
    """Give an archived counterparty back the status it had before it was archived."""

    def work(conn: sa.Connection) -> dict[str, Any]:
        find_visible(conn, actor, schema.counterparties, counterparty_id)
        past = history.history_of(conn, schema.counterparties, counterparty_id)
        previous = [
            h["old_value"] for h in past if h["field_name"] == "status" and h["new_value"] == "archived"
        ]
        status = previous[-1] if previous and previous[-1] else "active"
        return update_counterparty(
            db=conn,
            actor=actor,
            counterparty_id=counterparty_id,
            changes={"status": status},
            expected_version=expected_version,
            source=source,
        )

    return run(db, work)


def transfer_owner(
    *,
    db: Db,
    actor: Actor,
    counterparty_id: str,
    to_owner: str,
    expected_version: int,
    source: str = "api",
) -> dict[str, Any]:
    """Give a counterparty to another manager (head only); recorded in ``owner_transfers`` and the history."""
    if actor.role != "head":
        raise PermissionDeniedError(
            f"{actor.manager_id} ({actor.role}) may not transfer records: only the head assigns owners."
        )
    return update_counterparty(
        db=db,
        actor=actor,
        counterparty_id=counterparty_id,
        changes={"owner_id": to_owner},
        expected_version=expected_version,
        source=source,
    )


def create_contact(
    *, db: Db, actor: Actor, values: Mapping[str, object], source: str = "api"
) -> dict[str, Any]:
    """Create a contact at a counterparty the actor may edit (phones read with the counterparty's country)."""
    return _create(db, schema.contacts, actor, values, source)


def update_contact(
    *,
    db: Db,
    actor: Actor,
    contact_id: str,
    changes: Mapping[str, object],
    expected_version: int,
    source: str = "api",
) -> dict[str, Any]:
    """Change fields of a contact read at ``expected_version`` (see :func:`update_counterparty`)."""
    return _update(db, schema.contacts, actor, contact_id, changes, expected_version, source)


def archive_contact(
    *, db: Db, actor: Actor, contact_id: str, expected_version: int, source: str = "api"
) -> dict[str, Any]:
    """Mark a contact archived (no longer at the company)."""
    return update_contact(
        db=db,
        actor=actor,
        contact_id=contact_id,
        changes={"archived": True},
        expected_version=expected_version,
        source=source,
    )


def restore_contact(
    *, db: Db, actor: Actor, contact_id: str, expected_version: int, source: str = "api"
) -> dict[str, Any]:
    """Undo :func:`archive_contact`."""
    return update_contact(
        db=db,
        actor=actor,
        contact_id=contact_id,
        changes={"archived": False},
        expected_version=expected_version,
        source=source,
    )


def verify(
    *, db: Db, actor: Actor, kind: str, record_id: str, fields: list[str], source: str = "ui"
) -> dict[str, dt.datetime]:
    """Confirm that ``fields`` of a record are still right, without changing them; returns its freshness.

    ``kind`` is ``counterparties`` or ``contacts``. Analysts cannot verify (it is an edit of the record's
    freshness); managers only their own records.
    """
    table = table_of(kind)

    def work(conn: sa.Connection) -> dict[str, dt.datetime]:
        row = find_visible(conn, actor, table, record_id)
        access.ensure_can_edit(actor, _owner_row(conn, table, row), f"{table.name} {record_id}")
        history.mark_verified(
            conn, table=table, record_id=record_id, fields=fields, by=actor.manager_id, source=source
        )
        return history.freshness(conn, table, record_id)

    return run(db, work)


def record_history(db: Db, *, actor: Actor, kind: str, record_id: str) -> list[dict[str, Any]]:
    """The field history of a record the actor may see, oldest first."""
    table = table_of(kind)
    with transaction(db) as conn:
        find_visible(conn, actor, table, record_id)
        return history.history_of(conn, table, record_id)
