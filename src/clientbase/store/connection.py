"""Open a database by URL: DuckDB (embedded default) or PostgreSQL, same schema and code.

A URL means what it says (:func:`parse_url`): ``duckdb:///relative/file.duckdb``, ``duckdb:////abs/file.duckdb``,
``duckdb:///:memory:`` (the only throw-away database) or ``postgresql://user:pw@host:port/db``; anything else
is refused with the right spelling. :func:`connect` opens an existing base, or creates one when asked
(``create=True``: the commands that make a base, ``demo``, ``init``, ``import-folder``); a command that only
reads never leaves an empty file behind. :meth:`Store.snapshot` gives a read view in which every query sees
the same committed state (PostgreSQL ``REPEATABLE READ``, rolled back at the end; one DuckDB transaction).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa

from clientbase import schema
from clientbase.errors import ConfigurationError, NotFoundError, StoreError
from clientbase.store import lock

if TYPE_CHECKING:
    import duckdb
    from ibis.backends import BaseBackend

DEFAULT_URL = "duckdb:///./clientbase.duckdb"
MEMORY = ":memory:"
#: bytes 8-11 of every DuckDB database file
DUCKDB_MAGIC = b"DUCK"
#: connections of a PostgreSQL server left to others than the app's workers: the CLI beside the server, psql,
#: backups, and the superuser slots the server keeps itself
RESERVED_CONNECTIONS = 10
#: the most connections one process holds on PostgreSQL when nothing asks for fewer: SQLAlchemy's pool
#: (kept open) plus its overflow (opened under load, closed when returned)
POOL_SIZE, POOL_OVERFLOW = 5, 10
CREATE_HINT = "create one with `clientbase demo`, `clientbase init` or `clientbase import-folder`"


@dataclass
class Store:
    """An open database: ``engine`` (SQLAlchemy Core) writes, ``ibis`` reads; both see the same data.

    Use as a context manager, or call :meth:`close`.
    """

    url: str
    engine: sa.Engine
    ibis: BaseBackend
    #: the DuckDB connection both sides share (``None`` on PostgreSQL)
    duck: duckdb.DuckDBPyConnection | None = None
    _closed: bool = field(default=False, repr=False)
    #: the schema revisions :func:`connect` ran on opening, oldest first (empty: the schema was current)
    migrated: list[str] = field(default_factory=list)
    #: Ibis tables of the schema, looked up once: their shape is fixed once :func:`connect` has migrated
    _tables: dict[str, Any] = field(default_factory=dict, repr=False)
    #: inside :meth:`snapshot`: the one connection every read of the view uses
    _reading: sa.Connection | None = field(default=None, repr=False)
    #: held by writers that allocate new keys on DuckDB, where one process writes (PostgreSQL locks in the
    #: database instead): the threads of this store then never take the same key
    keys_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    #: held while a DuckDB cursor is made (DuckDB's connection is not thread-safe)
    cursor_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def dialect(self) -> str:
        return "duckdb" if self.duck is not None else "postgresql"

    @property
    def in_snapshot(self) -> bool:
        """Whether this is a read view made by :meth:`snapshot`."""
        return self._reading is not None

    def table(self, name: str) -> Any:
        """The Ibis table ``name`` of this database (a schema table's is looked up once per store)."""
        if name not in schema.metadata.tables:
            return self.ibis.table(name)
        if name not in self._tables:
            self._tables[name] = self.ibis.table(name)
        return self._tables[name]

    @contextlib.contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        """One transaction: committed when the block ends, rolled back on any error.

        In a read view (:meth:`snapshot`) it is the view's one read-only connection.
        """
        if self._reading is not None:
            yield self._reading
            return
        with self.engine.begin() as conn:
            yield conn

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Store]:
        """A read view of this store in which every query, Ibis or SQLAlchemy, sees one committed state.

        A multi-query read (the analysis, customer value, the quality audit, an export) made through the view
        never mixes the state before and after a concurrent write. Writes through the view fail. A view of a
        view is the view itself.

        Example:
            >>> with connect("duckdb:///:memory:") as store, store.snapshot() as view:
            ...     view.table("counterparties").count().execute(), view.in_snapshot
            (0, True)
        """
        if self._reading is not None:
            yield self
            return
        opener = _duckdb_snapshot if self.duck is not None else _postgres_snapshot
        with opener(self) as view:
            yield view

    def reclaim(self) -> None:
        """Give the space of deleted rows back (DuckDB: a checkpoint; PostgreSQL's autovacuum does it)."""
        if self.duck is not None and self._reading is None:
            with contextlib.suppress(
                Exception
            ):  # another transaction is open: the next checkpoint will do it
                self.duck.execute("CHECKPOINT")

    def close(self) -> None:
        if self._closed or self._reading is not None:
            return
        self._closed = True
        self.engine.dispose()
        with contextlib.suppress(Exception):
            self.ibis.disconnect()
        if self.duck is not None:
            self.duck.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


