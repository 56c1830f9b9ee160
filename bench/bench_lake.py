"""Benchmark: the analysis on the DuckDB file beside the same facts in a Parquet lake, at growing sizes.

Data: the synthetic bases of ``bench_scale.py`` (made when missing); the lake is ``export-folder --format
parquet`` of each. For each size, in one run: ``analyze(store)`` and ``analyze(lake_tables(store, lake))``
warm, interleaved, the fastest of ``--rounds``; then ``clientbase analyze --json`` end to end on each under
``/usr/bin/time -v`` for the peak RSS. Prints the fitted exponent of time against lines.

``--spark`` adds the same lake read by Spark (``lake_source(store, lake, engine="spark")``, local mode on
every core, the driver memory from ``CLIENTBASE_SPARK_MEMORY``), warm, fastest of ``--spark-rounds``, and
``analyze --facts LAKE --engine spark --json`` end to end; the JVM's peak RSS sampled every second.

Run: nice .venv/bin/python bench/bench_lake.py [--write-docs] [--spark] 1000000 10000000 50000000 100000000
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from bench_analyze import generate
from bench_dedupe_spark import jvm_rss_mib
from bench_scale import DATA, best_times, exponent
from clientbase.analytics.lake import lake_source, lake_tables
from clientbase.analytics.run import analyze
from clientbase.exchange import export_folder
from clientbase.store import connect
from doc_section import write_section

START, END = "<!-- bench_lake:start -->", "<!-- bench_lake:end -->"


def cli(args: list[str]) -> tuple[float, float]:
    exe = Path(sys.executable).parent / "clientbase"
    t = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-v", str(exe), "analyze", *args, "--json"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    wall = time.perf_counter() - t
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    return wall, (int(peak.group(1)) / 1024 if peak else float("nan"))


@contextlib.contextmanager
def jvm_peak() -> Iterator[list[float]]:
    """The largest resident memory of this process's Java children (Spark's driver JVM) while the block
    runs, MiB, sampled every second."""
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(1.0):
            peak[0] = max(peak[0], jvm_rss_mib())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        done.set()
        sampler.join()


def measure(lines: int, rounds: int, spark_rounds: int) -> dict[str, Any]:
    path = DATA / f"scale_{lines}.duckdb"
    lake = DATA / f"lake_{lines}"
    if not path.exists():
        generate(path, lines)
    url = f"duckdb:///{path}"
    with connect(url) as store:
        if not lake.exists():
            t = time.perf_counter()
            export_folder(store, lake, format="parquet")
            print(f"exported {lines:,} lines in {time.perf_counter() - t:.0f} s", flush=True)
        tables = lake_tables(store, lake)
        best = best_times({"file": lambda: analyze(store), "lake": lambda: analyze(tables)}, rounds)
        spark_peak = None
        if spark_rounds:
            on_spark = lake_source(store, lake, engine="spark")
            with jvm_peak() as peak:
                best |= best_times({"spark": lambda: analyze(on_spark)}, spark_rounds)
            spark_peak = peak[0]
            on_spark.ibis._session.stop()  # the CLI run below starts its own
    file_cli, file_peak = cli(["--db", url])
    lake_cli, lake_peak = cli(["--db", url, "--facts", str(lake)])
    spark_cli = cli(["--db", url, "--facts", str(lake), "--engine", "spark"])[0] if spark_rounds else None
    size = sum(f.stat().st_size for f in lake.rglob("*.parquet")) / 1e6
    row = {
        "lines": lines,
        "file": best["file"],
        "lake": best["lake"],
        "lake_ratio": best["lake"] / best["file"],
        "file_cli": file_cli,
        "file_peak": file_peak,
        "lake_cli": lake_cli,
        "lake_peak": lake_peak,
        "lake_mb": size,
        "spark": best.get("spark"),
        "spark_ratio": best["spark"] / best["lake"] if "spark" in best else None,
        "spark_cli": spark_cli,
        "spark_peak": spark_peak,
    }
    print(row, flush=True)
    return row


def write_doc(rows: list[dict[str, Any]]) -> None:
    load = os.getloadavg()
    table = [
        "| order lines | DuckDB file (s) | Parquet lake (s) | lake / file | CLI on the file (s) | peak RSS (MiB) | "
        "CLI on the lake (s) | peak RSS (MiB) | lake size (MB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        table.append(
            f"| {r['lines']:,} | {r['file']:.2f} | {r['lake']:.2f} | {r['lake_ratio']:.2f} | "
            f"{r['file_cli']:.1f} | {r['file_peak']:.0f} | {r['lake_cli']:.1f} | {r['lake_peak']:.0f} | "
            f"{r['lake_mb']:.0f} |"
        )
    spark_rows = [r for r in rows if r["spark"] is not None]
    if spark_rows:
        table += [
            "",
            "The same lake read by Spark (local mode, every core; `--engine spark`), beside DuckDB on that lake:",
            "",
            "| order lines | DuckDB on the lake (s) | Spark on the lake (s) | Spark / DuckDB | CLI on Spark (s) | "
            "peak RSS, the JVM (MiB) |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        table += [
            f"| {r['lines']:,} | {r['lake']:.2f} | {r['spark']:.2f} | {r['spark_ratio']:.1f} | "
            f"{r['spark_cli']:.1f} | {r['spark_peak']:.0f} |"
            for r in spark_rows
        ]
    fits = {k: exponent(rows, k) for k in ("file", "lake")}
    if len(spark_rows) > 1:
        fits["spark"] = exponent(spark_rows, "spark")
    fit_text = ", ".join(f"{k} {v:.2f}" for k, v in fits.items() if v is not None)
    write_section(
        START,
        END,
        "\n".join(
            [
                START,
                "## The analysis on the DuckDB file and on a Parquet lake (`bench/bench_lake.py`)",
                "",
                f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores / 24 GiB, Python "
                f"{platform.python_version()}, DuckDB {duckdb.__version__}; load average at the end "
                f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (shared machine: read the ratios).",
                "",
                "The synthetic bases of `bench_scale.py`; the lake is `export-folder --format parquet` of each. "
                "In-process `analyze` warm, interleaved, fastest of the rounds; the CLI is `analyze --json` end "
                "to end, peak RSS from `/usr/bin/time -v`.",
                "",
                *table,
                "",
                f"Fitted exponent of time against lines: {fit_text or 'one size only'}.",
                END,
            ]
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", nargs="*", type=float, default=[1e6, 1e7])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--spark", action="store_true", help="add the lake read by Spark")
    parser.add_argument("--spark-rounds", type=int, default=2)
    parser.add_argument("--spark-max-lines", type=float, default=1e7, help="larger sizes run on DuckDB only")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    rows = [
        measure(int(n), args.rounds, args.spark_rounds if args.spark and n <= args.spark_max_lines else 0)
        for n in args.sizes
    ]
    if args.write_docs:
        write_doc(rows)


if __name__ == "__main__":
    main()
