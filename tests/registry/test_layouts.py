"""Issue 11.8: header detection never eats a row. Over every layout the tests know, each data row is new,
updated, unchanged or rejected, and the counts add up to the rows a person counts in the file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from clientbase import schema
from clientbase.imports.plan import plan_import
from clientbase.store import Store, connect
from tests.registry.conftest import HEAD, MANAGERS, write_anna, write_claire, write_ivan, write_sven
from tests.registry.test_spreadsheet import write_ods


def write_text(name: str, text: str) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def write_offset(folder: Path) -> Path:
    import xlsxwriter

    path = folder / "offset.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Kunden")
    sheet.write_row(2, 1, ["Firma", "Land", "Zahlungsziel"])
    sheet.write_row(3, 1, ["Nordic Tools AB", "SE", 30])
    sheet.write_row(5, 1, ["Öresund Trä AB", "SE", 20])
    book.close()
    return path


#: file -> the data rows a person counts in it (header, sub-headers, title lines and empty rows aside)
LAYOUTS: dict[str, tuple[Callable[[Path], Path], int]] = {
    "title line, empty row (cp1252, ;)": (write_anna, 3),
    "Russian headers (cp1251)": (write_ivan, 2),
    "workbook: title row, merged header": (write_claire, 2),
    "UTF-8 with BOM": (write_sven, 2),
    "ODS": (lambda folder: write_ods(folder / "k.ods", "Kunden", [["Firma", "Land", "Zahlungsziel"], ["A AB", "SE", 30]]), 1),
    "workbook with an offset header": (write_offset, 2),
    "merged header in a CSV": (
        write_text("merged.csv", "Firma;Kontakt;;Land;Zahlungsziel\n;Name;Telefon;;\nACME GmbH;Eva;030 1234567;DE;30\n"),
        1,
    ),
    "a row with one cell more than the header": (
        write_text(
            "extra.csv",
            "Firma,Land,Zahlungsziel,Stadt\nAlpha Probe GmbH,DE,30,Berlin,Mitte\nBeta GmbH,DE,30,Köln\nGamma GmbH,DE,45,Bonn\n",
        ),
        3,
    ),
    "an unquoted formula holding the delimiter": (
        write_text("formula.csv", 'Firma,Land\n=HYPERLINK("http://x","x"),DE\n'),
        1,
    ),
    "a trailing delimiter on every line": (
        write_text("trailing.csv", "Firma;Land;Zahlungsziel;\nA GmbH;DE;30;\nB GmbH;DE;30;\n"),
        2,
    ),
    "numbers only below a header": (write_text("numbers.csv", "Firma;Zahlungsziel\n123;30\n456;45\n"), 2),
}  # fmt: skip


@pytest.fixture
def store() -> Iterator[Store]:
    """Reading a file does not depend on the engine: one in-memory base."""
    with connect("duckdb:///:memory:") as opened:
        with opened.begin() as conn:
            conn.execute(sa.insert(schema.managers), MANAGERS)
        yield opened


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_every_data_row_is_counted(store: Store, tmp_path: Path, layout: str) -> None:
    write, rows = LAYOUTS[layout]
    plan = plan_import(store, path=write(tmp_path), actor=HEAD, default_owner="M01")
    summary = plan.summary()
    counted = sum(summary[a] for a in ("new", "updated", "unchanged", "rejected"))
    assert counted == rows, (layout, summary)
    assert len({r.row for r in plan.rows}) == rows  # one outcome per row


def test_a_longer_row_is_rejected_not_taken_as_a_header(store: Store, tmp_path: Path) -> None:
    plan = plan_import(
        store,
        path=LAYOUTS["a row with one cell more than the header"][0](tmp_path),
        actor=HEAD,
        default_owner="M01",
    )
    assert [p for p in plan.sheet.headers] == ["Firma", "Land", "Zahlungsziel", "Stadt"]
    (problem,) = plan.errors
    assert problem.row == 2 and "5 cells but the header has 4" in problem.rule
    assert plan.count("new") == 2
    plan = plan_import(
        store,
        path=LAYOUTS["an unquoted formula holding the delimiter"][0](tmp_path),
        actor=HEAD,
        default_owner="M01",
    )
    assert (plan.count("rejected"), plan.errors[0].row) == (1, 2)