Result = TypeVar("Result")


def consistent_read(function: Callable[..., Result]) -> Callable[..., Result]:
    """Run ``function(store, ...)`` on a :meth:`Store.snapshot` of its first argument when that is a Store.

    Example:
        >>> @consistent_read
        ... def counted(source):
        ...     return source.in_snapshot
        >>> with connect("duckdb:///:memory:") as store:
        ...     counted(store)
        True
    """

    @functools.wraps(function)
    def wrapper(source: Any, *args: Any, **kwargs: Any) -> Result:
        if not isinstance(source, Store):
            return function(source, *args, **kwargs)
        with source.snapshot() as view:
            return function(view, *args, **kwargs)

    return wrapper


@contextlib.contextmanager
def _duckdb_snapshot(store: Store) -> Iterator[Store]:
    import ibis
    from duckdb_engine import ConnectionWrapper

    assert store.duck is not None
    with store.cursor_lock:
        cursor = store.duck.cursor()
    engine = sa.create_engine(
        "duckdb:///:memory:", creator=lambda: ConnectionWrapper(cursor), poolclass=sa.pool.StaticPool
    )
    try:
        with engine.connect() as conn, conn.begin() as transaction:
            conn.exec_driver_sql("SELECT 1")  # the transaction, and with it the snapshot, starts here
            view = dataclasses.replace(
                store, engine=engine, ibis=ibis.duckdb.from_connection(cursor), duck=cursor, _tables={}
            )
            view._reading = conn
            try:
                yield view
            finally:
                transaction.rollback()
    finally:
        engine.dispose()
        cursor.close()


@contextlib.contextmanager
def _postgres_snapshot(store: Store) -> Iterator[Store]:
    import ibis

    with store.engine.connect() as conn:
        # not READ ONLY: Ibis stages a small lookup (a memtable) as a temporary table; the transaction is rolled
        # back at the end, so nothing a read does outlives it
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin() as transaction:
            conn.exec_driver_sql("SELECT 1")  # REPEATABLE READ takes its snapshot at the first query
            raw: Any = conn.connection.driver_connection
            # Ibis runs each query in a psycopg transaction block: inside ours it becomes a savepoint
            view = dataclasses.replace(store, ibis=ibis.postgres.from_connection(raw), _tables={})
            view._reading = conn
            try:
                yield view
            finally:
                transaction.rollback()


# -- URLs ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What a URL names: a DuckDB file (``path``; ``None`` for ``:memory:``) or a PostgreSQL database."""

    engine: str
    path: Path | None = None
    url: sa.engine.URL | None = None
    #: the URL as given, its password masked
    given: str = ""

    @property
    def shown(self) -> str:
        """The target for messages (a PostgreSQL password is masked)."""
        if self.engine == "postgresql":
            return self.given
        return MEMORY if self.path is None else str(self.path)


def _duckdb_spelling(rest: str) -> str:
    """How to write a DuckDB URL, with a guess at what ``duckdb:<rest>`` meant."""
    spelling = (
        "write duckdb:///relative/path.duckdb (three slashes: relative to the current folder), "
        "duckdb:////absolute/path.duckdb (four: an absolute path) or duckdb:///:memory: (a throw-away database)"
    )
    if rest.startswith("//"):  # duckdb://name: the name was read as a host
        meant = rest[2:].strip("/")
        return f"{spelling}; for the file {meant} write duckdb:///{meant}" if meant else spelling
    if rest.startswith("/"):  # duckdb:/abs/path
        return f"{spelling}; for the file {rest} write duckdb:///{rest}" if rest.strip("/") else spelling
    return f"{spelling}; for the file {rest} write duckdb:///{rest}" if rest else spelling


