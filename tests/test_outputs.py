"""Issue 11.9: no formula injection. Workbooks are written with formulas off; CSVs meant for people neutralise
a leading = + - @ (and read it back); the exchange format stays byte-faithful (tests/exchange)."""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from clientbase import schema
from clientbase.cli.main import app
from clientbase.outputs import for_people, from_people
from clientbase.registry import service
from clientbase.registry.access import Actor
from clientbase.store import connect

runner = CliRunner()
PAYLOAD = '=HYPERLINK("http://evil.example","click")'


def cli(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (args, result.output)
    return result.stdout


def formulas(path: Path) -> int:
    """The formula cells of a workbook (``<f>`` elements of its sheets)."""
    with zipfile.ZipFile(path) as book:
        return sum(
            len(re.findall(r"<f[ >]", book.read(name).decode()))
            for name in book.namelist()
            if name.startswith("xl/worksheets/")
        )


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"duckdb:///{tmp_path_factory.mktemp('injection')}/base.duckdb"
    cli("demo", "--customers", "60", "--years", "2", "--seed", "3", "--db", url)
    with connect(url) as store:
        lines = store.table("order_lines")
        latest = lines.order_date.max().to_pyarrow().as_py()
        recent = lines.filter(lines.order_date >= latest - dt.timedelta(days=90))
        buyers = set(recent.select("counterparty_id").distinct().to_pyarrow().column(0).to_pylist())
        cps = store.table("counterparties")
        cps = cps.filter((cps.owner_id == "M03") & cps.counterparty_id.isin(sorted(buyers))).order_by(
            "counterparty_id"
        )
        for n, row in enumerate(cps.limit(3).to_pyarrow().to_pylist()):
            changes = {"name": f"{PAYLOAD} {n}", "industry": "=2+2", "segment": "@SUM(A1)"}
            service.update_counterparty(
                db=store,
                actor=Actor("M01", "head"),
                counterparty_id=row["counterparty_id"],
                changes=changes,
                expected_version=row["version"],
            )
    return url


def test_report_workbook_has_no_formula_cells(base: str, tmp_path: Path) -> None:
    cli("report", "--xlsx", str(tmp_path / "r.xlsx"), "--db", base)
    assert formulas(tmp_path / "r.xlsx") == 0
    with zipfile.ZipFile(tmp_path / "r.xlsx") as book:
        shared = book.read("xl/sharedStrings.xml").decode()
    assert '=HYPERLINK("http://evil.example"' in shared and "=2+2" in shared  # as text


def test_export_list_neutralises_csv_cells_and_reads_them_back(base: str, tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    cli("export-list", str(path), "--as", "M01", "--db", base)
    text = path.read_text("utf-8-sig")
    cells = [
        cell
        for line in text.splitlines()[1:]
        for cell in re.split(r",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", line)
    ]
    raw = [c.strip('"') for c in cells]
    assert not any(c.startswith(("=", "+", "@")) for c in raw), [c for c in raw if c[:1] in "=+@"][:3]
    assert "'=2+2" in raw and any(c.startswith("'+") for c in raw)  # phones too: Excel would drop the +
    # the importer takes the ' off again: the list round-trips unchanged
    out = cli("import", str(path), "--as", "M01", "--yes", "--dry-run", "--json", "--db", base)
    summary = json.loads(out)
    assert (summary["new"], summary["updated"], summary["rejected"]) == (0, 0, 0), summary["diffs"][:3]
    xlsx = tmp_path / "mine.xlsx"
    cli("export-list", str(xlsx), "--as", "M01", "--db", base)
    assert formulas(xlsx) == 0


def test_the_error_report_is_neutralised(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path}/db.duckdb"
    with connect(url) as store, store.begin() as conn:
        conn.execute(sa.insert(schema.managers).values(manager_id="M01", name="Anna", role="manager"))
    path = tmp_path / "bad.csv"
    path.write_text('Firma;Land;Zahlungsziel\n=cmd|"/C calc"!A0;DE;-5\n', encoding="utf-8")
    result = runner.invoke(app, ["import", str(path), "--as", "M01", "--db", url, "--yes"])
    assert result.exit_code == 0, result.output
    report = (tmp_path / "bad-errors.csv").read_text("utf-8-sig")
    assert "bad.csv,2,Zahlungsziel,'-5,minimum" in report and ",-5," not in report


def test_neutralising_round_trips() -> None:
    for text in (PAYLOAD, "+4618123456", "-5 %", "@x", "\tx", "plain", "'quoted", ""):
        assert from_people(for_people(text)) == text
