"""Duplicate search: accuracy on a small planted set (regression), explanations, bad input."""

from __future__ import annotations

import logging

import pyarrow as pa
import pytest

from clientbase.dedupe import LinkOptions, cluster_scores, explain_levels, find_duplicates
from clientbase.dedupe.link import DedupeResult
from clientbase.dedupe.model import bounded_model
from clientbase.dedupe.synthetic import planted_companies
from clientbase.errors import ConfigurationError

ROLES = {
    c: c
    for c in ("name", "country", "city", "postcode", "address", "tax_id", "registration_id", "email", "phone")
}


@pytest.fixture(scope="module")
def planted() -> tuple[pa.Table, pa.Table, DedupeResult]:
    logging.getLogger("splink").setLevel(logging.ERROR)
    records, truth = planted_companies(3000, seed=11)
    return records, truth, find_duplicates(records, id_col="id", roles=ROLES)


def test_planted_duplicates_are_found_with_high_precision_and_recall(planted) -> None:
    _records, truth, result = planted
    scores = cluster_scores(result.clusters, truth)
    # 300 planted duplicates of 2 700 originals (a few originals have two): ~300+ true pairs
    assert scores.true_pairs >= 290
    assert scores.precision >= 0.95
    assert scores.recall >= 0.95
    assert scores.f1 >= 0.95


def test_pairs_are_ordered_scored_and_explained(planted) -> None:
    _records, _truth, result = planted
    pairs = result.pairs.to_pylist()
    assert all(p["id_l"] < p["id_r"] for p in pairs)
    assert all(0.9 <= p["match_probability"] <= 1.0 for p in pairs)
    assert [p["match_probability"] for p in pairs] == sorted(
        (p["match_probability"] for p in pairs), reverse=True
    )
    top = pairs[0]
    # the explanation names each field with the level reached and its weight; the weights add up
    comparisons = [c["output_column_name"] for c in result.model["comparisons"]]
    fields = result.explain({c: top[f"mw_{c}"] for c in comparisons})
    assert {f["field"] for f in fields} == set(comparisons)
    for f in fields:
        if f["match_weight"] != 0:
            assert f"{f['field']}: {f['level']} ({f['match_weight']:+.1f})" in top["explanation"]


def test_clusters_list_every_member_with_its_size(planted) -> None:
    _records, _truth, result = planted
    rows = result.clusters.to_pylist()
    sizes: dict[str, int] = {}
    for r in rows:
        sizes[r["cluster_id"]] = sizes.get(r["cluster_id"], 0) + 1
    assert all(r["cluster_size"] == sizes[r["cluster_id"]] >= 2 for r in rows)


def test_explain_levels_by_hand() -> None:
    model = {
        "comparisons": [
            {
                "output_column_name": "tax_id",
                "comparison_levels": [
                    {"label_for_charts": "missing", "is_null_level": True},
                    {"label_for_charts": "same", "m_probability": 0.9, "u_probability": 0.0009},
                    {"label_for_charts": "different", "m_probability": 0.1, "u_probability": 0.9991},
                ],
            }
        ]
    }
    # log2(0.9 / 0.0009) = log2(1000) = 9.97
    assert explain_levels(model, {"tax_id": 9.965784284662087}) == [
        {"field": "tax_id", "level": "same", "match_weight": 9.97}
    ]
    assert explain_levels(model, {"tax_id": 0.0})[0]["level"] == "missing"


def test_bounded_model_floors_untrained_levels() -> None:
    model = {
        "comparisons": [
            {
                "comparison_levels": [
                    {"is_null_level": True},
                    {"m_probability": 1.0, "u_probability": 0.0},
                    {"m_probability": None, "u_probability": 1.0},
                ]
            }
        ]
    }
    levels = bounded_model(model)["comparisons"][0]["comparison_levels"]
    assert levels[1]["u_probability"] == pytest.approx(1e-6, rel=1e-3)
    assert levels[2]["m_probability"] == pytest.approx(0.005 / 1.005)
    assert sum(lv["m_probability"] for lv in levels[1:]) == pytest.approx(1.0)


def test_repeated_ids_and_a_name_alone_are_refused() -> None:
    table = pa.table({"id": ["1", "1", "2"], "name": ["A", "B", "C"], "city": ["X", "Y", "Z"]})
    with pytest.raises(ConfigurationError, match="not unique"):
        find_duplicates(table, id_col="id", roles={"name": "name", "city": "city"})
    with pytest.raises(ConfigurationError, match="at least one more column"):
        find_duplicates(table, id_col="city", roles={"name": "name"})
    with pytest.raises(ConfigurationError, match="probability between 0 and 1"):
        LinkOptions(threshold=1.5)


def test_a_small_list_is_scored_with_the_priors_and_still_accurate() -> None:
    records, truth = planted_companies(600, seed=4)
    result = find_duplicates(records, id_col="id", roles=ROLES)
    scores = cluster_scores(result.clusters, truth)
    assert scores.true_pairs >= 55
    assert scores.precision >= 0.95
    assert scores.recall >= 0.95


def test_three_records_with_the_same_phone_and_similar_names() -> None:
    table = pa.table(
        {
            "id": ["1", "2", "3"],
            "name": ["Müller GmbH", "Mueller GmbH", "Schmidt AG"],
            "city": ["Berlin", "Berlin", "Hamburg"],
            "phone": ["030 123456", "+49 30 123456", "040 99887"],
        }
    )
    roles = {"name": "name", "city": "city", "phone": "phone"}
    result = find_duplicates(table, id_col="id", roles=roles, options=LinkOptions(default_country="DE"))
    assert [(p["id_l"], p["id_r"]) for p in result.pairs.to_pylist()] == [("1", "2")]
    assert "phone: same number" in result.pairs.column("explanation")[0].as_py()
