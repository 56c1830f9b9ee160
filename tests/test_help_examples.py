"""Every `--help` "Example:" line runs against the demo database, as written.

The examples are read from the commands' help (so a changed example is what runs) and split at ``&&``. They
run in this process, one after another, in the order `clientbase --help` lists the commands, in a temporary
folder whose default database ``./clientbase.duckdb`` is a demo company; the examples that build a demo run
in an empty folder of their own. The demo is the one `clientbase demo --help` shows (its example runs first
and builds it).

What the test prepares, because an example names it (the files a user would bring):

* ``anna_kunden.xlsx`` (`import`): M01's own list as `export-list` writes it, plus one new company;
* ``export/`` (`import-folder`): the demo in the exchange format, as `export-folder` writes it;
* ``lines_2024-05.csv`` (`import-transactions`): the demo's order lines of May 2024 from that export;
* ``customers.xlsx`` (`dedupe`): the demo's counterparties with a ``Customer no`` column;
* ``orders.csv`` (`clv fit`): the CDNOW sample of Fader & Hardie (tests/data/cdnow) as customer, date, amount.

Ids an earlier command makes afresh each time cannot be written into an example: a batch id
(``B20240517T103102-3f9a``, `undo-import`) and a merge id (``X20240517103102a1b2c3``, `unmerge`) are
replaced by the id the `import` and `merge` examples just printed. A command that runs until it is stopped
(a server) is not started; its help is checked by tests/test_cli.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shlex
import shutil
from pathlib import Path

import duckdb
import pytest
import typer.core
import typer.main
import xlsxwriter
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from clientbase.cli.main import app

CDNOW = Path(__file__).parent / "data" / "cdnow" / "CDNOW_sample.txt"
#: ids made afresh by a command, and the shape an example writes them in
FRESH_IDS = {
    "batch": r"B\d{8}T\d{6}-[0-9a-f]{4}",
    "merge": r"X\d{14}[0-9a-f]{6}",
    "task": r"\bT[0-9a-f]{15}\b",
    "scenario": r"\bS[0-9a-f]{15}\b",
}
#: commands that run until stopped
SERVERS = {"serve"}


def help_examples() -> list[tuple[str, list[list[str]]]]:
    """(command name, the commands of its example split at &&) for the app and every command, in the order
    `clientbase --help` lists them (groups before their commands)."""
    root = typer.main.get_command(app)
    found: list[tuple[str, list[list[str]]]] = []

    def add(name: str, command: typer.core.TyperCommand | typer.core.TyperGroup) -> None:
        text = command.help or ""
        assert "Example: clientbase " in text, f"`clientbase {name} --help` has no example"
        example = text.split("Example: ", 1)[1].split("\n\n", 1)[0]
        parts = [shlex.split(p) for p in example.split("&&")]
        assert all(p and p[0] == "clientbase" for p in parts), example
        found.append((name, [p[1:] for p in parts]))

    def walk(group: object, prefix: str) -> None:
        for name, command in getattr(group, "commands", {}).items():
            add(f"{prefix}{name}", command)
            walk(command, f"{prefix}{name} ")

    add("", root)
    walk(root, "")
    return found


def _sql(db: Path, query: str) -> list[tuple]:  # type: ignore[type-arg]
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(query).fetchall()


def _write_xlsx(path: Path, rows: list[list[object]]) -> None:
    with xlsxwriter.Workbook(str(path)) as book:
        sheet, day = book.add_worksheet(), book.add_format({"num_format": "yyyy-mm-dd"})
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, dt.date):
                    sheet.write_datetime(r, c, value, day)
                else:
                    sheet.write(r, c, value)


def prepare_files(folder: Path, runner: CliRunner) -> None:
    """The files the examples name (see the module docstring), made from the demo in ``folder``."""
    db = folder / "clientbase.duckdb"
    monthly = _sql(
        db,
        "SELECT strftime(date_trunc('month', order_date), '%Y-%m') AS month, "
        "sum(quantity * net_price) FROM order_lines GROUP BY 1 ORDER BY 1",
    )
    with (folder / "sales.csv").open("w", newline="", encoding="utf-8") as f:  # a series file to forecast
        csv.writer(f).writerows([["month", "sales"], *monthly])
    (folder / "plan.csv").write_text(  # the head's plan for M03, every segment, two months
        "owner_id,segment,month,target\nM03,*,2026-11,120000\nM03,*,2026-12,125000\n", encoding="utf-8"
    )
    (folder / "new-password.txt").write_text("a long new password 42\n", encoding="utf-8")
    examples = folder / "docs" / "examples"  # the what-if example the repository ships
    examples.mkdir(parents=True)
    shutil.copy(Path(__file__).parents[1] / "docs" / "examples" / "what-if.toml", examples)
    for args in (["export-list", "m01.xlsx", "--as", "M01", "--owner", "M01"], ["export-folder", "export"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    rows = CalamineWorkbook.from_path(str(folder / "m01.xlsx")).get_sheet_by_index(0).to_python()
    header = [str(h) for h in rows[0]]
    new = dict(zip(header, rows[1], strict=True))
    keep = {"name", "roles", "status", "owner_id", "country", "city", "segment", "size_band"}
    new = {k: (v if k in keep else "") for k, v in new.items()}
    new.update(name="Anna Kunde Neu GmbH", city="Kassel")
    (folder / "m01.xlsx").unlink()
    _write_xlsx(folder / "anna_kunden.xlsx", [*rows, [new[h] for h in header]])

    with (folder / "export" / "order_lines.csv").open(newline="", encoding="utf-8") as f:
        lines = list(csv.reader(f))
    may = [r for r in lines[1:] if r[lines[0].index("order_date")].startswith("2024-05")]
    assert may, "the demo has order lines in May 2024"
    with (folder / "lines_2024-05.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([lines[0], *may])

    people = _sql(
        db, "SELECT counterparty_id, name, address, postcode, city, country, phone, email FROM counterparties"
    )
    _write_xlsx(
        folder / "customers.xlsx",
        [
            ["Customer no", "Name", "Address", "Postcode", "City", "Country", "Phone", "Email"],
            *map(list, people),
        ],
    )

    with (folder / "orders.csv").open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["customer", "date", "amount"])
        for raw in CDNOW.read_text().splitlines():
            fields = raw.split()
            if fields:
                day = fields[2]
                out.writerow([fields[1], f"{day[:4]}-{day[4:6]}-{day[6:]}", fields[4]])


def _fresh(args: list[str], made: dict[str, str]) -> list[str]:
    """``args`` with an example's stand-in for a fresh id replaced by the id made last."""
    out = []
    for arg in args:
        for kind, shape in FRESH_IDS.items():
            if re.fullmatch(shape, arg) and kind in made:
                arg = made[kind]
        out.append(arg)
    return out


