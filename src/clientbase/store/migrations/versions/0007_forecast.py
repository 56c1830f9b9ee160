"""Forecast: the sales plan (targets per measure, month, owner and segment).

Revision ID: 0007
Revises: 0006
"""

from clientbase.store.migrate import create_tables

revision = "0007"
down_revision = "0006"

TABLES = ["plan_targets"]


def upgrade() -> None:
    create_tables(TABLES, revision)


def downgrade() -> None:
    from alembic import op

    for name in reversed(TABLES):
        op.drop_table(name)
