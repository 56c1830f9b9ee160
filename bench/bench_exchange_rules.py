"""What the registry's record rules cost a bulk load, and the exact round trip of an exchange folder.

For the demo company at a few sizes, in one process, side by side: the whole ``load_tables`` of the demo
into a fresh DuckDB file; within it, the part the record rules take (``rules.clean_record`` over every
counterparty and contact, timed alone on the same rows); then ``export-folder`` and ``import-folder`` into
another fresh file (with the history files) and whether every table came back equal.

    flock /tmp/clientbase-bench.lock nice .venv/bin/python bench/bench_exchange_rules.py          # 2,000 and 10,000 customers
    flock /tmp/clientbase-bench.lock nice .venv/bin/python bench/bench_exchange_rules.py 5000     # one size

Writes the numbers into docs/benchmarks.md between this script's markers.
"""

from __future__ import annotations

import datetime as dt
import platform
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import sqlalchemy as sa

from clientbase import schema
from clientbase.demo.build import load_demo
from clientbase.demo.generate import generate
from clientbase.exchange import export_folder, import_folder
from clientbase.registry import rules
from clientbase.store import connect
from doc_section import write_section  # bench/doc_section.py: the script's folder is on the path

START, END = "<!-- bench_exchange_rules:start -->", "<!-- bench_exchange_rules:end -->"


def rows_of(store: object, table: sa.Table) -> list[dict[str, object]]:
    with store.begin() as conn:  # type: ignore[attr-defined]
        return [dict(r._mapping) for r in conn.execute(sa.select(table))]


def every_table(store: object) -> dict[str, list[tuple[object, ...]]]:
    tables = (*schema.EXCHANGE_TABLES, *schema.EXCHANGE_HISTORY_TABLES)
    with store.begin() as conn:  # type: ignore[attr-defined]
        return {t.name: sorted((tuple(r) for r in conn.execute(sa.select(t))), key=repr) for t in tables}


def measure(customers: int) -> dict[str, float | int | bool]:
    data = generate(customers=customers, years=3, seed=42)
    with tempfile.TemporaryDirectory(prefix="bench_rules_") as folder:
        with connect(f"duckdb:///{folder}/demo.duckdb") as store:
            started = time.perf_counter()
            load_demo(store, data)
            load = time.perf_counter() - started
            counterparties = rows_of(store, schema.counterparties)
            contacts = rows_of(store, schema.contacts)
            countries = {r["counterparty_id"]: r["country"] for r in counterparties}
            started = time.perf_counter()
            for row in counterparties:
                rules.clean_record(schema.counterparties, row)
            for row in contacts:
                rules.clean_record(schema.contacts, row, country=countries.get(row["counterparty_id"]))  # type: ignore[arg-type]
            checks = time.perf_counter() - started
            started = time.perf_counter()
            export_folder(store, Path(folder) / "x")
            export = time.perf_counter() - started
            before = every_table(store)
        with connect(f"duckdb:///{folder}/copy.duckdb") as copy:
            started = time.perf_counter()
            import_folder(copy, Path(folder) / "x")
            load_folder = time.perf_counter() - started
            equal = every_table(copy) == before
    row = {
        "customers": customers,
        "lines": data.order_lines,
        "records": len(counterparties) + len(contacts),
        "load": load,
        "checks": checks,
        "export": export,
        "import": load_folder,
        "equal": equal,
    }
    print(row, flush=True)
    return row


def write_doc(rows: list[dict[str, float | int | bool]]) -> None:
    table = [
        "| customers | order lines | counterparties + contacts | load_tables (s) | of it the record rules (s) "
        "| share | export-folder (s) | import-folder into a new file (s) | every table equal |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        table.append(
            f"| {r['customers']:,} | {r['lines']:,} | {r['records']:,} | {r['load']:.1f} | {r['checks']:.1f} | "
            f"{float(r['checks']) / float(r['load']):.0%} | {r['export']:.1f} | {r['import']:.1f} | "
            f"{'yes' if r['equal'] else 'NO'} |"
        )
    write_section(
        START,
        END,
        "\n".join(
            [
                START,
                "## Record rules in bulk loads, and the exact round trip (`bench/bench_exchange_rules.py`)",
                "",
                f"Run {dt.date.today().isoformat()} on 2 cores / 24 GiB (shared with other work: read the shares), "
                f"Python {platform.python_version()}, DuckDB {duckdb.__version__}; the demo company, seed 42, 3 "
                "years. *load_tables*: `load_demo` into a fresh DuckDB file, every schema rule and the registry's "
                "record rules checked. *of it the record rules*: `rules.clean_record` over the same counterparties "
                "and contacts, timed alone (what issue 11.1 added to every bulk load). *import-folder*: the "
                "export, history files included, into a fresh file; *every table equal*: all exchange and history "
                "tables compared row by row with the original.",
                "",
                *table,
                END,
            ]
        ),
    )


def main() -> None:
    sizes = [int(float(a)) for a in sys.argv[1:]] or [2_000, 10_000]
    write_doc([measure(n) for n in sizes])


if __name__ == "__main__":
    main()
