"""Dashboard and analysis pages: the company-wide analysis materialised beside the per-customer metrics.

Revision ID: 0009_dash
Revises: 0008
"""

from clientbase.schema import DASH_TABLES
from clientbase.store.migrate import create_tables

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    create_tables(list(DASH_TABLES), revision)


def downgrade() -> None:
    from alembic import op

    for name in reversed(DASH_TABLES):
        op.drop_table(name)
