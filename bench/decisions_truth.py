"""Measure the actions against the demo's planted causes on several demo companies (recall, precision, the
share of profitable unplanted customers with a corrective action, the largest groups on unplanted customers).

The numbers go into docs/decisions.md (section "Measured on the demo"). Run from the repository root:

    flock /tmp/clientbase-bench.lock nice .venv/bin/python bench/decisions_truth.py --customers 2000 --seeds 7 42 3
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seeds", type=int, nargs="+", default=[7])
    parser.add_argument("--groups", type=int, default=8, help="largest unplanted groups listed")
    args = parser.parse_args()

    from tests.decisions.truth import CAUSES, score, unplanted_groups

    from clientbase.decisions.actions import propose_actions
    from clientbase.decisions.inputs import gather_inputs
    from clientbase.demo.build import load_demo
    from clientbase.demo.generate import generate
    from clientbase.store import connect

    for seed in args.seeds:
        data = generate(customers=args.customers, years=args.years, seed=seed)
        with connect("duckdb:///:memory:") as store:
            load_demo(store, data)
            started = time.perf_counter()
            inputs = gather_inputs(store)
            actions = propose_actions(inputs)
            seconds = time.perf_counter() - started
            segments = store.table("counterparties").select("counterparty_id", "segment").to_pandas()
        truth = data.truth.to_pandas()
        s = score(inputs, actions, truth)
        print(
            f"## {args.customers} customers, {args.years} years, seed {seed}: {len(actions)} actions in {seconds:.1f} s,"
            f" materiality {inputs.materiality}"
        )
        print("| cause | codes | planted | recall | given the codes | precision |")
        print("|---|---|---:|---:|---:|---:|")
        for cause, codes in CAUSES.items():
            print(
                f"| {cause} | {', '.join(codes)} | {s.planted[cause]} | {s.recall[cause]:.2f} | {s.fired[cause]} |"
                f" {s.precision[cause]:.2f} |"
            )
        print(
            f"profitable unplanted customers: {s.profitable_unplanted}, with a corrective action: "
            f"{s.corrective_share:.1%}"
        )
        print("| code | segment | profitable | actions |")
        print("|---|---|---|---:|")
        for g in unplanted_groups(inputs, actions, truth, segments.set_index("counterparty_id")["segment"])[
            : args.groups
        ]:
            print(f"| {g['code']} | {g['segment']} | {'yes' if g['profitable'] else 'no'} | {g['actions']} |")
        print()


if __name__ == "__main__":
    main()
