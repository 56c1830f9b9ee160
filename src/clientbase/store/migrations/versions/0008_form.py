"""Form the base: acquisition campaigns and their external cost.

Revision ID: 0008
Revises: 0007
"""

from clientbase.store.migrate import create_tables

revision = "0008"
down_revision = "0007"

TABLES = ["campaigns"]


def upgrade() -> None:
    create_tables(TABLES, revision)


def downgrade() -> None:
    from alembic import op

    for name in reversed(TABLES):
        op.drop_table(name)
