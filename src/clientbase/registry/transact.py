"""The transaction rule every registry write follows: one transaction, and a clash with another writer is
a clean :class:`~clientbase.errors.ConflictError`, after the write has been tried again a few times.

Two sessions writing the same rows at the same moment clash in the engine: DuckDB refuses the second at
once (a write-write conflict, or the same new key), PostgreSQL makes it wait and then reports a unique key,
a serialization failure or a deadlock. Nothing of the refused transaction was written, so the whole unit of
work runs again from the start, seeing what the other session committed: a creator then takes the next free
key, an editor finds the record moved on and gets the stale-record conflict that shows what changed.

Example:
    >>> from clientbase.store import connect
    >>> with connect("duckdb:///:memory:") as store:
    ...     run(store, lambda conn: conn.exec_driver_sql("SELECT 42").scalar_one())
    42
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import sqlalchemy as sa

from clientbase.errors import ConflictError, StoreError
from clientbase.store import Store

Db = Store | sa.Connection
Result = TypeVar("Result")

#: how many times a unit of work runs before a clash is reported
ATTEMPTS = 8
#: PostgreSQL SQLSTATEs of a clash: unique key, serialization failure, deadlock
CLASH_STATES = ("23505", "40001", "40P01")
#: DuckDB's exceptions of a clash (by name: duckdb is imported only when a DuckDB store is opened)
CLASH_TYPES = ("TransactionException", "ConstraintException")


class WriteClash(ConflictError):
    """Another session wrote the same rows at the same moment; nothing of this transaction was written."""


#: what DuckDB says when another transaction wrote the same rows (at the statement or at commit)
CLASH_WORDS = ("conflict", "duplicate key", "constraint violation")


def is_clash(error: BaseException) -> bool:
    """Whether a driver error means another writer got there first (worth running the work again).

    Example:
        >>> is_clash(RuntimeError("Conflict on tuple update")), is_clash(ValueError("no such column"))
        (False, False)
    """
    original = getattr(error, "orig", error)
    if getattr(original, "sqlstate", None) in CLASH_STATES:
        return True
    text = str(original).lower()
    return type(original).__name__ in CLASH_TYPES and any(word in text for word in CLASH_WORDS)


def _clash(error: BaseException) -> WriteClash:
    text = str(getattr(error, "orig", error)).splitlines()
    return WriteClash(
        "Another session changed the same records at the same moment; nothing was written. Reload and try "
        f"again. ({text[0] if text else type(error).__name__})"
    )


@contextlib.contextmanager
def transaction(db: Db) -> Iterator[sa.Connection]:
    """A connection in a transaction: a new one for a Store (a clash becomes :class:`WriteClash`, any other
    database error a :class:`~clientbase.errors.StoreError`), the caller's for a Connection."""
    if isinstance(db, sa.Connection):
        yield db
        return
    try:
        with db.begin() as conn:
            yield conn
    except sa.exc.DBAPIError as exc:
        if is_clash(exc):
            raise _clash(exc) from exc
        first = str(exc.orig).splitlines()[0] if str(exc.orig) else type(exc.orig).__name__
        raise StoreError(f"The database refused the write; nothing was written: {first}") from exc


def run(db: Db, work: Callable[[sa.Connection], Result], *, attempts: int = ATTEMPTS) -> Result:
    """``work(conn)`` in one transaction of ``db``, run again (after a growing random pause) when it clashes
    with another writer; the last clash is raised. In a caller's Connection it runs once: the caller owns
    that transaction and decides."""
    if isinstance(db, sa.Connection):
        return work(db)
    for attempt in range(1, attempts + 1):
        try:
            with transaction(db) as conn:
                return work(conn)
        except WriteClash:
            if attempt == attempts:
                raise
            time.sleep(random.uniform(0.5, 1.5) * min(0.01 * 2**attempt, 0.5))  # back off, out of step
    raise AssertionError("unreachable")
