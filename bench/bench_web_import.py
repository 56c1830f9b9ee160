"""Benchmark: the same 10,000-row spreadsheet imported through the API (upload, dry run, apply) and the CLI.

Run by hand, with the lock:

    flock /tmp/clientbase-bench.lock nice .venv/bin/python bench/bench_web_import.py [--rows 10000] [--repeat 3] [--write]

The base and the file are those of ``bench_registry_import.py`` (5,000 counterparties; a cp1252 CSV, German
headers, decimal commas, half the rows updating records, half new). Each run gets a freshly seeded DuckDB base.
CLI: ``clientbase import FILE --yes --apply`` as a process (start-up included, as a person runs it). API: a real
server (uvicorn on loopback, as ``clientbase serve`` runs it) and an HTTP client: ``POST /api/v1/imports``
(multipart upload), ``POST .../dry-run``, ``POST .../apply`` — the steps the page takes. Wall-clock seconds, the
median of ``--repeat`` runs; ``--write`` puts the table into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_registry_import import seed, write_file  # noqa: E402

START, END = "<!-- bench_web_import:start -->", "<!-- bench_web_import:end -->"
CLI = str(Path(sys.executable).with_name("clientbase"))


def by_cli(url: str, path: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [
        CLI,
        "import",
        str(path),
        "--as",
        "M00",
        "--owner",
        "M01",
        "--db",
        url,
        "--yes",
        "--apply",
        "--json",
    ]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - start
    assert done.returncode == 0, done.stderr
    return seconds


def by_api(url: str, path: Path) -> dict[str, float]:
    import httpx
    from tests.web.live import serving

    from clientbase.accounts import sessions

    with serving(url) as (base, app):
        token = sessions.issue_token(app.state.store, manager_id="M00", kind="login")["access_token"]  # type: ignore[attr-defined]
        auth = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=auth, timeout=600) as client:
            start = time.perf_counter()
            with path.open("rb") as handle:
                sent = client.post(
                    "/api/v1/imports", files={"file": (path.name, handle)}, data={"kind": "counterparties"}
                )
            assert sent.status_code == 201, sent.text
            upload_id = sent.json()["upload_id"]
            uploaded = time.perf_counter()
            body = {"default_owner": "M01"}
            report = client.post(f"/api/v1/imports/{upload_id}/dry-run", json=body)
            assert report.status_code == 200 and report.json()["rejected"] == 0, report.text[:500]
            planned = time.perf_counter()
            applied = client.post(f"/api/v1/imports/{upload_id}/apply", json=body)
            assert applied.status_code == 200 and applied.json()["batch_id"], applied.text[:500]
            end = time.perf_counter()
    return {
        "upload": uploaded - start,
        "dry run": planned - uploaded,
        "apply": end - planned,
        "total": end - start,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench_web_import_"))
    path = write_file(folder, args.rows)
    cli, api = [], []
    for n in range(args.repeat):
        url = f"duckdb:///{folder}/cli{n}.duckdb"
        seed(url)
        cli.append(by_cli(url, path))
        url = f"duckdb:///{folder}/api{n}.duckdb"
        seed(url)
        api.append(by_api(url, path))
        print(f"run {n + 1}: CLI {cli[-1]:.2f} s, API {api[-1]['total']:.2f} s {api[-1]}", flush=True)
    cli_s = statistics.median(cli)
    steps = {k: statistics.median(run[k] for run in api) for k in ("upload", "dry run", "apply", "total")}
    load = os.getloadavg()
    lines = [
        START,
        "## Import from the API and the page vs the CLI (`bench/bench_web_import.py`)",
        "",
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()} with {os.cpu_count()} cores, "
        f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the end (the machine shared with other "
        f"work: read the ratio), Python {platform.python_version()}, DuckDB. The file and base of "
        f"`bench_registry_import.py`: {args.rows:,} rows, half new, half updates, into 5,000 counterparties. "
        f"Median of {args.repeat} runs, each on a fresh base, wall-clock seconds.",
        "",
        "| path | upload | dry run | apply | total (s) | / CLI |",
        "|---|---:|---:|---:|---:|---:|",
        f"| CLI `clientbase import --yes --apply` (process, start-up included) | | | | {cli_s:.2f} | 1.00 |",
        f"| API: upload + dry run + apply (uvicorn, HTTP) | {steps['upload']:.2f} | {steps['dry run']:.2f} | "
        f"{steps['apply']:.2f} | {steps['total']:.2f} | {steps['total'] / cli_s:.2f} |",
        "",
        "Runs, CLI / API: "
        + ", ".join(f"{c:.1f} / {a['total']:.1f}" for c, a in zip(cli, api, strict=True))
        + " s. "
        "The page takes the API's steps through the same service (its dry run and apply run in the server's thread "
        "pool and are polled); the apply writes the plan of the dry run it follows, so the file is read and "
        "matched once, as in the CLI.",
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
