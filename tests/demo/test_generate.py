"""The demo company: deterministic, the right size, and invariants a person can check in the tables."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pyarrow as pa
import pytest

from clientbase import schema
from clientbase.demo.generate import DemoData, generate, story_for
from clientbase.demo.population import DUPLICATOR
from clientbase.demo.story import Story
from clientbase.errors import ConfigurationError
from tests.demo.conftest import CUSTOMERS, one


def _ipc_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def test_same_seed_gives_byte_identical_tables() -> None:
    a = generate(customers=120, years=1, seed=5)
    b = generate(customers=120, years=1, seed=5)
    assert a.tables.keys() == b.tables.keys()
    for name in a.tables:
        assert _ipc_bytes(a.tables[name]) == _ipc_bytes(b.tables[name]), name
    assert _ipc_bytes(a.truth) == _ipc_bytes(b.truth)


def test_another_seed_gives_another_company() -> None:
    a = generate(customers=120, years=1, seed=5)
    b = generate(customers=120, years=1, seed=6)
    assert not a.tables["order_lines"].equals(b.tables["order_lines"])


def test_chunking_keeps_every_invariant_and_the_keys_unique() -> None:
    data = generate(story=Story(customers=200, years=1, seed=3, chunk_customers=37))
    for name, key in (("orders", "order_id"), ("invoices", "invoice_id"), ("activities", "activity_id")):
        column = data.tables[name][key]
        assert len(column.unique()) == len(column), name


def test_row_counts_are_in_range(small: DemoData) -> None:
    t = small.tables
    # 300 customers + 3 % duplicates + 12 % prospects + 1 % suppliers, and the prospects never won
    lost = [
        r for r in small.truth.to_pylist() if r["cause"] == "prospect_kind" and r["detail"].endswith("lost")
    ]
    assert len(lost) > 50
    assert t["counterparties"].num_rows == 300 + 9 + 36 + 3 + len(lost)
    assert t["managers"].num_rows == 10
    assert t["products"].num_rows == 600
    assert t["cost_drivers"].num_rows == len(schema.ACTIVITY_KINDS)
    # about 63 lines per customer and year
    assert 15_000 < t["order_lines"].num_rows < 70_000
    assert t["invoices"].num_rows == t["orders"].num_rows
    assert t["contacts"].num_rows >= t["counterparties"].num_rows - 9


def test_tables_have_the_schema_columns_and_types(small: DemoData) -> None:
    lines = small.tables["order_lines"].schema
    assert lines.field("quantity").type == pa.decimal128(18, 3)
    assert lines.field("net_price").type == pa.decimal128(18, 4)
    assert lines.field("order_date").type == pa.date32()
    assert small.tables["invoices"].schema.field("amount").type == pa.decimal128(18, 2)
    for name, table in small.tables.items():
        known = [c.name for c in schema.metadata.tables[name].columns]
        assert table.column_names == [c for c in known if c in table.column_names], name


def test_lines_point_to_existing_counterparties_products_and_orders(sql: duckdb.DuckDBPyConnection) -> None:
    orphan_cp = "SELECT count(*) FROM order_lines l ANTI JOIN counterparties c USING (counterparty_id)"
    orphan_product = "SELECT count(*) FROM order_lines l ANTI JOIN products p USING (product_id)"
    mismatched = """SELECT count(*) FROM order_lines l JOIN orders o USING (order_id)
                    WHERE l.counterparty_id <> o.counterparty_id OR l.order_date <> o.order_date"""
    assert one(sql, orphan_cp) == 0
    assert one(sql, orphan_product) == 0
    assert one(sql, mismatched) == 0
    assert one(sql, "SELECT count(*) FROM order_lines ANTI JOIN orders USING (order_id)") == 0


def test_returns_are_credit_notes_with_negative_quantity_and_a_handling_activity(
    sql: duckdb.DuckDBPyConnection,
) -> None:
    credit_lines = "SELECT count(*) FROM order_lines WHERE order_id LIKE 'R%'"
    assert one(sql, credit_lines) > 0
    assert one(sql, "SELECT count(*) FROM order_lines WHERE order_id LIKE 'R%' AND quantity >= 0") == 0
    assert one(sql, "SELECT count(*) FROM order_lines WHERE order_id LIKE 'O%' AND quantity <= 0") == 0
    unhandled = """SELECT count(*) FROM orders o WHERE order_id LIKE 'R%' AND NOT EXISTS (
        SELECT 1 FROM activities a WHERE a.order_id = o.order_id AND a.kind = 'returns_handling')"""
    assert one(sql, unhandled) == 0


def test_invoice_amount_is_the_order_net_total(sql: duckdb.DuckDBPyConnection) -> None:
    differing = """SELECT count(*) FROM invoices i JOIN (
            SELECT order_id, sum(quantity * net_price) AS total FROM order_lines GROUP BY order_id
        ) t USING (order_id) WHERE i.amount <> t.total"""
    assert one(sql, differing) == 0
    assert one(sql, "SELECT count(*) FROM invoices WHERE due_date < issue_date") == 0
    assert one(sql, "SELECT max(issue_date - o.order_date) FROM invoices JOIN orders o USING (order_id)") <= 2


def test_payments_never_exceed_the_invoice_and_some_stay_open(
    small: DemoData, sql: duckdb.DuckDBPyConnection
) -> None:
    per_invoice = """SELECT i.invoice_id, i.amount, coalesce(sum(p.amount), 0) AS paid
        FROM invoices i LEFT JOIN payments p USING (invoice_id) GROUP BY ALL"""
    assert one(sql, f"SELECT count(*) FROM ({per_invoice}) WHERE amount > 0 AND paid > amount") == 0
    assert one(sql, f"SELECT count(*) FROM ({per_invoice}) WHERE amount > 0 AND paid < amount") > 0
    assert one(sql, f"SELECT count(*) FROM ({per_invoice}) WHERE amount < 0 AND paid <> amount") == 0
    end = small.story.end_date
    assert one(sql, "SELECT max(paid_date) FROM payments") <= end
    early = (
        "SELECT count(*) FROM payments p JOIN invoices i USING (invoice_id) WHERE p.paid_date < i.issue_date"
    )
    assert one(sql, early) == 0
    partial = "SELECT count(*) FROM (SELECT invoice_id FROM payments GROUP BY 1 HAVING count(*) > 1)"
    assert one(sql, partial) > 0


def test_late_payers_pay_long_after_the_due_date(sql: duckdb.DuckDBPyConnection) -> None:
    lateness = """SELECT avg(p.paid_date - i.due_date) FROM payments p JOIN invoices i USING (invoice_id)
        WHERE i.amount > 0 AND i.counterparty_id {} (SELECT counterparty_id FROM demo_truth WHERE cause = 'late_payer')"""
    assert one(sql, lateness.format("IN")) > 20
    assert one(sql, lateness.format("NOT IN")) < 2
    long_terms = """SELECT min(payment_days) FROM counterparties WHERE counterparty_id IN
        (SELECT counterparty_id FROM demo_truth WHERE cause = 'late_payer')"""
    assert one(sql, long_terms) >= 14  # the stale manager may have recorded shorter terms than invoiced
    invoiced = """SELECT min(due_date - issue_date) FROM invoices WHERE amount > 0 AND counterparty_id IN
        (SELECT counterparty_id FROM demo_truth WHERE cause = 'late_payer')"""
    assert one(sql, invoiced) >= 60


def test_discount_creeps_in_retained_key_accounts(sql: duckdb.DuckDBPyConnection) -> None:
    depth = """SELECT year(order_date) >= 2025 AND order_date > DATE '2025-10-31' AS late,
                      1 - sum(quantity * net_price) / sum(quantity * list_price) AS depth
               FROM order_lines WHERE quantity > 0 AND counterparty_id IN
                   (SELECT counterparty_id FROM demo_truth WHERE cause = 'discount_creep')
               GROUP BY 1 ORDER BY 1"""
    (_, first), (_, second) = sql.execute(depth).fetchall()
    # +4..7 percentage points a year
    assert Decimal("0.03") < second - first < Decimal("0.08")


def test_prospects_have_no_orders_and_statuses_follow_the_last_order(sql: duckdb.DuckDBPyConnection) -> None:
    prospect_orders = """SELECT count(*) FROM orders WHERE counterparty_id IN
        (SELECT counterparty_id FROM counterparties WHERE status = 'prospect')"""
    assert one(sql, prospect_orders) == 0
    # a prospect is open (status prospect) or was given up (lost); a record in status prospect is one
    not_prospect = (
        "SELECT count(*) FROM counterparties WHERE roles = 'prospect' AND status NOT IN ('prospect', 'lost')"
    )
    assert one(sql, not_prospect) == 0
    assert (
        one(sql, "SELECT count(*) FROM counterparties WHERE status = 'prospect' AND roles <> 'prospect'") == 0
    )
    lost_orders = """SELECT count(*) FROM orders WHERE counterparty_id IN
        (SELECT counterparty_id FROM counterparties WHERE roles = 'prospect')"""
    assert one(sql, lost_orders) == 0
    # 'active' with no order for 180 days happens only where the stale manager planted it
    stale_active = """SELECT count(*) FROM counterparties c WHERE status = 'active' AND roles LIKE 'customer%'
        AND coalesce((SELECT max(order_date) FROM orders o WHERE o.counterparty_id = c.counterparty_id),
                     first_order_date) < DATE '2026-10-31' - 180
        AND counterparty_id NOT IN (SELECT counterparty_id FROM demo_truth WHERE cause IN ('stale_status', 'duplicate'))"""
    assert one(sql, stale_active) == 0
    assert one(sql, "SELECT count(*) FROM counterparties WHERE status = 'lost'") > 0


def test_duplicates_are_planted_at_the_requested_rate_by_another_manager(
    small: DemoData, sql: duckdb.DuckDBPyConnection
) -> None:
    assert one(sql, "SELECT count(*) FROM demo_truth WHERE cause = 'duplicate'") == round(CUSTOMERS * 0.03)
    pairs = """SELECT d.counterparty_id, d.owner_id, o.owner_id, o.name, d.name, o.roles
        FROM demo_truth t JOIN counterparties d USING (counterparty_id)
        JOIN counterparties o ON o.counterparty_id = t.detail WHERE t.cause = 'duplicate'"""
    rows = sql.execute(pairs).fetchall()
    assert len(rows) == round(CUSTOMERS * 0.03)
    for _, dup_owner, original_owner, _, _, roles in rows:
        assert dup_owner != original_owner
        assert roles.startswith("customer")
    assert sum(dup_owner == f"M{DUPLICATOR + 1:02d}" for _, dup_owner, *_ in rows) >= len(rows) // 2
    with_orders = "SELECT count(DISTINCT counterparty_id) FROM orders WHERE counterparty_id IN (SELECT counterparty_id FROM demo_truth WHERE cause = 'duplicate')"
    assert one(sql, with_orders) >= len(rows) // 2


def test_acquisition_modes_differ_targeted_customers_are_larger(sql: duckdb.DuckDBPyConnection) -> None:
    per_customer = """SELECT acquisition_mode, sum(quantity * net_price) / count(DISTINCT counterparty_id) AS revenue
        FROM order_lines JOIN counterparties USING (counterparty_id) GROUP BY 1"""
    revenue = dict(sql.execute(per_customer).fetchall())
    assert revenue["targeted"] > 3 * revenue["spontaneous"]


def test_every_activity_kind_is_priced_and_settings_are_set(sql: duckdb.DuckDBPyConnection) -> None:
    assert one(sql, "SELECT count(*) FROM activities ANTI JOIN cost_drivers USING (kind)") == 0
    assert one(sql, "SELECT count(DISTINCT kind) FROM activities") == len(schema.ACTIVITY_KINDS)
    settings = dict(sql.execute("SELECT key, value FROM settings").fetchall())
    assert settings["currency"] == "EUR"
    assert settings["financing_rate_annual"] == "0.08"
    assert one(sql, "SELECT rate FROM cost_drivers WHERE kind = 'visit'") == Decimal("1.2")
    assert one(sql, "SELECT unit FROM cost_drivers WHERE kind = 'visit'") == "minute"


def test_managers_one_head_one_analyst_and_habits_planted(sql: duckdb.DuckDBPyConnection) -> None:
    roles = dict(sql.execute("SELECT role, count(*) FROM managers GROUP BY 1").fetchall())
    assert roles == {"head": 1, "analyst": 1, "manager": 8}
    blank_owner = "SELECT DISTINCT owner_id FROM counterparties WHERE counterparty_id IN (SELECT counterparty_id FROM demo_truth WHERE cause = 'blank_fields')"
    assert sql.execute(blank_owner).fetchall() == [("M03",)]
    stale_owner = "SELECT DISTINCT owner_id FROM counterparties WHERE counterparty_id IN (SELECT counterparty_id FROM demo_truth WHERE cause LIKE 'stale_%')"
    assert sql.execute(stale_owner).fetchall() == [("M04",)]


def test_lines_request_sizes_the_company() -> None:
    assert story_for(lines=189_000, years=3).customers == 1000
    with pytest.raises(ConfigurationError, match="customers must be at least 10"):
        generate(customers=3)
    with pytest.raises(ConfigurationError, match="lines must be positive"):
        story_for(lines=0)
    with pytest.raises(ConfigurationError, match="years must be at least 1"):
        story_for(lines=1000, years=0)


def test_the_stale_manager_never_reverifies_while_the_others_keep_fresh(small: DemoData) -> None:
    con = duckdb.connect()
    con.register("fv", small.verification)
    con.register("counterparties", small.tables["counterparties"])
    # stale = older than the quality audit's default maximum age of the field (issue 5)
    age = """WITH max_age(field_name, days) AS (VALUES ('phone', 365), ('email', 365), ('owner_id', 365),
                 ('address', 730), ('postcode', 730), ('city', 730), ('payment_days', 180),
                 ('discount_pct', 180), ('credit_limit', 180), ('price_list', 180))
             SELECT c.owner_id = 'M04' AS stale,
                    avg(((DATE '2026-10-31' - CAST(verified_at AS DATE)) > days)::INT)
             FROM fv JOIN max_age USING (field_name) JOIN counterparties c ON c.counterparty_id = fv.record_id
             WHERE c.created_at < DATE '2024-06-01' GROUP BY 1 ORDER BY 1"""
    (_, others), (_, stale) = con.execute(age).fetchall()
    assert stale == 1.0
    assert others < 0.1
    filled_phones = small.tables["counterparties"]["phone"].drop_null()
    assert one(con, "SELECT count(*) FROM fv WHERE field_name = 'phone'") == len(filled_phones)
    planted = {t["counterparty_id"] for t in small.truth.to_pylist() if t["cause"] == "stale_fields"}
    owners = {c["counterparty_id"]: c["owner_id"] for c in small.tables["counterparties"].to_pylist()}
    assert planted and {owners[p] for p in planted} == {"M04"}


def test_every_text_fits_its_column(small: DemoData) -> None:
    for name, table in small.tables.items():
        for column in schema.metadata.tables[name].columns:
            length = getattr(column.type, "length", None)
            if length is None or column.name not in table.column_names:
                continue
            values = [v for v in table[column.name].to_pylist() if v is not None]
            assert max((len(v) for v in values), default=0) <= length, f"{name}.{column.name}"
