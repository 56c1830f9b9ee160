"""A small demo company shared by the demo tests, registered in an in-memory DuckDB for checks in SQL."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from clientbase.demo.generate import DemoData, generate

CUSTOMERS, YEARS, SEED = 300, 2, 11


@pytest.fixture(scope="package")
def small() -> DemoData:
    return generate(customers=CUSTOMERS, years=YEARS, seed=SEED)


@pytest.fixture(scope="package")
def sql(small: DemoData) -> Iterator[duckdb.DuckDBPyConnection]:
    """The small demo's tables (and ``demo_truth``) as DuckDB relations."""
    con = duckdb.connect()
    for name, table in small.tables.items():
        con.register(name, table)
    con.register("demo_truth", small.truth)
    yield con
    con.close()


def one(con: duckdb.DuckDBPyConnection, query: str) -> object:
    """The single value ``query`` returns."""
    return con.execute(query).fetchall()[0][0]
