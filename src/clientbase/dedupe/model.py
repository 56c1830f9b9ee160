"""The linkage model's shape: comparisons (:mod:`.comparisons`), blocking rules, training rules, bounds.

Pure functions that return splink settings (dicts of SQL conditions), except :func:`blocking_rules`, which
counts on the list how many pairs each candidate rule would make and leaves out those that make too many.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clientbase.dedupe.comparisons import comparisons_for

if TYPE_CHECKING:
    import duckdb

#: Candidate blocking rules: pairs that agree exactly on all the keys of one rule are compared. An OR of
#: many, so one garbled field does not hide a duplicate; a rule is used when the list has all its keys.
CANDIDATE_RULES: tuple[tuple[str, ...], ...] = (
    ("name_fold",),
    ("name_tok1", "postcode"),
    ("name_tok2", "postcode"),
    ("name_tok1", "city"),
    ("name_tok2", "city"),
    ("given1", "family_key"),
    ("person_sorted",),
    ("family_key", "birth_digits"),
    ("given1", "birth_digits"),
    ("birth_digits", "postcode"),
    ("birth_digits",),
    ("family_key", "postcode"),
    ("given1", "postcode"),
    ("family_key", "city"),
    ("given1", "city"),
    ("address_key", "postcode"),
    ("address_key", "city"),
    ("address_key",),
    ("address_number", "postcode"),
    ("address_number", "city"),
    ("address_number", "region"),
    ("address_number", "street_key"),
    ("family_key", "street_key"),
    ("given1", "street_key"),
    ("national_id",),
    ("tax_id",),
    ("registration_id",),
    ("phone",),
    ("email",),
    ("domain",),
    ("postcode",),
    ("city",),
)

#: given and family name exchanged: a rule of its own (not an equality of keys)
SWAPPED_RULE = 'l."given" = r."family" AND l."family" = r."given"'


def pair_count(con: duckdb.DuckDBPyConnection, table: str, keys: tuple[str, ...]) -> int:
    """How many pairs of ``table`` agree on every one of ``keys`` (none of them missing)."""
    cols = ", ".join(f'"{k}"' for k in keys)
    present = " AND ".join(f'"{k}" IS NOT NULL' for k in keys)
    row = con.execute(
        f"SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM "
        f"(SELECT count(*) AS n FROM {table} WHERE {present} GROUP BY {cols})"
    ).fetchone()
    return int(row[0]) if row else 0


def max_pairs_per_rule(records: int) -> int:
    """A rule may make at most this many pairs: 5 per record, and at least 200,000.

    A small list can afford the coarse rules (the same postcode alone); on a large one they would make
    most of the pairs compared and say least (1M records: 5.5M pairs share a postcode).
    """
    return max(5 * records, 200_000)


def blocking_rules(
    columns: set[str], con: duckdb.DuckDBPyConnection | None = None, table: str = "", records: int = 0
) -> list[str]:
    """The blocking rules for a list with ``columns``; with ``con``, only those that make few enough pairs.

    Example:
        >>> blocking_rules({"name_sorted", "name_tok1", "name_tok2", "postcode", "phone"})
        ['l."name_sorted" = r."name_sorted"', 'l."name_tok1" = r."name_tok1" AND l."postcode" = r."postcode"', 'l."name_tok2" = r."name_tok2" AND l."postcode" = r."postcode"', 'l."phone" = r."phone"']
    """
    rules = []
    for keys in CANDIDATE_RULES:
        if not set(keys) <= columns:
            continue
        if con is not None and pair_count(con, table, keys) > max_pairs_per_rule(records):
            continue
        rules.append(" AND ".join(f'l."{k}" = r."{k}"' for k in keys))
    if {"given", "family"} <= columns:
        rules.append(SWAPPED_RULE)
    return rules


def settings_for(columns: set[str], blocking: list[str] | None = None) -> dict[str, Any]:
    """splink settings for a list whose normalised keys are ``columns``, with the typical m and u."""
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "comparisons": comparisons_for(columns),
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": r} for r in (blocking if blocking is not None else blocking_rules(columns))
        ],
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": True,
        "em_convergence": 0.001,
        "max_iterations": 20,
    }


def deterministic_rules(columns: set[str]) -> list[str]:
    """Rules almost only duplicates meet, for estimating the share of duplicates in the list."""
    rules = []
    if "name_sorted" in columns:
        area = [c for c in ("postcode", "city", "phone", "domain") if c in columns][:1]
        rules += [f'l."name_sorted" = r."name_sorted" AND l."{a}" = r."{a}"' for a in area]
    if {"given1", "family_key"} <= columns:
        person = 'l."given1" = r."given1" AND l."family_key" = r."family_key"'
        for extra in ("birth_digits", "address_key", "postcode"):
            if extra in columns:
                rules.append(f'{person} AND l."{extra}" = r."{extra}"')
                break
    rules += [f'l."{c}" = r."{c}"' for c in ("national_id", "tax_id", "registration_id") if c in columns]
    if not rules:
        key = "name_sorted" if "name_sorted" in columns else "person_sorted"
        rules.append(f'l."{key}" = r."{key}"')
    return rules


def training_blocks(columns: set[str]) -> list[tuple[str, ...]]:
    """The blocking of the EM sessions: first on the name (estimates every other comparison), then on an
    identifier or place (estimates the name), so every comparison is estimated once."""
    first: tuple[str, ...] = ("name_sorted",) if "name_sorted" in columns else ("given1", "family_key")
    if not set(first) <= columns:
        first = ("person_sorted",)
    blocks: list[tuple[str, ...]] = [first]
    for second in ("birth_digits", "national_id", "tax_id", "registration_id", "phone", "domain", "email"):
        if second in columns:
            blocks.append((second,))
            break
    else:
        for second in ("address_key", "postcode", "city"):
            if second in columns:
                blocks.append((second,))
                break
    return blocks


#: Below this many records the list is scored with the typical m and u instead of being trained: random
#: pairs and EM over a few hundred records give estimates noisier than the typical values.
MIN_TRAINING_RECORDS = 1000


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
