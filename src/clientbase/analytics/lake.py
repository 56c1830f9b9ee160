"""The analysis over facts kept in a lake: the exchange tables as Parquet, one folder per table.

A base too large for one database file keeps its facts — ``order_lines``, ``orders``, ``activities``,
``invoices``, ``payments`` — as Parquet files (``<lake>/<table>/*.parquet``, any number of files per table,
in sub-folders too, e.g. ``order_date=2024-01/part-0.parquet``), as ``clientbase export-folder --format
parquet`` writes them. The registry (counterparties, cost drivers, settings, managers) stays in the store.

:func:`lake_tables` gives the analysis those tables on DuckDB: each fact table is a ``read_parquet`` view that
DuckDB scans out of core (nothing is loaded into memory first); the registry is read from the store (small)
into the same connection, so one engine runs every query. Types come from the files: DuckDB's Parquet writer
keeps the schema's ``DECIMAL(18, 2)`` amounts and dates, so the numbers are the store's to the cent.
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


def fact_files(lake: str | Path, table: str) -> str:
    """The glob of ``table``'s Parquet files in ``lake`` (a folder, or a URL DuckDB reads such as s3://)."""
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
    return f"{text}/{table}/**/*.parquet"


def lake_tables(store: Any, lake: str | Path) -> Tables:
    """The analysis's tables: the facts from the Parquet ``lake`` on DuckDB, the registry from ``store``.

    On a DuckDB store the lake is read by the store's own connection; on PostgreSQL the registry is copied
    (Arrow) into an in-memory DuckDB that reads the lake.
    """
    import ibis

    registry = Tables.of(store)
    if getattr(store, "duck", None) is not None:
        backend = store.ibis
        others = {name: getattr(registry, name) for name in REGISTRY_TABLES}
    else:
        backend = ibis.duckdb.connect()
        others = {}
        for name in REGISTRY_TABLES:
            table = getattr(registry, name)
            others[name] = (
                None if table is None else backend.create_table(f"_lake_{name}", table.to_pyarrow())
            )
    facts = {}
    for name in FACT_TABLES:
        files = fact_files(lake, name)
        try:
            facts[name] = backend.read_parquet(files, hive_partitioning=False, union_by_name=True)
        except Exception as exc:  # the engine's own message says which file and why
            raise ConfigurationError(f"Cannot read the lake's {name} files {files}: {exc}") from exc
    return dataclasses.replace(registry, **others, **facts)
