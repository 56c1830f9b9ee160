"""Malformed values per column type and whole malformed files, against every importer: each gives a clear
error (a ClientbaseError naming file, row, column) and leaves every table as it was."""

from __future__ import annotations

import contextlib
import csv
import io
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from clientbase import formats, schema
from clientbase.errors import ClientbaseError, ValidationError
from clientbase.exchange import import_folder
from clientbase.imports.plan import plan_import
from clientbase.imports.transactions import import_transactions
from clientbase.registry import service
from clientbase.registry.access import Actor
from clientbase.store import Store, connect
from tests.exchange.test_folder import FILES, write_folder
from tests.robustness.conftest import FUZZ, fingerprint

HEAD = Actor("M1", "head")

#: (file, column) whose cell the fuzzed value replaces in the first data row
TARGETS = [
    ("counterparties.csv", "payment_days"),
    ("counterparties.csv", "discount_pct"),
    ("counterparties.csv", "created_at"),
    ("counterparties.csv", "name"),
    ("managers.csv", "role"),
    ("products.csv", "list_price"),
    ("invoices.csv", "amount"),
    ("invoices.csv", "due_date"),
    ("order_lines.csv", "line_no"),
    ("order_lines.csv", "quantity"),
    ("activities.csv", "activity_date"),
]

#: malformed spellings per kind: the documented ones, and random ones in their neighbourhood
MALFORMED = {
    "integer": st.one_of(
        st.sampled_from(formats.SPELLINGS["integer"].refused[:-1]),
        st.from_regex(r"[0-9]{1,5}[.,_eE][0-9]{1,3}", fullmatch=True),
        st.integers(min_value=2**31, max_value=10**30).map(str),
        st.text(alphabet="0123456789 abcxyz%-+", min_size=2, max_size=8).filter(lambda t: not t.strip(" ").lstrip("+-").isdigit()),
    ),
    "decimal": st.one_of(
        st.sampled_from(formats.SPELLINGS["decimal"].refused),
        st.from_regex(r"[0-9]{1,4}\.[0-9]{5,9}[1-9]", fullmatch=True),
        st.from_regex(r"[0-9]{1,3}[eE][+-]?[0-9]{1,3}", fullmatch=True),
        st.from_regex(r"[0-9]{20,30}", fullmatch=True),
    ),
    "date": st.one_of(
        st.sampled_from(formats.SPELLINGS["date"].refused),
        st.from_regex(r"[0-9]{4}-(1[3-9]|00)-[0-9]{2}", fullmatch=True),
        st.from_regex(r"[0-9]{2}[./][0-9]{2}[./][0-9]{4}", fullmatch=True),
    ),
    "text": st.text(min_size=1, max_size=10).map(lambda t: t + "\x00" + t),
}  # fmt: skip


def refused(column: sa.Column[object], value: str) -> bool:
    try:
        formats.parse(column, value)
    except ValueError:
        return True
    return False


def malformed(column: sa.Column[object]) -> st.SearchStrategy[str]:
    """Values of ``column``'s kind that its spelling or range refuses (``0000...0`` is a good number)."""
    if column.info["field"].enum:
        return st.sampled_from(["partner", "Head", "x", "manager;head"])
    return MALFORMED[formats.kind(column)].filter(lambda value: refused(column, value))


def with_cell(text: str, column: str, value: str) -> str:
    rows = list(csv.reader(io.StringIO(text)))
    rows[1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


@pytest.fixture(scope="module")
def good_folder() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="fuzz-good-"))
    write_folder(folder)
    yield folder
    shutil.rmtree(folder)


@pytest.fixture(scope="module")
def base(good_folder: Path) -> Iterator[Store]:
    with connect("duckdb:///:memory:") as store:
        import_folder(store, good_folder)
        yield store


