"""The duplicate search on Spark: the same model, trained and scored by splink's Spark backend.

:func:`clientbase.dedupe.link.find_duplicates` with ``LinkOptions(engine="spark")`` normalises the records in
DuckDB as always (one linear pass), hands the normalised table to Spark, where splink makes and compares the
candidate pairs (the part that grows with the pairs, not the records), trains the model (random pairs for u,
EM for m) and scores the pairs; the scored pairs come back as Arrow and are settled, weighed, explained and
clustered by the same code as on DuckDB. The model's comparisons are written in DuckDB's SQL
(:mod:`.comparisons`); :func:`spark_sql` rewrites each condition for Spark, and the model returned carries
the DuckDB conditions again, so it is the same model whichever engine trained it.

The Spark session is :func:`clientbase.store.spark.spark_session`'s: the one active in the process (a cluster
session the user configured, or ``spark-submit``'s), else a local one. splink's string-similarity functions
are Scala UDFs in a jar splink ships; a session made there loads it, a session of the user's needs
``spark.jars=<splink.internals.spark.jar_location.similarity_jar_location()>``.
"""

from __future__ import annotations

import atexit
import copy
import shutil
import tempfile
from typing import Any

#: DuckDB's string functions and their splink UDF on Spark (same arguments)
FUNCTIONS = {
    "jarowinkler_similarity": "jaro_winkler",
    "jaro_winkler_similarity": "jaro_winkler",
    "damerau_levenshtein": "damerau_levenshtein",
}


def spark_sql(condition: str) -> str:
    """A splink condition in DuckDB's SQL, written for Spark with splink's UDFs.

    Example:
        >>> spark_sql('jaro_winkler_similarity("a_l", "a_r") >= 0.9 AND list_has_all("w_l", "w_r")')
        'JARO_WINKLER(`a_l`, `a_r`) >= 0.9 AND SIZE(ARRAY_EXCEPT(`w_r`, `w_l`)) = 0'
        >>> spark_sql('list_has_any("g_l", "g_r")')
        'ARRAYS_OVERLAP(`g_l`, `g_r`)'
    """
    import sqlglot
    from sqlglot import exp

    if condition.strip().upper() == "ELSE":
        return condition

    def rewrite(node: exp.Expression) -> exp.Expression:
        name = node.name.lower() if isinstance(node, exp.Anonymous) else ""
        if name == "list_has_all":  # list_has_all(list, sub): every element of sub is in list
            whole, part = node.expressions
            return exp.EQ(
                this=exp.Anonymous(
                    this="SIZE", expressions=[exp.Anonymous(this="ARRAY_EXCEPT", expressions=[part, whole])]
                ),
                expression=exp.Literal.number(0),
            )
        if name in FUNCTIONS:
            return exp.Anonymous(this=FUNCTIONS[name], expressions=node.expressions)
        if isinstance(node, exp.ArrayOverlaps):  # list_has_any; Spark's && is a logical AND
            return exp.Anonymous(this="ARRAYS_OVERLAP", expressions=[node.this, node.expression])
        if isinstance(node, exp.JarowinklerSimilarity):
            return exp.Anonymous(this="jaro_winkler", expressions=[node.this, node.expression])
        return node

    tree = sqlglot.parse_one(condition, read="duckdb").transform(rewrite)
    return tree.sql(dialect="spark")


def for_spark(settings: dict[str, Any]) -> dict[str, Any]:
    """A copy of splink ``settings`` with every level's condition and blocking rule in Spark's SQL."""
    out = copy.deepcopy(settings)
    for comparison in out["comparisons"]:
        for level in comparison["comparison_levels"]:
            level["sql_condition"] = spark_sql(level["sql_condition"])
    for rule in out.get("blocking_rules_to_generate_predictions", []):
        rule["blocking_rule"] = spark_sql(rule["blocking_rule"])
    return out


def with_duckdb_sql(model: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    """The trained ``model`` (from Spark) with the DuckDB conditions of ``settings`` put back, level by level."""
    for trained, written in zip(model["comparisons"], settings["comparisons"], strict=True):
        for level, original in zip(trained["comparison_levels"], written["comparison_levels"], strict=True):
            level["sql_condition"] = original["sql_condition"]
    model["blocking_rules_to_generate_predictions"] = copy.deepcopy(
        settings["blocking_rules_to_generate_predictions"]
    )
    model["sql_dialect"] = "duckdb"
    return model


def register(spark: Any, table: Any) -> tuple[Any, Any]:
    """splink's Spark API on ``spark`` and the normalised records (a pyarrow Table) registered with it."""
    from splink import SparkAPI

    # splink breaks long query plans apart by writing each intermediate table as Parquet into the checkpoint
    # folder; in local mode without one, a temporary folder (removed at exit) serves, so the tables are on disk
    # and not held in the driver's memory. A cluster session without one keeps them in memory and on its
    # executors' disks instead (a local folder is not shared by the executors).
    context = spark.sparkContext
    if not context.getCheckpointDir() and context.master.startswith("local"):
        folder = tempfile.mkdtemp(prefix="clientbase-spark-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        context.setCheckpointDir(folder)
    lineage = None if context.getCheckpointDir() else "persist"
    db_api = SparkAPI(spark_session=spark, break_lineage_method=lineage)
    frame = spark.createDataFrame(table)
    return db_api, db_api.register(frame)


def to_arrow(predictions: Any) -> Any:
    """splink's scored pairs on Spark as a pyarrow Table."""
    return predictions.as_spark_dataframe().toArrow()
