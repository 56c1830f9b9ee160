"""`dedupe --engine spark` (issue 17.5): splink's Spark backend gives the same model and results as DuckDB on
the same input. One small run per engine (Spark's local mode is slow to start)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from clientbase.dedupe import LinkOptions, find_duplicates
from clientbase.dedupe.synthetic import planted_companies
from clientbase.errors import ConfigurationError

ROLES = {
    c: c
    for c in ("name", "tax_id", "phone", "country", "postcode", "city", "email", "address", "registration_id")
}


def levels(model: dict[str, Any]) -> dict[tuple[str, str], tuple[float, float]]:
    return {
        (c["output_column_name"], lv["label_for_charts"]): (lv["m_probability"], lv["u_probability"])
        for c in model["comparisons"]
        for lv in c["comparison_levels"]
        if not lv.get("is_null_level")
    }


def test_spark_finds_what_duckdb_finds_with_the_same_model(spark: Any) -> None:
    data, _truth = planted_companies(1500, seed=11)
    duck = find_duplicates(data, id_col="id", roles=ROLES)
    on_spark = find_duplicates(data, id_col="id", roles=ROLES, options=LinkOptions(engine="spark"))

    # the same model: the same comparisons, levels, conditions (DuckDB's SQL) and blocking rules ...
    def shape(model: dict[str, Any]) -> list[list[tuple[str, str]]]:
        return [
            [(lv["sql_condition"], lv["label_for_charts"]) for lv in c["comparison_levels"]]
            for c in model["comparisons"]
        ]

    assert shape(on_spark.model) == shape(duck.model)
    rules = "blocking_rules_to_generate_predictions"
    assert [r["blocking_rule"] for r in on_spark.model[rules]] == [
        r["blocking_rule"] for r in duck.model[rules]
    ]
    # ... trained to the same m (EM on the same blocked pairs) and u within the noise of the random pairs it is
    # estimated on (each engine draws its own 5e5): a level hit by a few pairs in 1e6 has a u known only roughly
    spark_levels, duck_levels = levels(on_spark.model), levels(duck.model)
    assert spark_levels.keys() == duck_levels.keys()
    drawn = LinkOptions().u_max_pairs
    for key, (m, u) in duck_levels.items():
        m2, u2 = spark_levels[key]
        assert abs(m - m2) <= 0.05, key
        spread = math.sqrt(drawn * max(u, u2) * (1 - min(u, u2)))
        assert abs(u - u2) * drawn <= 4 * spread + 3, key

    # the same results: the same duplicate pairs and clusters
    def pairs(result: Any) -> set[tuple[str, str]]:
        rows = result.pairs.select(["id_l", "id_r", "match_probability"]).to_pylist()
        return {(r["id_l"], r["id_r"]) for r in rows if r["match_probability"] >= 0.9}

    found, expected = pairs(on_spark), pairs(duck)
    assert expected
    assert len(found ^ expected) <= 0.01 * len(expected), sorted(found ^ expected)[:10]
    assert len(clusters(on_spark) ^ clusters(duck)) <= 0.01 * len(clusters(duck))


def clusters(result: Any) -> set[tuple[str, ...]]:
    groups: dict[str, list[str]] = {}
    for row in result.clusters.to_pylist():
        groups.setdefault(row["cluster_id"], []).append(row["id"])
    return {tuple(sorted(g)) for g in groups.values()}


def test_an_unknown_engine_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="engine must be one of duckdb, spark"):
        LinkOptions(engine="flink")
