"""Bulk transaction imports through the engine-side loader, on DuckDB and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from clientbase.cli.main import app
from clientbase.errors import ConfigurationError, ValidationError
from clientbase.exchange import load_tables
from clientbase.imports.transactions import import_transactions
from clientbase.store import Store

HEADER = "order_id;line_no;counterparty_id;order_date;product_id;quantity;list_price;net_price;unit_cost\n"


def line(order: str, no: int, qty: str = "3", customer: str = "C1", day: str = "2024-05-17") -> str:
    return f"{order};{no};{customer};{day};P1;{qty};129.00;116.10;81.50\n"


@pytest.fixture
def base(store: Store) -> Store:
    load_tables(
        store,
        {
            "counterparties": pa.table(
                {
                    "counterparty_id": ["C1", "C2"],
                    "name": ["Nordic Tools AB", "Müller GmbH"],
                    "roles": ["customer", "customer"],
                    "status": ["active", "active"],
                    "created_at": ["2024-01-02", "2024-01-02"],
                    "owner_id": ["M01", "M02"],
                    "country": ["SE", "DE"],
                    "payment_days": ["30", "45"],
                }
            ),
            "products": pa.table(
                {"product_id": ["P1"], "name": ["Drill"], "list_price": ["129"], "unit_cost": ["81.5"]}
            ),
            "cost_drivers": pa.table({"kind": ["visit"], "unit": ["event"], "rate": ["85.00"]}),
        },
    )
    return store


def counts(report: object, table: str) -> tuple[int, int, int]:
    c = report.as_dict()[table]  # type: ignore[attr-defined]
    return c["inserted"], c["updated"], c["unchanged"]


def test_monthly_exports_append_and_overlaps_add_nothing_twice(base: Store, tmp_path: Path) -> None:
    may, june = tmp_path / "may.csv", tmp_path / "june.csv"
    may.write_text(HEADER + line("O1", 1) + line("O1", 2) + line("O2", 1, qty="-1"), encoding="utf-8")
    june.write_text(
        HEADER
        + line("O2", 1, qty="-1")
        + line("O3", 1, customer="C2")
        + line("O3", 2, qty="5.5", customer="C2"),
        encoding="utf-8",
    )
    assert counts(import_transactions(base, may, table="order_lines"), "order_lines") == (3, 0, 0)
    report = import_transactions(base, june, table="order_lines")
    assert counts(report, "order_lines") == (2, 0, 1)
    assert counts(report, "orders") == (1, 0, 1)  # order headers derived from the lines
    assert base.table("order_lines").count().execute() == 5
    assert base.table("orders").count().execute() == 3
    again = import_transactions(base, june, table="order_lines", dry_run=True)
    assert counts(again, "order_lines") == (0, 0, 3)


def test_bad_rows_are_reported_and_nothing_is_written(base: Store, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER + line("O1", 1) + line("O1", 2, qty="0") + line("O3", 1, day="17.05.2024"), encoding="utf-8"
    )
    with pytest.raises(ValidationError) as caught:
        import_transactions(base, path, table="order_lines")
    assert sorted((p.file, p.row, p.column, p.value) for p in caught.value.problems) == [
        ("bad.csv", 3, "quantity", "0"),  # the header is row 1
        ("bad.csv", 4, "order_date", "17.05.2024"),
    ]
    # references are checked once the values are well-typed: unknown customers and products
    path.write_text(HEADER + line("O1", 1) + line("O2", 1, customer="C9"), encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        import_transactions(base, path, table="order_lines")
    assert {(p.row, p.column, p.value) for p in caught.value.problems} >= {(3, "counterparty_id", "C9")}
    assert base.table("order_lines").count().execute() == 0


def test_parquet_invoices_payments_and_activities(base: Store, tmp_path: Path) -> None:
    invoices = tmp_path / "invoices.parquet"
    pq.write_table(
        pa.table(
            {
                "invoice_id": ["F1", "F2"],
                "counterparty_id": ["C1", "C2"],
                "issue_date": ["2024-05-18", "2024-05-20"],
                "due_date": ["2024-06-17", "2024-06-19"],
                "amount": ["348.30", "-20.00"],
            }
        ),
        invoices,
    )
    assert counts(import_transactions(base, invoices, table="invoices"), "invoices") == (2, 0, 0)
    # Parquet rows are numbered like a spreadsheet export of the table: column names row 1, first row 2
    bad_invoices = tmp_path / "bad_invoices.parquet"
    pq.write_table(
        pa.table(
            {
                "invoice_id": ["F3", "F4"],
                "counterparty_id": ["C1", "C2"],
                "issue_date": ["2024-05-18", "18.05.2024"],
                "due_date": ["2024-06-17", "2024-06-19"],
                "amount": ["10.00", "20.00"],
            }
        ),
        bad_invoices,
    )
    with pytest.raises(ValidationError) as caught:
        import_transactions(base, bad_invoices, table="invoices")
    assert [(p.row, p.column, p.value) for p in caught.value.problems] == [(3, "issue_date", "18.05.2024")]
    payments = tmp_path / "payments.csv"
    payments.write_text(
        "invoice_id,paid_date,amount\nF1,2024-06-20,300.00\nF1,2024-06-20,48.30\n", encoding="utf-8"
    )
    assert counts(import_transactions(base, payments, table="payments"), "payments") == (2, 0, 0)
    assert counts(import_transactions(base, payments, table="payments"), "payments") == (0, 0, 2)
    activities = tmp_path / "activities.csv"
    activities.write_text(
        "activity_id\tcounterparty_id\tactivity_date\tkind\tquantity\nA1\tC1\t2024-05-20\tvisit\t1\nA2\tC1\t2024-05-21\tdance\t1\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as caught:
        import_transactions(base, activities, table="activities")
    assert [(p.row, p.column, p.value) for p in caught.value.problems] == [(3, "kind", "dance")]


def test_bad_requests_are_clear_errors(base: Store, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="order_lines, invoices, payments, activities"):
        import_transactions(base, tmp_path / "x.csv", table="counterparties")
    with pytest.raises(ValidationError, match="file not found"):
        import_transactions(base, tmp_path / "x.csv", table="invoices")
    (tmp_path / "x.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"\.csv or \.parquet"):
        import_transactions(base, tmp_path / "x.json", table="invoices")
    (tmp_path / "cols.csv").write_text("invoice_id,colour\nF1,red\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="unknown column"):
        import_transactions(base, tmp_path / "cols.csv", table="invoices")


def test_cli_dry_run_json(base: Store, db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "may.csv"
    path.write_text(HEADER + line("O1", 1), encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["import-transactions", str(path), "--table", "order_lines", "--db", db_url, "--dry-run", "--json"],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["tables"]["order_lines"] == {
        "inserted": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    assert base.table("order_lines").count().execute() == 0
