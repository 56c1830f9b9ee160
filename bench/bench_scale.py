"""Benchmark: the analysis beside a hand-written DuckDB script of the same per-customer columns, and
``clientbase analyze --json`` end to end beside the in-process analysis, at growing sizes.

Data: the synthetic base of ``bench_analyze.py`` (generated in DuckDB, deterministic; N order lines, N/500
customers). For each size, in one run:

* ``handwritten``: ``bench/handwritten_analysis.sql`` (both periods' sales, orders, invoices, payments and
  credit per customer, cost-to-serve per customer and kind), checked equal to the analysis's columns to the
  cent before it is timed;
* ``analysis``: ``clientbase.analytics.run.analyze(store)`` in-process; both warm, interleaved, the fastest
  of ``--rounds`` runs each (on a shared machine the minimum is the best estimate of the uncontended time);
* ``document``: writing the ``--json`` document of that analysis to /dev/null in-process (column writer)
  and, for comparison, ``json.dumps`` of the dict document as ``analyze --json`` did before;
* ``cli``: ``clientbase analyze --json > /dev/null`` end to end under ``/usr/bin/time -v`` (start-up,
  connect, cold analysis, document), with its peak RSS.

The fitted exponent ``b`` of ``time = c x lines^b`` (least squares on logs) is printed over the sizes run.

Run: nice .venv/bin/python bench/bench_scale.py [--write-docs] [--rounds 3] 1000000 10000000 [50000000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from bench_analyze import generate
from clientbase.analytics.jsonwriter import json_value
from clientbase.analytics.run import Analysis, analyze
from clientbase.store import connect
from doc_section import write_section

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("CLIENTBASE_BENCH_DATA", "/tmp/clientbase-bench-scale"))
SCRIPT = Path(__file__).with_name("handwritten_analysis.sql")
START, END = "<!-- bench_scale:start -->", "<!-- bench_scale:end -->"


def statements(a: Analysis) -> list[str]:
    """The hand-written script's statements with the analysis's periods filled in."""
    p = a.periods
    values = {
        "cs": p.current.start,
        "ce": p.current.end,
        "ps": p.previous.start,
        "pe": p.previous.end,
        "ac": p.as_of,
        "ap": p.as_of_previous,
    }
    text = "\n".join(line for line in SCRIPT.read_text().splitlines() if not line.startswith("--"))
    filled = text.format(**{k: f"DATE '{v.isoformat()}'" for k, v in values.items()})
    return [s.strip() for s in filled.split(";") if s.strip()]


def handwritten(con: duckdb.DuckDBPyConnection, sql: list[str]) -> list[Any]:
    return [con.execute(s).to_arrow_table() for s in sql]


def check(a: Analysis, results: list[Any]) -> None:
    """The hand-written columns equal the analysis's for every customer of both periods (to the cent)."""
    customers = results[0].to_pandas().set_index("counterparty_id")
    for label, pnl in (("cur", a.pnl), ("prev", a.pnl_previous)):
        frame = pnl.frame
        mine = customers.reindex(frame.index)
        pairs = {
            "net_revenue": 100,
            "cogs": 100,
            "lines": 1,
            "orders": 1,
            "invoiced": 100,
            "invoices": 1,
            "overdue_amount": 100,
            "late_amount_days": 1,  # cent-days already
        }
        for column, factor in pairs.items():
            theirs = frame[column].to_numpy().astype(object)
            hand = [round(v * factor) if v == v and v is not None else 0 for v in mine[f"{label}_{column}"]]
            bad = int(np.sum(np.asarray(hand, dtype=object) != theirs))
            if bad:
                raise SystemExit(
                    f"hand-written {label}_{column} differs from the analysis for {bad} customers"
                )


def best_times(runs: dict[str, Any], rounds: int) -> dict[str, float]:
    for run in runs.values():
        run()
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(rounds):
        for name, run in runs.items():
            t = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - t)
    return best


def _write(a: Analysis) -> int:
    with open(os.devnull, "w", encoding="utf-8") as out:
        a.write_json(out)
    return 0


def _dumps(a: Analysis) -> int:
    return len(json.dumps(a.document(), default=json_value, ensure_ascii=False))


def cli(url: str) -> tuple[float, float]:
    """Wall time (s) and peak RSS (MiB) of ``clientbase analyze --json`` end to end."""
    exe = Path(sys.executable).parent / "clientbase"
    cmd = ["/usr/bin/time", "-v", str(exe), "analyze", "--db", url, "--json"]
    t = time.perf_counter()
    done = subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    return wall, (int(peak.group(1)) / 1024 if peak else float("nan"))


