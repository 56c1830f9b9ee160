"""The analysis over facts kept in a lake: the exchange tables as Parquet, one folder per table.

A base too large for one database file keeps its facts — ``order_lines``, ``orders``, ``activities``,
``invoices``, ``payments`` — as Parquet files (``<lake>/<table>/*.parquet``, any number of files per table,
in sub-folders too, e.g. ``order_date=2024-01/part-0.parquet``), as ``clientbase export-folder --format
parquet`` writes them. The registry (counterparties, cost drivers, settings, managers) stays in the store.

:func:`lake_source` gives the analysis, customer value, the forecast and the actions those tables on one
engine, so every query runs in it:

* ``duckdb`` (the default): each fact table is a ``read_parquet`` view that DuckDB scans out of core (nothing
  is loaded into memory first). On a DuckDB store the store's own connection reads the lake and the registry
  is the store's; on PostgreSQL the registry is copied (Arrow) into an in-memory DuckDB.
* ``spark``: the facts are read by Spark through Ibis's pyspark backend, in the session of
  :func:`clientbase.store.spark.spark_session` (a cluster session of the user's, else local); the registry
  (small) is copied into the session as temporary views.

Types come from the files: DuckDB's Parquet writer keeps the schema's ``DECIMAL(18, 2)`` amounts and dates, so
the numbers are the store's to the cent on either engine (tests/analytics/test_lake.py).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from clientbase.analytics.tables import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, Tables
from clientbase.errors import ConfigurationError

#: the tables read from the lake; the others come from the store
FACT_TABLES = ("order_lines", "orders", "activities", "invoices", "payments")
REGISTRY_TABLES = tuple(t for t in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if t not in FACT_TABLES)
#: the engines that read a lake
LAKE_ENGINES = ("duckdb", "spark")


@dataclasses.dataclass(frozen=True)
class LakeSource:
    """A store's registry with the facts of a lake, on one engine: what the analysis, customer value, the
    forecast and the actions read where they would read the store (``table``, ``ibis``,
    :meth:`Tables.of <clientbase.analytics.tables.Tables.of>`)."""

    tables: Tables
    #: the Ibis backend every query runs on
    ibis: Any
    engine: str
    lake: str
    #: the store the registry is in (services that read or audit the registry itself use it)
    store: Any

    def table(self, name: str) -> Any:
        """The Ibis table ``name``: a fact table from the lake, a registry table copied or shared."""
        table = getattr(self.tables, name, None)
        if table is None:
            raise ConfigurationError(
                f"The analysis on a lake reads the tables {', '.join((*FACT_TABLES, *REGISTRY_TABLES))}, "
                f"not {name!r}."
            )
        return table


def fact_files(lake: str | Path, table: str) -> str:
    """The folder of ``table``'s Parquet files in ``lake`` (a folder, or a URL the engine reads such as s3://)."""
    text = str(lake).rstrip("/")
    if "://" not in text:
        folder = Path(text).expanduser() / table
        if not folder.is_dir():
            raise ConfigurationError(
                f"The lake {text} has no folder {table}/; it needs one folder of Parquet files per fact table "
                f"({', '.join(FACT_TABLES)}), as `clientbase export-folder DIR --format parquet` writes them."
            )
        if not any(folder.rglob("*.parquet")):
            raise ConfigurationError(f"The folder {folder} holds no .parquet file.")
        text = str(Path(text).expanduser())
    return f"{text}/{table}"


def lake_source(store: Any, lake: str | Path, *, engine: str = "duckdb") -> LakeSource:
    """The registry of ``store`` with the facts of the Parquet ``lake``, on ``engine`` (module docstring).

    Raises:
        ConfigurationError: an unknown engine, a lake without a fact table's folder or files, files the engine
            cannot read, or PySpark missing for ``spark``.
    """
    if engine not in LAKE_ENGINES:
        raise ConfigurationError(
            f"A lake is read by {' or '.join(LAKE_ENGINES)}, not {engine!r}; "
            "PostgreSQL reads no Parquet: load the facts into the base (import-folder) and leave out --facts."
        )
    folders = {name: fact_files(lake, name) for name in FACT_TABLES}  # every folder checked before reading
    registry = Tables.of(store)
    if engine == "spark":
        backend, others, read = _on_spark(registry)
    elif getattr(store, "duck", None) is not None:
        backend = store.ibis
        others = {name: getattr(registry, name) for name in REGISTRY_TABLES}
        read = _duckdb_reader(backend)
    else:
        import ibis

        backend = ibis.duckdb.connect()
        others = {
            name: None if table is None else backend.create_table(f"_lake_{name}", table.to_pyarrow())
            for name, table in ((n, getattr(registry, n)) for n in REGISTRY_TABLES)
        }
        read = _duckdb_reader(backend)
    facts = {}
    for name, folder in folders.items():
        try:
            facts[name] = read(folder)
        except Exception as exc:  # the engine's own message says which file and why
            raise ConfigurationError(f"Cannot read the lake's {name} files in {folder}: {exc}") from exc
    tables = dataclasses.replace(registry, **others, **facts)
    return LakeSource(tables=tables, ibis=backend, engine=engine, lake=str(lake), store=store)


def registry_store(source: Any) -> Any:
    """The store holding the registry of ``source``: the store itself, or a lake's store."""
    return source.store if isinstance(source, LakeSource) else source


def lake_tables(store: Any, lake: str | Path, *, engine: str = "duckdb") -> Tables:
    """The analysis's tables: the facts from the Parquet ``lake``, the registry from ``store``."""
    return lake_source(store, lake, engine=engine).tables


def _duckdb_reader(backend: Any) -> Any:
    def read(folder: str) -> Any:
        return backend.read_parquet(f"{folder}/**/*.parquet", hive_partitioning=False, union_by_name=True)

    return read


def _on_spark(registry: Tables) -> tuple[Any, dict[str, Any], Any]:
    """Spark's Ibis backend, the registry copied into its session as temporary views, and a reader of a
    fact table's folder (every Parquet file under it, the columns merged by name)."""
    import ibis

    from clientbase.store.spark import spark_session

    spark = spark_session()
    backend = ibis.pyspark.connect(spark)
    others: dict[str, Any] = {}
    for name in REGISTRY_TABLES:
        table = getattr(registry, name)
        if table is None:
            others[name] = None
            continue
        view = f"clientbase_{name}"
        spark.createDataFrame(table.to_pyarrow()).createOrReplaceTempView(view)
        others[name] = backend.table(view)

    def read(folder: str) -> Any:
        frame = (
            spark.read.option("recursiveFileLookup", "true")
            .option("pathGlobFilter", "*.parquet")
            .option("mergeSchema", "true")
            .parquet(folder)
        )
        view = f"clientbase_{Path(folder).name}"
        frame.createOrReplaceTempView(view)
        return backend.table(view)

    return backend, others, read
