"""The prior and u settled on the scored pairs, by hand."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from clientbase.dedupe.calibrate import calibrated_prior, decontaminated_u, log2_odds
from clientbase.dedupe.score import gamma_values, settle, weight_sql


def test_the_prior_is_the_share_of_expected_duplicates_among_all_pairs() -> None:
    # 50 pairs with overwhelming evidence and 1,000 with none (they stay at the prior) among 1e6 pairs:
    # p = 50 / 1e6 plus the 1,000 pairs' own share, a fixed point of p = (50 + 1000 p) / 1e6
    evidence = np.concatenate([np.full(50, 60.0), np.zeros(1000)])
    prior = calibrated_prior(evidence, 1e-7, 1e6)
    assert prior == pytest.approx(50 / (1e6 - 1000), rel=1e-3)
    assert log2_odds(0.5) == 0.0


def test_u_without_the_duplicates_among_the_random_pairs() -> None:
    # observed 3e-4 of random pairs at "same address"; 5e-4 of them are duplicates, 40 % of which agree:
    # u = (3e-4 - 5e-4 * 0.4) / (1 - 5e-4) = 1.0005e-4
    u = decontaminated_u(np.array([3e-4, 1 - 3e-4]), np.array([0.4, 0.6]), 5e-4, 1e-6)
    assert u[0] == pytest.approx(1e-4 / (1 - 5e-4))
    assert u.sum() == pytest.approx(1.0)
    # never below a tenth of the observed value (here the subtraction would go below zero)
    u = decontaminated_u(np.array([1e-4, 1 - 1e-4]), np.array([0.9, 0.1]), 1e-3, 1e-9)
    assert u[0] == pytest.approx(1e-5, rel=1e-3)


def _model() -> dict:
    return {
        "probability_two_random_records_match": 1e-6,
        "comparisons": [
            {
                "output_column_name": "name",
                "comparison_levels": [
                    {"is_null_level": True, "label_for_charts": "missing"},
                    {"label_for_charts": "same", "m_probability": 0.9, "u_probability": 0.001},
                    {"label_for_charts": "different", "m_probability": 0.1, "u_probability": 0.999},
                ],
            }
        ],
    }


def test_settle_on_comparison_vectors_and_the_weights_it_writes() -> None:
    assert gamma_values(_model()["comparisons"][0]) == [1, 0]
    con = duckdb.connect()
    # 100 records (4,950 pairs): 20 candidate pairs agree on the name, 80 do not
    con.execute(
        "CREATE TABLE p AS SELECT CASE WHEN i < 20 THEN 1 ELSE 0 END AS gamma_name FROM range(100) t(i)"
    )
    model = settle(con, "p", _model(), 100, trained=False)
    prior = model["probability_two_random_records_match"]
    same = np.log2(0.9 / 0.001)
    # the fixed point: 20 pairs at P(match | same) + 80 at P(match | different), over 4,950 pairs
    odds = prior / (1 - prior)
    expected = 20 * (odds * 2**same / (1 + odds * 2**same)) + 80 * (
        odds * 0.1 / 0.999 / (1 + odds * 0.1 / 0.999)
    )
    assert prior == pytest.approx(expected / 4950, rel=1e-2)
    items, total = weight_sql(model)
    row = con.execute(f"SELECT {total} FROM (SELECT {', '.join(items)} FROM p) LIMIT 1").fetchone()
    assert row[0] == pytest.approx(same + log2_odds(prior))
