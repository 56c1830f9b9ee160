"""The review queue: candidate duplicate pairs a person confirms or rejects; decisions are remembered.

A pair is stored once, as ``(id_l, id_r)`` with ``id_l < id_r``. A rejected pair is never proposed again
(neither in the queue nor in the clusters of ``clientbase duplicates``); a confirmed pair leaves the queue
and waits to be merged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from clientbase import schema
from clientbase.dedupe.calibrate import log2_odds
from clientbase.dedupe.counterparties import decided_pairs, find_counterparty_duplicates
from clientbase.dedupe.explain import explain_levels
from clientbase.dedupe.link import DedupeResult, LinkOptions
from clientbase.errors import ConfigurationError, NotFoundError, PermissionDeniedError
from clientbase.registry import access, history
from clientbase.store import Store


def ordered(a: str, b: str) -> tuple[str, str]:
    """The pair as stored: smaller key first.

    Example:
        >>> ordered("C00107", "C00042")
        ('C00042', 'C00107')
    """
    if a == b:
        raise ConfigurationError(f"A pair needs two different counterparties, got {a} twice.")
    return (a, b) if a < b else (b, a)


def record_decision(
    conn: sa.Connection,
    a: str,
    b: str,
    decision: str,
    *,
    decided_by: str | None,
    at: dt.datetime,
    probability: float | None = None,
    note: str | None = None,
) -> None:
    """Write (or replace) the decision on the pair ``a``-``b`` inside the caller's transaction."""
    if decision not in schema.DUPLICATE_DECISIONS:
        raise ConfigurationError(f"Decision {decision!r}: use {' or '.join(schema.DUPLICATE_DECISIONS)}.")
    id_l, id_r = ordered(a, b)
    dd = schema.duplicate_decisions
    conn.execute(sa.delete(dd).where(dd.c.id_l == id_l, dd.c.id_r == id_r))
    conn.execute(
        sa.insert(dd).values(
            id_l=id_l,
            id_r=id_r,
            decision=decision,
            match_probability=probability,
            decided_by=decided_by,
            decided_at=at,
            note=note,
        )
    )


def decide(
    store: Store,
    *,
    a: str,
    b: str,
    decision: str,
    actor_id: str,
    probability: float | None = None,
    note: str | None = None,
    expected_versions: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """Confirm (``confirmed``) or reject (``rejected``) the pair ``a``-``b`` as the manager ``actor_id``.

    Analysts may not decide; a manager decides only on pairs whose records they may read.
    ``expected_versions`` (record id -> the version the person saw) refuses a decision on records that
    changed since (:class:`~clientbase.registry.service.StaleRecordError`).
    """
    from clientbase.registry.service import stale_error

    at = history.utc_now()
    cp = schema.counterparties
    with store.begin() as conn:
        actor = access.load_actor(conn, actor_id)
        if actor.role == "analyst":
            raise PermissionDeniedError(f"{actor_id} is an analyst: analysts review no pairs.")
        for record_id in ordered(a, b):
            row = conn.execute(sa.select(cp).where(cp.c.counterparty_id == record_id)).mappings().first()
            if row is None:
                raise NotFoundError(f"No counterparty {record_id!r}.")
            access.ensure_can_read(actor, dict(row), f"counterparty {record_id}")
            expected = (expected_versions or {}).get(record_id)
            if expected is not None and expected != row["version"]:
                raise stale_error(conn, cp, record_id, expected)
        record_decision(conn, a, b, decision, decided_by=actor_id, at=at, probability=probability, note=note)
        dd = schema.duplicate_decisions
        id_l, id_r = ordered(a, b)
        return dict(conn.execute(sa.select(dd).where(dd.c.id_l == id_l, dd.c.id_r == id_r)).mappings().one())


def review_queue(
    store: Store, options: LinkOptions | None = None, *, limit: int = 100
) -> list[dict[str, Any]]:
    """Undecided candidate pairs, most likely first, each with its explanation field by field.

    Candidates start at ``options.candidate_threshold`` (default 0.5 here), so pairs the model is unsure
    about come to a person rather than being merged or dropped silently.
    """
    options = options or LinkOptions(threshold=0.9, candidate_threshold=0.5)
    result, _clusters = find_counterparty_duplicates(store, options)
    if result is None:
        return []
    return queue_of(result, decided_pairs(store), options, limit=limit)


def queue_of(
    result: DedupeResult, decided: set[tuple[str, str]], options: LinkOptions, *, limit: int = 100
) -> list[dict[str, Any]]:
    """The review queue of a duplicate search already made: its pairs from the candidate threshold that
    have no decision in ``decided``, most likely first, as :func:`pair_entry`."""
    low = options.candidate_threshold or options.threshold
    queue = []
    for p in result.pairs.to_pylist():
        if p["match_probability"] < low or (p["id_l"], p["id_r"]) in decided:
            continue
        queue.append(pair_entry(result, p))
        if len(queue) >= limit:
            break
    return queue


def pair_entry(result: DedupeResult, pair: dict[str, Any]) -> dict[str, Any]:
    """One scored pair as the review shows it: probability, the explanation, and the waterfall's numbers.

    ``prior_weight`` (log2 odds that two random records match) plus each comparison's ``match_weight`` in
    ``fields`` plus ``other_weight`` (term-frequency adjustments: rare or common values) is the pair's
    ``match_weight``; the probability is ``1 / (1 + 2^-match_weight)``.
    """
    comparisons = [c["output_column_name"] for c in result.model["comparisons"]]
    fields = explain_levels(result.model, {c: pair[f"mw_{c}"] for c in comparisons})
    prior = log2_odds(float(result.model["probability_two_random_records_match"]))
    total = float(pair["match_weight"])
    other = total - prior - sum(float(pair[f"mw_{c}"]) for c in comparisons)
    return {
        "id_l": pair["id_l"],
        "id_r": pair["id_r"],
        "match_probability": round(float(pair["match_probability"]), 6),
        "match_weight": round(total, 2),
        "prior_weight": round(prior, 2),
        "other_weight": round(other, 2),
        "explanation": pair["explanation"],
        "fields": fields,
    }
