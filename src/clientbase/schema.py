"""The common criteria: every table, column, type, enum and field rule, defined once.

Everything else derives from this module: the database DDL (via the Alembic migrations, checked against
it by a test), the exchange-format files (``docs/data-format.md``), the import validation and the
canonical column names the analytics use.

Money is ``DECIMAL``, never float: amounts carry 2 decimals, unit prices and costs 4, quantities 3.
Foreign keys are declared as rules (``Field.references``) and checked by the importers and the registry,
not as database constraints: DuckDB's FK checks make bulk loads slow and block some updates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

# -- enums ---------------------------------------------------------------------------------------------

ROLES = ("customer", "prospect", "supplier")
STATUSES = ("prospect", "active", "lapsed", "lost", "archived")
ACQUISITION_MODES = ("targeted", "spontaneous")
MANAGER_ROLES = ("head", "manager", "analyst")
SIZE_BANDS = ("micro", "small", "medium", "large", "key")
DRIVER_UNITS = ("event", "minute")
#: Activity kinds the demo and the docs use; a company may add its own as long as a cost driver prices it.
ACTIVITY_KINDS = (
    "visit",
    "call",
    "delivery",
    "order_handling",
    "order_line_handling",
    "support_ticket",
    "rush_order",
    "special_request",
    "returns_handling",
)

# -- column types ----------------------------------------------------------------------------------------

MONEY = sa.Numeric(18, 2)  # amounts in the database currency
PRICE = sa.Numeric(18, 4)  # unit prices and unit costs
QUANTITY = sa.Numeric(18, 3)  # units of product, or driver units (events, minutes)
RATE = sa.Numeric(18, 6)  # cost-driver rates per event or per minute
PERCENT = sa.Numeric(7, 4)  # 12.5 means 12.5 %
ID = sa.String(64)


@dataclass(frozen=True)
class Field:
    """The rule of one column, kept in ``Column.info['field']``."""

    doc: str
    example: str
    required: bool = False
    enum: tuple[str, ...] | None = None
    unit: str | None = None
    #: values are ``;``-separated members of ``enum``
    multi: bool = False
    #: ``"table.column"`` this value must exist in
    references: str | None = None
    #: smallest allowed value for numbers
    minimum: float | None = None
    #: internal bookkeeping column: optional in the exchange format, filled by the store when absent
    internal: bool = False


def column(name: str, type_: Any, field: Field, *, primary_key: bool = False) -> sa.Column[Any]:
    return sa.Column(
        name,
        type_,
        primary_key=primary_key,
        nullable=primary_key is False and not field.required,
        info={"field": field},
    )


metadata = sa.MetaData()

#: Marks a big fact table: written only by the bulk loader, which enforces its key (see store.migrate).
BULK = {"bulk": True}

managers = sa.Table(
    "managers",
    metadata,
    column("manager_id", ID, Field("Key of the user", "M01", required=True), primary_key=True),
    column("name", sa.String(200), Field("Full name", "Anna Berg", required=True)),
    column("email", sa.String(320), Field("Work e-mail", "anna.berg@example.com")),
    column(
        "role",
        sa.String(16),
        Field("What the user may do: head sees and edits all", "manager", enum=MANAGER_ROLES),
    ),
    column("active", sa.Boolean, Field("Still with the company", "true")),
    comment="Sales managers and other users; every customer and prospect has one owner here.",
)

counterparties = sa.Table(
    "counterparties",
    metadata,
    column(
        "counterparty_id", ID, Field("Key of the counterparty", "C00042", required=True), primary_key=True
    ),
    column("name", sa.String(300), Field("Legal or trading name", "Nordic Tools AB", required=True)),
    column(
        "roles",
        sa.String(64),
        Field("One or more roles, ;-separated", "customer;supplier", required=True, enum=ROLES, multi=True),
    ),
    column("status", sa.String(16), Field("Life-cycle status", "active", required=True, enum=STATUSES)),
    column(
        "owner_id",
        ID,
        Field("Manager who owns the record", "M01", references="managers.manager_id"),
    ),
    column("acquisition_channel", sa.String(64), Field("Where it came from", "trade_fair")),
    column(
        "acquisition_mode",
        sa.String(16),
        Field(
            "Chosen profile (targeted) or whole directory (spontaneous)", "targeted", enum=ACQUISITION_MODES
        ),
    ),
    column("country", sa.String(2), Field("ISO 3166-1 alpha-2 country code", "SE")),
    column("region", sa.String(100), Field("Sales region", "North")),
    column("city", sa.String(100), Field("City", "Uppsala")),
    column("postcode", sa.String(20), Field("Postal code", "753 20")),
    column("address", sa.String(300), Field("Street address", "Kungsgatan 12")),
    column("industry", sa.String(100), Field("Industry", "construction")),
    column("size_band", sa.String(16), Field("Size band", "small", enum=SIZE_BANDS)),
    column("segment", sa.String(64), Field("Commercial segment", "installers")),
    column("payment_days", sa.Integer, Field("Agreed payment terms", "30", unit="days", minimum=0)),
    column(
        "discount_pct",
        PERCENT,
        Field("Agreed standard discount off list price", "5", unit="percent", minimum=0),
    ),
    column("credit_limit", MONEY, Field("Agreed credit limit", "50000.00", unit="currency", minimum=0)),
    column("price_list", sa.String(64), Field("Price list the customer buys on", "standard")),
    column("tax_id", sa.String(32), Field("VAT or tax number", "SE556677889901")),
    column("registration_id", sa.String(32), Field("Company registration number", "556677-8899")),
    column("email", sa.String(320), Field("General e-mail", "info@nordictools.se")),
    column("phone", sa.String(32), Field("Phone, E.164", "+46181234567")),
    column("website", sa.String(300), Field("Web site", "https://nordictools.se")),
    column("created_at", sa.Date, Field("Date the record was created", "2023-02-14", required=True)),
    column("first_order_date", sa.Date, Field("Date of the first order", "2023-03-01")),
    column("version", sa.Integer, Field("Optimistic-locking version", "1", internal=True)),
    comment="The one shared table of customers, prospects and suppliers.",
)

contacts = sa.Table(
    "contacts",
    metadata,
    column("contact_id", ID, Field("Key of the contact", "P0001", required=True), primary_key=True),
    column(
        "counterparty_id",
        ID,
        Field(
            "Counterparty the person works for",
            "C00042",
            required=True,
            references="counterparties.counterparty_id",
        ),
    ),
    column("name", sa.String(200), Field("Full name", "Erik Lind", required=True)),
    column("title", sa.String(100), Field("Job title", "Purchasing manager")),
    column("email", sa.String(320), Field("E-mail", "erik.lind@nordictools.se")),
    column("phone", sa.String(32), Field("Phone, E.164", "+46701234567")),
    column("is_primary", sa.Boolean, Field("The main contact", "true")),
    column("version", sa.Integer, Field("Optimistic-locking version", "1", internal=True)),
    comment="People at counterparties.",
)

products = sa.Table(
    "products",
    metadata,
    column("product_id", ID, Field("Key of the product", "P-1001", required=True), primary_key=True),
    column("name", sa.String(300), Field("Product name", "Cordless drill 18V", required=True)),
    column("category", sa.String(100), Field("Product category", "power_tools")),
    column(
        "list_price",
        PRICE,
        Field("Current list price per unit", "129.00", required=True, unit="currency", minimum=0),
    ),
    column(
        "unit_cost", PRICE, Field("Current cost per unit", "81.50", required=True, unit="currency", minimum=0)
    ),
    comment="The catalogue; order lines carry their own prices and costs as they were on the day.",
)

orders = sa.Table(
    "orders",
    metadata,
    column(
        "order_id",
        ID,
        Field("Key of the order (or credit note)", "O2024-000123", required=True),
        primary_key=True,
    ),
    column(
        "counterparty_id",
        ID,
        Field("Customer who placed it", "C00042", required=True, references="counterparties.counterparty_id"),
    ),
    column("order_date", sa.Date, Field("Order date", "2024-05-17", required=True)),
    column("manager_id", ID, Field("Manager who took the order", "M01", references="managers.manager_id")),
    comment="Order headers; derived from order_lines when orders.csv is absent.",
    info=BULK,
)

order_lines = sa.Table(
    "order_lines",
    metadata,
    column(
        "order_id", ID, Field("Order this line belongs to", "O2024-000123", required=True), primary_key=True
    ),
    column(
        "line_no",
        sa.Integer,
        Field("Line number within the order", "1", required=True, minimum=1),
        primary_key=True,
    ),
    column(
        "counterparty_id",
        ID,
        Field(
            "Customer (same as the order's)",
            "C00042",
            required=True,
            references="counterparties.counterparty_id",
        ),
    ),
    column("order_date", sa.Date, Field("Order date (same as the order's)", "2024-05-17", required=True)),
    column(
        "product_id",
        ID,
        Field("Product sold", "P-1001", required=True, references="products.product_id"),
    ),
    column(
        "quantity",
        QUANTITY,
        Field("Units sold; negative on a credit-note (return) line", "3", required=True, unit="units"),
    ),
    column(
        "list_price",
        PRICE,
        Field("List price per unit on the day", "129.00", required=True, unit="currency", minimum=0),
    ),
    column(
        "net_price",
        PRICE,
        Field("Price actually charged per unit", "116.10", required=True, unit="currency", minimum=0),
    ),
    column(
        "unit_cost",
        PRICE,
        Field("Cost per unit on the day", "81.50", required=True, unit="currency", minimum=0),
    ),
    comment="Sales lines. Returns are credit-note lines with negative quantity.",
    info=BULK,
)

invoices = sa.Table(
    "invoices",
    metadata,
    column("invoice_id", ID, Field("Key of the invoice", "F2024-000123", required=True), primary_key=True),
    column(
        "counterparty_id",
        ID,
        Field("Customer invoiced", "C00042", required=True, references="counterparties.counterparty_id"),
    ),
    column("order_id", ID, Field("Order invoiced, if one", "O2024-000123")),
    column("issue_date", sa.Date, Field("Date issued", "2024-05-18", required=True)),
    column("due_date", sa.Date, Field("Date payment is due", "2024-06-17", required=True)),
    column(
        "amount",
        MONEY,
        Field("Amount invoiced (negative for a credit note)", "348.30", required=True, unit="currency"),
    ),
    comment="Invoices; the credit given runs from issue date to payment date.",
    info=BULK,
)

payments = sa.Table(
    "payments",
    metadata,
    column(
        "payment_id",
        ID,
        Field(
            "Key of the payment; generated as invoice_id:paid_date:n when absent",
            "F2024-000123:2024-06-20:1",
            internal=True,
        ),
        primary_key=True,
    ),
    column(
        "invoice_id",
        ID,
        Field("Invoice paid", "F2024-000123", required=True, references="invoices.invoice_id"),
    ),
    column("paid_date", sa.Date, Field("Date the money arrived", "2024-06-20", required=True)),
    column("amount", MONEY, Field("Amount paid", "348.30", required=True, unit="currency")),
    comment="Payments received against invoices; several per invoice allowed.",
    info=BULK,
)

activities = sa.Table(
    "activities",
    metadata,
    column("activity_id", ID, Field("Key of the activity", "A000001", required=True), primary_key=True),
    column(
        "counterparty_id",
        ID,
        Field("Customer served", "C00042", required=True, references="counterparties.counterparty_id"),
    ),
    column("activity_date", sa.Date, Field("Date", "2024-05-20", required=True)),
    column(
        "kind",
        sa.String(64),
        Field(
            "Activity kind; priced by the cost driver of the same kind",
            "visit",
            required=True,
            references="cost_drivers.kind",
        ),
    ),
    column(
        "quantity",
        QUANTITY,
        Field(
            "Driver quantity in the unit of its cost driver: events, or minutes",
            "1",
            required=True,
            minimum=0,
        ),
    ),
    column("manager_id", ID, Field("Manager who did it", "M01", references="managers.manager_id")),
    column("order_id", ID, Field("Order it served, if one", "O2024-000123")),
    comment="Cost-to-serve events: visits, calls, deliveries, order handling, tickets, rush orders ...",
    info=BULK,
)

cost_drivers = sa.Table(
    "cost_drivers",
    metadata,
    column("kind", sa.String(64), Field("Activity kind", "visit", required=True), primary_key=True),
    column(
        "valid_from",
        sa.Date,
        Field("First day the rate applies (empty: always)", "2020-01-01", internal=True),
        primary_key=True,
    ),
    column("valid_to", sa.Date, Field("Last day the rate applies (empty: open)", "2024-12-31")),
    column("unit", sa.String(16), Field("What the rate is per", "event", required=True, enum=DRIVER_UNITS)),
    column(
        "rate",
        RATE,
        Field("Cost per event or per minute", "85.00", required=True, unit="currency", minimum=0),
    ),
    column(
        "cost_pool",
        MONEY,
        Field("Cost of the capacity behind the rate, per year", "420000.00", unit="currency", minimum=0),
    ),
    column(
        "practical_capacity",
        QUANTITY,
        Field("Practical capacity of that pool per year, in the driver unit", "4900", minimum=0),
    ),
    comment="Time-driven ABC rates: cost per event, or capacity cost per minute.",
)

settings = sa.Table(
    "settings",
    metadata,
    column("key", sa.String(64), Field("Setting name", "currency", required=True), primary_key=True),
    column("value", sa.String(200), Field("Setting value", "EUR", required=True)),
    comment="Company-wide settings: currency, financing_rate_annual.",
)

demo_truth = sa.Table(
    "demo_truth",
    metadata,
    column(
        "counterparty_id",
        ID,
        Field("Counterparty the generator planted something on", "C00042", required=True),
        primary_key=True,
    ),
    column(
        "cause", sa.String(64), Field("What was planted", "discount_creep", required=True), primary_key=True
    ),
    column("detail", sa.String(300), Field("Parameters of the planted cause", "discount +2.5 pp a year")),
    comment="What the demo generator planted. Never read by the analytics; tests compare findings to it.",
)

#: Settings every database has, with their defaults.
DEFAULT_SETTINGS = {"currency": "EUR", "financing_rate_annual": "0.08"}

#: Tables of the exchange format, in load order (a table only references tables before it).
EXCHANGE_TABLES: tuple[sa.Table, ...] = (
    settings,
    managers,
    cost_drivers,
    products,
    counterparties,
    contacts,
    orders,
    order_lines,
    invoices,
    payments,
    activities,
)


def field(table: sa.Table, column_name: str) -> Field:
    """The rule of ``table.column_name``."""
    info = table.c[column_name].info["field"]
    assert isinstance(info, Field)
    return info


def key_columns(table: sa.Table) -> list[str]:
    return [c.name for c in table.primary_key.columns]


# ==========================================================================================================
# -- registry: history, freshness, ownership transfers, import batches (issue 4; migration 0002) ----------
# ==========================================================================================================

#: Where a change came from; imports write ``import:<batch_id>``.
CHANGE_SOURCES = ("ui", "api", "import", "merge", "exchange")
BATCH_STATUSES = ("applied", "undone")
BATCH_ACTIONS = ("insert", "update")
TIMESTAMP = sa.DateTime()  # naive UTC everywhere

field_history = sa.Table(
    "field_history",
    metadata,
    column("history_id", sa.String(32), Field("Key of the history entry", "9f1c0e..."), primary_key=True),
    column("table_name", sa.String(32), Field("Table changed", "counterparties", required=True)),
    column("record_id", ID, Field("Key of the record changed", "C00042", required=True)),
    column("field_name", sa.String(64), Field("Column changed", "phone", required=True)),
    column("old_value", sa.String(1000), Field("Value before, as text (empty: none)", "+46181234567")),
    column("new_value", sa.String(1000), Field("Value after, as text (empty: none)", "+46181234568")),
    column("changed_by", ID, Field("Manager who made the change", "M01", references="managers.manager_id")),
    column("changed_at", TIMESTAMP, Field("When, UTC", "2024-05-17 10:31:02", required=True)),
    column(
        "source",
        sa.String(80),
        Field("ui, api, import:<batch_id>, merge or exchange", "import:B20240517103102", required=True),
    ),
    column("record_version", sa.Integer, Field("Version of the record the change produced", "2")),
    column("batch_id", ID, Field("Import batch that made the change, if one", "B20240517103102")),
    comment="Field-level history of counterparties and contacts: who changed what, when, from where.",
)

field_verification = sa.Table(
    "field_verification",
    metadata,
    column("table_name", sa.String(32), Field("Table", "counterparties", required=True), primary_key=True),
    column("record_id", ID, Field("Key of the record", "C00042", required=True), primary_key=True),
    column("field_name", sa.String(64), Field("Column", "phone", required=True), primary_key=True),
    column("verified_at", TIMESTAMP, Field("Last time the value was set or confirmed, UTC", "2024-05-17")),
    column("verified_by", ID, Field("Who set or confirmed it", "M01", references="managers.manager_id")),
    column("source", sa.String(80), Field("ui, api, import:<batch_id>, merge or exchange", "ui")),
    comment="Freshness: when each field of each record was last set or confirmed to be right.",
)

owner_transfers = sa.Table(
    "owner_transfers",
    metadata,
    column("transfer_id", sa.String(32), Field("Key of the transfer", "4be0a1..."), primary_key=True),
    column(
        "counterparty_id",
        ID,
        Field("Record transferred", "C00042", required=True, references="counterparties.counterparty_id"),
    ),
    column("from_owner", ID, Field("Owner before (empty: none)", "M01", references="managers.manager_id")),
    column("to_owner", ID, Field("Owner after", "M02", required=True, references="managers.manager_id")),
    column("transferred_by", ID, Field("Who assigned it", "M00", references="managers.manager_id")),
    column("transferred_at", TIMESTAMP, Field("When, UTC", "2024-05-17 10:31:02", required=True)),
    column(
        "source", sa.String(80), Field("ui, api, import:<batch_id>, merge or exchange", "ui", required=True)
    ),
    column("reason", sa.String(300), Field("Why", "territory change")),
    column("batch_id", ID, Field("Import batch that made the transfer, if one", "B20240517103102")),
    comment="Every change of owner of a counterparty.",
)

import_batches = sa.Table(
    "import_batches",
    metadata,
    column("batch_id", ID, Field("Key of the import", "B20240517103102", required=True), primary_key=True),
    column("file_name", sa.String(500), Field("File imported", "anna_kunden.xlsx")),
    column("file_sha256", sa.String(64), Field("SHA-256 of the file's bytes", "e3b0c4...")),
    column("sheet", sa.String(100), Field("Sheet read, for workbooks", "Kunden")),
    column("mapping", sa.Text, Field("Header-to-field mapping used, as TOML", '"Firma" = "name"')),
    column("created_by", ID, Field("Who applied it", "M01", references="managers.manager_id")),
    column("created_at", TIMESTAMP, Field("When it was applied, UTC", "2024-05-17 10:31:02", required=True)),
    column(
        "status", sa.String(16), Field("applied or undone", "applied", required=True, enum=BATCH_STATUSES)
    ),
    column("new_count", sa.Integer, Field("Records created", "12")),
    column("updated_count", sa.Integer, Field("Records changed", "3")),
    column("unchanged_count", sa.Integer, Field("Rows matching a record with nothing to change", "40")),
    column("rejected_count", sa.Integer, Field("Rows refused (see the error report)", "2")),
    column("undone_at", TIMESTAMP, Field("When it was undone, UTC", "2024-05-18 09:00:00")),
    column("undone_by", ID, Field("Who undid it", "M00", references="managers.manager_id")),
    comment="Every applied spreadsheet import; each can be undone as a whole.",
)

batch_changes = sa.Table(
    "batch_changes",
    metadata,
    column(
        "batch_id",
        ID,
        Field("Import batch", "B20240517103102", required=True, references="import_batches.batch_id"),
        primary_key=True,
    ),
    column(
        "seq", sa.Integer, Field("Order of the change within the batch", "1", required=True), primary_key=True
    ),
    column("table_name", sa.String(32), Field("Table changed", "counterparties", required=True)),
    column("record_id", ID, Field("Key of the record changed", "C00042", required=True)),
    column("action", sa.String(8), Field("insert or update", "update", required=True, enum=BATCH_ACTIONS)),
    column("before_row", sa.Text, Field("The whole row before the change, as JSON (insert: empty)", "{}")),
    column("before_verification", sa.Text, Field("The record's freshness rows before, as JSON", "[]")),
    column("after_version", sa.Integer, Field("Version of the record the batch left", "3")),
    comment="What each import batch changed, with the exact prior state, so that undo can restore it.",
)

#: Contacts are archived, not deleted (added by revision 0002).
contacts.append_column(
    sa.Column(
        "archived",
        sa.Boolean,
        nullable=True,
        info={"field": Field("Archived: no longer at the company", "false", internal=True), "since": "0002"},
    )
)


# ==========================================================================================================
# -- dedupe + quality: duplicate decisions, merges, quality snapshots (issue 5; migration 0003) -----------
# ==========================================================================================================

DUPLICATE_DECISIONS = ("confirmed", "rejected")
MERGE_STATUSES = ("applied", "undone")

duplicate_decisions = sa.Table(
    "duplicate_decisions",
    metadata,
    column(
        "id_l",
        ID,
        Field(
            "Smaller key of the pair", "C00042", required=True, references="counterparties.counterparty_id"
        ),
        primary_key=True,
    ),
    column(
        "id_r",
        ID,
        Field("Larger key of the pair", "C00107", required=True, references="counterparties.counterparty_id"),
        primary_key=True,
    ),
    column(
        "decision",
        sa.String(16),
        Field(
            "confirmed (same company) or rejected (different)",
            "rejected",
            required=True,
            enum=DUPLICATE_DECISIONS,
        ),
    ),
    column("match_probability", sa.Float, Field("Model's probability when decided", "0.97")),
    column("decided_by", ID, Field("Who decided", "M01", references="managers.manager_id")),
    column("decided_at", TIMESTAMP, Field("When, UTC", "2024-05-17 10:31:02", required=True)),
    column("note", sa.String(300), Field("Why", "two branches of one group, kept apart")),
    comment="Review queue decisions on candidate duplicate pairs; a rejected pair is never proposed again.",
)

counterparty_merges = sa.Table(
    "counterparty_merges",
    metadata,
    column("merge_id", sa.String(32), Field("Key of the merge", "M20240517103102a1"), primary_key=True),
    column(
        "survivor_id",
        ID,
        Field("Record kept", "C00042", required=True, references="counterparties.counterparty_id"),
    ),
    column(
        "merged_id",
        ID,
        Field(
            "Record merged into it and archived",
            "C00107",
            required=True,
            references="counterparties.counterparty_id",
        ),
    ),
    column("merged_by", ID, Field("Who merged", "M01", references="managers.manager_id")),
    column("merged_at", TIMESTAMP, Field("When, UTC", "2024-05-17 10:31:02", required=True)),
    column(
        "status", sa.String(16), Field("applied or undone", "applied", required=True, enum=MERGE_STATUSES)
    ),
    column(
        "field_choices", sa.Text, Field("Per field: the side kept and the rule that chose it, JSON", "{}")
    ),
    column(
        "snapshot", sa.Text, Field("Exact prior state: both rows, freshness, re-pointed keys, JSON", "{}")
    ),
    column("survivor_version", sa.Integer, Field("Version of the survivor the merge left", "4")),
    column("merged_version", sa.Integer, Field("Version of the merged record the merge left", "3")),
    column("undone_by", ID, Field("Who undid it", "M00", references="managers.manager_id")),
    column("undone_at", TIMESTAMP, Field("When it was undone, UTC", "2024-05-18 09:00:00")),
    comment="Merges of duplicate counterparties, each with the snapshot that lets it be undone exactly.",
)

quality_snapshots = sa.Table(
    "quality_snapshots",
    metadata,
    column(
        "taken_at",
        TIMESTAMP,
        Field("When the audit ran, UTC", "2024-05-17 10:31:02", required=True),
        primary_key=True,
    ),
    column(
        "scope", sa.String(16), Field("overall, manager or field", "manager", required=True), primary_key=True
    ),
    column("scope_key", ID, Field("Manager id or field name; * for overall", "M01"), primary_key=True),
    column("score", sa.Numeric(5, 1), Field("Quality score 0-100", "87.5", required=True, minimum=0)),
    column("records", sa.Integer, Field("Records audited in the scope", "120")),
    column("issues", sa.Integer, Field("Issues found in the scope", "14")),
    comment="Quality audit scores over time, for the trend (clientbase quality --snapshot).",
)


# ==========================================================================================================
# -- web: accounts, sessions, API tokens, login throttling, saved views, materialised customer metrics ----
# -- (issue 12; migration 0005) ----------------------------------------------------------------------------
# ==========================================================================================================

#: what an API token is for: ``login`` (from POST /api/v1/auth/token, expires) or ``script`` (clientbase
#: user token, lives until revoked)
TOKEN_KINDS = ("login", "script")

user_credentials = sa.Table(
    "user_credentials",
    metadata,
    column(
        "manager_id",
        ID,
        Field("User the password belongs to", "M01", required=True, references="managers.manager_id"),
        primary_key=True,
    ),
    column(
        "password_hash",
        sa.String(300),
        Field("Argon2 hash of the password (never the password)", "$argon2id$..."),
    ),
    column("password_set_at", TIMESTAMP, Field("When the password was set, UTC", "2024-05-17 10:31:02")),
    column("set_by", ID, Field("Who set it (the user, the head, or the first start)", "M01")),
    comment="Passwords of the users (the managers table), as argon2 hashes; kept apart so exports never carry them.",
)

web_sessions = sa.Table(
    "web_sessions",
    metadata,
    column(
        "session_hash",
        sa.String(64),
        Field("SHA-256 of the session cookie's value", "9f1c0e..."),
        primary_key=True,
    ),
    column("manager_id", ID, Field("User logged in", "M01", required=True, references="managers.manager_id")),
    column(
        "csrf_token",
        sa.String(64),
        Field("Token every form and HTMX request of the session carries", "a1b2..."),
    ),
    column("created_at", TIMESTAMP, Field("Login time, UTC", "2024-05-17 10:31:02", required=True)),
    column("last_seen_at", TIMESTAMP, Field("Last request, UTC (to the minute)", "2024-05-17 11:02:00")),
    column(
        "expires_at",
        TIMESTAMP,
        Field("When the session ends unless used, UTC", "2024-05-18 10:31:02", required=True),
    ),
    column("user_agent", sa.String(300), Field("Browser that logged in", "Mozilla/5.0 ...")),
    comment="Web sessions: the cookie holds a random value, the table only its hash.",
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    column("token_hash", sa.String(64), Field("SHA-256 of the bearer token", "4be0a1..."), primary_key=True),
    column(
        "token_prefix",
        sa.String(16),
        Field("First characters of the token, to tell tokens apart", "cb_4be0a1"),
    ),
    column(
        "manager_id",
        ID,
        Field("User the token acts as", "M01", required=True, references="managers.manager_id"),
    ),
    column("kind", sa.String(8), Field("login or script", "script", required=True, enum=TOKEN_KINDS)),
    column("name", sa.String(100), Field("What the token is for", "nightly export")),
    column("created_at", TIMESTAMP, Field("When issued, UTC", "2024-05-17 10:31:02", required=True)),
    column(
        "expires_at",
        TIMESTAMP,
        Field("When it stops working, UTC (empty: until revoked)", "2024-05-18 10:31:02"),
    ),
    column(
        "last_used_at",
        TIMESTAMP,
        Field("Last request made with it, UTC (to the minute)", "2024-05-17 11:02:00"),
    ),
    column("revoked_at", TIMESTAMP, Field("When it was revoked, UTC", "2024-05-19 09:00:00")),
    comment="Bearer tokens of the HTTP API; the table keeps only their hashes.",
)

login_throttle = sa.Table(
    "login_throttle",
    metadata,
    column("username", ID, Field("User name tried (lower case)", "m01", required=True), primary_key=True),
    column("failures", sa.Integer, Field("Failed attempts in a row", "3", required=True, minimum=0)),
    column("last_failure_at", TIMESTAMP, Field("Last failed attempt, UTC", "2024-05-17 10:31:02")),
    column(
        "locked_until", TIMESTAMP, Field("No attempt is checked before this time, UTC", "2024-05-17 10:36:02")
    ),
    comment="Failed log-ins per user name; after repeated failures the name is locked for a while.",
)

saved_views = sa.Table(
    "saved_views",
    metadata,
    column("view_id", sa.String(32), Field("Key of the view", "4be0a1..."), primary_key=True),
    column(
        "manager_id",
        ID,
        Field("User whose view it is", "M01", required=True, references="managers.manager_id"),
    ),
    column("page", sa.String(64), Field("Page the view belongs to", "customers", required=True)),
    column(
        "name",
        sa.String(100),
        Field("Name shown in the list of views", "my lapsed key accounts", required=True),
    ),
    column(
        "query",
        sa.String(2000),
        Field("Filters, sort and columns as a query string", "status=lapsed&size_band=key"),
    ),
    column("created_at", TIMESTAMP, Field("When saved, UTC", "2024-05-17 10:31:02", required=True)),
    comment="Saved filters, sort orders and column choices of the list pages, per user.",
)

customer_metrics = sa.Table(
    "customer_metrics",
    metadata,
    column("counterparty_id", ID, Field("Customer", "C00042", required=True), primary_key=True),
    *[
        column(
            f"{line}{suffix}", MONEY, Field(f"{line.replace('_', ' ')} ({label})", "1234.50", unit="currency")
        )
        for suffix, label in (("", "last period"), ("_prev", "period before"))
        for line in (
            "gross_sales_list",
            "discount",
            "net_revenue",
            "cogs",
            "gross_margin",
            "cost_to_serve",
            "credit_cost",
            "net_contribution",
        )
    ],
    column("orders", sa.Integer, Field("Orders in the last period", "12")),
    column("orders_prev", sa.Integer, Field("Orders in the period before", "10")),
    column("loss_making", sa.Boolean, Field("Net contribution below zero in the last period", "false")),
    column("abc_revenue", sa.String(1), Field("ABC class by net revenue", "A")),
    column("abc_profit", sa.String(1), Field("ABC class by net contribution", "C")),
    column("xyz", sa.String(1), Field("XYZ class of demand variability", "X")),
    column("rfm_segment", sa.String(32), Field("Named RFM group", "champions")),
    column("clv", MONEY, Field("Customer lifetime value on net contribution", "5400.00", unit="currency")),
    column("p_alive", sa.Double, Field("Probability the customer is still active", "0.93")),
    column("expected_purchases_90d", sa.Double, Field("Expected purchases in the next 90 days", "2.4")),
    column("avg_days_to_pay", sa.Double, Field("Average days from invoice to payment", "34.5", unit="days")),
    column("days_over_terms", sa.Double, Field("Average days paid beyond the terms", "4.5", unit="days")),
    column("share_paid_late", sa.Double, Field("Share of due invoices paid late", "0.25")),
    column("dso", sa.Double, Field("Days sales outstanding", "41.0", unit="days")),
    column("receivables", MONEY, Field("Open receivables at the analysis date", "1200.00", unit="currency")),
    column(
        "detail", sa.Text, Field("Both periods' P&L with cost-to-serve by kind and ratios, as JSON", "{}")
    ),
    column(
        "recent",
        sa.Text,
        Field("The card's recent orders and activities and open invoices at the refresh, as JSON", "{}"),
    ),
    comment="The per-customer analysis of the default periods and customer value, materialised for the pages.",
)

metrics_state = sa.Table(
    "metrics_state",
    metadata,
    column(
        "name",
        sa.String(64),
        Field("What was materialised", "customer_metrics", required=True),
        primary_key=True,
    ),
    column("fingerprint", sa.String(500), Field("Counts and dates of the data it was computed from", "...")),
    column("computed_at", TIMESTAMP, Field("When it was computed, UTC", "2024-05-17 10:31:02")),
    column("seconds", sa.Double, Field("How long the computation took", "4.2")),
    column("period_start", sa.Date, Field("First day of the last period", "2023-06-01")),
    column("period_end", sa.Date, Field("Last day of the last period", "2024-05-31")),
    column("previous_start", sa.Date, Field("First day of the period before", "2022-06-01")),
    column("previous_end", sa.Date, Field("Last day of the period before", "2023-05-31")),
    column("as_of", sa.Date, Field("Analysis date", "2024-05-31")),
    column("currency", sa.String(3), Field("Currency of the amounts", "EUR")),
    column("value_error", sa.String(1000), Field("Why customer value could not be computed, if so", "")),
    comment="When each materialised result was computed and from which data; stale when the data moved on.",
)

suspected_duplicates = sa.Table(
    "suspected_duplicates",
    metadata,
    column("id_l", ID, Field("Smaller key of the pair", "C00042", required=True), primary_key=True),
    column("id_r", ID, Field("Larger key of the pair", "C00107", required=True), primary_key=True),
    column("match_probability", sa.Double, Field("Model's probability the two are one company", "0.97")),
    column("explanation", sa.String(1000), Field("Which fields agreed", "name, tax_id")),
    comment="Duplicate pairs found by the last materialisation, shown on the customer card.",
)

#: the tables revision 0005 creates
WEB_TABLES = (
    "user_credentials",
    "web_sessions",
    "api_tokens",
    "login_throttle",
    "saved_views",
    "customer_metrics",
    "metrics_state",
    "suspected_duplicates",
)


# ==========================================================================================================
# -- decide: action tasks and their events, saved what-if scenarios (issue 14; migration 0006) ------------
# ==========================================================================================================

#: The action codes (a public contract: more may be added, none renamed).
ACTION_CODES = (
    "reprice",
    "minimum_order",
    "cut_cost_to_serve",
    "collect",
    "renegotiate_terms",
    "win_back",
    "grow",
    "retain",
    "exit_or_self_service",
    "qualify",
    "drop_prospect",
)
TASK_STATUSES = ("open", "accepted", "rejected", "done")

action_tasks = sa.Table(
    "action_tasks",
    metadata,
    column("task_id", sa.String(32), Field("Key of the task", "T4be0a1c2d3e4"), primary_key=True),
    column(
        "counterparty_id",
        ID,
        Field(
            "Customer or prospect the action is for",
            "C00042",
            required=True,
            references="counterparties.counterparty_id",
        ),
    ),
    column("code", sa.String(32), Field("Action code", "reprice", required=True, enum=ACTION_CODES)),
    column("owner_id", ID, Field("Manager who carries it out", "M03", references="managers.manager_id")),
    column("status", sa.String(16), Field("Where it stands", "open", required=True, enum=TASK_STATUSES)),
    column("priority", sa.Integer, Field("Rank among the actions it was proposed with (1 = first)", "3")),
    column(
        "expected_effect", MONEY, Field("Expected effect a year when proposed", "7130.00", unit="currency")
    ),
    column("reasons", sa.Text, Field("The reasons in numbers, as a JSON list of sentences", "[]")),
    column("assumptions", sa.Text, Field("The assumptions behind the effect, as a JSON list", "[]")),
    column("facts", sa.Text, Field("The numbers behind the reasons, as a JSON object", "{}")),
    column("due", sa.Date, Field("When it should be done", "2026-11-30")),
    column("period_from", sa.Date, Field("First day of the analysis it came from", "2025-11-01")),
    column("period_to", sa.Date, Field("Last day of the analysis it came from", "2026-10-31")),
    column("as_of", sa.Date, Field("As-of date of that analysis", "2026-10-31")),
    column("created_by", ID, Field("Who published it", "M01", references="managers.manager_id")),
    column("created_at", TIMESTAMP, Field("When, UTC", "2026-11-02 09:00:00", required=True)),
    column("updated_by", ID, Field("Who changed it last", "M03", references="managers.manager_id")),
    column("updated_at", TIMESTAMP, Field("When, UTC", "2026-11-05 14:10:00")),
    column("reject_reason", sa.String(500), Field("Why it was rejected", "customer on a framework contract")),
    column("done_on", sa.Date, Field("Day it was carried out; its effect is measured from it", "2026-11-20")),
    column("note", sa.String(500), Field("What was done", "new price list from 1 December")),
    column("version", sa.Integer, Field("Optimistic-locking version", "1", internal=True)),
    comment="Actions proposed by the rules, as tasks of their owners: open, accepted, rejected or done.",
)

task_events = sa.Table(
    "task_events",
    metadata,
    column("task_id", sa.String(32), Field("Task", "T4be0a1c2d3e4", required=True), primary_key=True),
    column(
        "seq", sa.Integer, Field("Order of the event within the task", "1", required=True), primary_key=True
    ),
    column(
        "status",
        sa.String(16),
        Field("Status after the event", "accepted", required=True, enum=TASK_STATUSES),
    ),
    column("changed_by", ID, Field("Who", "M03", references="managers.manager_id")),
    column("changed_at", TIMESTAMP, Field("When, UTC", "2026-11-05 14:10:00", required=True)),
    column("note", sa.String(500), Field("Reason or note given", "customer on a framework contract")),
    comment="Every status change of every task: who, when, why.",
)

scenarios = sa.Table(
    "scenarios",
    metadata,
    column("scenario_id", sa.String(32), Field("Key of the scenario", "S20261102a1b2"), primary_key=True),
    column("name", sa.String(200), Field("Name", "Key accounts: 2 points less discount", required=True)),
    column(
        "definition", sa.Text, Field("Scope, changes and assumptions, as TOML", 'name = "..."', required=True)
    ),
    column("result", sa.Text, Field("Totals and per-customer result when saved, as JSON", "{}")),
    column("period_from", sa.Date, Field("First day of the P&L it was run on", "2025-11-01")),
    column("period_to", sa.Date, Field("Last day of that P&L", "2026-10-31")),
    column("created_by", ID, Field("Who saved it", "M01", references="managers.manager_id")),
    column("created_at", TIMESTAMP, Field("When, UTC", "2026-11-02 09:00:00", required=True)),
    comment="Saved what-if scenarios on terms, with their result, to list and compare side by side.",
)


# ==========================================================================================================
# -- forecast: sales plans set by the head (issue 15; migration 0007) -------------------------------------
# ==========================================================================================================

#: the measures a plan can target (those the forecast knows)
PLAN_MEASURES = ("net_revenue", "quantity", "orders", "net_contribution")
#: stands for "every owner" or "every segment" in a plan line
PLAN_ANY = "*"

plan_targets = sa.Table(
    "plan_targets",
    metadata,
    column(
        "measure",
        sa.String(32),
        Field("Measure planned", "net_revenue", required=True, enum=PLAN_MEASURES),
        primary_key=True,
    ),
    column(
        "month",
        sa.Date,
        Field("First day of the month planned", "2026-11-01", required=True),
        primary_key=True,
    ),
    column(
        "owner_id",
        ID,
        Field("Manager the target is for; * for every owner", "M03", required=True),
        primary_key=True,
    ),
    column(
        "segment",
        sa.String(64),
        Field("Segment the target is for; * for every segment", "installers", required=True),
        primary_key=True,
    ),
    column(
        "target",
        sa.Numeric(18, 3),
        Field("Target for the month, in the measure's unit", "120000.00", required=True),
    ),
    column("set_by", ID, Field("Who set it (the head)", "M01", references="managers.manager_id")),
    column("set_at", TIMESTAMP, Field("When, UTC", "2026-10-02 09:00:00", required=True)),
    comment="Sales plan: a target per measure, month, owner and segment, set by the head.",
)


# ==========================================================================================================
# -- form: acquisition campaigns and what they cost (issue 16; migration 0008) -----------------------------
# ==========================================================================================================

campaigns = sa.Table(
    "campaigns",
    metadata,
    column("campaign_id", ID, Field("Key of the campaign", "FAIR-2024-BAU", required=True), primary_key=True),
    column(
        "channel",
        sa.String(64),
        Field(
            "Acquisition channel it fed; matches counterparties.acquisition_channel",
            "trade_fair",
            required=True,
        ),
    ),
    column(
        "mode",
        sa.String(16),
        Field(
            "Acquisition mode it fed (empty: prospects of both modes from the channel)",
            "targeted",
            enum=ACQUISITION_MODES,
        ),
    ),
    column("start", sa.Date, Field("First day of the campaign", "2024-03-04", required=True)),
    column("end", sa.Date, Field("Last day of the campaign", "2024-03-08", required=True)),
    column(
        "cost",
        MONEY,
        Field(
            "What it cost outside the activities (stand, fees, lists, ads); shared by the prospects "
            "of its channel and mode created from start to end",
            "24000.00",
            required=True,
            unit="currency",
            minimum=0,
        ),
    ),
    column("name", sa.String(200), Field("What it was", "BAU fair Munich 2024")),
    comment="Acquisition campaigns and their external cost; optional (acquisition cost is then the activities).",
)

#: The campaigns travel with the exchange format (an optional file, loaded after the counterparties).
EXCHANGE_TABLES = (*EXCHANGE_TABLES, campaigns)


# ==========================================================================================================
# -- records: the history that travels with an exchange folder (issues 10/11; no new tables) ---------------
# ==========================================================================================================

#: Tables ``export-folder`` writes beside :data:`EXCHANGE_TABLES`, and ``import-folder`` reads back when present,
#: so that an export loaded into an empty database reproduces it exactly: field history and freshness,
#: owner transfers, import batches with their undo snapshots, duplicate decisions, merges, quality scores,
#: the action tasks with their events, saved scenarios and the sales plans.
#: In load order (a table only references tables before it).
EXCHANGE_HISTORY_TABLES: tuple[sa.Table, ...] = (
    field_history,
    field_verification,
    owner_transfers,
    import_batches,
    batch_changes,
    duplicate_decisions,
    counterparty_merges,
    quality_snapshots,
    action_tasks,
    task_events,
    scenarios,
    plan_targets,
)


# ==========================================================================================================
# -- dash: the company-wide analysis materialised for the dashboard and the analysis page (issue 13) -------
# ==========================================================================================================

analysis_summary = sa.Table(
    "analysis_summary",
    metadata,
    column(
        "name",
        sa.String(64),
        Field("What was materialised", "customer_metrics", required=True),
        primary_key=True,
    ),
    column(
        "document",
        sa.Text,
        Field(
            "The analysis of the default periods without its per-customer lists (headline, totals, whale "
            "curve, bridge, roll-ups, capacity), with the whale curve's points and the managers' names, as JSON",
            "{}",
        ),
    ),
    comment="The company-wide analysis of the materialised periods, written with customer_metrics.",
)

#: the tables revision 0009 creates
DASH_TABLES = ("analysis_summary",)
