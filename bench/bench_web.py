"""Benchmark: the list page, search and the customer card under 20 concurrent clients on loopback.

Starts ``clientbase serve`` on a free loopback port against a demo base (build it once with
``nice clientbase demo --customers 100000 --lines 10000000 --db duckdb:////tmp/webbench/big.duckdb``; the
first start materialises the analysis, minutes at that size), logs 20 clients in (head, analyst and a manager
in turn), and lets each make a bounded number of requests, in random order:

* list: ``GET /customers`` with a random sort (name, net revenue, net contribution, city) and page, the whole
  HTML page as a browser loads it;
* search: ``GET /customers?q=<four letters of a real name>`` as HTMX sends it while one types (the results
  fragment);
* card: ``GET /customers/<random customer>``, the whole card.

Each response's ``Server-Timing`` header gives the server time (from the request entering the app to its
response, waiting for the engine included); the client time is the round trip seen by the load generator.
Two runs: *users* (each client pauses 0.5-1.5 s between requests, like a person) and *stress* (no pause: 20
requests always in flight). The load generator stops by itself; it sends nothing but to 127.0.0.1.

Many users on PostgreSQL (issue 17.6): ``--db postgresql://... --workers 4 --clients 50 --edits`` serves the base
with four worker processes, and adds a fourth kind of request to the mix:

* edit: ``GET`` then ``PATCH /api/v1/counterparties/<id>`` with the ``version`` just read, setting the address
  to a value no other edit uses, on one of a few records that every editing client shares (the head edits any
  of them, a manager their own; the analyst opens a card instead). Two clients often edit one record at once,
  so some saves answer 409 (stale: nothing written), which is right and counted apart from errors.

After the runs every accepted edit (200) is looked up in the record's field history: an accepted edit missing
there, two accepted edits at one version, or a record whose address is not the last accepted one is a lost
update, and the benchmark says so and fails.

Run: nice .venv/bin/python bench/bench_web.py [--db URL] [--workers N] [--clients 20] [--edits]
[--requests 60] [--write-docs]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import datetime as dt
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench_web:start -->", "<!-- bench_web:end -->"
START_PG, END_PG = "<!-- bench_web_pg:start -->", "<!-- bench_web_pg:end -->"
CLI = str(Path(sys.executable).with_name("clientbase"))
PASSWORD = "bench password 1234"
USERS = ("M01", "M02", "M03")
SORTS = ("name", "-net_revenue", "-net_contribution", "city")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(db: str, port: int, workers: int = 1) -> subprocess.Popen[bytes]:
    for user in USERS:
        subprocess.run(
            [CLI, "user", "set-password", user, "--password-stdin", "--db", db],
            input=f"{PASSWORD}\n".encode(),
            check=True,
            capture_output=True,
        )
    log = Path("/tmp/webbench/server.log").open("wb")  # noqa: SIM115 - open for the server's lifetime
    server = subprocess.Popen(
        [CLI, "serve", "--db", db, "--port", str(port), "--refresh-every", "0", "--workers", str(workers)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 1800  # the first start on a base materialises the analysis first
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            raise SystemExit("clientbase serve stopped before it answered")
        time.sleep(1)
    server.terminate()
    raise SystemExit("clientbase serve did not answer in time")


def wait_materialised(base: str, client: httpx.Client, card: str) -> None:
    """Wait until the server's background refresh has written the analysis (the card shows its P&L)."""
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        if "Computed " in client.get(f"{base}/customers/{card}").text:
            return
        time.sleep(5)
    raise SystemExit("the analysis was not materialised in time")


def log_in(base: str, user: str) -> httpx.AsyncClient:
    sync = httpx.Client(base_url=base, timeout=30)
    form = sync.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    done = sync.post(
        "/login", data={"username": user, "password": PASSWORD, "csrf_token": token, "next": "/customers"}
    )
    assert done.status_code == 303, done.text
    client = httpx.AsyncClient(base_url=base, timeout=60, cookies=sync.cookies)
    sync.close()
    return client


