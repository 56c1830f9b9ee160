"""Load a company's rows into each engine the analysis runs on."""

from __future__ import annotations

from typing import Any

import ibis
import pyarrow as pa

from clientbase.analytics.tables import REQUIRED_COLUMNS, Tables
from tests.analytics.example import arrow_tables


def memtables(rows: dict[str, Any]) -> Tables:
    """The rows as Ibis in-memory tables (run on Ibis' default DuckDB backend): fast for hypothesis."""
    arrow = arrow_tables(rows)
    return Tables(**{name: ibis.memtable(arrow[name]) for name in REQUIRED_COLUMNS})


def _spark_type(t: pa.DataType) -> Any:
    from pyspark.sql import types as T

    if pa.types.is_decimal(t):
        return T.DecimalType(t.precision, t.scale)
    if pa.types.is_date(t):
        return T.DateType()
    if pa.types.is_integer(t):
        return T.IntegerType()
    if pa.types.is_boolean(t):
        return T.BooleanType()
    return T.StringType()


def spark_tables(spark: Any, rows: dict[str, Any], prefix: str) -> Tables:
    """The rows as Spark temporary views ``<prefix>_<table>`` with the schema's exact types."""
    from pyspark.sql import types as T

    con = ibis.pyspark.connect(spark)
    tables = {}
    for name, table in arrow_tables(rows).items():
        if name not in REQUIRED_COLUMNS:
            continue
        schema = T.StructType([T.StructField(f.name, _spark_type(f.type), True) for f in table.schema])
        data = [tuple(r[f.name] for f in table.schema) for r in table.to_pylist()]
        view = f"{prefix}_{name}"
        spark.createDataFrame(data, schema=schema).createOrReplaceTempView(view)
        tables[name] = con.table(view)
    return Tables(**tables)