def test_every_help_example_runs_against_the_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLIENTBASE_DB", raising=False)
    monkeypatch.delenv("CLIENTBASE_USER", raising=False)
    runner = CliRunner()
    examples = help_examples()
    builds = [(name, parts) for name, parts in examples if any(p and p[0] == "demo" for p in parts)]
    demo_example = next(parts for name, parts in builds if name == "demo")

    def run(parts: list[list[str]], name: str, made: dict[str, str]) -> None:
        for args in parts:
            args = _fresh(args, made)
            stdin = None
            if "<" in args:  # `< FILE`: the file is the command's standard input, as in a shell
                at = args.index("<")
                stdin, args = Path(args[at + 1]).read_text(encoding="utf-8"), args[:at] + args[at + 2 :]
            result = runner.invoke(app, args, input=stdin, terminal_width=200)
            line = shlex.join(["clientbase", *args])
            assert result.exit_code == 0, f"`clientbase {name} --help`: {line}\n{result.output}"
            assert "Traceback" not in result.output, line
            for kind, shape in FRESH_IDS.items():
                found = re.findall(shape, result.output)
                if found:
                    made[kind] = found[0]

    # the demo's own example builds the base every other example runs on
    base = tmp_path / "base"
    base.mkdir()
    monkeypatch.chdir(base)
    run(demo_example, "demo", {})
    built = [a.removeprefix("duckdb:///./") for a in demo_example[0] if a.startswith("duckdb:///./")]
    if built and built[0] != "clientbase.duckdb":
        shutil.copy(base / built[0], base / "clientbase.duckdb")
    prepare_files(base, runner)
    made: dict[str, str] = {}
    for name, parts in examples:
        if name.split(" ")[0] in SERVERS:
            continue
        if (name, parts) in builds:  # a new demo needs an empty folder
            if name == "demo":
                continue
            empty = tmp_path / f"empty-{name or 'app'}"
            empty.mkdir()
            monkeypatch.chdir(empty)
            run(parts, name, {})
            monkeypatch.chdir(base)
            continue
        run(parts, name, made)
    assert {"batch", "merge"} <= set(made), "the import and merge examples made the ids undo and unmerge use"
