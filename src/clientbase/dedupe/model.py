"""The linkage model's shape: comparisons and their levels, blocking rules, priors and weight bounds.

Pure functions that return splink settings (dicts of SQL conditions); nothing here touches a database.
"""

from __future__ import annotations

from typing import Any


def _null(*cols: str) -> str:
    return " AND ".join(f'("{c}_l" IS NULL OR "{c}_r" IS NULL)' for c in cols)


def _eq(col: str) -> str:
    return f'"{col}_l" = "{col}_r"'


def _comparisons(columns: set[str]) -> list[dict[str, Any]]:
    jw = 'jaro_winkler_similarity("name_sorted_l", "name_sorted_r")'
    comparisons: list[dict[str, Any]] = [
        {
            "output_column_name": "name",
            "comparison_description": "normalised name",
            "comparison_levels": [
                {"sql_condition": _null("name_sorted"), "label_for_charts": "missing", "is_null_level": True},
                {"sql_condition": _eq("name_base"), "label_for_charts": "same name"},
                {"sql_condition": _eq("name_sorted"), "label_for_charts": "same words, other order"},
                {"sql_condition": f"{jw} >= 0.94", "label_for_charts": "nearly the same name"},
                {"sql_condition": f"{jw} >= 0.84", "label_for_charts": "similar name"},
                {"sql_condition": "ELSE", "label_for_charts": "different name"},
            ],
        }
    ]
    for col in ("tax_id", "registration_id"):
        if col in columns:
            comparisons.append(
                {
                    "output_column_name": col,
                    "comparison_levels": [
                        {"sql_condition": _null(col), "label_for_charts": "missing", "is_null_level": True},
                        {"sql_condition": _eq(col), "label_for_charts": "same"},
                        {
                            "sql_condition": (
                                f'CASE WHEN length("{col}_l") = length("{col}_r") '
                                f'THEN hamming("{col}_l", "{col}_r") <= 1 ELSE false END'
                            ),
                            "label_for_charts": "one character off",
                        },
                        {"sql_condition": "ELSE", "label_for_charts": "different"},
                    ],
                }
            )
    mail = [c for c in ("email", "domain") if c in columns]
    if mail:
        levels: list[dict[str, Any]] = [
            {"sql_condition": _null(*mail), "label_for_charts": "missing", "is_null_level": True}
        ]
        if "email" in mail:
            levels.append({"sql_condition": _eq("email"), "label_for_charts": "same e-mail"})
        if "domain" in mail:
            levels.append({"sql_condition": _eq("domain"), "label_for_charts": "same company domain"})
        levels.append({"sql_condition": "ELSE", "label_for_charts": "different"})
        comparisons.append({"output_column_name": "email", "comparison_levels": levels})
    if "phone" in columns:
        comparisons.append(
            {
                "output_column_name": "phone",
                "comparison_levels": [
                    {"sql_condition": _null("phone"), "label_for_charts": "missing", "is_null_level": True},
                    {"sql_condition": _eq("phone"), "label_for_charts": "same number"},
                    {
                        "sql_condition": _eq("phone7"),
                        "label_for_charts": "same last 7 digits",
                    },
                    {"sql_condition": "ELSE", "label_for_charts": "different"},
                ],
            }
        )
    place = [c for c in ("address", "postcode", "city") if c in columns]
    if place:
        levels = [{"sql_condition": _null(*place), "label_for_charts": "missing", "is_null_level": True}]
        area = " OR ".join(_eq(c) for c in ("postcode", "city") if c in place)
        if "address" in place:
            same_area = f" AND ({area})" if area else ""
            levels.append({"sql_condition": _eq("address") + same_area, "label_for_charts": "same address"})
            levels.append(
                {
                    "sql_condition": f'jaro_winkler_similarity("address_l", "address_r") >= 0.9{same_area}',
                    "label_for_charts": "similar address",
                }
            )
        if "postcode" in place:
            levels.append({"sql_condition": _eq("postcode"), "label_for_charts": "same postcode"})
        if "city" in place:
            levels.append({"sql_condition": _eq("city"), "label_for_charts": "same city"})
        levels.append({"sql_condition": "ELSE", "label_for_charts": "different place"})
        comparisons.append({"output_column_name": "place", "comparison_levels": levels})
    return comparisons


