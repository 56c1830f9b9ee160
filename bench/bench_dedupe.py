"""Duplicate search: accuracy against planted truth, and speed and peak memory at 100k and 1M records.

Run by hand, one heavy run at a time:

    flock /tmp/clientbase-bench.lock .venv/bin/python bench/bench_dedupe.py            # writes docs/benchmarks.md
    flock /tmp/clientbase-bench.lock .venv/bin/python bench/bench_dedupe.py --sizes 100000 --no-write

Accuracy: pairwise precision, recall and F1 of the clusters (threshold 0.9) against
(a) the demo generator's planted duplicates (``demo_truth`` rows ``(dup_id, 'duplicate', original_id)``) and
(b) the synthetic planted-variation set of :mod:`clientbase.dedupe.synthetic`.
Speed: wall time of :func:`clientbase.dedupe.find_duplicates` (normalise + train + predict + cluster) on the
synthetic set; each size runs in its own process so its peak memory (max RSS) is its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import platform
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- dedupe:start -->", "<!-- dedupe:end -->"
ROLES = {
    c: c
    for c in ("name", "country", "city", "postcode", "address", "tax_id", "registration_id", "email", "phone")
}


def run_synthetic(n: int) -> dict[str, object]:
    """One size, in this process: generate, time find_duplicates, score against the truth."""
    from clientbase.dedupe import cluster_scores, find_duplicates
    from clientbase.dedupe.synthetic import planted_companies

    logging.getLogger("splink").setLevel(logging.ERROR)
    t0 = time.perf_counter()
    records, truth = planted_companies(n, seed=2026)
    generated = time.perf_counter() - t0
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    result = find_duplicates(records, id_col="id", roles=ROLES)
    wall = time.perf_counter() - t0
    scores = cluster_scores(result.clusters, truth)
    return {
        "records": n,
        "generate_s": round(generated, 1),
        "wall_s": round(wall, 1),
        "stages_s": {k: round(v, 1) for k, v in result.seconds.items()},
        "pairs": result.pairs.num_rows,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "rss_after_generate_mib": round(rss_before / 1024),
        "precision": round(scores.precision, 4),
        "recall": round(scores.recall, 4),
        "f1": round(scores.f1, 4),
        "true_pairs": scores.true_pairs,
    }


def run_demo(customers: int) -> dict[str, object]:
    """Accuracy on the demo generator's counterparties and its planted duplicates."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from clientbase.dedupe import cluster_scores, find_duplicates
    from clientbase.dedupe.counterparties import COUNTERPARTY_ROLES
    from clientbase.demo.generate import generate

    logging.getLogger("splink").setLevel(logging.ERROR)
    data = generate(customers=customers, years=1, seed=42)
    counterparties = data.tables["counterparties"]
    planted = data.truth.filter(pc.equal(data.truth["cause"], "duplicate"))
    original = dict(zip(planted["counterparty_id"].to_pylist(), planted["detail"].to_pylist(), strict=True))
    ids = counterparties["counterparty_id"].to_pylist()
    truth = pa.table({"id": ids, "entity_id": [original.get(i, i) for i in ids]})
    t0 = time.perf_counter()
    result = find_duplicates(
        counterparties.select(["counterparty_id", *COUNTERPARTY_ROLES.values()]),
        id_col="counterparty_id",
        roles=COUNTERPARTY_ROLES,
    )
    wall = time.perf_counter() - t0
    scores = cluster_scores(result.clusters, truth)
    return {
        "records": counterparties.num_rows,
        "planted_duplicates": len(original),
        "wall_s": round(wall, 1),
        "precision": round(scores.precision, 4),
        "recall": round(scores.recall, 4),
        "f1": round(scores.f1, 4),
        "true_pairs": scores.true_pairs,
    }


def in_child(kind: str, size: int) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(size)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def section(demo: dict[str, object], runs: list[dict[str, object]]) -> str:
    today = dt.date.today().isoformat()
    lines = [
        START,
        "## Duplicate search (`bench/bench_dedupe.py`)",
        "",
        f"Measured {today} on 2 cores / 24 GiB, CPython {platform.python_version()}, splink 5 on DuckDB; "
        "threshold 0.9; clusters scored pair by pair against the planted truth. Each run in its own process.",
        "",
        "Accuracy on the demo generator's planted duplicates:",
        "",
        "| counterparties | planted duplicates | precision | recall | F1 | seconds |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {demo['records']:,} | {demo['planted_duplicates']:,} | {demo['precision']:.4f} | "
        f"{demo['recall']:.4f} | {demo['f1']:.4f} | {demo['wall_s']} |",
        "",
        "Speed, memory and accuracy on synthetic company records (10 % planted duplicates, each with at least two "
        "of: name typo, legal-form variant or none, swapped words, upper case, Cyrillic/Latin script, missing or "
        "re-formatted IDs, phone national/other line/missing, free-mail/other mailbox/missing e-mail, street "
        "typo or move, missing postcode):",
        "",
        "| records | wall s | normalise s | train s | predict+cluster s | pairs | peak RSS MiB | precision | recall "
        "| F1 | target |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    targets = {100_000: 30.0, 1_000_000: 120.0}
    for r in runs:
        st = r["stages_s"]
        assert isinstance(st, dict)
        limit = targets.get(int(r["records"]))  # type: ignore[call-overload]
        verdict = (
            ""
            if limit is None
            else ("met" if float(r["wall_s"]) <= limit else "MISSED") + f" (<= {limit:.0f} s)"
        )  # type: ignore[arg-type]
        lines.append(
            f"| {r['records']:,} | {r['wall_s']} | {st['normalise']} | {st['train']} | {st['predict']} | "
            f"{r['pairs']:,} | {r['peak_rss_mib']:,} | {r['precision']:.4f} | {r['recall']:.4f} | "
            f"{r['f1']:.4f} | {verdict} |"
        )
    lines += [
        "",
        "Peak RSS includes the generated input held in Python (the generator's lists); the seconds exclude "
        "generating it. Splink's u estimate samples 5e5 random pairs; EM runs two sessions capped at 2e6 "
        "blocked pairs each.",
        END,
    ]
    return "\n".join(lines)


def write_section(text: str) -> None:
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    doc = (
        pattern.sub(lambda _m: text, doc) if pattern.search(doc) else doc.rstrip("\n") + "\n\n" + text + "\n"
    )
    DOC.write_text(doc, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--demo-customers", type=int, default=20_000)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, size = args.child[0], int(args.child[1])
        print(json.dumps(run_demo(size) if kind == "demo" else run_synthetic(size)))
        return
    demo = in_child("demo", args.demo_customers)
    print("demo", demo, flush=True)
    runs = []
    for size in (int(s) for s in args.sizes.split(",")):
        runs.append(in_child("synthetic", size))
        print(runs[-1], flush=True)
    text = section(demo, runs)
    print(text)
    if not args.no_write:
        write_section(text)


if __name__ == "__main__":
    main()
