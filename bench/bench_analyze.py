"""Benchmark: the whole profitability analysis against one bare DuckDB scan of the same order lines.

Synthetic data is generated directly in DuckDB (generate_series and hash(), deterministic; the demo generator
is not used): ``N`` order lines in orders of 8 lines, N/500 customers, one invoice per order (most paid, some
late, some open), N/20 activities over five cost drivers; dates spread over three years so both analysed
periods are full. For each size it measures, in one run and warm (one warm-up each, then the fastest of five interleaved runs):

* bare: ``SELECT counterparty_id, sum(quantity*net_price) FROM order_lines GROUP BY 1``
* analysis: ``clientbase.analytics.run.analyze(store)`` in-process (P&L of both periods, whale curve, bridge,
  roll-ups, headline)
* cli: ``clientbase analyze --json`` end to end, interpreter start-up included, with its peak RSS

and writes the numbers into docs/benchmarks.md between this script's markers.

Run: flock /tmp/clientbase-bench.lock .venv/bin/python bench/bench_analyze.py [1000000 10000000 50000000]
"""

from __future__ import annotations

import datetime as dt
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from clientbase.analytics.run import analyze
from clientbase.store import connect
from doc_section import write_section

ROOT = Path(__file__).resolve().parent.parent
DATA = Path("/tmp/clientbase-bench")
START, END = "<!-- bench_analyze:start -->", "<!-- bench_analyze:end -->"
BARE = "SELECT counterparty_id, sum(quantity * net_price) FROM order_lines GROUP BY 1"
#: the least engine work the analysis needs, by hand, grouped by customer only (no periods, no due dates):
#: a floor no implementation on this schema can go below
_WINDOW = "{col} >= DATE '{start}' AND {col} <= DATE '{end}'"
FLOOR = {
    "order lines": "SELECT counterparty_id, sum(quantity * list_price), sum(quantity * net_price), "
    "sum(quantity * unit_cost), count(*) FROM order_lines WHERE {order_date} GROUP BY 1",
    "orders": "SELECT counterparty_id, count(*) FROM orders WHERE {order_date} GROUP BY 1",
    "activities": "SELECT counterparty_id, sum(quantity) FROM activities WHERE {activity_date} GROUP BY 1",
    "invoices": "SELECT counterparty_id, sum(amount) FROM invoices WHERE {issue_date} GROUP BY 1",
    "payments joined to invoices": "SELECT i.counterparty_id, sum(p.amount) FROM payments p "
    "JOIN invoices i USING (invoice_id) WHERE {issue_date} GROUP BY 1",
}
LINES_PER_ORDER = 8
DAYS = 3 * 365


def u(expr: str, salt: int) -> str:
    """A deterministic uniform [0, 1) from the integer SQL expression ``expr``."""
    return f"((hash({expr} * 7919 + {salt}) % 1000000) / 1000000.0)"


