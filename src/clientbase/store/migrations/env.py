"""Alembic environment: the connection comes from the Store that asked for the upgrade."""

from alembic import context

from clientbase.schema import metadata

store = context.config.attributes["store"]
with store.engine.begin() as connection:
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()