def samples(base: str, head: httpx.Client) -> tuple[list[str], list[str], dict[str, list[str]]]:
    """Search words from real names, and customers to open (all, and each manager's own)."""
    api = "/api/v1/counterparties"
    names, ids = [], []
    for offset in range(0, 20000, 2000):
        page = head.get(api, params={"limit": 200, "offset": offset, "role": "customer"}).json()
        names += [i["name"] for i in page["items"]]
        ids += [i["counterparty_id"] for i in page["items"]]
    words = sorted({w[1:5].lower() for n in names for w in n.split() if len(w) >= 6})
    own = head.get(api, params={"owner_id": "M03", "role": "customer", "limit": 500}).json()
    return words, ids, {"M03": [i["counterparty_id"] for i in own["items"]]}


#: the accepted edits: (record, address written, version it gave the record)
Accepted = list[tuple[str, str, int]]


@dataclass
class Edits:
    """The records the clients edit (per user: those it may edit) and the bearer token of each user."""

    hot: dict[str, list[str]]
    tokens: dict[str, str]
    accepted: Accepted = field(default_factory=list)
    conflicts: int = 0


async def edit(
    client: httpx.AsyncClient, user: str, edits: Edits, rng: random.Random, tag: str
) -> tuple[float, int]:
    """Read a shared record and save a new address at the version read; returns (server ms, status)."""
    record = rng.choice(edits.hot[user])
    auth = {"Authorization": f"Bearer {edits.tokens[user]}"}
    read = await client.get(f"/api/v1/counterparties/{record}", headers=auth)
    if read.status_code != 200:
        return float(read.headers.get("server-timing", "app;dur=nan").split("dur=")[1]), read.status_code
    address = f"Loadgatan {tag}"
    saved = await client.patch(
        f"/api/v1/counterparties/{record}",
        json={"address": address, "version": read.json()["version"]},
        headers=auth,
    )
    if saved.status_code == 200:
        edits.accepted.append((record, address, saved.json()["version"]))
    elif saved.status_code == 409:
        edits.conflicts += 1
    return float(saved.headers.get("server-timing", "app;dur=nan").split("dur=")[1]), saved.status_code


def lost_updates(head: httpx.Client, edits: Edits) -> list[str]:
    """Every accepted edit must be in its record's history, at its own version, and the last one must stand."""
    problems = []
    for record in sorted({r for r, _, _ in edits.accepted}):
        mine = [(address, version) for r, address, version in edits.accepted if r == record]
        history = head.get(f"/api/v1/counterparties/{record}/history").json()
        written = {(h["new_value"], h["record_version"]) for h in history if h["field_name"] == "address"}
        problems += [
            f"{record}: {a!r} at version {v} is not in the history" for a, v in mine if (a, v) not in written
        ]
        versions = [v for _, v in mine]
        if len(versions) != len(set(versions)):
            problems.append(f"{record}: two accepted edits at one version")
        now = head.get(f"/api/v1/counterparties/{record}").json()
        last = max(mine, key=lambda m: m[1])
        if (now["address"], now["version"]) != last:
            problems.append(
                f"{record}: holds {now['address']!r} v{now['version']}, the last accepted was {last}"
            )
    return problems


async def one_client(
    client: httpx.AsyncClient,
    user: str,
    count: int,
    think: bool,
    rng: random.Random,
    words: list[str],
    ids: list[str],
    own: dict[str, list[str]],
    out: list[tuple[str, float, float, int]],
    edits: Edits | None = None,
    name: str = "",
) -> None:
    cards = own.get(user, ids)
    kinds = ("list", "search", "card", "edit") if edits is not None else ("list", "search", "card")
    for number in range(count):
        kind = rng.choice(kinds)
        if kind == "edit":
            assert edits is not None
            if edits.hot.get(user):
                started = time.perf_counter()
                try:
                    server, status = await edit(client, user, edits, rng, f"{name}-{number}")
                except httpx.TransportError:
                    server, status = float("nan"), 0
                out.append(("edit", server, (time.perf_counter() - started) * 1000, status))
                if think:
                    await asyncio.sleep(rng.uniform(0.5, 1.5))
                continue
            kind = "card"
        if kind == "list":
            request = client.build_request(
                "GET", "/customers", params={"sort": rng.choice(SORTS), "offset": rng.randrange(0, 40) * 50}
            )
        elif kind == "search":
            request = client.build_request(
                "GET",
                "/customers",
                params={"q": rng.choice(words)},
                headers={"HX-Request": "true", "HX-Target": "results"},
            )
        else:
            request = client.build_request("GET", f"/customers/{rng.choice(cards)}")
        started = time.perf_counter()
        try:
            response = await client.send(request)
        except httpx.TransportError:
            out.append((kind, float("nan"), (time.perf_counter() - started) * 1000, 0))
            continue
        elapsed = (time.perf_counter() - started) * 1000
        server = float(response.headers.get("server-timing", "app;dur=nan").split("dur=")[1])
        out.append((kind, server, elapsed, response.status_code))
        if think:
            await asyncio.sleep(rng.uniform(0.5, 1.5))


