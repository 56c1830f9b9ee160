"""Why a pair matched: each comparison's level and match weight, as structured data and as one text."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


def _levels_table(model: Mapping[str, Any]) -> dict[str, list[tuple[str, float]]]:
    """comparison -> [(label, match weight)] of its levels, the null level (weight 0) last."""
    table: dict[str, list[tuple[str, float]]] = {}
    for comparison in model["comparisons"]:
        levels: list[tuple[str, float]] = []
        null_label = None
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                null_label = level["label_for_charts"]
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            levels.append((level["label_for_charts"], math.log2(m / u) if m and u else 0.0))
        if null_label is not None:
            levels.append((null_label, 0.0))
        table[comparison["output_column_name"]] = levels
    return table


def explain_levels(model: Mapping[str, Any], weights: Mapping[str, float]) -> list[dict[str, Any]]:
    """Per comparison: ``{"field", "level", "match_weight"}`` of a pair, from its ``mw_<field>`` weights.

    Example:
        >>> model = {"comparisons": [{"output_column_name": "phone", "comparison_levels": [
        ...     {"label_for_charts": "missing", "is_null_level": True},
        ...     {"label_for_charts": "same number", "m_probability": 0.8, "u_probability": 0.001},
        ...     {"label_for_charts": "different", "m_probability": 0.2, "u_probability": 0.999}]}]}
        >>> explain_levels(model, {"phone": 9.643856189774725})
        [{'field': 'phone', 'level': 'same number', 'match_weight': 9.64}]
    """
    out = []
    for name, levels in _levels_table(model).items():
        weight = weights.get(name)
        if weight is None:
            continue
        label = next((lb for lb, w in levels if abs(w - weight) < 1e-6), "?")
        out.append({"field": name, "level": label, "match_weight": round(float(weight), 2)})
    return out


def explanation_sql(model: Mapping[str, Any]) -> str:
    """One readable text per pair: ``name: same name (+8.1); phone: different (-3.2)``; missing fields left out."""
    parts = []
    for name, levels in _levels_table(model).items():
        cases = " ".join(
            f'WHEN abs("mw_{name}" - ({weight!r})) < 1e-6 THEN '
            f"'{name}: {label.replace(chr(39), chr(39) * 2)} ({weight:+.1f})'"
            for label, weight in levels
            if weight != 0.0
        )
        parts.append(f"CASE {cases} END")
        if any(lv.get("tf_adjustment_column") for lv in _comparison(model, name)["comparison_levels"]):
            parts.append(
                f"CASE WHEN abs(mw_tf_{name}) >= 0.05 THEN '{name}: ' || "
                f"CASE WHEN mw_tf_{name} < 0 THEN 'common' ELSE 'rare' END || ' value (' || "
                f"printf('%+.1f', mw_tf_{name}) || ')' END"
            )
    return f"concat_ws('; ', {', '.join(parts)})"


def _comparison(model: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    return next(c for c in model["comparisons"] if c["output_column_name"] == name)


# -- model settings ----------------------------------------------------------------------------------------
