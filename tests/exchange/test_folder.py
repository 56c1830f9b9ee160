"""The exchange folder: round trip, and every bad input gives its clear error and writes nothing."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from clientbase import schema
from clientbase.errors import ValidationError
from clientbase.exchange import export_folder, import_folder
from clientbase.store import Store, connect

FILES = {
    "settings.csv": "key,value\ncurrency,EUR\nfinancing_rate_annual,0.08\n",
    "managers.csv": "manager_id,name,role\nM1,Anna Berg,head\nM2,Bo Ek,manager\n",
    "cost_drivers.csv": "kind,unit,rate\nvisit,minute,1.25\ndelivery,event,18.00\n",
    "products.csv": "product_id,name,category,list_price,unit_cost\nP1,Drill,tools,100.00,60.00\nP2,Saw,tools,50.00,35.00\n",
    "counterparties.csv": (
        "counterparty_id,name,roles,status,owner_id,acquisition_channel,acquisition_mode,country,created_at,payment_days,discount_pct\n"
        "C1,Nordic Tools AB,customer,active,M1,,targeted,SE,2023-01-10,30,5\n"
        'C2,"Bau, Müller GmbH",customer;supplier,active,M2,,spontaneous,DE,2023-02-11,60,\n'
        "C3,Prospect Oy,prospect,prospect,M2,trade_fair,spontaneous,FI,2024-03-01,,\n"
    ),
    "order_lines.csv": (
        "order_id,line_no,counterparty_id,order_date,product_id,quantity,list_price,net_price,unit_cost\n"
        "O1,1,C1,2024-01-15,P1,3,100.00,95.00,60.00\n"
        "O1,2,C1,2024-01-15,P2,2,50.00,47.50,35.00\n"
        "O2,1,C2,2024-02-01,P1,1,100.00,90.00,60.00\n"
        "R1,1,C2,2024-02-10,P1,-1,100.00,90.00,60.00\n"
    ),
    "invoices.csv": (
        "invoice_id,counterparty_id,issue_date,due_date,amount\n"
        "F1,C1,2024-01-15,2024-02-14,380.00\nF2,C2,2024-02-01,2024-04-01,90.00\n"
    ),
    "payments.csv": "invoice_id,paid_date,amount\nF1,2024-02-20,380.00\nF2,2024-03-01,40.00\nF2,2024-03-01,50.00\n",
    "activities.csv": (
        "activity_id,counterparty_id,activity_date,kind,quantity\n"
        "A1,C1,2024-01-20,visit,90\nA2,C2,2024-02-02,delivery,1\n"
    ),
}


def write_folder(folder: Path, **replace: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in {**FILES, **replace}.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def snapshot(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, sorted: two equal snapshots are two equal databases."""
    result = {}
    for table in schema.EXCHANGE_TABLES:
        rows = store.table(table.name).to_pyarrow().to_pylist()
        result[table.name] = sorted(tuple(r.values()) for r in rows)
    return result


def test_import_counts_and_values(db_url: str, tmp_path: Path) -> None:
    with connect(db_url) as store:
        report = import_folder(store, write_folder(tmp_path / "in"))
        assert report.tables["order_lines"].inserted == 4
        assert report.tables["orders"].inserted == 3  # derived from the lines: O1, O2, R1
        assert report.tables["payments"].inserted == 3
        rows = store.table("payments").order_by("payment_id").payment_id.to_pyarrow().to_pylist()
        assert rows == ["F1:2024-02-20:1", "F2:2024-03-01:1", "F2:2024-03-01:2"]
        net = store.table("order_lines").mutate(v=lambda t: t.quantity * t.net_price).v.sum().execute()
        assert net == Decimal("380")  # 3*95 + 2*47.5 + 90 - 90


def test_export_then_import_reproduces_the_database(db_url: str, tmp_path: Path) -> None:
    with connect(db_url) as first:
        import_folder(first, write_folder(tmp_path / "in"))
        export_folder(first, tmp_path / "out")
        before = snapshot(first)
    header = (tmp_path / "out" / "order_lines.csv").read_text().splitlines()[0]
    assert (
        header
        == "order_id,line_no,counterparty_id,order_date,product_id,quantity,list_price,net_price,unit_cost"
    )
    with connect(f"duckdb:///{tmp_path}/copy.duckdb") as second:
        import_folder(second, tmp_path / "out")
        assert snapshot(second) == before
        again = import_folder(second, tmp_path / "out")
        assert all(c.inserted == 0 and c.updated == 0 for c in again.tables.values())
        assert snapshot(second) == before


