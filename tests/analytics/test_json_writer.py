"""The fast JSON writer of ``analyze --json`` writes the very text ``json.dumps`` wrote of the dict document:
on the demo, on random companies, and on edge values (decimals far from a float, huge amounts that leave
int64, None, unicode and quotes in names, dates)."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from clientbase.analytics import jsonwriter as jw
from clientbase.analytics.pnl import COLUMNS, PnL, customer_dicts, customer_records
from clientbase.analytics.run import Analysis, analyze
from clientbase.cli.main import app
from clientbase.demo.build import load_demo
from clientbase.demo.generate import generate
from clientbase.store import connect
from tests.analytics import example
from tests.analytics.engines import memtables
from tests.analytics.random_company import random_company


def _old(a: Analysis) -> str:
    """The document as ``analyze --json`` wrote it before the column writer."""
    return json.dumps(a.document(), default=jw.json_value, ensure_ascii=False) + "\n"


def _new(a: Analysis) -> str:
    out = io.StringIO()
    a.write_json(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("json") / "demo.duckdb"
    with connect(f"duckdb:///{path}") as store:
        load_demo(store, generate(customers=300, years=3, seed=11))
    return f"duckdb:///{path}"


def test_demo_document_is_the_same_text(demo: str) -> None:
    with connect(demo) as store:
        a = analyze(store)
    old, new = _old(a), _new(a)
    assert len(json.loads(new)["customers"]) > 100
    assert new == old


def test_cli_prints_the_same_text(demo: str) -> None:
    result = CliRunner().invoke(app, ["analyze", "--db", demo, "--json"])
    assert result.exit_code == 0, result.output
    with connect(demo) as store:
        assert result.stdout == _old(analyze(store))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_companies_are_the_same_text(seed: int) -> None:
    a = analyze(memtables(random_company(seed, 8, 20, 12)), **example.PERIOD, **example.COMPARE)
    assert _new(a) == _old(a)


def _pnl(rows: dict[str, list[int]], ids: list[str], kinds: dict[str, list[int]]) -> PnL:
    frame = pd.DataFrame({c: rows.get(c, [0] * len(ids)) for c in COLUMNS}, index=ids)
    for c in COLUMNS:
        if frame[c].dtype != object:
            frame[c] = frame[c].astype(np.int64)
    return PnL(frame, pd.DataFrame(kinds, index=ids))


def test_edge_values_are_the_same_text() -> None:
    ids = ['Ä "quoted"\\ \u2028 \U0001f600', "%s %d", "plain"]
    big = 2**70  # beyond int64 and beyond a float's exact integers: Python integers in an object column
    pnl = _pnl(
        {
            "gross_sales_list": [1, -1, 999_999_999_999_999_99],
            "discount": [0, 33, 2**53 + 1],
            "net_revenue": [3, 0, 7],
            "gross_margin": [1, 5, -7],
            "net_contribution": [-1, 10, 123_456_789],
            "invoiced": [0, -5, 3],
            "late_amount_days": [10, 0, 7],
            "orders": [3, 0, 1],
            "activities": [2, 7, 0],
        },
        ids,
        {"visit": [0, 125, -1], "call\u00e9": [5, 0, 0]},
    )
    names = ["Zoë", None, 'a "b" c']
    old = json.dumps(customer_dicts(pnl, first={"name": names}), default=jw.json_value, ensure_ascii=False)
    assert customer_records(pnl, first={"name": jw.texts(names)}).encode() == old
    huge = pnl.frame.astype(object)
    huge.loc["plain", "net_revenue"] = big
    huge.loc["plain", "gross_margin"] = -big + 1
    huge_pnl = PnL(huge, pnl.kinds)
    old = json.dumps(customer_dicts(huge_pnl), default=jw.json_value, ensure_ascii=False)
    assert customer_records(huge_pnl).encode() == old


def test_values_and_writer_against_json_dumps() -> None:
    import datetime as dt

    values = [
        Decimal("0.1"),
        Decimal("-0.00"),
        Decimal("1e-7"),
        Decimal("123456789012345678.91"),
        None,
        0,
        -3,
    ]
    assert jw.texts(values) == [json.dumps(v, default=jw.json_value) for v in values]
    cents = np.array([1, 5, 10, 15, -995, 2**53 - 1, -(2**53) + 1, 0], dtype=np.int64)
    expect = [json.dumps(Decimal(int(c)).scaleb(-2), default=jw.json_value) for c in cents]
    assert jw.scaled(cents, 2) == expect
    assert jw.scaled(cents.astype(object) * 1000, 2) == [
        json.dumps(Decimal(int(c) * 1000).scaleb(-2), default=jw.json_value) for c in cents
    ]
    records = jw.Records({"a": ["1", "null"], 'k "%s"': ['"x"', '"\u00e9"']})
    document = {"when": dt.date(2024, 2, 29), "rows": records, "empty": jw.Records({}), "text": "records-"}
    out = io.StringIO()
    jw.write_json(document, out)
    plain = {**document, "rows": records.dicts(), "empty": []}
    assert out.getvalue() == json.dumps(plain, default=jw.json_value, ensure_ascii=False) + "\n"
