"""Open a database by URL: DuckDB (embedded default) or PostgreSQL, same schema and code."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from clientbase import schema
from clientbase.errors import ConfigurationError, StoreError
from clientbase.store import lock

if TYPE_CHECKING:
    import duckdb
    from ibis.backends import BaseBackend

DEFAULT_URL = "duckdb:///./clientbase.duckdb"


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
    #: Ibis tables of the schema, looked up once: their shape is fixed once :func:`connect` has migrated
    _tables: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def dialect(self) -> str:
        return "duckdb" if self.duck is not None else "postgresql"

    def table(self, name: str) -> Any:
        """The Ibis table ``name`` of this database (a schema table's is looked up once per store)."""
        if name not in schema.metadata.tables:
            return self.ibis.table(name)
        if name not in self._tables:
            self._tables[name] = self.ibis.table(name)
        return self._tables[name]

    @contextlib.contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        """One transaction: committed when the block ends, rolled back on any error."""
        with self.engine.begin() as conn:
            yield conn

    def close(self) -> None:
        if self._closed:
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


def connect(url: str | None = None, *, migrate: bool = True) -> Store:
    """Open the database at ``url`` and bring its schema up to date.

    ``duckdb:///./clientbase.duckdb`` (the default) is a file next to you; ``duckdb:////abs/path.duckdb`` an
    absolute path; ``duckdb:///:memory:`` a throw-away database; ``postgresql://user:pw@host:5432/db`` a
    PostgreSQL server.

    Example:
        >>> from clientbase.store import connect
        >>> with connect("duckdb:///:memory:") as store:
        ...     store.table("counterparties").count().execute()
        0
    """
    url = url or DEFAULT_URL
    scheme = urlsplit(url).scheme.split("+")[0]
    if scheme == "duckdb":
        store = _connect_duckdb(url)
    elif scheme in ("postgresql", "postgres"):
        store = _connect_postgres(url)
    else:
        raise ConfigurationError(
            f"Unsupported database URL {url!r}: use duckdb:///path/to/file.duckdb or "
            "postgresql://user:password@host:port/database"
        )
    if migrate:
        from clientbase.store.migrate import upgrade

        try:
            upgrade(store)
        except Exception:
            store.close()
            raise
    return store


def _duckdb_path(url: str) -> str:
    rest = url.split(":///", 1)[1] if ":///" in url else ""
    if not rest or rest == ":memory:":
        return ":memory:"
    return rest


def _connect_duckdb(url: str) -> Store:
    import duckdb
    import ibis
    from duckdb_engine import ConnectionWrapper

    path = _duckdb_path(url)
    if path != ":memory:":
        parent = Path(path).expanduser().resolve().parent
        if not parent.is_dir():
            raise ConfigurationError(
                f"Cannot open {url!r}: the folder {parent} does not exist; create it first."
            )
        lock.ensure_not_served(
            path
        )  # a running `clientbase serve` holds the file: say so, not DuckDB's traceback
    try:
        duck = duckdb.connect(path)
    except duckdb.Error as exc:
        raise StoreError(f"Cannot open the DuckDB database {path!r}: {exc}") from exc
    # Every SQLAlchemy connection is a cursor of the same DuckDB instance: writes and Ibis reads agree,
    # and each pooled connection can serve its own thread.
    # A queue pool, not the SingletonThreadPool a ':memory:' URL would pick: that one closes the connections of
    # other threads beyond five, under their feet, when more threads (a web server's) use the store.
    engine = sa.create_engine(
        "duckdb:///:memory:",
        creator=lambda: ConnectionWrapper(duck.cursor()),
        poolclass=sa.pool.QueuePool,
        pool_size=10,
        max_overflow=30,
    )
    backend = ibis.duckdb.from_connection(duck)
    return Store(url=url, engine=engine, ibis=backend, duck=duck)


def _connect_postgres(url: str) -> Store:
    import ibis

    parts = urlsplit(url)
    sa_url = sa.engine.make_url(url).set(drivername="postgresql+psycopg")
    try:
        engine = sa.create_engine(sa_url)
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        backend = ibis.postgres.connect(
            host=parts.hostname or "localhost",
            port=parts.port or 5432,
            user=parts.username,
            password=parts.password,
            database=(parts.path or "/").lstrip("/") or None,
        )
    except Exception as exc:
        raise StoreError(f"Cannot connect to PostgreSQL at {parts.hostname}:{parts.port}: {exc}") from exc
    return Store(url=url, engine=engine, ibis=backend)
