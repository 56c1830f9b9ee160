"""Duplicates in any list of people or companies, and among the counterparties: link, review, merge, undo.

- :mod:`clientbase.dedupe.roles` tells which column is which (headers in several languages, then values);
- :mod:`clientbase.dedupe.normalise` turns raw columns into comparable keys (in DuckDB SQL, vectorised),
  with :mod:`~clientbase.dedupe.person_keys` (people's names, birth dates) and
  :mod:`~clientbase.dedupe.legal_forms`;
- :mod:`clientbase.dedupe.comparisons` one comparison per kind of evidence, with typical m and u;
- :mod:`clientbase.dedupe.model` the one model builder: comparisons, blocking rules, training rules, bounds;
- :mod:`clientbase.dedupe.link` trains a splink model without labels and scores candidate pairs, whose
  prior and u :mod:`clientbase.dedupe.score` settles on the scored pairs;
- :mod:`clientbase.dedupe.explain` why a pair matched, field by field;
- :mod:`clientbase.dedupe.review` and :mod:`clientbase.dedupe.merge` the review queue, merge and undo;
- :mod:`clientbase.dedupe.evaluate` scores found clusters against a known truth;
- :mod:`clientbase.dedupe.files` reads any CSV/XLSX and guesses which column is which;
- :mod:`clientbase.dedupe.synthetic`, :mod:`~clientbase.dedupe.synthetic_people` (FEBRL-like people) and
  :mod:`~clientbase.dedupe.synthetic_master` (a company master list) make seeded lists with planted
  duplicates, for tests and benchmarks.
"""

from clientbase.dedupe.evaluate import PairScores, cluster_scores
from clientbase.dedupe.explain import explain_levels
from clientbase.dedupe.link import DedupeResult, LinkOptions, find_duplicates
from clientbase.dedupe.normalise import ROLES, normalise_company_names, normalise_records
from clientbase.dedupe.roles import guess_roles

__all__ = [
    "ROLES",
    "DedupeResult",
    "LinkOptions",
    "PairScores",
    "cluster_scores",
    "explain_levels",
    "find_duplicates",
    "guess_roles",
    "normalise_company_names",
    "normalise_records",
]