async def run(
    base: str,
    clients: int,
    count: int,
    think: bool,
    words: list[str],
    ids: list[str],
    own: dict[str, list[str]],
    edits: Edits | None = None,
    run_name: str = "",
) -> tuple[list[tuple[str, float, float, int]], float]:
    sessions = [log_in(base, USERS[i % len(USERS)]) for i in range(clients)]
    out: list[tuple[str, float, float, int]] = []
    started = time.perf_counter()
    await asyncio.gather(
        *(
            one_client(
                s,
                USERS[i % len(USERS)],
                count,
                think,
                random.Random(i),
                words,
                ids,
                own,
                out,
                edits,
                f"{run_name}{i}",
            )
            for i, s in enumerate(sessions)
        )
    )
    wall = time.perf_counter() - started
    for s in sessions:
        await s.aclose()
    return out, wall


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (its DuckDB threads included), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu_seconds(pid: int) -> float:
    """CPU seconds of the server: ``pid`` and its worker processes (uvicorn's children, alive ones)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    kids = [int(k) for k in children.read_text().split()] if children.exists() else []
    total = cpu_seconds(pid)
    for kid in kids:
        with contextlib.suppress(FileNotFoundError):  # a worker that has just stopped
            total += cpu_seconds(kid)
    return total


def machine() -> str:
    """The CPU model and memory of this machine, from /proc."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.machine())  # fmt: skip
    kib = int(Path("/proc/meminfo").read_text().split()[1])
    return f"{cpu}, {kib / 2**20:.0f} GiB"


def postgres_version(db: str) -> str:
    import sqlalchemy as sa

    from clientbase.store import connect

    with connect(db, create=False) as store, store.begin() as conn:
        return str(conn.execute(sa.text("show server_version")).scalar_one()).split()[0]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def answered(row: tuple[str, float, float, int]) -> bool:
    """A right answer: 200, or for an edit also 409 (a stale save refused, nothing written)."""
    return row[3] == 200 or (row[0] == "edit" and row[3] == 409)