@FUZZ
@given(target=st.sampled_from(TARGETS), data=st.data())
def test_a_malformed_value_is_refused_by_both_bulk_loaders(
    base: Store, good_folder: Path, target: tuple[str, str], data: st.DataObject
) -> None:
    file, column = target
    table = schema.metadata.tables[file.removesuffix(".csv")]
    value = data.draw(malformed(table.c[column]))
    before = fingerprint(base)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        shutil.copytree(good_folder, folder, dirs_exist_ok=True)
        (folder / file).write_text(with_cell(FILES[file], column, value), encoding="utf-8")
        loaders = [lambda: import_folder(base, folder)]
        if table.name in ("invoices", "order_lines", "activities"):
            loaders.append(lambda: import_transactions(base, folder / file, table=table.name))
        for load in loaders:
            with pytest.raises(ValidationError) as caught:
                load()
            assert (file, 2, column) in {(p.file, p.row, p.column) for p in caught.value.problems}, [
                str(p) for p in caught.value.problems
            ]
            assert fingerprint(base) == before


@FUZZ
@given(
    column=st.sampled_from(
        ["payment_days", "discount_pct", "credit_limit", "created_at", "name", "phone", "country"]
    ),
    data=st.data(),
)
def test_a_malformed_value_is_refused_by_the_service_and_the_spreadsheet_import(
    base: Store, column: str, data: st.DataObject
) -> None:
    value = data.draw(
        malformed(schema.counterparties.c[column])
        if column in ("payment_days", "discount_pct", "credit_limit", "created_at", "name")
        else st.text(max_size=12).map(lambda t: t + "\x07")
    )
    before = fingerprint(base)
    values = {
        "name": "Fuzz AB",
        "roles": "customer",
        "status": "active",
        "country": "SE",
        "payment_days": 30,
        "owner_id": "M1",
    }
    with pytest.raises(ValidationError):
        service.create_counterparty(db=base, actor=HEAD, values={**values, column: value})
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "sheet.csv"
        headers = {
            "payment_days": "Zahlungsziel",
            "discount_pct": "Rabatt",
            "credit_limit": "Kreditlimit",
            "created_at": "Kunde seit",
            "name": "Firma",
            "phone": "Telefon",
            "country": "Land",
        }
        cells = {"Firma": "Fuzz AB", "Land": "SE", "Zahlungsziel": "30", headers[column]: value}
        out = io.StringIO()
        csv.writer(out, delimiter=";", lineterminator="\n").writerows([list(cells), list(cells.values())])
        path.write_text(out.getvalue(), encoding="utf-8")
        # a spreadsheet may write a value another way (30.0, 1.234,5): read, or refused, never a crash
        with contextlib.suppress(ClientbaseError):
            plan = plan_import(base, path=path, actor=HEAD, default_owner="M1")
            assert plan.count("new") + plan.count("rejected") == 1
    assert fingerprint(base) == before


BINARY_OR_TEXT = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.lists(st.lists(st.text(alphabet=',;"\n\r\tab1=-', max_size=6), max_size=6), max_size=6).map(
        lambda rows: "\n".join(",".join(r) for r in rows).encode()
    ),
)


@FUZZ
@given(
    content=BINARY_OR_TEXT,
    file=st.sampled_from(["counterparties.csv", "managers.csv", "order_lines.csv", "field_history.csv"]),
)
def test_a_malformed_file_is_a_clear_error_for_every_importer(base: Store, content: bytes, file: str) -> None:
    before = fingerprint(base)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        (folder / file).write_bytes(content)
        for load in (
            lambda: import_folder(base, folder),
            lambda: import_transactions(base, folder / file, table="order_lines"),
            lambda: plan_import(base, path=folder / file, actor=HEAD, default_owner="M1"),
        ):
            with contextlib.suppress(ClientbaseError):
                load()
        (folder / "sheet.xlsx").write_bytes(content)
        with contextlib.suppress(ClientbaseError):
            plan_import(base, path=folder / "sheet.xlsx", actor=HEAD, default_owner="M1")
    assert fingerprint(base) == before
