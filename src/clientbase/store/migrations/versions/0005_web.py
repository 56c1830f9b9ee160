"""Web: user credentials, sessions, API tokens, login throttling, saved views, the materialised customer
metrics and duplicate pairs the pages read; on PostgreSQL, indexes by customer for the customer card.

Revision ID: 0005
Revises: 0003 (the lead re-chains the revisions in id order when merging)
"""

from alembic import op

from clientbase.schema import WEB_TABLES
from clientbase.store.migrate import create_tables

revision = "0005"
down_revision = "0003"

#: (table, columns): the card reads one customer's rows of these; DuckDB's zone maps serve it (an index there
#: would slow the bulk loads, see store.migrate), PostgreSQL would scan the whole table without one
CARD_INDEXES = (
    ("orders", ("counterparty_id", "order_date")),
    ("order_lines", ("counterparty_id", "order_date")),
    ("invoices", ("counterparty_id", "issue_date")),
    ("activities", ("counterparty_id", "activity_date")),
    ("payments", ("invoice_id",)),
    ("contacts", ("counterparty_id",)),
    ("field_history", ("table_name", "record_id")),
    ("counterparties", ("owner_id",)),
)


def upgrade() -> None:
    create_tables(list(WEB_TABLES), revision)
    if op.get_bind().dialect.name == "postgresql":
        for table, columns in CARD_INDEXES:
            op.create_index(f"ix_{table}_{'_'.join(columns)}", table, list(columns))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, columns in CARD_INDEXES:
            op.drop_index(f"ix_{table}_{'_'.join(columns)}", table_name=table)
    for name in reversed(WEB_TABLES):
        op.drop_table(name)
