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
    ids = ['Ä "quoted"\\ \u2028 \U0001f600', "%s %d\x01\n\t\x7f", "plain"]
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
    names = ["Zoë\x1f", None, 'a "b" c\r\x08\x0c']
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
    assert jw.texts(values).to_pylist() == [json.dumps(v, default=jw.json_value) for v in values]
    cents = np.array([1, 5, 10, 15, -995, 2**53 - 1, -(2**53) + 1, 0], dtype=np.int64)
    expect = [json.dumps(Decimal(int(c)).scaleb(-2), default=jw.json_value) for c in cents]
    assert jw.scaled(cents, 2).to_pylist() == expect
    assert jw.scaled(cents.astype(object) * 1000, 2).to_pylist() == [
        json.dumps(Decimal(int(c) * 1000).scaleb(-2), default=jw.json_value) for c in cents
    ]
    records = jw.Records({"a": ["1", "null"], 'k "%s"': ['"x"', '"\u00e9"']})
    document = {"when": dt.date(2024, 2, 29), "rows": records, "empty": jw.Records({}), "text": "records-"}
    out = io.StringIO()
    jw.write_json(document, out)
    plain = {**document, "rows": records.dicts(), "empty": []}
    assert out.getvalue() == json.dumps(plain, default=jw.json_value, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("places", [0, 1, 2, 3, 4, 5])
def test_amounts_from_integers_are_what_json_writes_of_the_decimal(places: int) -> None:
    """Written from the integers up to 15 digits, through the float beyond: both as json.dumps spells the
    Decimal amount, around the boundary, at int64's ends and far beyond it."""
    rng = np.random.default_rng(places)
    edges = [0, 1, -1, 9, 10, 99, 100, 101, 10**15 - 1, 10**15, 10**15 + 1, 2**53, 2**63 - 1, -(2**63)]
    units = np.concatenate(
        [np.array(edges + [-e for e in edges[1:-1]], dtype=np.int64)]
        + [rng.integers(-m, m, 300) for m in (10, 10**4, 10**9, 10**14, 10**16, 2**62)]
    )
    expect = [json.dumps(Decimal(int(u)).scaleb(-places), default=jw.json_value) for u in units]
    assert jw.scaled(units, places).to_pylist() == expect
    beyond = np.array([2**70, -(2**70) + 3, 7], dtype=object)
    expect = [json.dumps(Decimal(int(u)).scaleb(-places), default=jw.json_value) for u in beyond]
    assert jw.scaled(beyond, places).to_pylist() == expect
    valid = units % 3 != 0
    nulls = jw.scaled_or_null(units, valid, places).to_pylist()
    assert nulls == [
        t if ok else "null" for t, ok in zip(jw.scaled(units, places).to_pylist(), valid, strict=True)
    ]


def test_strings_counts_and_objects_are_what_json_writes() -> None:
    strings = ["", "plain", 'q"', "back\\slash", "\x00\x1f\x7f\n\t\r\b\f", "é \u2028 \U0001f600", "%s", None]
    assert jw.texts(strings).to_pylist() == [json.dumps(v, ensure_ascii=False) for v in strings]
    mixed = ["a", float("nan"), 3, None]  # not all strings: json's own text for each
    assert jw.texts(mixed).to_pylist() == [json.dumps(v, ensure_ascii=False) for v in mixed]
    counts = np.array([0, -1, 2**63 - 1, -(2**63)], dtype=np.int64)
    assert jw.integers(counts).to_pylist() == [json.dumps(int(v)) for v in counts]
    assert jw.integers(np.array([2**64 - 1], dtype=np.uint64)).to_pylist() == [str(2**64 - 1)]
    cents = {"visit": np.array([0, 125, 0]), 'call "é"': np.array([5, -1, 0])}
    kinds = jw.objects({k: jw.scaled(v, 2) for k, v in cents.items()}, [v != 0 for v in cents.values()])
    plain = [{k: float(v[i]) / 100 for k, v in cents.items() if v[i]} for i in range(3)]
    assert kinds.to_pylist() == [json.dumps(d, ensure_ascii=False) for d in plain]


def test_records_write_the_same_text_to_every_kind_of_stream() -> None:
    """More records than one chunk; to a UTF-8 byte stream (written from Arrow's buffer), to a StringIO and
    to a stream of another encoding (decoded first): the same text as json.dumps of the dicts."""
    n = 70_000
    ids = [f"C{i}" if i % 7 else f"Zoë {i}" for i in range(n)]
    records = jw.Records(
        {"id": jw.texts(ids), "n": jw.integers(np.arange(n)), "x": jw.scaled(np.arange(n) - 5, 2)}
    )
    expect = json.dumps(
        [{"id": i, "n": k, "x": (k - 5) / 100} for k, i in enumerate(ids)], ensure_ascii=False
    )
    assert records.encode() == expect
    for encoding in ("utf-8", "utf-16"):
        raw = io.BytesIO()
        stream = io.TextIOWrapper(raw, encoding=encoding)
        stream.write("a ")
        records.write(stream)
        stream.write(" z")
        stream.flush()
        assert raw.getvalue().decode(encoding) == f"a {expect} z"
    text = io.StringIO()
    records.write(text)
    assert text.getvalue() == expect
    assert jw.Records({}).encode() == "[]" == jw.Records({"a": []}).encode()
