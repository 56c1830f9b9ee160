"""Issue 11.3: no traceback for anything a user can type. Values the engines cannot hold are refused in the
dry run, so the apply does exactly what the dry run said; ordinary path problems are clear messages; a huge
value is cut in messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from clientbase import schema
from clientbase.cli.main import app
from clientbase.store import Store, connect
from tests.registry.conftest import MANAGERS, dump

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, " ".join(result.stderr.split())


#: numbers a spreadsheet may hold that no column can: each row is rejected, the good one goes in
MONSTERS = [
    ("NaN", "30", ""),
    ("sNaN", "30", ""),
    ("Infinity", "30", ""),
    ("1e300", "30", ""),
    ("", "12345678901234567890", ""),
    ("", "30", "123456"),
    ("", "-Infinity", ""),
]


def test_values_no_column_holds_are_rejected_in_the_dry_run_and_the_apply_agrees(
    store: Store, db_url: str, tmp_path: Path
) -> None:
    rows = "".join(
        f"Monster {n} GmbH;DE;{days};{limit};{pct}\n" for n, (limit, days, pct) in enumerate(MONSTERS)
    )
    path = tmp_path / "monsters.csv"
    path.write_text(
        "Firma;Land;Zahlungsziel;Kreditlimit;Rabatt\n" + rows + "Gut GmbH;DE;30;1000;5\n", "utf-8"
    )
    args = ["import", str(path), "--as", "M01", "--db", db_url, "--yes", "--json"]
    code, out, err = run(*args)
    assert code == 0, err
    dry = json.loads(out)
    assert (dry["new"], dry["rejected"]) == (1, len(MONSTERS))
    assert {e["row"] for e in dry["errors"]} == set(range(2, 2 + len(MONSTERS)))
    code, out, err = run(*args, "--apply", "--skip-invalid")
    assert code == 0, err
    applied = json.loads(out)
    assert {k: applied[k] for k in ("new", "updated", "unchanged", "rejected", "errors")} == {
        k: dry[k] for k in ("new", "updated", "unchanged", "rejected", "errors")
    }
    assert [r[1] for r in dump(store)["counterparties"]] == ["Gut GmbH"]


@pytest.fixture
def duck_url(tmp_path: Path) -> str:
    """A DuckDB base with the users (what is tested here does not depend on the engine)."""
    url = f"duckdb:///{tmp_path}/base.duckdb"
    with connect(url) as store, store.begin() as conn:
        conn.execute(sa.insert(schema.managers), MANAGERS)
    return url


def test_number_cells_of_a_workbook_that_no_column_holds(duck_url: str, tmp_path: Path) -> None:
    db_url = duck_url
    import xlsxwriter

    path = tmp_path / "monsters.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["Firma", "Land", "Zahlungsziel", "Kreditlimit", "Rabatt"])
    sheet.write_row(1, 0, ["Big GmbH", "DE", 30, 1e300, 0])
    sheet.write_row(2, 0, ["Long GmbH", "DE", 1.2345678901234567e19, 10, 0])
    sheet.write_row(3, 0, ["Deep GmbH", "DE", 30, 10, 123456])
    sheet.write_row(4, 0, ["Half GmbH", "DE", 30.5, 10, 0])
    book.close()
    code, out, err = run("import", str(path), "--as", "M01", "--db", db_url, "--yes", "--json")
    reasons = {e["row"]: e["reason"] for e in json.loads(out)["errors"]}
    assert code == 0 and json.loads(out)["rejected"] == 4, err
    assert "is too large" in reasons[2] and "out of range" in reasons[3]
    assert "is too large: at most 3 digits" in reasons[4] and "not a whole number" in reasons[5]
    code, _, err = run("import", str(path), "--as", "M01", "--db", db_url, "--yes", "--apply")
    assert code == 3 and "nothing was written" in err
    with connect(db_url) as store:
        assert dump(store)["counterparties"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "--out", "missing/dir/r.html"], "the folder missing/dir does not exist"),
        (["report", "--out", "."], "is a folder; give a file name inside it"),
        (["report", "--xlsx", "missing/r.xlsx"], "the folder missing does not exist"),
        (["export-list", "missing/x.csv", "--as", "M01"], "the folder missing does not exist"),
        (["export-list", "x.txt", "--as", "M01"], "name the file .csv or .xlsx"),
        (["export-folder", "afile"], "is a file, not a folder"),
    ],
)
def test_path_problems_are_clear_errors(
    duck_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("")
    code, _, err = run(*args, "--db", duck_url)
    assert code == 1 and message in err, err


def test_table_files_that_are_folders_or_dangling_links(tmp_path: Path) -> None:
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "managers.csv").mkdir()
    (folder / "products.csv").symlink_to(tmp_path / "gone.csv")
    code, _, err = run("import-folder", str(folder), "--db", f"duckdb:///{tmp_path}/db.duckdb")
    assert code == 3
    assert "managers.csv: a folder, not a CSV file" in err
    assert "products.csv: a link to" in err and "which does not exist" in err


def test_a_huge_value_is_cut_in_messages_and_reports(tmp_path: Path) -> None:
    folder = tmp_path / "x"
    folder.mkdir()
    huge = "x" * 2_000_000
    (folder / "managers.csv").write_text(f"manager_id,name\nM1,Anna\nM2,Bo\nM3,{huge}\n", encoding="utf-8")
    code, _, err = run("import-folder", str(folder), "--db", f"duckdb:///{tmp_path}/db.duckdb")
    assert code == 3
    assert "managers.csv, row 4, column 'name'" in err and "longer than 200 characters" in err
    assert "(2,000,000 characters)" in err and len(err) < 2000
    report = (tmp_path / "x-errors.csv").read_text("utf-8-sig")
    assert len(report) < 2000 and "(2,000,000 characters)" in report
