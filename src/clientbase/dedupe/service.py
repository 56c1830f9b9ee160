"""The duplicate review as services the CLI and the web share: keyword-only, the store and the acting user.

Who may do what follows the registry's roles (:mod:`clientbase.registry.access`):

- the review queue, a pair and the merge history show pairs whose **both** records the user may read (the
  head and analysts: all; a manager: pairs of their own records, so nobody learns of records they may not
  see);
- a merge and its undo change both records, so they need the right to edit both (the head; a manager on
  their own records; an analyst never);
- "not a duplicate" is a review decision (:func:`clientbase.dedupe.review.decide`): not for analysts.

Every action names the versions of both records the person saw: a record that changed since is a
:class:`~clientbase.registry.service.StaleRecordError` and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa

from clientbase import schema
from clientbase.dedupe.link import DedupeResult, LinkOptions
from clientbase.dedupe.merge import MergeResult, list_merges, merge_counterparties, preview_merge, undo_merge
from clientbase.dedupe.review import decide, decided_pairs, ordered, pair_entry, queue_of
from clientbase.errors import ConfigurationError, PermissionDeniedError
from clientbase.registry import access, compare
from clientbase.registry.access import Actor
from clientbase.store import Store

#: candidate pairs start here (as ``clientbase duplicate-review``); clusters at THRESHOLD
CANDIDATE = 0.5
THRESHOLD = 0.9
#: fields whose surviving value a rule combines from both records (not chosen per side)
COMBINED = ("roles", "created_at", "first_order_date")
SUMMARY = ("counterparty_id", "name", "owner_id", "status", "city", "country", "version")


def options(low: float = CANDIDATE) -> LinkOptions:
    """The linker's options of the review: clusters at 0.9, candidates from ``low``."""
    return LinkOptions(threshold=max(low, THRESHOLD), candidate_threshold=low)


def search(store: Store, low: float = CANDIDATE) -> DedupeResult | None:
    """The duplicate search of the review (``None`` below the records the model needs)."""
    from clientbase.dedupe.counterparties import find_counterparty_duplicates

    return find_counterparty_duplicates(store, options(low))[0]


def state_key(store: Store) -> str:
    """What the duplicate search depends on, as one string: the counterparties' count, latest creation and sum
    of versions (every change of a record moves its version). Equal keys, equal searches: a caller may keep a
    :func:`search` result under it.

    Example:
        >>> from clientbase.store import connect
        >>> with connect("duckdb:///:memory:") as store:
        ...     state_key(store)
        'counterparties:0:None:None'
    """
    cp = schema.counterparties
    with store.begin() as conn:
        count, latest, versions = conn.execute(
            sa.select(sa.func.count(), sa.func.max(cp.c.created_at), sa.func.sum(cp.c.version))
        ).one()
    return f"counterparties:{count}:{latest}:{versions}"


def _summary(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in SUMMARY}


def review_pairs(
    store: Store,
    *,
    actor: Actor,
    low: float = CANDIDATE,
    limit: int = 50,
    result: DedupeResult | None = None,
) -> list[dict[str, Any]]:
    """The undecided candidate pairs ``actor`` may see, most likely first (at most ``limit``).

    Each pair is :func:`clientbase.dedupe.review.pair_entry` (probability, weights) with ``left`` and
    ``right`` (name, owner, status, version ...), ``side_by_side`` (:mod:`clientbase.registry.compare`) and
    ``can_merge`` (the actor may edit both). ``result`` is a :func:`search` already made on this state.
    """
    result = result if result is not None else search(store, low)
    if result is None:
        return []
    queue = queue_of(result, decided_pairs(store), options(low), limit=10**9)
    return [
        {
            **p,
            "left": _summary(left),
            "right": _summary(right),
            "can_merge": actor.can_edit(left) and actor.can_edit(right),
            "side_by_side": [f.as_dict() for f in compare.compare(left, right)],
        }
        for p, left, right in _visible(store, actor, queue, ("id_l", "id_r"), limit)
    ]


def _visible(
    store: Store, actor: Actor, items: list[dict[str, Any]], keys: tuple[str, str], limit: int
) -> list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
    """The first ``limit`` items whose two records (under ``keys``) ``actor`` may read, with both rows."""
    with store.begin() as conn:
        rows = compare.records(conn, [item[k] for item in items for k in keys])
    out = []
    for item in items:
        a, b = item[keys[0]], item[keys[1]]
        if a in rows and b in rows and actor.can_read(rows[a]) and actor.can_read(rows[b]):
            out.append((item, rows[a], rows[b]))
            if len(out) >= limit:
                break
    return out


