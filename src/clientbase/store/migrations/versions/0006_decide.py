"""Decide: action tasks with their status events, saved what-if scenarios.

Revision ID: 0006
Revises: 0005
"""

from clientbase.store.migrate import create_tables

revision = "0006"
down_revision = "0005"

TABLES = ["action_tasks", "task_events", "scenarios"]


def upgrade() -> None:
    create_tables(TABLES, revision)


def downgrade() -> None:
    from alembic import op

    for name in reversed(TABLES):
        op.drop_table(name)
