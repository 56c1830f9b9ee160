"""Schema creation and migrations with Alembic, run programmatically on open."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.ddl.impl import DefaultImpl

if TYPE_CHECKING:
    import sqlalchemy as sa

MIGRATIONS = Path(__file__).with_name("migrations")


class DuckDBImpl(DefaultImpl):
    """Lets Alembic drive DuckDB through duckdb-engine (PostgreSQL-like DDL, no transactional DDL quirks)."""

    __dialect__ = "duckdb"


def alembic_config(engine: sa.Engine) -> Config:
    """Alembic's configuration for the database behind ``engine`` (the SQLAlchemy engine of a Store)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the database behind ``engine`` to ``revision`` (default: the newest).

    It takes the engine, not the Store, so that opening (``connection``) imports migrating and not the other
    way round.
    """
    command.upgrade(alembic_config(engine), revision)


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
