"""Alembic environment: the connection comes from the engine of the Store that asked for the upgrade."""

from alembic import context

from clientbase.schema import metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()
