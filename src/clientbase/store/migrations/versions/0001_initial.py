"""Initial schema: the tables of the foundation.

Revision ID: 0001
Revises:
"""

from clientbase.store.migrate import create_tables

revision = "0001"
down_revision = None

TABLES = [
    "managers",
    "counterparties",
    "contacts",
    "products",
    "orders",
    "order_lines",
    "invoices",
    "payments",
    "activities",
    "cost_drivers",
    "settings",
    "demo_truth",
]


def upgrade() -> None:
    create_tables(TABLES, revision)


def downgrade() -> None:
    from alembic import op

    for name in reversed(TABLES):
        op.drop_table(name)
