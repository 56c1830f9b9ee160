"""Schema creation and migrations with Alembic, run programmatically on open.

On PostgreSQL several processes may open one base at once (``clientbase serve --workers N``, the CLI beside
it): :func:`upgrade` holds a session-level advisory lock while it reads the schema's revision and migrates, so
the first process migrates and the others, waiting on the lock, find the schema current and run nothing.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.ddl.impl import DefaultImpl

if TYPE_CHECKING:
    import sqlalchemy as sa

MIGRATIONS = Path(__file__).with_name("migrations")
#: PostgreSQL advisory-lock key held around a migration (any fixed 64-bit number no other lock of ours uses)
MIGRATE_LOCK_KEY = 0x636C6D6967726174  # "clmigrat"

log = logging.getLogger(__name__)


class DuckDBImpl(DefaultImpl):
    """Lets Alembic drive DuckDB through duckdb-engine (PostgreSQL-like DDL, no transactional DDL quirks)."""

    __dialect__ = "duckdb"


def alembic_config(engine: sa.Engine) -> Config:
    """Alembic's configuration for the database behind ``engine`` (the SQLAlchemy engine of a Store)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def current_revision(engine: sa.Engine) -> str | None:
    """The revision the database's schema is at (``None``: no clientbase schema yet)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@contextlib.contextmanager
def _migration_lock(engine: sa.Engine) -> Iterator[None]:
    """On PostgreSQL, the advisory lock that lets one process at a time migrate; elsewhere nothing (a DuckDB
    file has one writing process)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    import sqlalchemy as sa

    with engine.connect() as conn:
        conn.execute(sa.text("select pg_advisory_lock(:k)"), {"k": MIGRATE_LOCK_KEY})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(sa.text("select pg_advisory_unlock(:k)"), {"k": MIGRATE_LOCK_KEY})
            conn.commit()


def upgrade(engine: sa.Engine, revision: str = "head") -> list[str]:
    """Bring the database behind ``engine`` to ``revision`` (default: the newest); returns the revisions it
    ran, oldest first (empty when the schema was current: another process may have migrated while this one
    waited). It takes the engine, not the Store, so that opening (``connection``) imports migrating and not
    the other way round."""
    from alembic.script import ScriptDirectory

    config = alembic_config(engine)
    script = ScriptDirectory.from_config(config)
    with _migration_lock(engine):
        before = current_revision(engine)
        target = script.get_revision(revision)
        if target is not None and before == target.revision:
            return []
        command.upgrade(config, revision)
        after = current_revision(engine)
    ran = [r.revision for r in script.iterate_revisions(after, before or "base") if r is not None][::-1]
    if ran:
        log.info("migrated the schema of %s: %s -> %s", engine.dialect.name, before or "empty", after)
    return ran


def create_tables(names: list[str], revision: str) -> None:
    """Create ``names`` from :mod:`clientbase.schema` as they stood at ``revision``.

    A migration that adds a table calls this with its own revision. A column added later to an existing
    table carries ``info["since"] = "<revision>"`` in the schema and is added by that revision with
    ``op.add_column``; earlier revisions skip it, so every path to ``head`` gives the same tables.
    """
    import sqlalchemy as sa
    from alembic import op

    from clientbase.schema import metadata

    duckdb = op.get_bind().dialect.name == "duckdb"
    for name in names:
        table = metadata.tables[name]
        # DuckDB's primary-key index makes bulk inserts ~10x slower (measured: 2M order lines in 7.5 s with it,
        # 0.6 s without); on the big fact tables the loader enforces the keys instead.
        keyed = not (duckdb and table.info.get("bulk"))
        columns = [
            sa.Column(c.name, c.type, primary_key=c.primary_key and keyed, nullable=c.nullable)
            for c in table.columns
            if c.info.get("since", "0001") <= revision
        ]
        op.create_table(name, *columns, comment=table.comment)
