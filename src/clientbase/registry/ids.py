"""New keys of counterparties and contacts (``C00001``, ``P0001``), allocated so that creators never collide.

The next key is one more than the highest number in use, as wide as that key. On PostgreSQL the allocation
first takes a lock for the table's keys (``pg_advisory_xact_lock``), held until the transaction ends: a
second creator, in any process, waits, then sees the first one's records. On DuckDB, where one process
writes, the creating transactions of a store run one at a time (:func:`allocating`); one that still clashes
(another store on the same file) runs again (:func:`clientbase.registry.transact.run`).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from clientbase import schema
from clientbase.store import Store

#: how new keys look: prefix and digits
ID_FORMATS = {"counterparties": ("C", 5), "contacts": ("P", 4)}


def _key(table: sa.Table) -> sa.Column[Any]:
    return table.c[schema.key_columns(table)[0]]


def lock_keys(conn: sa.Connection, table: sa.Table) -> None:
    """On PostgreSQL, hold the allocation of ``table``'s new keys until this transaction ends."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": f"clientbase:{table.name}"}
        )


def highest_number(conn: sa.Connection, table: sa.Table) -> tuple[int, int]:
    """The highest ``<prefix><digits>`` number among the keys of ``table`` and its count of digits
    (``(0, 0)`` when there is none).

    Keys are compared per length (``C00042`` and ``C000042`` may both be there), so only a few rows leave
    the database; a length whose greatest key is not all digits is searched in full.
    """
    prefix, _width = ID_FORMATS[table.name]
    key = _key(table)
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$")
    length = sa.func.length(key)
    best = (0, 0)
    groups = conn.execute(sa.select(length, sa.func.max(key)).where(key.like(f"{prefix}%")).group_by(length))
    for size, greatest in groups:
        found = [greatest]
        if pattern.match(greatest) is None:
            found = list(conn.execute(sa.select(key).where(key.like(f"{prefix}%"), length == size)).scalars())
        digits = [m.group(1) for k in found if (m := pattern.match(k))]
        best = max([best, *((int(d), len(d)) for d in digits)])
    return best


def next_id(conn: sa.Connection, table: sa.Table) -> str:
    """The next free key of ``table``, as wide as the highest one (``C00001``, ``P0001`` in an empty base;
    ``C002321`` after ``C002320``), the allocation locked."""
    prefix, width = ID_FORMATS[table.name]
    lock_keys(conn, table)
    number, digits = highest_number(conn, table)
    return f"{prefix}{number + 1:0{max(width, digits)}d}"


@contextlib.contextmanager
def allocating(db: object) -> Iterator[None]:
    """Around a whole transaction that creates records: on a DuckDB store its creators take turns."""
    if isinstance(db, Store) and db.duck is not None:
        with db.keys_lock:
            yield
    else:
        yield
