"""README.md's five-minute tour runs as written, in order, and each command does what its comment says.

The commands are read from README.md (every line of the tour's ``sh`` block that starts with
``clientbase``), so the page and the test cannot drift apart; a command added to the tour runs here too.
They run in a fresh temporary folder, as the tour's ``cd "$(mktemp -d)"`` does, in this process (the
installed ``clientbase`` script calls the same ``app``), without CLIENTBASE_DB so the default database
``./clientbase.duckdb`` of that folder is used. The tour's own ``demo`` line decides the size of the base.

Each command's exit code is checked, and a value in its output against the database itself (counted here
with plain SQL) or against what an earlier command of the tour printed. A command without a check of its own
below must still exit 0 and print something, with no traceback.
"""

from __future__ import annotations

import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest
import typer.main
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from clientbase.cli.main import app

README = Path(__file__).resolve().parents[1] / "README.md"
STEPS = ("form", "record", "work", "analyse", "decide")


def tour_block(text: str) -> str:
    """The ``sh`` block of the README's section whose heading names the tour."""
    heading = re.search(r"^## .*\btour\b.*$", text, flags=re.MULTILINE | re.IGNORECASE)
    assert heading, "README.md has no section headed '## ... tour'"
    rest = text[heading.end() :]
    start = rest.index("```sh\n") + len("```sh\n")
    return rest[start : rest.index("```", start)]


def tour_commands(text: str) -> list[tuple[list[str], str]]:
    """(arguments after ``clientbase``, the comment beside them) of every tour line starting with it."""
    found = []
    for line in tour_block(text).splitlines():
        if not line.startswith("clientbase"):
            continue
        args = shlex.split(line, comments=True)
        comment = line.split("#", 1)[1].strip() if "#" in line else ""
        found.append((args[1:], comment))
    return found


@dataclass
class Tour:
    """Where the tour runs and what its commands printed so far."""

    folder: Path
    printed: dict[str, list[str]] = field(default_factory=dict)

    def sql(self, query: str, db: str = "clientbase.duckdb") -> Any:
        with duckdb.connect(str(self.folder / db), read_only=True) as con:
            return con.execute(query).fetchall()

    def one(self, query: str, db: str = "clientbase.duckdb") -> Any:
        return self.sql(query, db)[0][0]


def _number(pattern: str, text: str) -> int:
    m = re.search(pattern, text)
    assert m, f"{pattern!r} not in:\n{text}"
    return int(m.group(1).replace(",", ""))


def check_help(out: str, tour: Tour, args: list[str]) -> None:
    names = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    assert all(name in out for name in names), "clientbase --help lists every command"


def check_demo(out: str, tour: Tour, args: list[str]) -> None:
    built = _number(r"(\d+) counterparties", out)
    customers = int(args[args.index("--customers") + 1])
    assert built == tour.one("SELECT count(*) FROM counterparties") > customers  # customers, prospects ...
    # the story: sales grow while net contribution falls, in the default periods of `analyze`


def check_summary(out: str, tour: Tour, args: list[str]) -> None:
    assert "Rows per table" in out and "Sales per year" in out
    rows = _number(r"order_lines\s*│\s*([\d,]+)", out)
    assert rows == tour.one("SELECT count(*) FROM order_lines")
    # the last year's customers: distinct buyers of the 12 months to the latest order, counted by hand
    latest = tour.one("SELECT max(order_date) FROM order_lines")
    buyers = tour.one(
        "SELECT count(DISTINCT counterparty_id) FROM order_lines "
        f"WHERE order_date > DATE '{latest}' - INTERVAL 12 MONTH"
    )
    last_row = next(line for line in out.splitlines() if str(latest) in line)
    assert last_row.rstrip(" │").split()[-1].replace(",", "") == str(buyers)
    tour.printed["customers in the period"] = [str(buyers)]


