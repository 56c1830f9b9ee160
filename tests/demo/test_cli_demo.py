"""``clientbase demo`` and ``clientbase summary`` on DuckDB and on PostgreSQL."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pyarrow as pa
from typer.testing import CliRunner

from clientbase.analytics.summary import summary
from clientbase.cli.main import app
from clientbase.demo.generate import generate
from clientbase.exchange.load import load_tables
from clientbase.store import connect

runner = CliRunner()


def test_demo_then_summary_on_every_engine(db_url: str) -> None:
    built = runner.invoke(app, ["demo", "--customers", "150", "--years", "1", "--seed", "2", "--db", db_url])
    assert built.exit_code == 0, built.output
    shown = runner.invoke(app, ["summary", "--db", db_url, "--json"])
    assert shown.exit_code == 0, shown.output
    result = json.loads(shown.stdout)
    expected = generate(customers=150, years=1, seed=2)
    for name, table in expected.tables.items():
        assert result["tables"][name] == table.num_rows, name
    assert result["tables"]["demo_truth"] == expected.truth.num_rows
    with connect(db_url) as store:
        verified = store.table("field_verification").count().to_pyarrow().as_py()
    assert verified == expected.verification.num_rows
    (year,) = result["years"]
    # the year runs back from the latest order (2026-10-31 is a Saturday; orders move to Friday)
    latest = max(expected.tables["order_lines"]["order_date"].to_pylist())
    assert year["period_end"] == latest.isoformat()
    assert year["order_lines"] == expected.tables["order_lines"].num_rows
    statuses = {r["status"]: r["counterparties"] for r in result["counterparties_by_status"]}
    assert sum(statuses.values()) == expected.tables["counterparties"].num_rows
    assert statuses["prospect"] == round(150 * 0.12)


def test_demo_refuses_a_database_that_holds_counterparties(tmp_path: object) -> None:
    url = f"duckdb:///{tmp_path}/d.duckdb"
    assert runner.invoke(app, ["demo", "--customers", "20", "--years", "1", "--db", url]).exit_code == 0
    again = runner.invoke(app, ["demo", "--customers", "20", "--years", "1", "--db", url])
    assert again.exit_code == 5
    assert "already holds" in again.output


def test_demo_rejects_a_bad_end_date() -> None:
    result = runner.invoke(app, ["demo", "--end-date", "31.10.2026", "--db", "duckdb:///:memory:"])
    assert result.exit_code == 1
    assert "YYYY-MM-DD" in result.output


def test_summary_of_a_hand_made_base() -> None:
    # Two 12-month years back from the last order (2025-01-10), as the analysis counts them:
    #   2023-01-11 to 2024-01-10: 2 x 10.00 = 20.00 revenue, 2 x 4.00 margin, 1 customer
    #   2024-01-11 to 2025-01-10: 3 x 10.00 - 1 x 10.00 (a return) = 20.00 revenue, 3 x 4 - 1 x 4 = 8.00 margin
    d = pa.decimal128(18, 4)
    tables = {
        "managers": pa.table({"manager_id": ["M1"], "name": ["Anna Berg"]}),
        "products": pa.table(
            {
                "product_id": ["P1"],
                "name": ["Drill"],
                "list_price": pa.array([Decimal(12)], d),
                "unit_cost": pa.array([Decimal(6)], d),
            }
        ),
        "counterparties": pa.table(
            {
                "counterparty_id": ["C1", "C2"],
                "name": ["Nordic Tools AB", "Bau Müller GmbH"],
                "roles": ["customer", "prospect"],
                "status": ["active", "prospect"],
                "acquisition_mode": ["targeted", "spontaneous"],
                "created_at": [date(2023, 1, 1), date(2024, 6, 1)],
                # what the registry's rules ask of an active customer and of a prospect
                "owner_id": ["M1", "M1"],
                "country": ["SE", "DE"],
                "payment_days": [30, None],
                "acquisition_channel": [None, "trade_fair"],
            }
        ),
        "order_lines": pa.table(
            {
                "order_id": ["O1", "O2", "R1"],
                "line_no": [1, 1, 1],
                "counterparty_id": ["C1", "C1", "C1"],
                "order_date": [date(2024, 1, 10), date(2025, 1, 10), date(2025, 1, 10)],
                "product_id": ["P1", "P1", "P1"],
                "quantity": pa.array([Decimal(2), Decimal(3), Decimal(-1)], pa.decimal128(18, 3)),
                "list_price": pa.array([Decimal(12)] * 3, d),
                "net_price": pa.array([Decimal(10)] * 3, d),
                "unit_cost": pa.array([Decimal(6)] * 3, d),
            }
        ),
    }
    with connect("duckdb:///:memory:") as store:
        load_tables(store, tables)
        result = summary(store)
    assert result["tables"]["order_lines"] == 3
    older, newer = result["years"]
    assert (older["period_start"], older["period_end"], older["net_revenue"], older["gross_margin"]) == (
        date(2023, 1, 11),
        date(2024, 1, 10),
        Decimal("20.00"),
        Decimal("8.00"),
    )
    # the data begins on 2024-01-10, inside the older year: it is partial
    assert (older["partial"], newer["partial"], older["customers"], newer["customers"]) == (True, False, 1, 1)
    assert (newer["period_end"], newer["net_revenue"], newer["gross_margin"], newer["orders"]) == (
        date(2025, 1, 10),
        Decimal("20.00"),
        Decimal("8.00"),
        2,
    )
    assert newer["gross_margin_pct"] == Decimal("40.00")
    modes = {
        (r["acquisition_mode"], r["status"]): r["customers"] for r in result["customers_by_acquisition_mode"]
    }
    assert modes == {("targeted", "active"): 1}