BAD_INPUTS = {
    "missing column": (
        {"products.csv": "product_id,name,list_price\nP1,Drill,100.00\n"},
        ("products.csv", 1, "unit_cost", None, "required column is missing"),
    ),
    "unparseable date": (
        {
            "invoices.csv": "invoice_id,counterparty_id,issue_date,due_date,amount\nF1,C1,15/01/2024,2024-02-14,380.00\n"
        },
        ("invoices.csv", 2, "issue_date", "15/01/2024", "not a date: write YYYY-MM-DD"),
    ),
    "negative price": (
        {
            "products.csv": "product_id,name,list_price,unit_cost\nP1,Drill,100.00,60.00\nP2,Saw,-50.00,35.00\n"
        },
        ("products.csv", 3, "list_price", "-50.00", "must be 0 or more"),
    ),
    "unknown counterparty": (
        {
            "order_lines.csv": FILES["order_lines.csv"] + "O3,1,C99,2024-03-01,P1,1,100.00,95.00,60.00\n",
        },
        ("order_lines.csv", 6, "counterparty_id", "C99", "unknown counterparty"),
    ),
    "duplicate key": (
        {"managers.csv": "manager_id,name\nM1,Anna Berg\nM2,Bo Ek\nM1,Anna B.\n"},
        ("managers.csv", 2, "manager_id", "M1", "duplicate key"),
    ),
    "wrong number of fields": (
        {"managers.csv": "manager_id,name\nM1,Anna Berg\nM2,Bo Ek,extra\n"},
        ("managers.csv", 3, None, "M2,Bo Ek,extra", "Expected Number of Columns"),
    ),
    "bad enum": (
        {"counterparties.csv": FILES["counterparties.csv"].replace("customer;supplier", "customer;partner")},
        (
            "counterparties.csv",
            3,
            "roles",
            "customer;partner",
            "must be one of: customer, prospect, supplier",
        ),
    ),
    "too many decimals": (
        {
            "invoices.csv": "invoice_id,counterparty_id,issue_date,due_date,amount\nF1,C1,2024-01-15,2024-02-14,380.001\n"
        },
        ("invoices.csv", 2, "amount", "380.001", "more than 2 decimals"),
    ),
    "unknown file": ({"customers.csv": "id\n1\n"}, ("customers.csv", None, None, None, "unknown file")),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_reported_and_nothing_is_written(db_url: str, tmp_path: Path, case: str) -> None:
    replace, (file, row, column, value, rule) = BAD_INPUTS[case]
    with connect(db_url) as store:
        import_folder(store, write_folder(tmp_path / "good"))
        before = snapshot(store)
        bad = tmp_path / "bad"
        shutil.copytree(tmp_path / "good", bad)
        # a valid change in another file must not be written either
        (bad / "managers.csv").write_text(
            "manager_id,name,role\nM1,Anna Berg,head\nM2,Bo Ek,manager\nM3,Cy,analyst\n"
        )
        write_folder(bad, **replace)
        with pytest.raises(ValidationError) as caught:
            import_folder(store, bad)
        problem = caught.value.problems[0]
        assert (problem.file, problem.row, problem.column) == (file, row, column)
        if value is not None:
            assert problem.value == value
        assert rule in problem.rule
        assert rule in str(caught.value)
        assert snapshot(store) == before


def test_file_without_optional_columns_keeps_stored_values(tmp_path: Path) -> None:
    with connect(f"duckdb:///{tmp_path}/db.duckdb") as store:
        import_folder(store, write_folder(tmp_path / "in"))
        only = tmp_path / "only"
        only.mkdir()
        (only / "managers.csv").write_text("manager_id,name\nM1,Anna Lind\n")
        report = import_folder(store, only)
        assert vars(report.tables["managers"]) == {"inserted": 0, "updated": 1, "unchanged": 0, "rejected": 0}
        row = store.table("managers").filter(lambda t: t.manager_id == "M1").to_pyarrow().to_pylist()[0]
        assert (row["name"], row["role"]) == ("Anna Lind", "head")


def test_not_utf8_is_reported(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "in")
    (folder / "managers.csv").write_bytes("manager_id,name\nM1,J\xf6rg\n".encode("cp1252"))
    with connect("duckdb:///:memory:") as store, pytest.raises(ValidationError, match="UTF-8"):
        import_folder(store, folder)


def test_data_format_doc_is_rendered_from_the_schema() -> None:
    from clientbase.exchange.docs import render_data_format

    doc = Path(__file__).parents[2] / "docs" / "data-format.md"
    assert doc.read_text(encoding="utf-8") == render_data_format(), (
        'docs/data-format.md is stale: run  python -c "from clientbase.exchange.docs import render_data_format; '
        "open('docs/data-format.md','w').write(render_data_format())\""
    )


def test_errors_in_a_table_do_not_echo_as_unknown_references(tmp_path: Path) -> None:
    bad_counterparties = FILES["counterparties.csv"].replace("2023-01-10", "10.01.2023")
    folder = write_folder(tmp_path / "in", **{"counterparties.csv": bad_counterparties})
    with connect("duckdb:///:memory:") as store, pytest.raises(ValidationError) as caught:
        import_folder(store, folder)
    assert [(p.file, p.row, p.column) for p in caught.value.problems] == [
        ("counterparties.csv", 2, "created_at")
    ]
