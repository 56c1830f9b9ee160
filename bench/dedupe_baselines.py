"""splink set-ups to compare `clientbase.dedupe` against, written the way splink's documentation does.

- :func:`plain_people`: splink's own FEBRL examples (febrl3/febrl4 notebooks): ``NameComparison`` on given
  name and surname with term-frequency adjustments, ``DateOfBirthComparison``, Damerau-Levenshtein on the
  social security id and postcode, exact street number, Jaro-Winkler on street and suburb; blocking on
  name, swapped name, date of birth, id, street with state or number, postcode; u from 1e6 random pairs, EM
  blocked on date of birth and postcode (on name and postcode without ids).
- :func:`tuned_companies`: a hand-tuned company set-up: names lower-cased, transliterated, stripped of
  punctuation and of the legal form (cleanco's ``basename``), phones as their last 9 digits, VAT ids as
  digits, domains without ``www.``/``@``; Jaro-Winkler levels on the name with term frequencies, exact
  city, postcode, phone, domain, VAT one edit off; blocking on name, name prefix and city, VAT, phone,
  domain, postcode.

Each returns the clusters at match probability 0.9 as ``id, cluster_id`` (records in clusters of two or
more) and the seconds it took, from the raw table to the clusters.
"""

from __future__ import annotations

import time
from typing import Any


def _clusters(linker: Any, predictions: Any) -> Any:
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=0.9
    )
    return clusters.as_duckdbpyrelation().select("unique_id AS id, cluster_id").to_arrow_table()


def plain_people(records: Any, *, with_ids: bool, date_format: str = "%Y%m%d") -> tuple[Any, float]:
    """splink's FEBRL set-up on a people list with FEBRL's columns (``rec_id`` as the id)."""
    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    start = time.perf_counter()
    con = duckdb.connect()
    con.register("raw", records)
    con.execute("CREATE TABLE people AS SELECT rec_id AS unique_id, * EXCLUDE (rec_id) FROM raw")
    comparisons = [
        cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("surname").configure(term_frequency_adjustments=True),
        cl.ExactMatch("street_number"),
        cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
        cl.JaroWinklerAtThresholds("suburb", [0.9, 0.7]),
        cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]),
    ]
    blocking = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname AND l.surname = r.given_name",
        block_on("state", "address_1"),
        block_on("street_number", "address_1"),
        block_on("postcode"),
    ]
    deterministic = [block_on("given_name", "surname", "street_number")]
    em_blocks = [block_on("given_name", "surname"), block_on("postcode")]
    if with_ids:
        comparisons += [
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format=date_format),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
        ]
        blocking += [block_on("date_of_birth"), block_on("soc_sec_id")]
        deterministic = [block_on("given_name", "surname", "date_of_birth"), block_on("soc_sec_id")]
        em_blocks = [block_on("date_of_birth"), block_on("postcode")]
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
        retain_intermediate_calculation_columns=True,
    )
    table = DuckDBAPI(connection=con).register("people")
    linker = Linker(table, settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in em_blocks:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=0.9)
    clusters = _clusters(linker, predictions)
    return clusters, time.perf_counter() - start


def _company_keys(con: Any) -> None:
    """Standardise the company columns the way a careful splink user would, before linking."""
    from anyascii import anyascii
    from cleanco import basename

    names = con.execute("SELECT DISTINCT name FROM raw WHERE name IS NOT NULL").fetchall()
    cleaned = {n: basename(anyascii(n).lower()) for (n,) in names}
    con.execute("CREATE TABLE names (raw VARCHAR, clean VARCHAR)")
    con.executemany("INSERT INTO names VALUES (?, ?)", list(cleaned.items()))
    con.execute(
        """
        CREATE TABLE companies AS SELECT
            id AS unique_id,
            nullif(trim(regexp_replace(n.clean, '[^a-z0-9]+', ' ', 'g')), '') AS name_std,
            nullif(lower(trim(city)), '') AS city_std,
            nullif(upper(regexp_replace(postcode, '[^A-Za-z0-9]', '', 'g')), '') AS postcode_std,
            nullif(right(regexp_replace(split_part(phone, '-', 1), '[^0-9]', '', 'g'), 9), '') AS phone_std,
            nullif(regexp_replace(lower(email_domain), '^(www\\.|@)', ''), '') AS domain_std,
            nullif(regexp_replace(vat_id, '[^0-9]', '', 'g'), '') AS vat_std
        FROM raw LEFT JOIN names AS n ON n.raw = raw.name
        """
    )


def tuned_companies(records: Any) -> tuple[Any, float]:
    """A hand-tuned splink set-up on a company master list (``id, name, city, postcode, phone,
    email_domain, vat_id``)."""
    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    start = time.perf_counter()
    con = duckdb.connect()
    con.register("raw", records)
    _company_keys(con)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("name_std", [0.97, 0.92, 0.85]).configure(
                term_frequency_adjustments=True
            ),
            cl.ExactMatch("city_std"),
            cl.ExactMatch("postcode_std"),
            cl.ExactMatch("phone_std"),
            cl.ExactMatch("domain_std"),
            cl.DamerauLevenshteinAtThresholds("vat_std", [1]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("name_std"),
            block_on("substr(name_std, 1, 4)", "city_std"),
            block_on("substr(name_std, 1, 4)", "postcode_std"),
            block_on("vat_std"),
            block_on("phone_std"),
            block_on("domain_std"),
        ],
        retain_intermediate_calculation_columns=True,
    )
    table = DuckDBAPI(connection=con).register("companies")
    linker = Linker(table, settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("name_std", "city_std"), block_on("vat_std")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in (block_on("name_std"), block_on("vat_std"), block_on("phone_std")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=0.9)
    clusters = _clusters(linker, predictions)
    return clusters, time.perf_counter() - start