def check_export_list(out: str, tour: Tour, args: list[str]) -> None:
    owner = args[args.index("--owner") + 1]
    written = _number(r"Wrote ([\d,]+) counterparties", out)
    mine = tour.one(
        f"SELECT count(*) FROM counterparties WHERE owner_id = '{owner}' AND status <> 'archived'"
    )
    assert written == mine > 0, "a manager who owns records, all of them"
    sheet = CalamineWorkbook.from_path(str(tour.folder / args[0])).get_sheet_by_index(0).to_python()
    assert len(sheet) == written + 1  # a header row and one row per record
    tour.printed["exported"] = [str(written)]


def check_import(out: str, tour: Tour, args: list[str]) -> None:
    counts = re.search(r"│\s*(\d+)\s*│\s*(\d+)\s*│\s*(\d+)\s*│\s*(\d+)\s*│", out)
    assert counts, out
    new, updated, unchanged, rejected = (int(g) for g in counts.groups())
    assert (new, updated, rejected) == (0, 0, 0)
    assert str(unchanged) == tour.printed["exported"][0], "every exported row matches its record"
    assert "Dry run: nothing was written" in out


def check_quality(out: str, tour: Tour, args: list[str]) -> None:
    score = float(re.search(r"Overall quality ([\d.]+) / 100", out).group(1))  # type: ignore[union-attr]
    assert 0 < score <= 100
    managers = [
        r[0] for r in tour.sql("SELECT DISTINCT owner_id FROM counterparties WHERE owner_id IS NOT NULL")
    ]
    assert all(m in out for m in managers), "a row per manager"


def check_show_record(out: str, tour: Tour, args: list[str]) -> None:
    name = tour.one(f"SELECT name FROM counterparties WHERE counterparty_id = '{args[0]}'")
    assert args[0] in out and name in out and "History" in out and "last verified" in out


def check_duplicates(out: str, tour: Tour, args: list[str]) -> None:
    planted = {
        frozenset(r)
        for r in tour.sql("SELECT counterparty_id, detail FROM demo_truth WHERE cause = 'duplicate'")
    }
    shown = [frozenset(m) for m in re.findall(r"(C\d+) ~ (C\d+)  p=[\d.]+  \w+: ", out)]
    assert shown, "pairs, each with its reasons"
    # the pairs shown are the planted ones (precision), and most planted pairs are shown (recall)
    assert sum(pair in planted for pair in shown) >= 0.9 * len(shown)
    assert len(planted & set(shown)) >= 0.5 * len(planted), f"{len(planted & set(shown))} of {len(planted)}"


def check_export_folder(out: str, tour: Tour, args: list[str]) -> None:
    counterparties = _number(r"counterparties(?:\.csv)?\s+([\d,]+) rows", out)
    assert counterparties == tour.one("SELECT count(*) FROM counterparties")
    assert (tour.folder / args[0] / "counterparties.csv").is_file()


def check_import_folder(out: str, tour: Tour, args: list[str]) -> None:
    row = re.search(r"counterparties(?:\.csv)?\s*│\s*([\d,]+)\s*│\s*([\d,]+)\s*│\s*([\d,]+)", out)
    assert row, out
    inserted, updated, unchanged = (int(g.replace(",", "")) for g in row.groups())
    total = tour.one("SELECT count(*) FROM counterparties")
    runs = tour.printed.setdefault("import-folder", [])
    runs.append(out)
    if len(runs) == 1:  # into a new base: everything is inserted
        assert (inserted, updated, unchanged) == (total, 0, 0)
    else:  # again: every row unchanged, nothing written twice
        assert (inserted, updated, unchanged) == (0, 0, total)
    db = args[args.index("--db") + 1].removeprefix("duckdb:///./")
    assert tour.one("SELECT count(*) FROM counterparties", db) == total