def blocking_rules(columns: set[str]) -> list[str]:
    rules = ['l."name_sorted" = r."name_sorted"']
    for area in ("postcode", "city"):
        if area in columns:
            rules.append(f'l."name_tok1" = r."name_tok1" AND l."{area}" = r."{area}"')
            rules.append(f'l."name_tok2" = r."name_tok2" AND l."{area}" = r."{area}"')
    for col in ("tax_id", "registration_id", "phone", "email", "domain"):
        if col in columns:
            rules.append(f'l."{col}" = r."{col}"')
    return rules


#: Starting m and u of each level, typical of company lists: the model of a list too small to train
#: (see :data:`MIN_TRAINING_RECORDS`), and EM's starting point for larger ones.
PRIORS: dict[str, dict[str, tuple[float, float]]] = {
    "name": {
        "same name": (0.60, 1e-4),
        "same words, other order": (0.05, 1e-5),
        "nearly the same name": (0.20, 1e-3),
        "similar name": (0.10, 1e-2),
        "different name": (0.05, 0.9889),
    },
    "tax_id": {"same": (0.90, 1e-5), "one character off": (0.03, 1e-4), "different": (0.07, 0.99989)},
    "registration_id": {
        "same": (0.90, 1e-5),
        "one character off": (0.03, 1e-4),
        "different": (0.07, 0.99989),
    },
    "email": {"same e-mail": (0.50, 1e-5), "same company domain": (0.30, 1e-4), "different": (0.20, 0.99989)},
    "phone": {"same number": (0.70, 1e-5), "same last 7 digits": (0.05, 1e-4), "different": (0.25, 0.99989)},
    "place": {
        "same address": (0.60, 1e-4),
        "similar address": (0.15, 1e-3),
        "same postcode": (0.10, 1e-2),
        "same city": (0.10, 0.05),
        "different place": (0.05, 0.9389),
    },
}

#: Below this many records the list is scored with :data:`PRIORS` instead of being trained: random pairs
#: and EM over a few hundred records give estimates noisier than the priors.
MIN_TRAINING_RECORDS = 1000


def _with_priors(comparisons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for comparison in comparisons:
        priors = PRIORS[comparison["output_column_name"]]
        for level in comparison["comparison_levels"]:
            if not level.get("is_null_level"):
                level["m_probability"], level["u_probability"] = priors[level["label_for_charts"]]
    return comparisons


def settings_for(columns: set[str]) -> dict[str, Any]:
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "comparisons": _with_priors(_comparisons(columns)),
        "blocking_rules_to_generate_predictions": [{"blocking_rule": r} for r in blocking_rules(columns)],
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": True,
        "em_convergence": 0.001,
        "max_iterations": 20,
    }


#: no single level may weigh more than log2(1 / U_FLOOR) ~ 20 bits or less than log2(M_FLOOR) ~ -7.6 bits
U_FLOOR = 1e-6
M_FLOOR = 0.005


def bounded_model(model: dict[str, Any], records: int = 1000) -> dict[str, Any]:
    """The trained model with every m and u kept within [floor, 1] and each level set summing to 1.

    The prior (probability that two random records match) is kept in (0, 0.5); when the deterministic
    rules give none or an absurd one (tiny tables), ``1 / records`` (about one duplicate per record) is used.

    Levels EM never saw (m) or random sampling never hit (u, e.g. two records with the same tax ID) come
    back untrained or zero; a zero m would veto a true duplicate over one field, a zero u make one field
    decide alone. The floors give such levels a bounded weight.

    Example:
        >>> m = {"comparisons": [{"comparison_levels": [{"is_null_level": True},
        ...     {"m_probability": 1.0, "u_probability": 0.0}, {"m_probability": 0.0, "u_probability": 1.0}]}]}
        >>> [round(lv["m_probability"], 3) for lv in bounded_model(m)["comparisons"][0]["comparison_levels"][1:]]
        [0.995, 0.005]
    """
    prior = model.get("probability_two_random_records_match")
    if not isinstance(prior, int | float) or not 0.0 < prior < 0.5:
        model["probability_two_random_records_match"] = 1.0 / max(records, 3)
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for key, floor in (("m_probability", M_FLOOR), ("u_probability", U_FLOOR)):
            values = [lv.get(key) if isinstance(lv.get(key), int | float) else 0.0 for lv in levels]
            values = [max(float(v), floor) for v in values]
            total = sum(values)
            for level, value in zip(levels, values, strict=True):
                level[key] = value / total
    return model
