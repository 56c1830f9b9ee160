"""Registry: contacts.archived, field history, freshness, owner transfers, import batches and their undo snapshots.

Revision ID: 0002
Revises: 0001
"""

from clientbase.store.migrate import create_tables

revision = "0002"
down_revision = "0001"

TABLES = ["field_history", "field_verification", "owner_transfers", "import_batches", "batch_changes"]


def upgrade() -> None:
    import sqlalchemy as sa
    from alembic import op

    create_tables(TABLES, revision)
    op.add_column("contacts", sa.Column("archived", sa.Boolean, nullable=True))


def downgrade() -> None:
    from alembic import op

    op.drop_column("contacts", "archived")
    for name in reversed(TABLES):
        op.drop_table(name)