def generate(path: Path, lines: int) -> None:
    """Fill a fresh clientbase database at ``path`` with ``lines`` synthetic order lines and the rest."""
    customers = max(1000, lines // 500)
    orders = lines // LINES_PER_ORDER
    activities = lines // 20
    with connect(f"duckdb:///{path}") as store:
        con = store.duck
        assert con is not None
        con.execute("INSERT INTO settings VALUES ('currency', 'EUR'), ('financing_rate_annual', '0.08')")
        con.execute(
            """INSERT INTO cost_drivers (kind, valid_from, valid_to, unit, rate, cost_pool, practical_capacity) VALUES
            ('visit', DATE '1900-01-01', NULL, 'minute', 1.20, NULL, NULL),
            ('call', DATE '1900-01-01', NULL, 'minute', 0.90, 900000, 1000000),
            ('delivery', DATE '1900-01-01', DATE '2024-06-30', 'event', 38, NULL, NULL),
            ('delivery', DATE '2024-07-01', NULL, 'event', 42, NULL, NULL),
            ('support_ticket', DATE '1900-01-01', NULL, 'event', 25, NULL, NULL)"""
        )
        con.execute(
            f"""INSERT INTO counterparties (counterparty_id, name, roles, status, created_at, segment, region,
                industry, size_band, owner_id, acquisition_mode)
            SELECT 'C' || lpad(i::VARCHAR, 7, '0'), 'Customer ' || i, 'customer', 'active', DATE '2020-01-01',
                ['installers', 'retail', 'industry', 'public'][1 + i % 4], ['North', 'South', 'East', 'West'][1 + i % 4 ],
                ['construction', 'energy', 'trade'][1 + i % 3], ['micro', 'small', 'medium', 'large', 'key'][1 + i % 5],
                'M' || (i % 20), ['targeted', 'spontaneous'][1 + i % 2]
            FROM range({customers}) t(i)"""
        )
        # order o belongs to customer (o * 7919) % customers, on day o * DAYS / orders from 2022-07-01
        con.execute(
            f"""INSERT INTO order_lines
            SELECT 'O' || (i // {LINES_PER_ORDER}), (i % {LINES_PER_ORDER}) + 1,
                'C' || lpad((((i // {LINES_PER_ORDER}) * 7919) % {customers})::VARCHAR, 7, '0'),
                DATE '2022-07-01' + ((i // {LINES_PER_ORDER}) * {DAYS} // {orders})::INTEGER,
                'P' || (i % 997),
                (CASE WHEN {u("i", 1)} < 0.02 THEN -1 ELSE 1 END * (1 + floor({u("i", 2)} * 20)))::DECIMAL(18, 3),
                lp::DECIMAL(18, 4), round(lp * (0.7 + 0.3 * {u("i", 3)}), 4)::DECIMAL(18, 4),
                round(lp * (0.45 + 0.3 * {u("i", 4)}), 4)::DECIMAL(18, 4)
            FROM (SELECT i, round(5 + {u("i", 5)} * 300, 2) AS lp FROM range({lines}) t(i))"""
        )
        fill_orders(con)
        con.execute(
            """INSERT INTO invoices
            SELECT 'F' || substr(order_id, 2), counterparty_id, order_id, d, d + 30, round(sum(quantity * net_price), 2)
            FROM (SELECT order_id, counterparty_id, order_date AS d, quantity, net_price FROM order_lines)
            GROUP BY ALL"""
        )
        # 90 % paid in full after 10-89 days; 5 % paid in two halves; 5 % left open
        con.execute(
            f"""INSERT INTO payments
            SELECT invoice_id || ':1', invoice_id, issue_date + (10 + floor({u("o", 6)} * 80))::INTEGER,
                CASE WHEN {u("o", 7)} < 0.95 THEN amount ELSE round(amount / 2, 2) END
            FROM (SELECT *, substr(invoice_id, 2)::BIGINT AS o FROM invoices) WHERE {u("o", 8)} < 0.95"""
        )
        con.execute(
            f"""INSERT INTO payments
            SELECT invoice_id || ':2', invoice_id, issue_date + 120, amount - round(amount / 2, 2)
            FROM (SELECT *, substr(invoice_id, 2)::BIGINT AS o FROM invoices)
            WHERE {u("o", 8)} < 0.95 AND {u("o", 7)} >= 0.95"""
        )
        con.execute(
            f"""INSERT INTO activities (activity_id, counterparty_id, activity_date, kind, quantity)
            SELECT 'A' || i, 'C' || lpad(((i * 104729) % {customers})::VARCHAR, 7, '0'),
                DATE '2022-07-01' + (i * {DAYS} // {activities})::INTEGER,
                ['visit', 'call', 'delivery', 'support_ticket'][1 + i % 4],
                (CASE WHEN i % 4 < 2 THEN 5 + floor({u("i", 9)} * 60) ELSE 1 END)::DECIMAL(18, 3)
            FROM range({activities}) t(i)"""
        )
        con.execute("CHECKPOINT")


def fill_orders(con: duckdb.DuckDBPyConnection) -> None:
    """The order headers, derived from the lines as the importer does when a folder has no orders.csv."""
    con.execute(
        "INSERT INTO orders (order_id, counterparty_id, order_date) "
        "SELECT order_id, any_value(counterparty_id), any_value(order_date) FROM order_lines GROUP BY 1"
    )


def best_times(runs: dict[str, object], rounds: int = 5) -> dict[str, float]:
    """The fastest of ``rounds`` timings of each run, the runs interleaved (one warm-up each first), so both
    see the same machine: on a shared machine the minimum is the best estimate of the uncontended time."""
    for run in runs.values():
        assert callable(run)
        run()
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(rounds):
        for name, run in runs.items():
            assert callable(run)
            t = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - t)
    return best