def parse_url(url: str) -> Target:
    """What ``url`` names; a URL that names no file (``duckdb://x``, ``duckdb:/x``, ``duckdb://``) is refused.

    Example:
        >>> parse_url("duckdb:///./base.duckdb").path, parse_url("duckdb:///:memory:").path
        (PosixPath('base.duckdb'), None)
        >>> parse_url("duckdb://base.duckdb")
        Traceback (most recent call last):
        ...
        clientbase.errors.ConfigurationError: The database URL 'duckdb://base.duckdb' names no file: write ...
    """
    scheme, colon, rest = url.partition(":")
    scheme = scheme.lower()
    if colon and scheme == "duckdb":
        if not rest.startswith("///") or not rest[3:]:
            raise ConfigurationError(f"The database URL {url!r} names no file: {_duckdb_spelling(rest)}.")
        path = rest[3:]
        return Target("duckdb", None if path == MEMORY else Path(path).expanduser())
    if colon and scheme.split("+")[0] in ("postgresql", "postgres"):
        try:
            parsed = sa.engine.make_url(url)
            port = parsed.port
        except (ValueError, sa.exc.ArgumentError) as exc:
            raise ConfigurationError(
                f"The database URL {url!r} cannot be read ({exc}); write postgresql://user:password@host:5432/database"
            ) from None
        if not parsed.database:
            raise ConfigurationError(
                f"The database URL {url!r} names no database: write postgresql://user:password@host:"
                f"{port or 5432}/database"
            )
        shown = parsed.render_as_string(hide_password=True)
        return Target("postgresql", url=parsed.set(drivername="postgresql+psycopg"), given=shown)
    raise ConfigurationError(
        f"Unsupported database URL {url!r}: use duckdb:///path/to/file.duckdb or "
        "postgresql://user:password@host:port/database"
    )


def connections_per_process(max_connections: int, processes: int) -> int:
    """How many connections each of ``processes`` may hold so that together they stay within a server's
    ``max_connections`` less :data:`RESERVED_CONNECTIONS` (never more than the default pool holds).

    Example:
        >>> connections_per_process(100, 4), connections_per_process(100, 1), connections_per_process(20, 8)
        (16, 16, 2)
    """
    share = (max_connections - RESERVED_CONNECTIONS) // processes
    if share < 2:
        raise ConfigurationError(
            f"{processes} server processes cannot share a PostgreSQL server that allows {max_connections} "
            f"connections ({RESERVED_CONNECTIONS} kept for others): start fewer workers or raise the server's "
            "max_connections."
        )
    return min(share, POOL_SIZE + POOL_OVERFLOW + 1)


def max_connections(store: Store) -> int:
    """The PostgreSQL server's ``max_connections``."""
    with store.engine.connect() as conn:
        return int(conn.exec_driver_sql("SHOW max_connections").scalar_one())


# -- opening -------------------------------------------------------------------------------------------------------


def connect(
    url: str | None = None, *, create: bool = True, migrate: bool = True, connections: int | None = None
) -> Store:
    """Open the database at ``url`` and bring its schema up to date.

    ``duckdb:///./clientbase.duckdb`` (the default) is a file next to you; ``duckdb:////abs/path.duckdb`` an
    absolute path; ``duckdb:///:memory:`` a throw-away database; ``postgresql://user:pw@host:5432/db`` a
    PostgreSQL server. With ``create=False`` a base that does not exist yet (no file; a PostgreSQL database
    without the clientbase schema) is refused instead of created: what every command that only reads passes.
    ``connections`` caps the PostgreSQL connections this store holds at once (Ibis' one and SQLAlchemy's pool;
    at least 2): ``clientbase serve --workers N`` gives each worker its share of the server's
    (:func:`connections_per_process`); a request that finds the pool taken waits for a connection.

    Raises:
        ConfigurationError: a URL that names no database, a folder, or a file that is not a DuckDB database.
        NotFoundError: ``create=False`` and there is no base at ``url``.
        StoreError: the database cannot be opened (in use by another process, server unreachable ...).

    Example:
        >>> from clientbase.store import connect
        >>> with connect("duckdb:///:memory:") as store:
        ...     store.table("counterparties").count().execute()
        0
    """
    target = parse_url(url or DEFAULT_URL)
    if target.engine == "duckdb":
        store = _connect_duckdb(url or DEFAULT_URL, target, create=create)
    else:
        store = _connect_postgres(url or DEFAULT_URL, target, create=create, connections=connections)
    if migrate:
        from clientbase.store.migrate import upgrade

        try:
            store.migrated = upgrade(store.engine)
        except Exception:
            store.close()
            raise
    return store


