"""Shared fixtures: a database URL on every engine, and the PostgreSQL server the tests start themselves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import pg_server


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    with pg_server.running_server() as url:
        yield url


@pytest.fixture
def pg_url(pg_server_url: str) -> str:
    """URL of a fresh, empty PostgreSQL database."""
    return pg_server.create_database(pg_server_url)


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    """URL of a fresh, empty database, once per engine (DuckDB file, then PostgreSQL)."""
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path}/test.duckdb"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    """A local[1] SparkSession (small memory, no UI) for the engine-parity tests, with splink's
    string-similarity UDFs (the duplicate search on Spark); stopped at the end."""
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    session = (
        SparkSession.builder.master("local[1]")
        .config("spark.jars", similarity_jar_location())
        .appName("clientbase-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
