"""Field-level history and freshness.

Every change of a counterparty or contact writes one ``field_history`` row per changed field: who, when, from
where (``ui``, ``api``, ``import:<batch>``, ``merge``), the old and the new value as text, and the record version
the change produced. Every field also has a last-verified time in ``field_verification``: set when the value
is written, and when a user confirms it is still right without changing it (:func:`mark_verified`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from clientbase import schema
from clientbase.errors import ConfigurationError
from clientbase.registry.bulk import delete_fields, insert_rows

#: sources written as they are; imports write ``import:<batch_id>``
SOURCES = tuple(source for source in schema.CHANGE_SOURCES if source != "import")


def utc_now() -> dt.datetime:
    """The current time, UTC, without time zone (how the store keeps times), to the microsecond."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def check_source(source: str) -> str:
    """``source`` if it is ``ui``, ``api``, ``merge`` or ``import:<batch_id>``; else a ConfigurationError.

    Example:
        >>> check_source("import:B20240517")
        'import:B20240517'
    """
    if source in SOURCES or (source.startswith("import:") and len(source) > len("import:")):
        return source
    raise ConfigurationError(f"Unknown change source {source!r}: use ui, api, merge or import:<batch_id>.")


def as_text(value: object) -> str | None:
    """How a value is written in the history: ``None`` stays ``None``; numbers without trailing zeros.

    Example:
        >>> as_text(Decimal("5.5000")), as_text(dt.date(2024, 5, 17)), as_text(None)
        ('5.5', '2024-05-17', None)
    """
    if value is None:
        return None
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def same_value(old: object, new: object) -> bool:
    """Whether two values of one field are equal as stored (``Decimal('5')`` equals ``5.00``)."""
    if old is None or new is None:
        return old is None and new is None
    if isinstance(old, Decimal | int) and isinstance(new, Decimal | int) and not isinstance(old, bool):
        return Decimal(old) == Decimal(new)
    return old == new


def changed_fields(before: Mapping[str, object], after: Mapping[str, object]) -> list[str]:
    """Fields of ``after`` whose value differs from ``before`` (``version`` is bookkeeping, not a field)."""
    return [
        name for name, value in after.items() if name != "version" and not same_value(before.get(name), value)
    ]


@dataclass
class ChangeLog:
    """History and freshness rows of many changes, collected by :meth:`record` and written by :meth:`flush`.

    One author, source and time for all; an import batch writes thousands of changes in a few statements.
    """

    changed_by: str | None
    source: str
    at: dt.datetime
    batch_id: str | None = None
    history: list[dict[str, object]] = field(default_factory=list)
    verified: list[dict[str, object]] = field(default_factory=list)
    #: (table, record id, fields) of existing records whose freshness rows are replaced
    replaced: list[tuple[str, str, list[str]]] = field(default_factory=list)

    def record(
        self,
        table: sa.Table,
        record_id: str,
        before: Mapping[str, object],
        after: Mapping[str, object],
        version: int,
        *,
        new: bool = False,
    ) -> list[str]:
        """Note every field of ``after`` that differs from ``before``; returns those fields."""
        names = changed_fields(before, after)
        for name in names:
            self.history.append(
                {
                    "history_id": uuid.uuid4().hex,
                    "table_name": table.name,
                    "record_id": record_id,
                    "field_name": name,
                    "old_value": as_text(before.get(name)),
                    "new_value": as_text(after[name]),
                    "changed_by": self.changed_by,
                    "changed_at": self.at,
                    "source": self.source,
                    "record_version": version,
                    "batch_id": self.batch_id,
                }
            )
            self.verified.append(
                {
                    "table_name": table.name,
                    "record_id": record_id,
                    "field_name": name,
                    "verified_at": self.at,
                    "verified_by": self.changed_by,
                    "source": self.source,
                }
            )
        if names and not new:
            self.replaced.append((table.name, record_id, names))
        return names

    def flush(self, conn: sa.Connection) -> None:
        """Write what was collected (and forget it)."""
        fv = schema.field_verification
        by_table: dict[str, list[tuple[str, str]]] = {}
        for table_name, record_id, names in self.replaced:
            by_table.setdefault(table_name, []).extend((record_id, name) for name in names)
        for table_name, pairs in by_table.items():
            delete_fields(conn, fv, table_name, pairs)
        insert_rows(conn, schema.field_history, self.history)
        insert_rows(conn, fv, self.verified)
        self.history, self.verified, self.replaced = [], [], []


