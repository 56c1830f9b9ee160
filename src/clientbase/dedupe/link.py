"""Find duplicate records in any table with splink (DuckDB backend, or Spark's: :mod:`.spark`), trained
without labels.

The model (Fellegi-Sunter, as splink implements it) compares normalised keys (:mod:`.normalise`) with the
comparisons of :mod:`.comparisons`, one per kind of evidence the list has: a company's name; a person's
given and family names (swaps, nicknames, initials, typos), date of birth (day and month swapped, one
digit off), national id; tax and registration IDs; e-mail and company domain; phone; address and place.

A comparison whose value is missing on either side is neutral (weight 0). Candidate pairs come from an OR of
blocking rules (:func:`clientbase.dedupe.model.blocking_rules`), so one garbled field does not hide a
duplicate. Training is unsupervised: u from random pairs, the prior from near-certain rules, m by
expectation maximisation in two sessions (blocked on the name, then on an identifier or the place, so every
comparison is estimated once). Pairs at or above the threshold are clustered by connected components.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from clientbase.dedupe.calibrate import log2_odds
from clientbase.dedupe.clusters import components
from clientbase.dedupe.explain import explain_levels, explanation_sql
from clientbase.dedupe.model import (
    MIN_TRAINING_RECORDS,
    blocking_rules,
    bounded_model,
    deterministic_rules,
    settings_for,
    training_blocks,
)
from clientbase.dedupe.normalise import COMPANY_NAME_KEYS, LEGAL_FORM_KEYS, PERSON_NAME_KEYS, normalise_into
from clientbase.dedupe.score import gamma_sql, settle, weight_sql
from clientbase.errors import ClientbaseError, ConfigurationError, StoreError

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa


#: the engines splink runs on here
ENGINES = ("duckdb", "spark")
#: the normalised keys of names (and the country): a list needs at least one key besides these
NAME_KEYS = frozenset((*COMPANY_NAME_KEYS, *LEGAL_FORM_KEYS, *PERSON_NAME_KEYS, "country"))


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
    #: where splink makes, compares and scores the pairs: ``duckdb`` (in process) or ``spark``
    #: (:mod:`clientbase.dedupe.spark`; the session of :mod:`clientbase.store.spark`: the active one, else a local one)
    engine: str = "duckdb"

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ConfigurationError(f"engine must be one of {', '.join(ENGINES)}, got {self.engine!r}.")
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

    rules = deterministic_rules(columns)
    if options.engine == "spark":
        from clientbase.dedupe.spark import spark_sql

        rules = [spark_sql(rule) for rule in rules]
    linker.training.estimate_probability_two_random_records_match(rules, 0.7)
    # one pass per comparison over the sampled pairs (splink's chunked early stopping re-samples up to ten
    # times per comparison when a level is rare, which costs more than it saves here)
    linker.training.estimate_u_using_random_sampling(
        max_pairs=options.u_max_pairs, seed=options.seed, num_chunks=1
    )
    for keys in training_blocks(columns):
        before = linker.misc.save_model_to_json()
        if not _em_session(linker, block_on(*keys), options):
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


#: pairs scored below this probability (before the prior is re-estimated) are left out of the results
CANDIDATE_FLOOR = 1e-4


def _cluster_table(pairs: pa.Table, threshold: float) -> pa.Table:
    """``id, cluster_id, cluster_size`` of every record in a cluster (the cluster's id is its smallest id)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    linked = pairs.filter(pc.greater_equal(pairs["match_probability"], threshold))
    groups = components(zip(linked["id_l"].to_pylist(), linked["id_r"].to_pylist(), strict=True))
    rows = [(member, group[0], len(group)) for group in groups for member in group]
    return pa.table(
        {
            "id": pa.array([r[0] for r in rows], pa.string()),
            "cluster_id": pa.array([r[1] for r in rows], pa.string()),
            "cluster_size": pa.array([r[2] for r in rows], pa.int64()),
        }
    )


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
    roles: Mapping[str, str | Sequence[str]],
    options: LinkOptions | None = None,
) -> DedupeResult:
    """Score candidate duplicate pairs in ``records`` and cluster those at or above the threshold.

    Args:
        records: a pyarrow Table, pandas DataFrame or DuckDB relation, one row per record.
        id_col: column with each record's unique key.
        roles: role -> column (or columns), e.g. ``{"name": "Company", "tax_id": "VAT", "phone": "Tel"}`` or
            ``{"given_name": "First", "family_name": "Last", "birth_date": "DOB", "address": ["No", "Street"]}``;
            a name (``name``, ``given_name``, ``family_name`` or ``full_name``) and at least one other role are
            needed (see :data:`clientbase.dedupe.normalise.ROLES`).
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
        if not (columns - NAME_KEYS):
            raise ConfigurationError(
                "Only a name to compare: give at least one more column (birth_date, national_id, tax_id, "
                "registration_id, email, website, domain, phone, address, postcode, city or region) so the "
                "model can be trained without labels."
            )
        seconds["normalise"] = time.perf_counter() - start

        step = time.perf_counter()
        settings = settings_for(columns, blocking_rules(columns, con, "dedupe_input", count))
        spark = options.engine == "spark"
        if spark:
            from clientbase.dedupe import spark as on_spark
            from clientbase.store.spark import spark_session

            written = settings
            settings = on_spark.for_spark(settings)
            _db_api, table = _run(
                "handing the records to Spark",
                on_spark.register,
                spark_session(),
                con.table("dedupe_input").to_arrow_table(),
            )
        else:
            table = DuckDBAPI(connection=con).register("dedupe_input")
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
            "scoring pairs",
            linker.inference.predict,
            threshold_match_probability=min(low, CANDIDATE_FLOOR),
            warning_mode="never",
        )
        scored_on = predictions.physical_name
        if spark:  # the scored pairs come back to DuckDB; the model carries DuckDB's SQL again
            con.register(
                "_spark_predictions", _run("reading the pairs from Spark", on_spark.to_arrow, predictions)
            )
            scored_on = "_spark_predictions"
            model = on_spark.with_duckdb_sql(model, written)
        # each pair's level of each comparison, read back from the weight splink gave it (splink keeps the
        # levels only with every compared column of both records, too heavy to carry for millions of pairs)
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW _scored AS SELECT *, {', '.join(gamma_sql(model))} FROM {scored_on}"
        )
        model = settle(con, "_scored", model, count, trained=count >= MIN_TRAINING_RECORDS)
        weights, total = weight_sql(model)
        gammas = [c["output_column_name"] for c in model["comparisons"]]
        scored = (
            f"SELECT least(unique_id_l, unique_id_r) AS id_l, greatest(unique_id_l, unique_id_r) AS id_r, "
            f"{', '.join(weights)} FROM _scored"
        )
        pairs = con.execute(
            f"SELECT id_l, id_r, 1.0 / (1.0 + pow(2.0, -({total}))) AS match_probability, {total} AS match_weight, "
            f"{explanation_sql(model)} AS explanation, {', '.join(f'mw_{g}' for g in gammas)} "
            f"FROM ({scored}) WHERE {total} >= CAST({log2_odds(low)!r} AS DOUBLE) ORDER BY match_probability DESC, id_l, id_r"
        ).to_arrow_table()
        cluster_table = _cluster_table(pairs, options.threshold)
        seconds["predict"] = time.perf_counter() - step
        seconds["total"] = time.perf_counter() - start
    finally:
        con.close()
    return DedupeResult(pairs=pairs, clusters=cluster_table, model=model, records=count, seconds=seconds)
