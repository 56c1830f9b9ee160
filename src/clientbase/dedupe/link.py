"""Find duplicate records in any table with splink (DuckDB backend), trained without labels.

The model (Fellegi-Sunter, as splink implements it) compares normalised keys (:mod:`.normalise`):

- ``name``: same name, same words in another order, Jaro-Winkler >= 0.94 / 0.84, different;
- ``tax_id``, ``registration_id``: same, one character off (same length), different;
- ``email``: same address, same company domain (free-mail domains never count), different;
- ``phone``: same E.164 number, same last 7 digits, different;
- ``place``: same address and postcode, similar address in the same postcode or city, same postcode, same
  city, different.

A comparison whose value is missing on either side is neutral (weight 0). Candidate pairs come from an OR of
blocking rules (exact sorted name; first or last name word with postcode or city; each ID; phone; e-mail;
domain), so one garbled field does not hide a duplicate. Training is unsupervised: u from random pairs, the
prior from near-certain rules, m by expectation maximisation in two sessions (blocked on the name, then on an
ID/phone/domain, so every comparison is estimated once). Pairs at or above the threshold are clustered by
connected components.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from clientbase.dedupe.normalise import normalise_into
from clientbase.errors import ClientbaseError, ConfigurationError, StoreError

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa


@dataclass(frozen=True)
class LinkOptions:
    """How to train and cut the model.

    ``threshold`` is the match probability at and above which two records are the same (clusters);
    ``candidate_threshold`` (default: ``threshold``) the lowest probability of a pair still returned for review.
    """

    threshold: float = 0.9
    candidate_threshold: float | None = None
    default_country: str | None = None
    seed: int = 42
    #: random pairs for the u estimates
    u_max_pairs: float = 5e5
    #: blocked pairs per EM session (sampled down when a blocking rule yields more)
    em_max_pairs: float = 2e6

    def __post_init__(self) -> None:
        for name in ("threshold", "candidate_threshold"):
            value = getattr(self, name)
            if value is not None and not 0.0 < value < 1.0:
                raise ConfigurationError(f"{name} must be a probability between 0 and 1, got {value}.")


@dataclass
class DedupeResult:
    """Scored candidate pairs, the clusters they form and the trained model."""

    #: ``id_l, id_r, match_probability, match_weight, explanation`` and one ``mw_<comparison>`` (its weight)
    #: per field
    pairs: pa.Table
    #: ``id, cluster_id, cluster_size`` for every record in a cluster of two or more
    clusters: pa.Table
    #: the splink model (settings, m and u) as JSON-ready dict
    model: dict[str, Any]
    records: int
    seconds: dict[str, float] = field(default_factory=dict)

    def explain(self, weights: Mapping[str, float]) -> list[dict[str, Any]]:
        """Field by field: which level of each comparison a pair reached and its match weight.

        ``weights`` maps a comparison name (``name``, ``phone`` ...) to the pair's ``mw_<name>`` in :attr:`pairs`.
        """
        return explain_levels(self.model, weights)


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


def _explanation_sql(model: Mapping[str, Any]) -> str:
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
    return f"concat_ws('; ', {', '.join(parts)})"


# -- model settings ----------------------------------------------------------------------------------------


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


def _blocking_rules(columns: set[str]) -> list[str]:
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


def _settings(columns: set[str]) -> dict[str, Any]:
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "comparisons": _with_priors(_comparisons(columns)),
        "blocking_rules_to_generate_predictions": [{"blocking_rule": r} for r in _blocking_rules(columns)],
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": True,
        "em_convergence": 0.001,
        "max_iterations": 20,
    }


def _usable_columns(con: duckdb.DuckDBPyConnection, created: list[str]) -> set[str]:
    """The normalised columns that hold at least one value (an empty column cannot be trained)."""
    counts = con.execute(
        "SELECT " + ", ".join(f'count("{c}")' for c in created) + " FROM dedupe_input"
    ).fetchone()
    assert counts is not None
    return {c for c, n in zip(created, counts, strict=True) if n}


def _check_ids(con: duckdb.DuckDBPyConnection, id_col: str) -> int:
    total, distinct, nulls = con.execute(
        "SELECT count(*), count(DISTINCT unique_id), count(*) - count(unique_id) FROM dedupe_input"
    ).fetchone() or (0, 0, 0)
    if nulls:
        raise ConfigurationError(
            f"{nulls} row(s) have no value in the id column {id_col!r}; every row needs one."
        )
    if distinct != total:
        dupes = con.execute(
            "SELECT unique_id FROM dedupe_input GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT 5"
        ).fetchall()
        shown = ", ".join(repr(r[0]) for r in dupes)
        raise ConfigurationError(
            f"The id column {id_col!r} is not unique ({total - distinct} repeated, e.g. {shown}); "
            "choose a column that identifies each row, or add a row number."
        )
    return int(total)


def _train(linker: Any, table: Any, columns: set[str], options: LinkOptions) -> Any:
    """Train ``linker``; returns the trained linker (a new one when a failed EM session had to be undone)."""
    from splink import Linker, block_on

    deterministic = ['l."name_sorted" = r."name_sorted" AND ' + r for r in _area_rules(columns)]
    deterministic += [f'l."{c}" = r."{c}"' for c in ("tax_id", "registration_id") if c in columns]
    linker.training.estimate_probability_two_random_records_match(
        deterministic or ['l."name_sorted" = r."name_sorted"'], 0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=options.u_max_pairs, seed=options.seed)
    # session 1 estimates every comparison except the name; session 2 estimates the name
    rules = [block_on("name_sorted")]
    second = next(
        (
            c
            for c in ("tax_id", "registration_id", "phone", "domain", "email", "postcode", "city")
            if c in columns
        ),
        None,
    )
    if second is not None:
        rules.append(block_on(second))
    for rule in rules:
        before = linker.misc.save_model_to_json()
        if not _em_session(linker, rule, options):
            # a failed session leaves splink's settings without the comparisons it blocked on: start again
            # from the model as it was before the session (those comparisons keep their floors)
            linker = Linker(table, before, log_level=None)
    return linker


def _em_session(linker: Any, rule: Any, options: LinkOptions) -> bool:
    """One EM session; if the share of matches in the block runs to 1 (all blocked pairs are duplicates,
    as in a small clean list), retry with that share fixed. False when EM could not run (e.g. no pairs)."""
    train = linker.training.estimate_parameters_using_expectation_maximisation
    try:
        train(rule, max_pairs=options.em_max_pairs, estimate_without_term_frequencies=True)
        return True
    except Exception:
        try:
            train(
                rule,
                max_pairs=options.em_max_pairs,
                estimate_without_term_frequencies=True,
                fix_probability_two_random_records_match=True,
            )
            return True
        except Exception:
            return False


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


def _area_rules(columns: set[str]) -> list[str]:
    return [f'l."{c}" = r."{c}"' for c in ("postcode", "city", "phone", "domain") if c in columns][:1]


def _run(step: str, func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run one splink step; wrap a failure with the step's name."""
    try:
        return func(*args, **kwargs)
    except ClientbaseError:
        raise
    except Exception as exc:
        raise StoreError(f"Duplicate search failed while {step}: {exc}") from exc


