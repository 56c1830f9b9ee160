"""The final scores of the candidate pairs: splink's comparison vectors re-weighed after training.

splink compares every candidate pair once (its ``gamma_<comparison>`` levels). Two parameters are then
settled on those vectors, which needs no second comparison of the pairs: the prior, re-estimated from the
pairs' evidence (:func:`clientbase.dedupe.calibrate.calibrated_prior`), and u, with the duplicates among
the random pairs it was estimated on taken out (:func:`clientbase.dedupe.calibrate.decontaminated_u`). The
two depend on each other and are iterated together. The model returned carries the final values, so each
pair's explanation matches its probability.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from clientbase.dedupe.calibrate import calibrated_prior, decontaminated_u, log2_odds
from clientbase.dedupe.model import M_FLOOR, U_FLOOR

if TYPE_CHECKING:
    import duckdb


def _double(value: float) -> str:
    """A float literal DuckDB reads as DOUBLE (a bare ``35.19`` is a DECIMAL with little range)."""
    return f"CAST({value!r} AS DOUBLE)"


def _levels(comparison: dict[str, Any]) -> list[dict[str, Any]]:
    return [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]


def gamma_values(comparison: dict[str, Any]) -> list[int]:
    """splink's comparison-vector value of each non-null level: the first gets the highest, ELSE gets 0.

    Example:
        >>> gamma_values({"comparison_levels": [{"is_null_level": True}, {}, {}, {}]})
        [2, 1, 0]
    """
    count = len(_levels(comparison))
    return list(range(count - 1, -1, -1))


def _weights(m: np.ndarray, u: np.ndarray) -> np.ndarray:
    return np.log2(np.maximum(m, M_FLOOR * 1e-3) / np.maximum(u, U_FLOOR * 1e-3))


def gamma_sql(model: dict[str, Any]) -> list[str]:
    """Select-list items ``gamma_<name>``: each comparison's level, found from its weight ``mw_<name>`` under
    ``model`` (the model the pairs were scored with); the null level (weight 0) is -1.

    Two levels of equal weight cannot be told apart, and need not be: they weigh the same.
    """
    items = []
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        cases = " ".join(
            f"WHEN abs(mw_{name} - {_double(math.log2(lv['m_probability'] / lv['u_probability']))}) < 1e-6 THEN {g}"
            for g, lv in zip(gamma_values(comparison), _levels(comparison), strict=True)
        )
        items.append(f"CASE WHEN mw_{name} = 0 THEN -1 {cases} ELSE -1 END AS gamma_{name}")
    return items


def frequency_sql(comparison: dict[str, Any]) -> str | None:
    """SQL of the term-frequency adjustment of a comparison (bits; 0 where none applies), or None.

    A level with ``tf_adjustment_column`` K replaces its u by the share of records whose K has the pair's
    value (the larger of the two sides), as splink does: ``log2(u) - log2(max(tf_l, tf_r))``.
    """
    name = comparison["output_column_name"]
    cases = []
    for g, level in zip(gamma_values(comparison), _levels(comparison), strict=True):
        key = level.get("tf_adjustment_column")
        if key:
            tf = f"greatest(coalesce(tf_{key}_l, tf_{key}_r), coalesce(tf_{key}_r, tf_{key}_l))"
            cases.append(
                f"WHEN gamma_{name} = {g} AND {tf} IS NOT NULL "
                f"THEN {_double(math.log2(level['u_probability']))} - log2({tf})"
            )
    return f"CASE {' '.join(cases)} ELSE {_double(0.0)} END" if cases else None


def settle(
    con: duckdb.DuckDBPyConnection,
    predictions: str,
    model: dict[str, Any],
    records: int,
    *,
    trained: bool = True,
    iterations: int = 20,
) -> dict[str, Any]:
    """Settle the prior and u of ``model`` on the comparison vectors in ``predictions``; returns ``model``.

    ``trained=False`` (a model of typical values, whose u was not estimated on random pairs): the prior only.
    """
    comparisons = model["comparisons"]
    names = [c["output_column_name"] for c in comparisons]
    vectors = con.execute(f"SELECT {', '.join(f'gamma_{n}' for n in names)} FROM {predictions}").fetchnumpy()
    # the frequency adjustments, with the u of the level before settling (a small second-order effect)
    adjustments = [sql for sql in map(frequency_sql, comparisons) if sql]
    frequency = np.zeros(len(next(iter(vectors.values()))) if vectors else 0)
    if adjustments:
        frequency = con.execute(f"SELECT {' + '.join(adjustments)} AS f FROM {predictions}").fetchnumpy()["f"]
    m = [np.array([lv["m_probability"] for lv in _levels(c)]) for c in comparisons]
    observed = [np.array([lv["u_probability"] for lv in _levels(c)]) for c in comparisons]
    # index into the level arrays: level i has gamma (count - 1 - i); null (-1) weighs nothing
    index = [
        len(levels) - 1 - np.asarray(vectors[f"gamma_{n}"], dtype=np.int64)
        for n, levels in zip(names, m, strict=True)
    ]
    total_pairs = records * (records - 1) / 2
    prior = float(model["probability_two_random_records_match"])
    u = observed
    for _ in range(iterations):
        if trained:
            u = [decontaminated_u(o, mm, prior, U_FLOOR) for o, mm in zip(observed, m, strict=True)]
        evidence = np.array(frequency, dtype=float)
        for idx, mm, uu in zip(index, m, u, strict=True):
            weights = np.append(_weights(mm, uu), 0.0)  # the last slot is the null level
            evidence += weights[np.where(idx >= len(mm), len(mm), idx)]
        updated = calibrated_prior(evidence, prior, total_pairs)
        done = abs(updated - prior) <= 1e-3 * prior
        prior = updated
        if done:
            break
    for comparison, uu in zip(comparisons, u, strict=True):
        for level, value in zip(_levels(comparison), uu, strict=True):
            level["u_probability"] = float(value)
    model["probability_two_random_records_match"] = prior
    return model


def weight_sql(model: dict[str, Any]) -> tuple[list[str], str]:
    """SQL of each comparison's match weight ``mw_<name>`` from its ``gamma_<name>`` (and ``mw_tf_<name>``,
    its frequency adjustment, where it has one), and of the total."""
    items = []
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        cases = " ".join(
            f"WHEN {g} THEN {_double(math.log2(lv['m_probability'] / lv['u_probability']))}"
            for g, lv in zip(gamma_values(comparison), _levels(comparison), strict=True)
        )
        items.append(f"CASE gamma_{name} {cases} ELSE {_double(0.0)} END AS mw_{name}")
        frequency = frequency_sql(comparison)
        if frequency:
            items.append(f"{frequency} AS mw_tf_{name}")
    prior = log2_odds(float(model["probability_two_random_records_match"]))
    columns = [item.rsplit(" AS ", 1)[1] for item in items]
    total = " + ".join(columns) + f" + {_double(prior)}"
    return items, total
