"""Dedupe and quality: review decisions on duplicate pairs, counterparty merges with their undo snapshots,
quality audit snapshots.

Revision ID: 0003
Revises: 0002
"""

from clientbase.store.migrate import create_tables

revision = "0003"
down_revision = "0002"

TABLES = ["duplicate_decisions", "counterparty_merges", "quality_snapshots"]


def upgrade() -> None:
    create_tables(TABLES, revision)


def downgrade() -> None:
    from alembic import op

    for name in reversed(TABLES):
        op.drop_table(name)
