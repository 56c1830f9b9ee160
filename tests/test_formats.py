"""The accepted spellings of each type: every documented example, and random text, gets the same verdict and the
same value from the Python writers (formats.parse) and from the bulk loader's SQL (formats.sql_checks)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import duckdb
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from clientbase import formats, schema

#: one column of every kind (two decimals: a wide money column and the narrow DECIMAL(7,4) percent)
COLUMNS = {
    "integer": schema.counterparties.c.payment_days,
    "decimal": schema.counterparties.c.credit_limit,
    "percent": schema.counterparties.c.discount_pct,
    "float": schema.duplicate_decisions.c.match_probability,
    "boolean": schema.managers.c.active,
    "date": schema.counterparties.c.created_at,
    "timestamp": schema.field_history.c.changed_at,
    "text": schema.counterparties.c.name,
}


@pytest.fixture(scope="module")
def duck() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    yield con
    con.close()


def python_verdict(column: sa.Column[object], text: str) -> tuple[bool, object]:
    try:
        return True, formats.parse(column, text)
    except ValueError:
        return False, None


def sql_verdict(con: duckdb.DuckDBPyConnection, column: sa.Column[object], text: str) -> tuple[bool, object]:
    checks = formats.sql_checks(column, "v", "VARCHAR")
    bad = " OR ".join(f"coalesce({where}, false)" for where, _ in checks) or "false"
    cast = formats.sql_cast(column, "v", "VARCHAR")
    row = con.execute(
        f"SELECT {bad}, CASE WHEN NOT ({bad}) THEN {cast} END FROM (SELECT NULLIF(CAST(? AS VARCHAR), '') AS v)",
        [text],
    ).fetchone()
    assert row is not None
    return (not row[0]), (row[1] if not row[0] else None)


def same(a: object, b: object) -> bool:
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return a == b
    return a == b


@pytest.mark.parametrize("name", list(COLUMNS))
def test_documented_spellings_are_accepted_and_refused_by_both_sides(
    duck: duckdb.DuckDBPyConnection, name: str
) -> None:
    column = COLUMNS[name]
    spelling = formats.spelling(column)
    for text in spelling.accepted:
        if name == "percent" and Decimal(text.strip()) >= 1000:
            continue
        ok, value = python_verdict(column, text)
        assert ok, (name, text)
        sql_ok, sql_value = sql_verdict(duck, column, text)
        assert sql_ok and same(value, sql_value), (name, text, value, sql_value)
    for text in spelling.refused:
        if text == "":
            continue
        assert not python_verdict(column, text)[0], (name, text)
        assert not sql_verdict(duck, column, text)[0], (name, text)


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        ("integer", "30.5", "not a whole number"),
        ("integer", "12345678901234567890", "out of range"),
        ("decimal", "12.0000001", "more than 2 decimals"),
        ("decimal", "1e-3", "not a number"),
        ("decimal", "NaN", "not a number"),
        ("decimal", "1e300", "not a number"),
        ("percent", "123456", "too large"),
        ("boolean", "yes", "not true or false"),
        ("date", "2025-01-01 10:00:00", "not a date"),
        ("date", "0044-03-15 (BC)", "not a date"),
        ("date", "99999-01-01", "not a date"),
        ("date", "2023-02-29", "no such date"),
        ("text", "a\x00b", "NUL"),
    ],
)
def test_each_refusal_says_why(name: str, text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        formats.parse(COLUMNS[name], text)


def test_python_values_of_the_api_are_checked_the_same_way() -> None:
    assert formats.parse(COLUMNS["decimal"], 30.5) == Decimal("30.5")
    assert formats.parse(COLUMNS["integer"], Decimal("30")) == 30
    for column, value in [
        (COLUMNS["integer"], 30.5),
        (COLUMNS["integer"], True),
        (COLUMNS["decimal"], float("nan")),
        (COLUMNS["decimal"], Decimal("sNaN")),
        (COLUMNS["decimal"], Decimal("Infinity")),
        (COLUMNS["decimal"], 0.1 + 0.2),  # 0.30000000000000004: more decimals than kept
        (COLUMNS["percent"], Decimal("123456")),
        (COLUMNS["date"], dt.datetime(2025, 1, 1, 10, 0)),
        (COLUMNS["integer"], 2**31),
    ]:
        with pytest.raises(ValueError):
            formats.parse(column, value)
    assert formats.parse(COLUMNS["date"], dt.datetime(2025, 1, 1)) == dt.date(2025, 1, 1)


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(list(COLUMNS)),
    text=st.one_of(
        st.text(alphabet="0123456789.-+eE :TtrufalsNIinfy_,", max_size=24),
        st.from_regex(r"[+-]?[0-9]{1,40}([.][0-9]{0,12})?", fullmatch=True),
        st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}:[0-9]{2})?", fullmatch=True),
        st.text(max_size=12),
    ),
)
def test_python_and_sql_agree_on_any_text(duck: duckdb.DuckDBPyConnection, name: str, text: str) -> None:
    column = COLUMNS[name]
    if "\x00" in text and formats.kind(column) != "text":
        return  # DuckDB parameters end at a NUL; text columns check it (above)
    ok, value = python_verdict(column, text)
    sql_ok, sql_value = sql_verdict(duck, column, text)
    if not text.strip(" "):
        assert value is None and sql_value is None
        return
    assert ok == sql_ok, (name, repr(text), value, sql_value)
    if ok and formats.kind(column) != "float":
        assert same(value, sql_value), (name, repr(text), value, sql_value)
