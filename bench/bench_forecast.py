"""Benchmark: every level of the default demo forecast and reconciled, against plain statsforecast.

The default demo (``clientbase demo``: 5,000 customers, 3 years = 36 months to 2026-10-31) is built once into
a DuckDB file. Then, in one run, side by side:

1. **clientbase**: ``forecast_base`` on all levels (total, segment, region, owner, acquisition mode,
   customer), net revenue, 12 months: the series built in the engine, the backtest of every candidate, the
   chosen models fitted, MinTrace reconciliation, exact cents;
2. **plain statsforecast, same work**: the same series (the same history matrix) through statsforecast
   alone: ``cross_validation`` of the same candidates per kind with the same windows, then ``forecast`` of
   every candidate with 80/95 % intervals: the model work without choosing, reconciling or rounding;
3. **plain statsforecast, one model**: ``AutoETS(season_length=12)`` on every series with intervals, the
   cheapest forecast a user of statsforecast would write.

Ratios are clientbase's time over each plain run. Time excludes imports; the demo is built before timing.

    flock /tmp/clientbase-bench.lock nice .venv/bin/python bench/bench_forecast.py --jobs 2 --write-docs
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import time
import warnings
from pathlib import Path
from typing import Any

DATA = Path("/tmp/clientbase-bench-forecast")
DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
MARK_START, MARK_END = "<!-- bench_forecast:start -->", "<!-- bench_forecast:end -->"
LEVELS = ("total", "segment", "region", "owner", "acquisition_mode", "customer")


def demo_db() -> str:
    from clientbase.demo.build import load_demo
    from clientbase.demo.generate import generate
    from clientbase.store import connect

    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / "demo.duckdb"
    url = f"duckdb:///{path}"
    if not path.exists():
        with connect(url) as store:
            load_demo(store, generate())
    return url


def run_clientbase(url: str, jobs: int) -> dict[str, Any]:
    from clientbase.forecast.series import build_series
    from clientbase.forecast.service import ForecastOptions, forecast_series
    from clientbase.store import connect

    options = ForecastOptions(levels=LEVELS, views=False, jobs=jobs)
    with connect(url) as store:
        started = time.perf_counter()
        series = build_series(store, levels=LEVELS)
        built = time.perf_counter()
        forecast = forecast_series(series, options)
        done = time.perf_counter()
    kinds: dict[str, int] = {}
    for kind in forecast.fitted.kinds:
        kinds[kind] = kinds.get(kind, 0) + 1
    from clientbase.forecast.document import accuracy_by_level

    return {
        "accuracy": accuracy_by_level(forecast, series.levels, series.shown_levels),
        "series": len(series.keys),
        "bottom": series.n_bottom,
        "kinds": kinds,
        "method": forecast.reconciled.method,
        "coherent": forecast.coherent(series.aggregate, series.n_bottom),
        "stages": dict(forecast.fitted.seconds),
        "build_s": built - started,
        "forecast_s": done - built,
        "total_s": done - started,
        "history": series.as_float()[:, series.fitted],
        "fine": [i for i, lv in enumerate(series.levels) if lv in ("customer", "cell")],
    }


def holdout(url: str) -> list[dict[str, Any]]:
    """The last 12 complete months forecast from the data before them, against seasonal naive (MASE)."""
    from clientbase.forecast.accuracy import scores, seasonal_scale
    from clientbase.forecast.series import build_series
    from clientbase.forecast.service import ForecastOptions, forecast_series
    from clientbase.store import connect

    with connect(url) as store:
        after = build_series(store, levels=["segment"])
        last = after.periods[after.complete - 1]
        cut = dt.date(last.year - 1, last.month, 1)
        cut = dt.date(cut.year + cut.month // 12, cut.month % 12 + 1, 1) - dt.timedelta(days=1)
        before = build_series(store, levels=["segment"], as_of=cut)
    forecast = forecast_series(before, ForecastOptions(levels=("segment",)))
    train = before.as_float()[:, before.fitted]
    actual = after.as_float()[:, after.complete - 12 : after.complete]
    scale = seasonal_scale(train, 12)[:, None]
    ours = scores(actual[:, None, :], forecast.mean[:, None, :] / 10**before.scale, scale)
    naive = scores(actual[:, None, :], train[:, None, -12:], scale)
    return [
        {"series": before.ids[i], "mase": float(ours.mase[i]), "seasonal_naive_mase": float(naive.mase[i])}
        for i in range(len(before.keys))
    ]


def _frame(values: Any) -> Any:
    import numpy as np
    import pandas as pd

    n = values.shape[1]
    rows = np.arange(values.shape[0])
    return pd.DataFrame(
        {"unique_id": np.repeat(rows, n), "ds": np.tile(np.arange(1, n + 1), len(rows)), "y": values.ravel()}
    )


def run_plain_same_work(history: Any, fine: list[int], jobs: int) -> float:
    import numpy as np
    from statsforecast import StatsForecast
    from statsforecast.models import SeasonalNaive

    from clientbase.forecast.candidates import candidate_models, classify
    from clientbase.forecast.selection import backtest_plan

    is_fine = np.zeros(history.shape[0], dtype=bool)
    is_fine[fine] = True
    kinds = np.array([classify(history[i], fine=bool(is_fine[i])) for i in range(history.shape[0])])
    plan = backtest_plan(history.shape[1], 12, 12)
    assert plan is not None
    started = time.perf_counter()
    for kind in sorted(set(kinds)):
        values = history[kinds == kind]
        # the same fallback as clientbase: TSB fails on a window whose training data are all zero
        sf = StatsForecast(
            models=candidate_models(kind, 12), freq=1, n_jobs=jobs, fallback_model=SeasonalNaive(12)
        )
        sf.cross_validation(df=_frame(values), h=plan.horizon, n_windows=plan.windows, step_size=plan.step)
        intervals = [95, 80] if kind in ("smooth", "fine", "zero") else None
        sf.forecast(df=_frame(values), h=12, level=intervals)
    return time.perf_counter() - started


def run_plain_one_model(history: Any, jobs: int) -> float:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    started = time.perf_counter()
    StatsForecast(models=[AutoETS(season_length=12)], freq=1, n_jobs=jobs).forecast(
        df=_frame(history), h=12, level=[80, 95]
    )
    return time.perf_counter() - started


def _cpu() -> float:
    """CPU seconds of this process and its finished children (statsforecast's workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--db", help="database URL (default: the default demo, built once)")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    url = args.db or demo_db()
    cpu_before = _cpu()
    ours = run_clientbase(url, args.jobs)
    ours["cpu_s"] = _cpu() - cpu_before
    cpu = _cpu()
    same = run_plain_same_work(ours["history"], ours["fine"], args.jobs)
    cpu_same, cpu = _cpu() - cpu, _cpu()
    one = run_plain_one_model(ours["history"], args.jobs)
    cpu_one = _cpu() - cpu
    cpus = {"ours": ours["cpu_s"], "same": cpu_same, "one": cpu_one}
    held = holdout(url)
    for a in ours["accuracy"]:
        print(f"backtest {a['level']}: {a}")
    for h in held:
        print(
            f"last 12 months {h['series']}: MASE {h['mase']:.3f}, seasonal naive {h['seasonal_naive_mase']:.3f}"
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = os.getloadavg()[0]
    print(
        f"series {ours['series']:,} (bottom {ours['bottom']:,} customers; kinds {ours['kinds']}), "
        f"reconciled by {ours['method']}, coherent {ours['coherent']}"
    )
    print(
        f"clientbase {ours['total_s']:.1f} s (series {ours['build_s']:.1f} s, models + reconciliation "
        f"{ours['forecast_s']:.1f} s: {', '.join(f'{k} {v:.1f} s' for k, v in ours['stages'].items())}; "
        f"CPU {ours['cpu_s']:.1f} s); plain statsforecast same work {same:.1f} s, CPU {cpu_same:.1f} s (ratio "
        f"{ours['total_s'] / same:.2f}, in CPU {ours['cpu_s'] / cpu_same:.2f}); one AutoETS {one:.1f} s, CPU "
        f"{cpu_one:.1f} s (ratio {ours['total_s'] / one:.2f}, in CPU {ours['cpu_s'] / cpu_one:.2f}); "
        f"peak {peak_mb:,.0f} MB; load {load:.1f}"
    )
    if args.write_docs:
        write_docs(ours, same, one, held, peak_mb, load, args.jobs, cpus)


def write_docs(
    ours: dict[str, Any],
    same: float,
    one: float,
    held: list[dict[str, Any]],
    peak_mb: float,
    load: float,
    jobs: int,
    cpus: dict[str, float],
) -> None:
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(ours["kinds"].items()))
    block = "\n".join(
        [
            MARK_START,
            f"Measured {dt.date.today()} on {machine}, `--jobs {jobs}`, load average {load:.1f} at the end "
            "(the machine is shared).",
            "",
            "| run | seconds | clientbase / run | CPU seconds | clientbase / run, in CPU |",
            "|---|---:|---:|---:|---:|",
            f"| clientbase: series in the engine | {ours['build_s']:.1f} | | | |",
            *(f"| clientbase: {k} | {v:.1f} | | | |" for k, v in ours["stages"].items()),
            f"| **clientbase, all levels** | **{ours['total_s']:.1f}** | 1.00 | {cpus['ours']:.1f} | 1.00 |",
            f"| plain statsforecast, the same candidates and windows | {same:.1f} | {ours['total_s'] / same:.2f} "
            f"| {cpus['same']:.1f} | {cpus['ours'] / cpus['same']:.2f} |",
            f"| plain statsforecast, one AutoETS per series | {one:.1f} | {ours['total_s'] / one:.2f} "
            f"| {cpus['one']:.1f} | {cpus['ours'] / cpus['one']:.2f} |",
            "",
            f"{ours['series']:,} series ({ours['bottom']:,} customers at the bottom; {kinds}), reconciled by "
            f"{ours['method']}, coherent to the cent: {ours['coherent']}; peak memory {peak_mb:,.0f} MB; "
            f"clientbase used {ours['cpu_s']:.0f} CPU seconds.",
            "",
            "Backtest of the chosen models by level (3 windows of 12 months):",
            "",
            "| level | series | beat seasonal naive | median MASE | seasonal naive's median MASE |",
            "|---|---:|---:|---:|---:|",
            *(
                f"| {a['level']} | {a['series']:,} | {a.get('beat_seasonal_naive', '')} | {a.get('median_mase')} "
                f"| {a.get('median_seasonal_naive_mase')} |"
                for a in ours["accuracy"]
            ),
            "",
            "The last 12 complete months forecast from the data before them (MASE on those months):",
            "",
            "| series | clientbase | seasonal naive |",
            "|---|---:|---:|",
            *(f"| {h['series']} | {h['mase']:.3f} | {h['seasonal_naive_mase']:.3f} |" for h in held),
            MARK_END,
        ]
    )
    text = DOCS.read_text(encoding="utf-8")
    if MARK_START in text:
        head, rest = text.split(MARK_START, 1)
        text = head + block + rest.split(MARK_END, 1)[1]
    else:
        text += (
            "\n## Forecast of every level of the default demo (`bench/bench_forecast.py`)\n\n" + block + "\n"
        )
    DOCS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