def find_duplicates(
    records: Any,
    *,
    id_col: str,
    roles: Mapping[str, str],
    options: LinkOptions | None = None,
) -> DedupeResult:
    """Score candidate duplicate pairs in ``records`` and cluster those at or above the threshold.

    Args:
        records: a pyarrow Table, pandas DataFrame or DuckDB relation, one row per record.
        id_col: column with each record's unique key.
        roles: role -> column, e.g. ``{"name": "Company", "tax_id": "VAT", "phone": "Tel"}``; ``name`` and at
            least one other role are needed (see :data:`clientbase.dedupe.normalise.ROLES`).
        options: thresholds, default phone country and training sizes.

    Returns:
        The pairs (with explanations), the clusters and the trained model.

    Example:
        >>> from clientbase.dedupe.synthetic import planted_companies
        >>> data, truth = planted_companies(2000, seed=1)
        >>> result = find_duplicates(data, id_col="id", roles={
        ...     "name": "name", "tax_id": "tax_id", "phone": "phone", "country": "country",
        ...     "postcode": "postcode", "city": "city", "email": "email"})
        >>> result.pairs.num_rows > 0
        True
    """
    import duckdb
    from splink import DuckDBAPI, Linker

    options = options or LinkOptions()
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    con = duckdb.connect()
    try:
        con.register("raw_records", records)
        created = normalise_into(
            con, "raw_records", id_col=id_col, roles=roles, default_country=options.default_country
        )
        count = _check_ids(con, id_col)
        columns = _usable_columns(con, created)
        if not (columns - {"name_base", "name_sorted", "name_tok1", "name_tok2", "country"}):
            raise ConfigurationError(
                "Only a name to compare: give at least one more column (tax_id, registration_id, email, "
                "website, phone, address, postcode or city) so the model can be trained without labels."
            )
        seconds["normalise"] = time.perf_counter() - start

        step = time.perf_counter()
        db_api = DuckDBAPI(connection=con)
        table = db_api.register("dedupe_input")
        settings = _settings(columns)
        if count >= MIN_TRAINING_RECORDS:
            linker = _run("setting up the model", Linker, table, settings, log_level=None)
            linker = _run("training the model", _train, linker, table, columns, options)
            model = bounded_model(linker.misc.save_model_to_json(), count)
        else:
            settings["probability_two_random_records_match"] = min(0.01, 1.0 / max(count, 3))
            model = bounded_model(settings, count)
        linker = _run("loading the trained model", Linker, table, model, log_level=None)
        seconds["train"] = time.perf_counter() - step

        step = time.perf_counter()
        low = min(options.threshold, options.candidate_threshold or options.threshold)
        predictions = _run(
            "scoring pairs", linker.inference.predict, threshold_match_probability=low, warning_mode="never"
        )
        clusters = _run(
            "clustering",
            linker.clustering.cluster_pairwise_predictions_at_threshold,
            predictions,
            threshold_match_probability=options.threshold,
        )
        seconds["predict"] = time.perf_counter() - step
        gammas = [c["output_column_name"] for c in model["comparisons"]]
        pairs = con.execute(
            "SELECT least(unique_id_l, unique_id_r) AS id_l, greatest(unique_id_l, unique_id_r) AS id_r, match_probability, match_weight, "
            f"{_explanation_sql(model)} AS explanation, {', '.join(f'mw_{g}' for g in gammas)} "
            f"FROM {predictions.physical_name} ORDER BY match_probability DESC, id_l, id_r"
        ).to_arrow_table()
        cluster_table = con.execute(
            "SELECT unique_id AS id, cluster_id, count(*) OVER (PARTITION BY cluster_id) AS cluster_size "
            f"FROM {clusters.physical_name} QUALIFY cluster_size > 1 ORDER BY cluster_id, id"
        ).to_arrow_table()
        seconds["total"] = time.perf_counter() - start
    finally:
        con.close()
    return DedupeResult(pairs=pairs, clusters=cluster_table, model=model, records=count, seconds=seconds)
