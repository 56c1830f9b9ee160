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

#: (table, columns) the card reads one record's rows of, on both engines: DuckDB uses a one-column index for
#: an equality on that column alone (0.3 ms instead of a 30 ms scan of a million freshness rows; inserts into
#: the table about a quarter slower)
RECORD_INDEXES = (
    ("field_verification", ("record_id",)),
    ("field_history", ("record_id",)),
    ("contacts", ("counterparty_id",)),
)
#: on PostgreSQL only: the fact tables by customer (the card falls back to reading them before the first
#: materialisation); DuckDB's indexes would slow the bulk loads ten times (see store.migrate)
FACT_INDEXES = (
    ("orders", ("counterparty_id", "order_date")),
    ("order_lines", ("counterparty_id", "order_date")),
    ("invoices", ("counterparty_id", "issue_date")),
    ("activities", ("counterparty_id", "activity_date")),
    ("payments", ("invoice_id",)),
    ("counterparties", ("owner_id",)),
)


def _indexes() -> tuple[tuple[str, tuple[str, ...]], ...]:
    return RECORD_INDEXES + (FACT_INDEXES if op.get_bind().dialect.name == "postgresql" else ())


def upgrade() -> None:
    create_tables(list(WEB_TABLES), revision)
    for table, columns in _indexes():
        op.create_index(f"ix_{table}_{'_'.join(columns)}", table, list(columns))


def downgrade() -> None:
    for table, columns in _indexes():
        op.drop_index(f"ix_{table}_{'_'.join(columns)}", table_name=table)
    for name in reversed(WEB_TABLES):
        op.drop_table(name)
