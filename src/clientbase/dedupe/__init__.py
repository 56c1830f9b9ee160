"""Duplicate counterparties: normalise, link with splink, review, merge and undo.

- :mod:`clientbase.dedupe.normalise` turns raw columns into comparable keys (in DuckDB SQL, vectorised);
- :mod:`clientbase.dedupe.model` the model's comparisons, blocking rules, priors and weight bounds;
- :mod:`clientbase.dedupe.link` trains a splink model without labels and scores candidate pairs;
- :mod:`clientbase.dedupe.explain` why a pair matched, field by field;
- :mod:`clientbase.dedupe.review` and :mod:`clientbase.dedupe.merge` the review queue, merge and undo;
- :mod:`clientbase.dedupe.evaluate` scores found clusters against a known truth;
- :mod:`clientbase.dedupe.files` reads any CSV/XLSX and guesses which column is which;
- :mod:`clientbase.dedupe.synthetic` makes company records with planted duplicates, for tests and benchmarks.
"""

from clientbase.dedupe.evaluate import PairScores, cluster_scores
from clientbase.dedupe.explain import explain_levels
from clientbase.dedupe.link import DedupeResult, LinkOptions, find_duplicates
from clientbase.dedupe.normalise import ROLES, normalise_company_names, normalise_records

__all__ = [
    "ROLES",
    "DedupeResult",
    "LinkOptions",
    "PairScores",
    "cluster_scores",
    "explain_levels",
    "find_duplicates",
    "normalise_company_names",
    "normalise_records",
]