def _checked(
    conn: sa.Connection, actor: Actor, ids: tuple[str, str], check: Callable[[Actor, Any, str], None]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both records' rows, each passed through ``check`` (read or edit); a missing one is not found."""
    rows = compare.records(conn, ids)
    for key in ids:
        if key not in rows:
            raise access.not_found(actor, f"counterparty {key}")
        check(actor, rows[key], f"counterparty {key}")
    return rows[ids[0]], rows[ids[1]]


def _default_survivor(left: Mapping[str, Any], right: Mapping[str, Any]) -> str:
    """The record kept unless the person says otherwise: the older one (created first), else the smaller key."""
    a, b = left.get("created_at"), right.get("created_at")
    if a is not None and b is not None and b < a:
        return str(right["counterparty_id"])
    if a is None and b is not None:
        return str(right["counterparty_id"])
    return str(left["counterparty_id"])


def pair_detail(
    store: Store,
    *,
    actor: Actor,
    a: str,
    b: str,
    survivor_id: str | None = None,
    low: float = CANDIDATE,
    result: DedupeResult | None = None,
) -> dict[str, Any]:
    """Two records side by side with the model's score of the pair (``scored``: ``None`` when the model did
    not propose it), the decision on it if any, and the merge as the rules would make it keeping
    ``survivor_id`` (default: the older record): per field, whose value survives and by which rule.
    ``result`` is a :func:`search` already made on this state.

    Raises:
        NotFoundError: either record does not exist or is not visible to ``actor``.
    """
    id_l, id_r = ordered(a, b)
    if survivor_id is not None and survivor_id not in (id_l, id_r):
        raise ConfigurationError(f"The record kept must be {id_l} or {id_r}, not {survivor_id}.")
    with store.begin() as conn:
        left, right = _checked(conn, actor, (id_l, id_r), access.ensure_can_read)
        survivor = survivor_id or _default_survivor(left, right)
        merged = id_r if survivor == id_l else id_l
        _values, why = preview_merge(conn, survivor, merged)
        dd = schema.duplicate_decisions
        decision = conn.execute(sa.select(dd).where(dd.c.id_l == id_l, dd.c.id_r == id_r)).mappings().first()
    result = result if result is not None else search(store, low)
    scored = None
    if result is not None:
        found = [p for p in result.pairs.to_pylist() if p["id_l"] == id_l and p["id_r"] == id_r]
        scored = pair_entry(result, found[0]) if found else None
    fields = []
    for f in compare.compare(left, right):
        side, rule = why.get(f.field, ("survivor", "kept"))
        keeps = survivor if side == "survivor" else merged if side == "merged" else None
        fields.append(
            {
                **f.as_dict(),
                "survives_from": keeps,
                "rule": rule,
                "choosable": f.field in why and f.field not in COMBINED and f.verdict != "agree",
            }
        )
    return {
        "id_l": id_l,
        "id_r": id_r,
        "left": _summary(left),
        "right": _summary(right),
        "scored": scored,
        "decision": None if decision is None else dict(decision),
        "survivor_id": survivor,
        "merged_id": merged,
        "can_merge": actor.can_edit(left) and actor.can_edit(right),
        "fields": fields,
    }


def merge_pair(
    store: Store,
    *,
    actor: Actor,
    survivor_id: str,
    merged_id: str,
    versions: Mapping[str, int],
    take: Mapping[str, str] | None = None,
) -> MergeResult:
    """Merge ``merged_id`` into ``survivor_id`` (:func:`clientbase.dedupe.merge.merge_counterparties`).

    ``take`` maps a field to the record whose value survives: ``survivor``, ``merged`` or either record's
    id; a choice equal to what the rules would keep is left to the rules (the merge records it so).
    ``versions`` are both records' versions as the person saw them.

    Raises:
        PermissionDeniedError: an analyst, or a record the actor may not edit.
        NotFoundError: a record that does not exist or the actor may not see.
        StaleRecordError: a record changed since ``versions``.
    """
    if actor.role == "analyst":
        raise PermissionDeniedError(f"{actor.manager_id} is an analyst: analysts merge no records.")
    if survivor_id == merged_id:
        raise ConfigurationError(
            f"Cannot merge {survivor_id} into itself; name two different counterparties."
        )
    sides = {"survivor": "survivor", "merged": "merged", survivor_id: "survivor", merged_id: "merged"}
    wanted: dict[str, str] = {}
    for name, value in (take or {}).items():
        if value not in sides:
            raise ConfigurationError(
                f"Take {name} from survivor, merged, {survivor_id} or {merged_id}, not {value!r}."
            )
        wanted[name] = sides[value]
    with store.begin() as conn:
        _checked(conn, actor, (survivor_id, merged_id), access.ensure_can_edit)
        _values, why = preview_merge(conn, survivor_id, merged_id)
    choices = {name: side for name, side in wanted.items() if name not in why or why[name][0] != side}
    return merge_counterparties(
        store,
        survivor_id=survivor_id,
        merged_id=merged_id,
        actor_id=actor.manager_id,
        choices=choices,
        expected_versions=versions,
    )


def decide_pair(
    store: Store,
    *,
    actor: Actor,
    a: str,
    b: str,
    versions: Mapping[str, int],
    decision: str = "rejected",
    note: str | None = None,
) -> dict[str, Any]:
    """Remember a decision on ``a``-``b``: ``rejected`` (not one company: never proposed again) or
    ``confirmed`` (one company, to be merged)."""
    return decide(
        store,
        a=a,
        b=b,
        decision=decision,
        actor_id=actor.manager_id,
        note=note,
        expected_versions=versions,
    )


def undo(store: Store, *, actor: Actor, merge_id: str) -> dict[str, Any]:
    """Undo merge ``merge_id`` exactly (:func:`clientbase.dedupe.merge.undo_merge`)."""
    if actor.role == "analyst":
        raise PermissionDeniedError(f"{actor.manager_id} is an analyst: analysts undo no merges.")
    return undo_merge(store, merge_id=merge_id, actor_id=actor.manager_id)


def merge_history(store: Store, *, actor: Actor, limit: int = 100) -> list[dict[str, Any]]:
    """The merges of records ``actor`` may see (both), newest first, with both names and ``can_undo``."""
    return [
        {
            **{k: v for k, v in m.items() if k != "field_choices"},
            "survivor_name": survivor.get("name"),
            "merged_name": merged.get("name"),
            "can_undo": m["status"] == "applied" and actor.can_edit(survivor) and actor.can_edit(merged),
        }
        for m, survivor, merged in _visible(
            store, actor, list_merges(store), ("survivor_id", "merged_id"), limit
        )
    ]
