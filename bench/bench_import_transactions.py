"""Benchmark: 1M order lines through `import_transactions` (CSV and Parquet), against a bare DuckDB load.

Run by hand, with the lock:

    flock /tmp/clientbase-bench.lock .venv/bin/python bench/bench_import_transactions.py [--lines 1000000] [--write]

Builds a DuckDB database with 2,000 customers and 500 products, writes 1M order lines (200k orders) as CSV
and Parquet with DuckDB, then times, side by side in one run:

- *bare load*: DuckDB `read_csv` straight into a table with the right types (no validation, no merge);
- *import CSV*: `import_transactions(..., table="order_lines")` into the empty base (validate + insert);
- *re-import CSV*: the same file again (validate + compare by key: nothing changes);
- *overlap*: a second month whose first half overlaps the first file (half new, half unchanged);
- *import Parquet*: the same lines from Parquet into a fresh base.

`--write` puts the table into docs/benchmarks.md between this script's markers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import re
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa

from clientbase.exchange import load_tables
from clientbase.imports.transactions import import_transactions
from clientbase.store import connect

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- bench_import_transactions:start -->", "<!-- bench_import_transactions:end -->"


def seed(url: str) -> None:
    customers = [f"C{i:05d}" for i in range(1, 2001)]
    products = [f"P-{i:04d}" for i in range(1, 501)]
    with connect(url) as store:
        load_tables(
            store,
            {
                "counterparties": pa.table(
                    {
                        "counterparty_id": customers,
                        "name": [f"Customer {c}" for c in customers],
                        "roles": ["customer"] * len(customers),
                        "status": ["active"] * len(customers),
                        "created_at": ["2023-01-01"] * len(customers),
                    }
                ),
                "products": pa.table(
                    {
                        "product_id": products,
                        "name": [f"Product {p}" for p in products],
                        "list_price": ["129.00"] * len(products),
                        "unit_cost": ["81.50"] * len(products),
                    }
                ),
            },
        )


def write_lines(folder: Path, lines: int, first_line: int, name: str) -> tuple[Path, Path]:
    """``lines`` order lines from global line number ``first_line`` on (5 per order); CSV and Parquet.

    A line's content depends only on its global number, so two files that share numbers share those lines.
    """
    csv_path, parquet_path = folder / f"{name}.csv", folder / f"{name}.parquet"
    con = duckdb.connect()
    con.execute(
        f"""CREATE TABLE lines AS
        SELECT 'O' || lpad(CAST(i // 5 AS VARCHAR), 8, '0') AS order_id,
               CAST(i % 5 + 1 AS INTEGER) AS line_no,
               'C' || lpad(CAST((i // 5) % 2000 + 1 AS VARCHAR), 5, '0') AS counterparty_id,
               DATE '2024-01-01' + CAST((i // 5) % 365 AS INTEGER) AS order_date,
               'P-' || lpad(CAST(i % 500 + 1 AS VARCHAR), 4, '0') AS product_id,
               CAST(CASE WHEN i % 97 = 0 THEN -1 ELSE i % 7 + 1 END AS DECIMAL(18,3)) AS quantity,
               CAST(129.00 AS DECIMAL(18,4)) AS list_price,
               CAST(129.00 - (i % 13) AS DECIMAL(18,4)) AS net_price,
               CAST(81.50 AS DECIMAL(18,4)) AS unit_cost
        FROM (SELECT {first_line} + r AS i FROM range({lines}) t(r))"""
    )
    con.execute(f"COPY lines TO '{csv_path}' (HEADER, DELIMITER ',')")
    con.execute(f"COPY lines TO '{parquet_path}' (FORMAT parquet)")
    con.close()
    return csv_path, parquet_path


def timed(action: object) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()  # type: ignore[operator]
    return time.perf_counter() - start, result


def bare_load(csv_path: Path) -> float:
    con = duckdb.connect()
    start = time.perf_counter()
    con.execute(
        f"""CREATE TABLE order_lines AS SELECT * FROM read_csv('{csv_path}', header=true, columns={{
        'order_id': 'VARCHAR', 'line_no': 'INTEGER', 'counterparty_id': 'VARCHAR', 'order_date': 'DATE',
        'product_id': 'VARCHAR', 'quantity': 'DECIMAL(18,3)', 'list_price': 'DECIMAL(18,4)',
        'net_price': 'DECIMAL(18,4)', 'unit_cost': 'DECIMAL(18,4)'}})"""
    )
    elapsed = time.perf_counter() - start
    con.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    n = args.lines
    folder = Path(tempfile.mkdtemp(prefix="bench_tx_"))
    csv_path, parquet_path = write_lines(folder, n, 0, "month1")
    overlap_csv, _ = write_lines(folder, n, n // 2, "month2")  # its first half repeats month 1's second half
    rows = []
    bare = bare_load(csv_path)
    rows.append(("bare DuckDB read_csv into a typed table (no checks)", n, bare, "-"))

    url = f"duckdb:///{folder}/csv.duckdb"
    seed(url)
    with connect(url) as store:
        elapsed, report = timed(lambda: import_transactions(store, csv_path, table="order_lines"))
        assert report.as_dict()["order_lines"]["inserted"] == n  # type: ignore[attr-defined]
        rows.append(("import CSV into the empty base (validate + insert)", n, elapsed, report))
        elapsed, report = timed(lambda: import_transactions(store, csv_path, table="order_lines"))
        assert report.as_dict()["order_lines"]["unchanged"] == n  # type: ignore[attr-defined]
        rows.append(("re-import the same CSV (validate + compare, nothing changes)", n, elapsed, report))
        elapsed, report = timed(lambda: import_transactions(store, overlap_csv, table="order_lines"))
        rows.append(("next month's CSV, half overlapping", n, elapsed, report))
        total = store.table("order_lines").count().execute()
    url = f"duckdb:///{folder}/parquet.duckdb"
    seed(url)
    with connect(url) as store:
        elapsed, report = timed(lambda: import_transactions(store, parquet_path, table="order_lines"))
        rows.append(("import Parquet into the empty base", n, elapsed, report))

    lines = [
        START,
        "## Bulk transaction import (`bench/bench_import_transactions.py`)",
        "",
        f"Run {dt.date.today()} on 2 cores / 24 GiB, Python {platform.python_version()}, DuckDB {duckdb.__version__}; "
        "DuckDB file database with 2,000 customers and 500 products; 5 lines per order, so the loader also derives "
        f"{n // 5:,} order headers. One run, side by side; ratio = time / bare load. Target: 1M lines in 15 s or less.",
        "",
        "| step | lines | seconds | ratio to bare load | order_lines inserted / updated / unchanged |",
        "|---|---:|---:|---:|---|",
    ]
    for label, count, seconds, report in rows:
        if isinstance(report, str):
            counts = report
        else:
            c = report.as_dict()["order_lines"]  # type: ignore[attr-defined]
            counts = f"{c['inserted']:,} / {c['updated']:,} / {c['unchanged']:,}"
        lines.append(f"| {label} | {count:,} | {seconds:.2f} | {seconds / bare:.1f} | {counts} |")
    lines += ["", f"After both months the base holds {total:,} order lines.", END]
    section = "\n".join(lines)
    print(section)
    if args.write:
        doc = ROOT / "docs" / "benchmarks.md"
        text = doc.read_text(encoding="utf-8")
        if START in text:
            text = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: section, text, flags=re.S)
        else:
            text = text.rstrip("\n") + "\n\n" + section + "\n"
        doc.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
