"""The same analysis on DuckDB, PostgreSQL (a real server) and PySpark local mode gives equal results to the cent."""

from __future__ import annotations

from typing import Any

import pytest

from clientbase.analytics.run import analyze
from clientbase.store import connect
from tests.analytics import example
from tests.analytics.engines import spark_tables
from tests.analytics.random_company import random_company

ROWS = random_company(seed=7, customers=30, orders=160, activities=140)


def _document(source: Any, **kwargs: Any) -> dict[str, Any]:
    return analyze(source, **kwargs).document()


@pytest.fixture(scope="module")
def duckdb_document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    url = f"duckdb:///{tmp_path_factory.mktemp('parity')}/parity.duckdb"
    with connect(url) as store:
        example.load(store, ROWS)
        doc = _document(store)
    # the data really exercises the rules: returns, unpaid invoices, both periods, losses
    assert doc["totals"]["customers"] >= 20 and doc["whale"]["loss_makers"] > 0
    assert doc["totals"]["credit_cost"] != 0 and doc["bridge"]["components"]["lost_customers"] != 0
    return doc


@pytest.mark.postgres
def test_postgres_equals_duckdb(pg_url: str, duckdb_document: dict[str, Any]) -> None:
    with connect(pg_url) as store:
        example.load(store, ROWS)
        assert _document(store) == duckdb_document


@pytest.mark.spark
@pytest.mark.slow
def test_spark_equals_duckdb(spark: Any, duckdb_document: dict[str, Any]) -> None:
    tables = spark_tables(spark, ROWS, prefix="parity")
    assert _document(tables) == duckdb_document
