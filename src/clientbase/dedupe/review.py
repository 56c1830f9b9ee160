"""The review queue: candidate duplicate pairs a person confirms or rejects; decisions are remembered.

A pair is stored once, as ``(id_l, id_r)`` with ``id_l < id_r``. A rejected pair is never proposed again
(neither in the queue nor in the clusters of ``clientbase duplicates``); a confirmed pair leaves the queue
and waits to be merged.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from clientbase import schema
from clientbase.dedupe.counterparties import decided_pairs, find_counterparty_duplicates
from clientbase.dedupe.explain import explain_levels
from clientbase.dedupe.link import LinkOptions
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
) -> dict[str, Any]:
    """Confirm (``confirmed``) or reject (``rejected``) the pair ``a``-``b`` as the manager ``actor_id``.

    Analysts may not decide; a manager decides only on pairs whose records they may read.
    """
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
    decided = decided_pairs(store)
    comparisons = [c["output_column_name"] for c in result.model["comparisons"]]
    low = options.candidate_threshold or options.threshold
    queue = []
    for p in result.pairs.to_pylist():
        if p["match_probability"] < low or (p["id_l"], p["id_r"]) in decided:
            continue
        queue.append(
            {
                "id_l": p["id_l"],
                "id_r": p["id_r"],
                "match_probability": round(float(p["match_probability"]), 6),
                "explanation": p["explanation"],
                "fields": explain_levels(result.model, {c: p[f"mw_{c}"] for c in comparisons}),
            }
        )
        if len(queue) >= limit:
            break
    return queue
