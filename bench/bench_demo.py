"""Benchmark the demo company: generation, and loading it into a DuckDB file, at 1M and 10M order lines.

Each size runs in its own child process under ``/usr/bin/time -v`` (peak RSS of the whole run). The child
times three steps side by side: generating the Arrow tables; a *bare* load of the same tables into a fresh
DuckDB file (``CREATE TABLE AS SELECT`` from Arrow, no checks) as the floor; and the real load through
``clientbase.exchange.load.load_tables`` (schema validation + one transaction). Ratios are to the bare load.

    flock /tmp/clientbase-bench.lock .venv/bin/python bench/bench_demo.py            # 1M and 10M
    flock /tmp/clientbase-bench.lock .venv/bin/python bench/bench_demo.py 1e6        # one size

Writes the numbers into docs/benchmarks.md between this script's markers.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

from doc_section import write_section

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- bench_demo:start -->", "<!-- bench_demo:end -->"

CHILD = r"""
import json, sys, time
from pathlib import Path
import duckdb
from clientbase.demo.build import load_demo
from clientbase.demo.generate import generate
from clientbase.store import connect

lines, folder = int(sys.argv[1]), Path(sys.argv[2])
t0 = time.perf_counter()
data = generate(lines=lines, years=3, seed=42)
t1 = time.perf_counter()
bare = duckdb.connect(str(folder / "bare.duckdb"))
for name, table in {**data.tables, "demo_truth": data.truth}.items():
    bare.register("incoming", table)
    bare.execute(f"CREATE TABLE {name} AS SELECT * FROM incoming")
    bare.unregister("incoming")
bare.execute("CHECKPOINT")
bare.close()
t2 = time.perf_counter()
with connect(f"duckdb:///{folder / 'demo.duckdb'}") as store:
    t3 = time.perf_counter()
    load_demo(store, data)
t4 = time.perf_counter()
print(json.dumps({
    "lines": data.order_lines,
    "customers": data.story.customers,
    "counterparties": data.tables["counterparties"].num_rows,
    "activities": data.tables["activities"].num_rows,
    "generate": t1 - t0,
    "bare": t2 - t1,
    "connect": t3 - t2,
    "load": t4 - t3,
}))
"""


def measure(lines: int) -> dict[str, float | int]:
    with tempfile.TemporaryDirectory(prefix="bench_demo_") as folder:
        done = subprocess.run(
            ["/usr/bin/time", "-v", sys.executable, "-c", CHILD, str(lines), folder],
            capture_output=True,
            text=True,
            check=True,
        )
    # DuckDB may draw its progress bar on stdout: the result is the line holding the JSON object
    result = next(line for line in reversed(done.stdout.splitlines()) if '{"lines"' in line)
    row: dict[str, float | int] = json.loads(result[result.index('{"lines"') :])
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", done.stderr)
    row["peak_mib"] = int(peak.group(1)) / 1024 if peak else float("nan")
    if wall:
        parts = [float(p) for p in wall.group(1).split(":")]
        row["wall"] = sum(p * 60**i for i, p in enumerate(reversed(parts)))
    print(row, flush=True)
    return row


def write_doc(rows: list[dict[str, float | int]]) -> None:
    table = [
        "| order lines | customers | generate (s) | bare DuckDB load (s) | load_tables (s) | ratio load_tables / bare "
        "| generate + load_tables (s) | whole process wall (s) | peak RSS (MiB) | targets |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        total = float(r["generate"]) + float(r["load"])
        target = 20.0 if r["lines"] < 5_000_000 else 120.0
        verdict = (
            f"generate {'met' if r['generate'] <= target else 'missed'}, "
            f"generate + load {'met' if total <= target else 'missed'} (<= {target:.0f} s)"
        )
        table.append(
            f"| {r['lines']:,} | {r['customers']:,} | {r['generate']:.1f} | {r['bare']:.1f} | {r['load']:.1f} | "
            f"{float(r['load']) / float(r['bare']):.1f} | {total:.1f} | {r.get('wall', float('nan')):.1f} | "
            f"{r['peak_mib']:.0f} | {verdict} |"
        )
    section = "\n".join(
        [
            START,
            "## Demo company (`bench/bench_demo.py`)",
            "",
            f"Run {dt.date.today().isoformat()} on 2 cores / 24 GiB, Python {platform.python_version()}, "
            f"DuckDB {duckdb.__version__}; seed 42, 3 years, sized with `generate(lines=N)`; into a fresh "
            "DuckDB file. The machine was shared with other work, so absolute times are noisy; the ratio "
            "(measured side by side in one process) is the number to read.",
            "",
            "*generate*: the Arrow tables of every schema table and `demo_truth` (numpy, chunks of 20,000 "
            "customers). *bare DuckDB load*: the same tables written with `CREATE TABLE AS SELECT` from Arrow, "
            "no checks (the floor). *load_tables*: `load_demo`, i.e. `clientbase.exchange.load.load_tables` "
            "(every schema rule checked in bulk, then one transaction) plus a plain insert of the "
            "`field_verification` rows. *whole process*: interpreter start-up, imports, all three "
            "steps. Peak RSS of the whole process (`/usr/bin/time -v`). Issue 2 targets: 1M lines in 20 s, "
            "10M in 2 minutes.",
            "",
            *table,
            END,
        ]
    )
    write_section(START, END, section)


def main() -> None:
    sizes = [int(float(a)) for a in sys.argv[1:]] or [1_000_000, 10_000_000]
    write_doc([measure(n) for n in sizes])


if __name__ == "__main__":
    main()
