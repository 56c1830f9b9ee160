"""Accuracy of found clusters against a known truth, counted over pairs of records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PairScores:
    """Pairwise precision, recall and F1: a pair counts when both records are in the same cluster."""

    true_positives: int
    found_pairs: int
    true_pairs: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.found_pairs if self.found_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def cluster_scores(
    clusters: Any,
    truth: Any,
    *,
    id_col: str = "id",
    cluster_col: str = "cluster_id",
    entity_col: str = "entity_id",
) -> PairScores:
    """Compare found clusters (``id, cluster_id``) with the truth (``id, entity_id``), pair by pair.

    Records missing from ``clusters`` are singletons; the truth may list every record or only duplicates.

    Example:
        >>> import pyarrow as pa
        >>> found = pa.table({"id": ["a", "b", "c", "d"], "cluster_id": [1, 1, 2, 2]})
        >>> truth = pa.table({"id": ["a", "b", "c"], "entity_id": ["a", "a", "a"]})
        >>> s = cluster_scores(found, truth)
        >>> (s.true_positives, s.found_pairs, s.true_pairs)
        (1, 2, 3)
    """
    import duckdb

    with duckdb.connect() as con:
        con.register("found", clusters)
        con.register("truth", truth)
        sql = f"""
            WITH f AS (SELECT CAST("{id_col}" AS VARCHAR) AS id, "{cluster_col}" AS g FROM found),
                 t AS (SELECT CAST("{id_col}" AS VARCHAR) AS id, CAST("{entity_col}" AS VARCHAR) AS g FROM truth),
                 fp AS (SELECT a.id AS l, b.id AS r FROM f a JOIN f b ON a.g = b.g AND a.id < b.id),
                 tp AS (SELECT a.id AS l, b.id AS r FROM t a JOIN t b ON a.g = b.g AND a.id < b.id)
            SELECT (SELECT count(*) FROM fp JOIN tp USING (l, r)), (SELECT count(*) FROM fp),
                   (SELECT count(*) FROM tp)
        """
        row = con.execute(sql).fetchone()
    assert row is not None
    return PairScores(true_positives=int(row[0]), found_pairs=int(row[1]), true_pairs=int(row[2]))