def measure(lines: int) -> dict[str, float | int]:
    path = DATA / f"analyze_{lines}.duckdb"
    if path.exists():
        with duckdb.connect(str(path), read_only=True) as con:
            have = con.execute("SELECT count(*) FROM order_lines").fetchall()[0][0]
        if have != lines:
            path.unlink()
        else:
            with duckdb.connect(str(path)) as con:
                if not con.execute("SELECT count(*) FROM orders").fetchall()[0][0]:
                    fill_orders(con)
    if not path.exists():
        t = time.perf_counter()
        generate(path, lines)
        print(f"generated {lines:,} lines in {time.perf_counter() - t:.0f} s", flush=True)
    url = f"duckdb:///{path}"
    with connect(url) as store:
        con = store.duck
        assert con is not None
        customers = con.execute("SELECT count(DISTINCT counterparty_id) FROM order_lines").fetchall()[0][0]
        result = analyze(store)
        window = {"start": result.periods.previous.start, "end": result.periods.current.end}
        dates = {c: _WINDOW.format(col=c, **window) for c in ("order_date", "activity_date", "issue_date")}
        floor = {name: sql.format(**dates) for name, sql in FLOOR.items()}
        runs: dict[str, object] = {
            "bare": lambda: con.execute(BARE).fetchall(),
            "analysis": lambda: analyze(store),
        }
        runs.update(
            {name: (lambda sql=sql: con.execute(sql).to_arrow_table()) for name, sql in floor.items()}
        )
        best = best_times(runs)
    bare, full = best["bare"], best["analysis"]
    floor_total = sum(best[name] for name in FLOOR)
    cmd = [str(Path(sys.executable).parent / "clientbase"), "analyze", "--db", url, "--json"]
    cli = float("inf")
    for _ in range(2):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        cli = min(cli, time.perf_counter() - t)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    row = {
        "lines": lines,
        "customers": customers,
        "analysed": result.totals.customers,
        "bare": bare,
        "analysis": full,
        "ratio": full / bare,
        "floor": floor_total / bare,
        "join": best["payments joined to invoices"] / bare,
        "cli": cli,
        "peak_mib": peak / 1024,
    }
    print(row, flush=True)
    return row


def write_doc(rows: list[dict[str, float | int]]) -> None:
    table = [
        "| order lines | customers | bare scan (s) | whole analysis (s) | ratio | floor (scans) | of it the payments join (scans) | CLI end to end (s) | CLI peak RSS (MiB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        table.append(
            f"| {r['lines']:,} | {r['customers']:,} | {r['bare']:.3f} | {r['analysis']:.3f} | "
            f"{r['ratio']:.2f} | {r['floor']:.2f} | {r['join']:.2f} | {r['cli']:.2f} | {r['peak_mib']:.0f} |"
        )
    section = "\n".join(
        [
            START,
            "## Profitability analysis (`bench/bench_analyze.py`)",
            "",
            f"Run {dt.date.today().isoformat()} on 2 cores / 24 GiB, Python {platform.python_version()}, "
            f"DuckDB {duckdb.__version__}; the machine was shared with other work, so absolute times are noisy "
            "and the ratio (measured side by side in one run) is the number to read.",
            "",
            "*bare scan*: `SELECT counterparty_id, sum(quantity*net_price) FROM order_lines GROUP BY 1`; "
            "*whole analysis*: `analyze(store)` in-process (default periods: 12 months against the 12 before, "
            "P&L, cost-to-serve, credit cost, whale curve, bridge, roll-ups, headline); both warm, the fastest of 5 interleaved runs. "
            "*CLI*: `clientbase analyze --json` including interpreter start-up. Target: ratio at most 3. "
            "*floor*: the least engine work the analysis needs, written by hand and timed in the same run: one "
            "GROUP BY customer per fact table over both periods' window, no period split, no due or paid "
            "dates (order lines with three sums, order headers, activities, invoices, payments joined to "
            "their invoices): each fact table read and grouped by customer once, the payments joined to their "
            "invoices once, which any implementation on this schema has to do.",
            "",
            *table,
            END,
        ]
    )
    write_section(START, END, section)


def main() -> None:
    sizes = [int(float(a)) for a in sys.argv[1:]] or [1_000_000, 10_000_000, 50_000_000]
    DATA.mkdir(exist_ok=True)
    write_doc([measure(n) for n in sizes])


if __name__ == "__main__":
    main()
