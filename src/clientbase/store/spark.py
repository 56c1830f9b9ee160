"""The Spark session clientbase runs on: the one active in the process, else a local one.

A user on a cluster runs clientbase in their own session (a notebook's ``spark``, a
``SparkSession.builder...getOrCreate()`` of theirs before the call): that session is used as it is. Otherwise
a session is made; what ``spark-submit`` configured (``--master``, ``--conf``, spark-defaults.conf) is kept,
and only what it left open is filled in: ``local[*]`` or ``CLIENTBASE_SPARK_MASTER``, splink's
string-similarity jar (the duplicate search on Spark needs its UDFs), the driver memory from
``CLIENTBASE_SPARK_MEMORY`` (default 4g), dates in UTC, a few shuffle partitions per core instead of Spark's
200. docs/scale.md shows both ways.
"""

from __future__ import annotations

import os
from typing import Any

from clientbase.errors import ConfigurationError


def spark_session() -> Any:
    """The active SparkSession, or a local one (module docstring).

    Raises:
        ConfigurationError: PySpark is not installed.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ConfigurationError(
            "Spark needs PySpark and Java: pip install 'clientbase[spark]' (and a Java 17 runtime)."
        ) from exc

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    from pyspark import SparkConf, SparkContext
    from splink.backends.spark import similarity_jar_location

    defaults = {
        "spark.master": os.environ.get("CLIENTBASE_SPARK_MASTER", "local[*]"),
        "spark.app.name": "clientbase",
        "spark.jars": similarity_jar_location(),
        "spark.driver.memory": os.environ.get("CLIENTBASE_SPARK_MEMORY", "4g"),
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        # one machine: a few shuffle partitions per core, not Spark's 200 (tiny tasks cost more than they do)
        "spark.sql.shuffle.partitions": str(4 * (os.cpu_count() or 1)),
    }
    if os.environ.get("PYSPARK_GATEWAY_PORT"):  # started by spark-submit: its JVM holds what it was given
        SparkContext._ensure_initialized()
    given = (
        SparkConf()
    )  # spark-submit's --master, --conf and spark-defaults.conf (none without it), which win
    builder = SparkSession.builder
    for key, value in defaults.items():
        if not given.contains(key):
            builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
