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

Run: nice .venv/bin/python bench/bench_web.py [--db URL] [--requests 60] [--write-docs]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
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
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench_web:start -->", "<!-- bench_web:end -->"
CLI = str(Path(sys.executable).with_name("clientbase"))
PASSWORD = "bench password 1234"
USERS = ("M01", "M02", "M03")
SORTS = ("name", "-net_revenue", "-net_contribution", "city")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(db: str, port: int) -> subprocess.Popen[bytes]:
    for user in USERS:
        subprocess.run(
            [CLI, "user", "set-password", user, "--password-stdin", "--db", db],
            input=f"{PASSWORD}\n".encode(),
            check=True,
            capture_output=True,
        )
    log = Path("/tmp/webbench/server.log").open("wb")  # noqa: SIM115 - open for the server's lifetime
    server = subprocess.Popen(
        [CLI, "serve", "--db", db, "--port", str(port), "--refresh-every", "0"],
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
) -> None:
    cards = own.get(user, ids)
    for _ in range(count):
        kind = rng.choice(("list", "search", "card"))
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
) -> tuple[list[tuple[str, float, float, int]], float]:
    sessions = [log_in(base, USERS[i % len(USERS)]) for i in range(clients)]
    out: list[tuple[str, float, float, int]] = []
    started = time.perf_counter()
    await asyncio.gather(
        *(
            one_client(s, USERS[i % len(USERS)], count, think, random.Random(i), words, ids, own, out)
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


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def table(results: dict[str, tuple[list[tuple[str, float, float, int]], float]]) -> list[str]:
    lines = [
        "| run | request | n | errors | server p50 (ms) | server p95 (ms) | server max (ms) | client p95 (ms) | requests/s | target p95 <= 100 ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run_name, (rows, wall) in results.items():
        for kind in ("list", "search", "card"):
            mine = [r for r in rows if r[0] == kind]
            server = [r[1] for r in mine if r[3] == 200]
            client = [r[2] for r in mine]
            errors = sum(1 for r in mine if r[3] != 200)
            p95 = pct(server, 95)
            lines.append(
                f"| {run_name} | {kind} | {len(mine)} | {errors} | {statistics.median(server):.0f} | {p95:.0f} | "
                f"{max(server):.0f} | {pct(client, 95):.0f} | {len(rows) / wall:.1f} | {'met' if p95 <= 100 else 'not met'} |"
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="duckdb:////tmp/webbench/big.duckdb")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=60, help="requests per client and run")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    load_before = os.getloadavg()
    server = start_server(args.db, port)
    try:
        head = httpx.Client(base_url=base, timeout=60)
        token = head.post("/api/v1/auth/token", data={"username": "M01", "password": PASSWORD}).json()[
            "access_token"
        ]
        head.headers["Authorization"] = f"Bearer {token}"
        total = head.get("/api/v1/counterparties", params={"limit": 1, "include_archived": "true"}).json()[
            "total"
        ]
        words, ids, own = samples(base, head)
        wait_materialised(base, httpx.Client(cookies=log_in(base, "M01").cookies, timeout=60), ids[0])
        results = {}
        cpu: dict[str, float] = {}
        for name, think in (("users", True), ("stress", False)):
            before = cpu_seconds(server.pid)
            results[name] = asyncio.run(run(base, args.clients, args.requests, think, words, ids, own))
            cpu[name] = (cpu_seconds(server.pid) - before) * 1000 / len(results[name][0])
            print("\n".join(table({name: results[name]})), flush=True)
            print("statuses:", collections.Counter(r[3] for r in results[name][0]), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    load_after = os.getloadavg()
    lines = [
        START,
        "## Web app under load (`bench/bench_web.py`)",
        "",
        f"Run {dt.date.today()} on {os.cpu_count()} cores, Python {platform.python_version()}; `clientbase serve` "
        f"(one uvicorn process) on a DuckDB demo base of {total:,} counterparties and 10.3M order lines; "
        f"{args.clients} concurrent clients on loopback (head, analyst and a manager in turn), {args.requests} "
        "requests each per run in random order; the load generator runs on the same 2 cores. Load average "
        f"{load_before[0]:.1f} before, {load_after[0]:.1f} after (the machine is shared with other work).",
        "*users*: each client pauses 0.5-1.5 s between requests; *stress*: no pause, 20 requests always in flight. "
        "Server time = the `Server-Timing` header (request in the app to response, waiting for the engine "
        "included); client p95 = the round trip.",
        "",
        *table(results),
        "",
        "Server CPU per request (user + system time of the server process, its engine threads included, over the "
        "run, divided by its requests): "
        + ", ".join(f"{name} {ms:.0f} ms" for name, ms in cpu.items())
        + f"; so the 2 cores, were they free, would serve at most about {2000 / max(cpu.values()):.0f} requests/s of this mix.",
        END,
    ]
    print("\n".join(lines))
    if args.write_docs:
        text = DOC.read_text(encoding="utf-8")
        section = "\n".join(lines)
        if START in text:
            text = text[: text.index(START)] + section + text[text.index(END) + len(END) :]
        else:
            text = text.rstrip("\n") + "\n\n" + section + "\n"
        DOC.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
