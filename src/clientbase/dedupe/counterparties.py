"""Duplicate counterparties in the database: the generic linker run on the registry's table."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from clientbase import schema
from clientbase.dedupe.clusters import components
from clientbase.dedupe.explain import explain_levels
from clientbase.dedupe.link import DedupeResult, LinkOptions, find_duplicates

if TYPE_CHECKING:
    from clientbase.store import Store

#: role -> column of ``counterparties`` (the roles are named after the schema's columns)
COUNTERPARTY_ROLES = {
    role: role
    for role in (
        "name",
        "tax_id",
        "registration_id",
        "email",
        "website",
        "phone",
        "address",
        "postcode",
        "city",
        "country",
    )
}

#: below this many live records the model has too little to learn from; pairs are then not searched
MIN_RECORDS = 10


@dataclass
class DuplicateCluster:
    """Records found to be one counterparty, with the pairs that tie them and why."""

    cluster_id: str
    members: list[dict[str, Any]]
    pairs: list[dict[str, Any]] = field(default_factory=list)


def live_counterparties(store: Store) -> Any:
    """The counterparties that are not archived (merged-away records are archived), as a pyarrow Table."""
    table = store.table("counterparties")
    live = table.filter(table.status.isnull() | (table.status != "archived"))
    columns = ["counterparty_id", *COUNTERPARTY_ROLES.values()]
    return live.select(*columns).to_pyarrow()


def decided_pairs(store: Store, decision: str | None = None) -> set[tuple[str, str]]:
    """The pairs with a decision in the review queue (all, or only ``confirmed`` / ``rejected``).

    It lives here, below the review queue (:mod:`clientbase.dedupe.review`), because the clusters leave the
    rejected pairs out and the queue is built on the clusters' search."""
    dd = schema.duplicate_decisions
    query = sa.select(dd.c.id_l, dd.c.id_r)
    if decision is not None:
        query = query.where(dd.c.decision == decision)
    with store.begin() as conn:
        return {(r.id_l, r.id_r) for r in conn.execute(query)}


def find_counterparty_duplicates(
    store: Store, options: LinkOptions | None = None, *, exclude_pairs: set[tuple[str, str]] | None = None
) -> tuple[DedupeResult | None, list[DuplicateCluster]]:
    """Clusters of likely duplicate counterparties, each with its member records and explained pairs.

    Pairs a person rejected in the review queue are left out, and so are ``exclude_pairs`` (``(id_l, id_r)``
    with ``id_l < id_r``); clusters are then built from the remaining pairs at the threshold.

    Returns ``(None, [])`` when there are fewer than :data:`MIN_RECORDS` live records.
    """
    options = options or LinkOptions()
    excluded = decided_pairs(store, "rejected") | set(exclude_pairs or set())
    records = live_counterparties(store)
    if records.num_rows < MIN_RECORDS:
        return None, []
    result = find_duplicates(records, id_col="counterparty_id", roles=COUNTERPARTY_ROLES, options=options)
    names = dict(
        zip(
            records.column("counterparty_id").to_pylist(),
            records.column("name").to_pylist(),
            strict=True,
        )
    )
    comparisons = [c["output_column_name"] for c in result.model["comparisons"]]
    pairs = [
        p
        for p in result.pairs.to_pylist()
        if p["match_probability"] >= options.threshold and (p["id_l"], p["id_r"]) not in excluded
    ]
    clusters = components((p["id_l"], p["id_r"]) for p in pairs)
    out = []
    for members in clusters:
        member_set = set(members)
        cluster_pairs = [
            {
                "id_l": p["id_l"],
                "id_r": p["id_r"],
                "match_probability": round(float(p["match_probability"]), 6),
                "explanation": p["explanation"],
                "fields": explain_levels(result.model, {c: p[f"mw_{c}"] for c in comparisons}),
            }
            for p in pairs
            if p["id_l"] in member_set
        ]
        out.append(
            DuplicateCluster(
                cluster_id=members[0],
                members=[{"counterparty_id": m, "name": names.get(m)} for m in members],
                pairs=cluster_pairs,
            )
        )
    return result, out