def write_changes(
    conn: sa.Connection,
    *,
    table: sa.Table,
    record_id: str,
    before: Mapping[str, object],
    after: Mapping[str, object],
    changed_by: str | None,
    source: str,
    version: int,
    at: dt.datetime,
    batch_id: str | None = None,
) -> list[str]:
    """Write history rows for every field that differs and mark those fields verified; returns the fields."""
    log = ChangeLog(changed_by, source, at, batch_id)
    names = log.record(table, record_id, before, after, version, new=not before)
    log.flush(conn)
    return names


def _set_verified(
    conn: sa.Connection,
    *,
    table: sa.Table,
    record_id: str,
    fields: Iterable[str],
    by: str | None,
    source: str,
    at: dt.datetime,
) -> None:
    names = list(dict.fromkeys(fields))
    if not names:
        return
    fv = schema.field_verification
    conn.execute(
        sa.delete(fv).where(
            fv.c.table_name == table.name, fv.c.record_id == record_id, fv.c.field_name.in_(names)
        )
    )
    conn.execute(
        sa.insert(fv),
        [
            {
                "table_name": table.name,
                "record_id": record_id,
                "field_name": name,
                "verified_at": at,
                "verified_by": by,
                "source": source,
            }
            for name in names
        ],
    )


def mark_verified(
    conn: sa.Connection,
    *,
    table: sa.Table,
    record_id: str,
    fields: Iterable[str],
    by: str | None,
    source: str = "ui",
    at: dt.datetime | None = None,
) -> None:
    """Record that ``fields`` of a record were confirmed right now, without changing them."""
    unknown = [name for name in fields if name not in table.c]
    if unknown:
        raise ConfigurationError(f"{table.name} has no field(s) {', '.join(unknown)}; nothing was verified.")
    _set_verified(
        conn,
        table=table,
        record_id=record_id,
        fields=fields,
        by=by,
        source=check_source(source),
        at=at or utc_now(),
    )


def history_of(conn: sa.Connection, table: sa.Table, record_id: str) -> list[dict[str, Any]]:
    """The field history of one record, oldest first."""
    fh = schema.field_history
    rows = conn.execute(
        sa.select(fh)
        .where(fh.c.table_name == table.name, fh.c.record_id == record_id)
        .order_by(fh.c.changed_at, fh.c.record_version, fh.c.field_name)
    )
    return [dict(row._mapping) for row in rows]


def changes_since(conn: sa.Connection, table: sa.Table, record_id: str, version: int) -> list[dict[str, Any]]:
    """History rows of changes that produced versions after ``version`` (what a stale editor missed)."""
    fh = schema.field_history
    rows = conn.execute(
        sa.select(fh)
        .where(fh.c.table_name == table.name, fh.c.record_id == record_id, fh.c.record_version > version)
        .order_by(fh.c.record_version, fh.c.field_name)
    )
    return [dict(row._mapping) for row in rows]


def freshness(conn: sa.Connection, table: sa.Table, record_id: str) -> dict[str, dt.datetime]:
    """``{field: last verified time}`` of one record (fields never set are absent)."""
    fv = schema.field_verification
    rows = conn.execute(
        sa.select(fv.c.field_name, fv.c.verified_at).where(
            fv.c.table_name == table.name, fv.c.record_id == record_id
        )
    )
    return {row.field_name: row.verified_at for row in rows}


def verification_rows(conn: sa.Connection, table: sa.Table, record_id: str) -> list[dict[str, Any]]:
    """The raw freshness rows of one record (what an import batch saves to restore on undo)."""
    fv = schema.field_verification
    rows = conn.execute(sa.select(fv).where(fv.c.table_name == table.name, fv.c.record_id == record_id))
    return [dict(row._mapping) for row in rows]