def check_analyze(out: str, tour: Tour, args: list[str]) -> None:
    customers = _number(r"customers with an order line in the period\s*│\s*[\d,]+\s*│\s*([\d,]+)", out)
    assert str(customers) == tour.printed["customers in the period"][0], "the count `summary` gave"
    # the story: sales grow, profit falls
    m = re.search(r"Sales \+([\d.]+) %, net contribution −([\d.]+) %", out)
    assert m, out
    assert "Whale curve over the" in out and "acquisition" in out
    tour.printed["headline"] = [out[out.index("Sales +") :].split("\n\n")[0]]


def check_report(out: str, tour: Tour, args: list[str]) -> None:
    html = (tour.folder / args[args.index("--out") + 1]).read_text(encoding="utf-8")
    assert "vegaEmbed" in html and not re.search(r"<script[^>]+src=", html)  # self-contained
    assert "Customers with an order line in the period" in html
    book = CalamineWorkbook.from_path(str(tour.folder / args[args.index("--xlsx") + 1]))
    customers = book.get_sheet_by_name("Customers").to_python()
    assert str(len(customers) - 1) == tour.printed["customers in the period"][0]


def check_value(out: str, tour: Tour, args: list[str]) -> None:
    in_period = _number(r"([\d,]+) customers with an order line in the period", out)
    assert str(in_period) == tour.printed["customers in the period"][0], "the count `summary` gave"
    assert f"Top {args[args.index('--limit') + 1]} customers by lifetime value" in out


CHECKS: dict[str, Callable[[str, Tour, list[str]], None]] = {
    "--help": check_help,
    "demo": check_demo,
    "summary": check_summary,
    "export-list": check_export_list,
    "import": check_import,
    "quality": check_quality,
    "show-record": check_show_record,
    "duplicates": check_duplicates,
    "export-folder": check_export_folder,
    "import-folder": check_import_folder,
    "analyze": check_analyze,
    "report": check_report,
    "value": check_value,
}


def test_the_tour_walks_the_five_steps() -> None:
    block = tour_block(README.read_text(encoding="utf-8"))
    headings = [line for line in block.splitlines() if line.startswith("#")]
    positions = [next(i for i, h in enumerate(headings) if step in h.split(":")[0]) for step in STEPS]
    assert positions == sorted(positions), headings
    registered = set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    commands = tour_commands(README.read_text(encoding="utf-8"))
    assert len(commands) >= 10 and all(args[0] in registered | {"--help"} for args, _ in commands)


#: commands that run until stopped: the tour starts them, checks them, then stops them
SERVERS = {"serve"}


def run_server(args: list[str], tour: Tour) -> str:
    """Start ``clientbase serve`` as the tour writes it (on a free port, so tests can run side by side),
    wait until its log-in page answers, stop it, and return what it printed."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [str(Path(sys.executable).with_name("clientbase")), *args, "--port", str(port)]
    server = subprocess.Popen(command, cwd=tour.folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as page:
                    assert page.status == 200 and b"password" in page.read().lower()
                break
            except OSError:
                assert time.monotonic() < deadline, "clientbase serve did not answer within 120 s"
                time.sleep(0.5)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            out, _ = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            out, _ = server.communicate()
    return out.decode()


def check_serve(out: str, tour: Tour, args: list[str]) -> None:
    # the first start of the demo base gives the head a password, printed once
    assert "http://127.0.0.1:" in out, out
    assert re.search(r"log in as \S+ with the password \S+", out, flags=re.IGNORECASE), out


def test_the_tour_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CLIENTBASE_DB", raising=False)
    monkeypatch.delenv("CLIENTBASE_USER", raising=False)
    tour = Tour(tmp_path)
    runner = CliRunner()
    for args, comment in tour_commands(README.read_text(encoding="utf-8")):
        line = shlex.join(["clientbase", *args])
        if args[0] in SERVERS:
            check_serve(run_server(args, tour), tour, args[1:])
            continue
        result = runner.invoke(app, args, terminal_width=200)
        assert result.exit_code == 0, f"{line}  # {comment}\n{result.output}"
        assert result.output.strip() and "Traceback" not in result.output, line
        check = CHECKS.get(args[0])
        if check is not None:
            check(result.output, tour, args[1:])