def _missing(target: Target) -> NotFoundError:
    return NotFoundError(f"No database at {target.shown}; {CREATE_HINT}.")


def _check_duckdb_file(target: Target, *, create: bool) -> None:
    path = target.path
    assert path is not None
    if path.is_dir():
        raise ConfigurationError(
            f"{path} is a folder; give the database file, e.g. {path / 'clientbase.duckdb'}"
        )
    if not path.exists():
        if not create:
            raise _missing(target)
        parent = path.resolve().parent
        if not parent.is_dir():
            raise ConfigurationError(
                f"Cannot create the database {path}: the folder {parent} does not exist; create it first."
            )
        return
    try:
        with path.open("rb") as handle:
            head = handle.read(12)
    except OSError as exc:
        raise StoreError(f"Cannot read the database file {path}: {exc.strerror or exc}.") from None
    if head and head[8:12] != DUCKDB_MAGIC:
        raise ConfigurationError(
            f"{path} is not a DuckDB database (it is some other kind of file); give the .duckdb file of a "
            f"clientbase base, or a new file name to {CREATE_HINT.removeprefix('create one with ')}."
        )


def _connect_duckdb(url: str, target: Target, *, create: bool) -> Store:
    import duckdb
    import ibis
    from duckdb_engine import ConnectionWrapper

    if target.path is not None:
        _check_duckdb_file(target, create=create)
        # a running `clientbase serve` holds the file: say so, not DuckDB's lock error
        lock.ensure_not_served(target.path)
    try:
        duck = duckdb.connect(MEMORY if target.path is None else str(target.path))
    except duckdb.Error as exc:
        raise StoreError(f"Cannot open the DuckDB database {target.shown}: {exc}") from exc
    # Every SQLAlchemy connection is a cursor of the same DuckDB instance: writes and Ibis reads agree,
    # and each pooled connection serves one thread at a time. A queue pool, not duckdb-engine's default for
    # ":memory:" (a SingletonThreadPool, which closes other threads' connections while they are in use once
    # more than five threads write); cursors are made one at a time (DuckDB's connection is not thread-safe).
    opening = threading.Lock()

    def cursor() -> ConnectionWrapper:
        with opening:
            return ConnectionWrapper(duck.cursor())

    engine = sa.create_engine(
        "duckdb:///:memory:", creator=cursor, poolclass=sa.pool.QueuePool, pool_size=10, max_overflow=30
    )
    backend = ibis.duckdb.from_connection(duck)
    return Store(url=url, engine=engine, ibis=backend, duck=duck, cursor_lock=opening)


def _connect_postgres(url: str, target: Target, *, create: bool, connections: int | None = None) -> Store:
    import ibis

    assert target.url is not None
    parts = target.url
    pooled = POOL_SIZE + POOL_OVERFLOW if connections is None else max(1, connections - 1)  # Ibis holds one
    size = min(POOL_SIZE, pooled)
    try:
        engine = sa.create_engine(parts, pool_size=size, max_overflow=pooled - size)
        with engine.connect() as conn:
            known = conn.exec_driver_sql("SELECT to_regclass('alembic_version') IS NOT NULL").scalar_one()
        backend = ibis.postgres.connect(
            host=parts.host or "localhost",
            port=parts.port or 5432,
            user=parts.username,
            password=parts.password,
            database=parts.database,
        )
    except Exception as exc:
        reason = getattr(exc, "orig", None) or exc
        raise StoreError(
            f"Cannot connect to PostgreSQL at {parts.host or 'localhost'}:{parts.port or 5432} "
            f"({target.shown}): {reason}"
        ) from exc
    store = Store(url=url, engine=engine, ibis=backend)
    if not known and not create:
        store.close()
        raise _missing(target)
    return store
