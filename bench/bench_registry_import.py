"""Benchmark: a manager's spreadsheet through `clientbase import` (dry run, apply, re-import, undo).

Run by hand, with the lock:

    flock /tmp/clientbase-bench.lock .venv/bin/python bench/bench_registry_import.py [--rows 1000 10000] [--write]

For each size, a base already holding 5,000 counterparties (so matching has something to search) gets a CSV
of that many rows (German headers, ';', decimal commas, a contact per row; half the rows update existing records,
half are new). Timed side by side on DuckDB and on PostgreSQL (the server the tests use, started here): the dry
run (read, map, parse, match, validate), the apply (one transaction, history and undo snapshots), the same file
again (everything unchanged, nothing written) and the undo. `--write` puts the table into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import pg_server  # noqa: E402

from clientbase import schema  # noqa: E402
from clientbase.exchange import load_tables  # noqa: E402
from clientbase.imports import batch  # noqa: E402
from clientbase.imports.plan import plan_import  # noqa: E402
from clientbase.registry.access import Actor  # noqa: E402
from clientbase.store import connect  # noqa: E402

START, END = "<!-- bench_registry_import:start -->", "<!-- bench_registry_import:end -->"
EXISTING = 5_000
HEAD = Actor("M00", "head")


def seed(url: str) -> None:
    ids = [f"C{i:05d}" for i in range(1, EXISTING + 1)]
    with connect(url) as store:
        with store.begin() as conn:
            conn.execute(
                sa.insert(schema.managers),
                [
                    {"manager_id": "M00", "name": "Helga Hoffmann", "role": "head", "active": True},
                    {"manager_id": "M01", "name": "Anna Berg", "role": "manager", "active": True},
                ],
            )
        load_tables(
            store,
            {
                "counterparties": pa.table(
                    {
                        "counterparty_id": ids,
                        "name": [f"Firma {i} GmbH" for i in range(1, EXISTING + 1)],
                        "roles": ["customer"] * EXISTING,
                        "status": ["active"] * EXISTING,
                        "owner_id": ["M01"] * EXISTING,
                        "country": ["DE"] * EXISTING,
                        "payment_days": ["30"] * EXISTING,
                        "email": [f"info@firma{i}.de" for i in range(1, EXISTING + 1)],
                        "created_at": ["2023-01-01"] * EXISTING,
                        "version": ["1"] * EXISTING,
                    }
                )
            },
        )


def write_file(folder: Path, rows: int) -> Path:
    """Half the rows are existing companies (matched by e-mail domain) with new terms, half are new."""
    lines = ["Firma;Land;Zahlungsziel;Rabatt %;Kreditlimit;Telefon;E-Mail;Ansprechpartner;Kunde seit"]
    for n in range(rows):
        i = n // 2 + 1 if n % 2 == 0 else EXISTING + n  # even rows: existing companies 1..5000
        lines.append(
            f"Firma {i} GmbH;Deutschland;45;2,5;{10_000 + n:,}".replace(",", ".")
            + f",00;030 {1_000_000 + n};einkauf@firma{i}.de;Person {i};17.03.2021"
        )
    path = folder / f"kunden_{rows}.csv"
    path.write_bytes("\n".join(lines).encode("cp1252"))
    return path


def timed(action: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def measure(url: str, path: Path) -> dict[str, float]:
    seed(url)
    with connect(url) as store:
        plan_s, plan = timed(lambda: plan_import(store, path=path, actor=HEAD, default_owner="M01"))
        summary = plan.summary()  # type: ignore[attr-defined]
        assert summary["rejected"] == 0, summary["errors"][:3]
        apply_s, result = timed(lambda: batch.apply(store, plan))  # type: ignore[arg-type]
        again_s, again = timed(lambda: plan_import(store, path=path, actor=HEAD, default_owner="M01"))
        assert again.count("unchanged") == len(again.rows)  # type: ignore[attr-defined]
        undo_s, _ = timed(lambda: batch.undo(store, batch_id=result.batch_id, actor=HEAD))  # type: ignore[attr-defined]
        return {
            "dry run": plan_s,
            "apply": apply_s,
            "same file again": again_s,
            "undo": undo_s,
            "new": summary["new"],
            "updated": summary["updated"],
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench_reg_"))
    results = []
    with pg_server.running_server() as server:
        for rows in args.rows:
            path = write_file(folder, rows)
            duck = measure(f"duckdb:///{folder}/b{rows}.duckdb", path)
            pg = measure(pg_server.create_database(server), path)
            results.append((rows, duck, pg))
    lines = [
        START,
        "## Spreadsheet import (`bench/bench_registry_import.py`)",
        "",
        f"Run {dt.date.today()} on 2 cores / 24 GiB (shared with other work: read the ratios), Python "
        f"{platform.python_version()}. A base of {EXISTING:,} counterparties; a cp1252 CSV with German headers, "
        "decimal commas and a contact per row, half of its rows updating existing records (matched by e-mail "
        "domain), half new. Seconds; DuckDB and PostgreSQL side by side in one run.",
        "",
        "| rows | step | DuckDB (s) | PostgreSQL (s) | PostgreSQL / DuckDB |",
        "|---:|---|---:|---:|---:|",
    ]
    for rows, duck, pg in results:
        for step in ("dry run", "apply", "same file again", "undo"):
            lines.append(
                f"| {rows:,} | {step} | {duck[step]:.2f} | {pg[step]:.2f} | {pg[step] / duck[step]:.2f} |"
            )
    lines += [
        "",
        "Apply writes the records, their field history, freshness and undo snapshots in one transaction "
        "(bulk inserts); the same file again writes nothing.",
        END,
    ]
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