def table(results: dict[str, tuple[list[tuple[str, float, float, int]], float]]) -> list[str]:
    lines = [
        "| run | request | n | errors | server p50 (ms) | server p95 (ms) | server max (ms) | client p95 (ms) | requests/s | target p95 <= 100 ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run_name, (rows, wall) in results.items():
        for kind in ("list", "search", "card", "edit"):
            mine = [r for r in rows if r[0] == kind]
            if not mine:
                continue
            server = [r[1] for r in mine if answered(r)]
            client = [r[2] for r in mine]
            errors = sum(1 for r in mine if not answered(r))
            p95 = pct(server, 95)
            lines.append(
                f"| {run_name} | {kind} | {len(mine)} | {errors} | {statistics.median(server):.0f} | {p95:.0f} | "
                f"{max(server):.0f} | {pct(client, 95):.0f} | {len(rows) / wall:.1f} | {'met' if p95 <= 100 else 'not met'} |"
            )
    return lines


def order_lines(db: str) -> int:
    """The base's order lines (counted before the server holds the base)."""
    from clientbase.store import connect

    with connect(db, create=False) as store:
        return int(store.table("order_lines").count().execute())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="duckdb:////tmp/webbench/big.duckdb")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=60, help="requests per client and run")
    parser.add_argument(
        "--edits", action="store_true", help="add concurrent edits and check for lost updates"
    )
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    postgres = args.db.startswith("postgres")
    start, end = (START_PG, END_PG) if postgres else (START, END)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    Path("/tmp/webbench").mkdir(exist_ok=True)
    lines_in_base = order_lines(args.db)
    load_before = os.getloadavg()
    server = start_server(args.db, port, args.workers)
    problems: list[str] = []
    edits = None
    try:
        head = httpx.Client(base_url=base, timeout=60)
        tokens = {
            user: head.post("/api/v1/auth/token", data={"username": user, "password": PASSWORD}).json()[
                "access_token"
            ]
            for user in USERS
        }
        head.headers["Authorization"] = f"Bearer {tokens['M01']}"
        total = head.get("/api/v1/counterparties", params={"limit": 1, "include_archived": "true"}).json()[
            "total"
        ]
        words, ids, own = samples(base, head)
        if args.edits:
            shared = own["M03"][:8]  # the head and the manager both edit these; the analyst may not
            edits = Edits(hot={"M01": shared, "M03": shared}, tokens=tokens)
        wait_materialised(base, httpx.Client(cookies=log_in(base, "M01").cookies, timeout=60), ids[0])
        results = {}
        cpu: dict[str, float] = {}
        loads: dict[str, float] = {}
        for name, think in (("users", True), ("stress", False)):
            loads[name] = os.getloadavg()[0]
            before = server_cpu_seconds(server.pid)
            results[name] = asyncio.run(
                run(base, args.clients, args.requests, think, words, ids, own, edits, name)
            )
            cpu[name] = (server_cpu_seconds(server.pid) - before) * 1000 / len(results[name][0])
            print("\n".join(table({name: results[name]})), flush=True)
            print("statuses:", collections.Counter((r[0], r[3]) for r in results[name][0]), flush=True)
        if edits is not None:
            problems = lost_updates(head, edits)
    finally:
        server.terminate()
        server.wait(timeout=30)
    load_after = os.getloadavg()
    errors = sum(1 for rows, _ in results.values() for r in rows if not answered(r))
    engine = (
        f"`clientbase serve --workers {args.workers}` on PostgreSQL {postgres_version(args.db)}"
        if postgres
        else f"`clientbase serve` ({args.workers} uvicorn process) on a DuckDB file"
    )
    lines = [
        start,
        "## Many users on PostgreSQL (`bench/bench_web.py --workers`)"
        if postgres
        else "## Web app under load (`bench/bench_web.py`)",
        "",
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores ({machine()}), "
        f"Python {platform.python_version()}; {engine}, a demo base of {total:,} counterparties and "
        f"{lines_in_base / 1e6:.1f}M order lines; {args.clients} concurrent clients on loopback (head, analyst and a "
        f"manager in turn), {args.requests} requests each per run in random order; the load generator runs on the "
        f"same cores. Load average {load_before[0]:.1f} before the server started, "
        + ", ".join(f"{load:.1f} as the {name} run started" for name, load in loads.items())
        + f", {load_after[0]:.1f} after (the machine is shared with other work).",
        f"*users*: each client pauses 0.5-1.5 s between requests; *stress*: no pause, {args.clients} requests always in "
        "flight. Server time = the `Server-Timing` header (request in the app to response, waiting for the engine "
        "included); client p95 = the round trip. Errors: any answer but 200 (and 409 for an edit), or no answer.",
        "",
        *table(results),
        "",
        "Server CPU per request (user + system time of the server processes, their engine threads included"
        + (", PostgreSQL's own processes not" if postgres else "")
        + ", over the run, divided by its requests): "
        + ", ".join(f"{name} {ms:.0f} ms" for name, ms in cpu.items())
        + (
            " (the app's part; PostgreSQL's work for the same requests comes on top)."
            if postgres
            else f"; so the {os.cpu_count()} cores, were they free, would serve at most about "
            f"{1000 * (os.cpu_count() or 1) / max(cpu.values()):.0f} requests/s of this mix."
        ),
    ]
    if edits is not None:
        lines += [
            "",
            f"Concurrent edits: {len(edits.accepted)} accepted and {edits.conflicts} refused as stale (409) on "
            f"{len({r for r, _, _ in edits.accepted})} shared records; "
            + (
                "every accepted edit is in its record's history at its own version and the last one stands: "
                "no lost update."
                if not problems
                else f"**{len(problems)} lost updates**: " + "; ".join(problems[:5])
            ),
        ]
    lines.append(end)
    print("\n".join(lines))
    if args.write_docs:
        text = DOC.read_text(encoding="utf-8")
        section = "\n".join(lines)
        if start in text:
            text = text[: text.index(start)] + section + text[text.index(end) + len(end) :]
        else:
            text = text.rstrip("\n") + "\n\n" + section + "\n"
        DOC.write_text(text, encoding="utf-8")
    if problems or errors:
        raise SystemExit(f"{errors} errors, {len(problems)} lost updates")


if __name__ == "__main__":
    main()