def measure(lines: int, rounds: int) -> dict[str, Any]:
    path = DATA / f"scale_{lines}.duckdb"
    if not path.exists():
        t = time.perf_counter()
        generate(path, lines)
        print(f"generated {lines:,} lines in {time.perf_counter() - t:.0f} s", flush=True)
    url = f"duckdb:///{path}"
    with connect(url) as store:
        con = store.duck
        assert con is not None
        a = analyze(store)
        sql = statements(a)
        check(a, handwritten(con, sql))
        best = best_times(
            {"handwritten": lambda: handwritten(con, sql), "analysis": lambda: analyze(store)}, rounds
        )
        docs = best_times({"writer": lambda: _write(a), "dumps": lambda: _dumps(a)}, 1)
        size = _dumps(a)
    wall, peak = min(cli(url) for _ in range(2))
    row = {
        "lines": lines,
        "customers": a.totals.customers,
        "handwritten": best["handwritten"],
        "analysis": best["analysis"],
        "ratio": best["analysis"] / best["handwritten"],
        "writer": docs["writer"],
        "dumps": docs["dumps"],
        "document_mb": size / 1e6,
        "cli": wall,
        "cli_ratio": wall / best["analysis"],
        "peak_mib": peak,
    }
    print(row, flush=True)
    return row


def exponent(rows: list[dict[str, Any]], key: str) -> float | None:
    """The least-squares slope of log(time) on log(lines)."""
    if len(rows) < 2:
        return None
    x = np.log([r["lines"] for r in rows])
    y = np.log([r[key] for r in rows])
    return float(np.polyfit(x, y, 1)[0])


def write_doc(rows: list[dict[str, Any]]) -> None:
    load = os.getloadavg()
    table = [
        "| order lines | customers | hand-written (s) | analysis (s) | ratio | `--json` writer (s) | "
        "`json.dumps` before (s) | document (MB) | CLI end to end (s) | CLI / analysis | CLI peak RSS (MiB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        table.append(
            f"| {r['lines']:,} | {r['customers']:,} | {r['handwritten']:.2f} | {r['analysis']:.2f} | "
            f"{r['ratio']:.2f} | {r['writer']:.2f} | {r['dumps']:.2f} | {r['document_mb']:.0f} | "
            f"{r['cli']:.2f} | {r['cli_ratio']:.2f} | {r['peak_mib']:.0f} |"
        )
    fits = {k: exponent(rows, k) for k in ("handwritten", "analysis", "cli")}
    fit_text = ", ".join(f"{k} {v:.2f}" for k, v in fits.items() if v is not None)
    section = "\n".join(
        [
            START,
            "## The analysis beside a hand-written script, and `analyze --json` end to end (`bench/bench_scale.py`)",
            "",
            f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {os.cpu_count()} cores, "
            f"24 GiB, Python {platform.python_version()}, DuckDB {duckdb.__version__}; load average at the end "
            f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (the machine was shared: absolute times are noisy, "
            "the ratios are measured side by side in one run).",
            "",
            "*hand-written*: `bench/handwritten_analysis.sql` (the same per-customer columns of both periods, "
            "checked equal to the analysis to the cent); *analysis*: `analyze(store)` in-process; both warm, "
            "interleaved, fastest of the rounds. *writer*: `Analysis.write_json` of that analysis to /dev/null; "
            "*json.dumps before*: the dict document through `json.dumps` as `analyze --json` wrote it before. "
            "*CLI*: `clientbase analyze --json > /dev/null` end to end (start-up, connect, a cold analysis, the "
            "document), peak RSS from `/usr/bin/time -v`.",
            "",
            *table,
            "",
            f"Fitted exponent of time against lines (time = c x lines^b) over {len(rows)} sizes: "
            f"{fit_text or 'one size only'}. Where the smallest size is dominated by fixed costs (interpreter "
            "start-up, the small queries, a loaded machine) this understates the growth per line: read the "
            "exponent between the two largest sizes.",
            END,
        ]
    )
    write_section(START, END, section)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", nargs="*", type=float, default=[1e6, 1e7])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    rows = [measure(int(n), args.rounds) for n in args.sizes]
    for key in ("handwritten", "analysis", "cli"):
        b = exponent(rows, key)
        if b is not None and not math.isnan(b):
            print(f"exponent {key}: {b:.2f}")
    if args.write_docs:
        write_doc(rows)


if __name__ == "__main__":
    main()
