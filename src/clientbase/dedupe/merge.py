"""Merge two duplicate counterparties into one, and undo a merge exactly.

Which value survives, field by field (the rules, in order):

1. **chosen**: the caller named the side for this field (``choices={"phone": "merged"}``);
2. **combined**: ``roles`` is the union of both records' roles; ``created_at`` and ``first_order_date``
   take the earlier date;
3. **most complete**: only one side has a value -> that value;
4. **most recently verified**: both have a value -> the one whose field was set or confirmed last
   (``field_verification.verified_at``); a tie or no verification keeps the survivor's value.

The survivor is updated through the registry's history (source ``merge``, one ``field_history`` row per
changed field, freshness carried over from the side whose value won). Orders, order lines, invoices,
activities and contacts of the merged record are re-pointed to the survivor; the merged record is archived
(status ``archived``) with its own history kept, and the pair is recorded as ``confirmed`` in the review
decisions. The merge row keeps a snapshot of everything it changed - both rows, both records' freshness
rows and the keys of every re-pointed row - so :func:`undo_merge` restores the exact prior values (and drops
the decision the merge recorded, so the pair is reviewed again). Versions only move forward: the undo gives
each record a new version (one above the merge's), so optimistic locking never sees an old version again.
Undo is refused when either record changed after the merge (its version moved on).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from clientbase import schema
from clientbase.dedupe.review import record_decision
from clientbase.errors import ConfigurationError, ConflictError, NotFoundError
from clientbase.imports.batch import decode_row, encode_row
from clientbase.registry import access, history, service
from clientbase.store import Store

#: tables whose rows belong to a counterparty through ``counterparty_id``, re-pointed by a merge
REPOINTED = ("orders", "order_lines", "invoices", "activities", "contacts")
#: fields a merge never copies between the two records
_KEEP = ("counterparty_id", "version")
_COMBINED = {
    "roles": "combined: union of both",
    "created_at": "combined: earlier",
    "first_order_date": "combined: earlier",
}


@dataclass(frozen=True)
class MergeResult:
    merge_id: str
    survivor: dict[str, Any]
    #: field -> (side kept: ``survivor`` / ``merged`` / ``both``, rule)
    choices: dict[str, tuple[str, str]]
    repointed: dict[str, int]


def _row(conn: sa.Connection, counterparty_id: str) -> dict[str, Any]:
    cp = schema.counterparties
    row = conn.execute(sa.select(cp).where(cp.c.counterparty_id == counterparty_id)).mappings().first()
    if row is None:
        raise NotFoundError(f"No counterparty {counterparty_id!r}.")
    return dict(row)


def _verification(conn: sa.Connection, record_id: str) -> list[dict[str, Any]]:
    fv = schema.field_verification
    rows = conn.execute(
        sa.select(fv).where(fv.c.table_name == "counterparties", fv.c.record_id == record_id)
    ).mappings()
    return [dict(r) for r in rows]


def _roles_union(a: object, b: object) -> str | None:
    members = [m for v in (a, b) if v for m in str(v).split(";") if m]
    return ";".join(r for r in schema.ROLES if r in members) or None


def choose_values(
    survivor: Mapping[str, Any],
    merged: Mapping[str, Any],
    *,
    verified: Mapping[str, tuple[dt.datetime | None, dt.datetime | None]],
    choices: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], dict[str, tuple[str, str]]]:
    """The surviving value of every field and which side and rule gave it (see the module's rules).

    ``verified`` maps a field to (survivor's, merged's) last-verified time.

    Example:
        >>> s = {"counterparty_id": "C1", "name": "Acme", "phone": None, "email": "a@acme.com", "roles": "customer"}
        >>> m = {"counterparty_id": "C2", "name": "ACME Ltd", "phone": "+4612", "email": "b@acme.com",
        ...      "roles": "supplier"}
        >>> when = {"email": (dt.datetime(2024, 1, 1), dt.datetime(2025, 1, 1))}
        >>> values, why = choose_values(s, m, verified=when, choices={"name": "survivor"})
        >>> values["name"], values["phone"], values["email"], values["roles"]
        ('Acme', '+4612', 'b@acme.com', 'customer;supplier')
        >>> why["phone"], why["email"]
        (('merged', 'most complete'), ('merged', 'most recently verified'))
    """
    choices = dict(choices or {})
    unknown = sorted(set(choices) - (set(survivor) - set(_KEEP)))
    if unknown:
        raise ConfigurationError(
            f"Cannot choose {', '.join(unknown)}: not a field of counterparties that merges."
        )
    bad = sorted(f for f, side in choices.items() if side not in ("survivor", "merged"))
    if bad:
        raise ConfigurationError(f"Choose 'survivor' or 'merged' for {', '.join(bad)}.")
    values: dict[str, Any] = {}
    why: dict[str, tuple[str, str]] = {}
    for name in survivor:
        if name in _KEEP:
            continue
        a, b = survivor[name], merged.get(name)
        if name in choices:
            side = choices[name]
            values[name], why[name] = (a if side == "survivor" else b), (side, "chosen")
        elif name == "roles":
            values[name], why[name] = _roles_union(a, b), ("both", _COMBINED[name])
        elif name in ("created_at", "first_order_date"):
            values[name] = min((v for v in (a, b) if v is not None), default=None)
            why[name] = ("survivor" if values[name] == a else "merged", _COMBINED[name])
        elif a is None or b is None:
            values[name] = a if a is not None else b
            why[name] = ("survivor" if b is None else "merged", "most complete")
        else:
            when_a, when_b = verified.get(name, (None, None))
            newer = when_b is not None and (when_a is None or when_b > when_a)
            values[name] = b if newer else a
            why[name] = (
                ("merged", "most recently verified") if newer else ("survivor", "most recently verified")
            )
    return values, why


def _when(
    survivor: Mapping[str, Any], ver_s: list[dict[str, Any]], ver_m: list[dict[str, Any]]
) -> dict[str, tuple[dt.datetime | None, dt.datetime | None]]:
    return {
        name: (
            next((v["verified_at"] for v in ver_s if v["field_name"] == name), None),
            next((v["verified_at"] for v in ver_m if v["field_name"] == name), None),
        )
        for name in survivor
    }


def preview_merge(
    conn: sa.Connection, survivor_id: str, merged_id: str, choices: Mapping[str, str] | None = None
) -> tuple[dict[str, Any], dict[str, tuple[str, str]]]:
    """What :func:`merge_counterparties` would keep, field by field, without writing: ``(values, why)``."""
    survivor, merged = _row(conn, survivor_id), _row(conn, merged_id)
    ver_s, ver_m = _verification(conn, survivor_id), _verification(conn, merged_id)
    return choose_values(survivor, merged, verified=_when(survivor, ver_s, ver_m), choices=choices)


def merge_counterparties(
    store: Store,
    *,
    survivor_id: str,
    merged_id: str,
    actor_id: str,
    choices: Mapping[str, str] | None = None,
    at: dt.datetime | None = None,
    expected_versions: Mapping[str, int] | None = None,
) -> MergeResult:
    """Merge ``merged_id`` into ``survivor_id`` (one transaction); returns the merge and what it did.

    ``expected_versions`` (record id -> the version the person saw) refuses the merge when either record
    changed since: the choices were made on values that are no longer there.

    Raises:
        ConfigurationError: the same record twice, or a bad choice.
        NotFoundError: a record or the acting manager does not exist.
        PermissionDeniedError: the actor may not edit both records.
        ConflictError: either record is archived already, or changed since ``expected_versions``.
    """
    if survivor_id == merged_id:
        raise ConfigurationError(
            f"Cannot merge {survivor_id} into itself; name two different counterparties."
        )
    at = at or history.utc_now()
    cp = schema.counterparties
    with store.begin() as conn:
        actor = access.load_actor(conn, actor_id)
        survivor, merged = _row(conn, survivor_id), _row(conn, merged_id)
        for record in (survivor, merged):
            access.ensure_can_edit(actor, record, f"counterparty {record['counterparty_id']}")
        for record in (survivor, merged):
            expected = (expected_versions or {}).get(record["counterparty_id"])
            if expected is not None and expected != record["version"]:
                raise service.stale_error(conn, cp, record["counterparty_id"], expected)
            if record["status"] == "archived":
                raise ConflictError(
                    f"Counterparty {record['counterparty_id']} is archived; restore it before merging."
                )
        ver_s, ver_m = _verification(conn, survivor_id), _verification(conn, merged_id)
        values, why = choose_values(survivor, merged, verified=_when(survivor, ver_s, ver_m), choices=choices)
        repointed: dict[str, list[dict[str, Any]]] = {}
        for name in REPOINTED:
            table = schema.metadata.tables[name]
            keys = [c.name for c in table.primary_key.columns]
            rows = conn.execute(
                sa.select(*[table.c[k] for k in keys]).where(table.c.counterparty_id == merged_id)
            ).mappings()
            repointed[name] = [dict(r) for r in rows]
            conn.execute(
                sa.update(table)
                .where(table.c.counterparty_id == merged_id)
                .values(counterparty_id=survivor_id)
            )
        merge_id = f"X{at:%Y%m%d%H%M%S}{uuid.uuid4().hex[:6]}"
        new_survivor = {**values, "version": (survivor["version"] or 0) + 1}
        conn.execute(sa.update(cp).where(cp.c.counterparty_id == survivor_id).values(**new_survivor))
        history.write_changes(
            conn,
            table=cp,
            record_id=survivor_id,
            before=survivor,
            after=values,
            changed_by=actor_id,
            source="merge",
            version=new_survivor["version"],
            at=at,
        )
        # the freshness of a value taken from the merged record comes with it
        taken = [f for f, (side, _rule) in why.items() if side == "merged"]
        _carry_verification(conn, survivor_id, [v for v in ver_m if v["field_name"] in taken])
        merged_version = (merged["version"] or 0) + 1
        conn.execute(
            sa.update(cp)
            .where(cp.c.counterparty_id == merged_id)
            .values(status="archived", version=merged_version)
        )
        history.write_changes(
            conn,
            table=cp,
            record_id=merged_id,
            before=merged,
            after={"status": "archived"},
            changed_by=actor_id,
            source="merge",
            version=merged_version,
            at=at,
        )
        snapshot = {
            "survivor": encode_row(survivor),
            "merged": encode_row(merged),
            "verification": [encode_row(v) for v in ver_s + ver_m],
            "repointed": {name: [encode_row(k) for k in keys] for name, keys in repointed.items()},
        }
        conn.execute(
            sa.insert(schema.counterparty_merges).values(
                merge_id=merge_id,
                survivor_id=survivor_id,
                merged_id=merged_id,
                merged_by=actor_id,
                merged_at=at,
                status="applied",
                field_choices=json.dumps({f: list(v) for f, v in why.items()}, sort_keys=True),
                snapshot=json.dumps(snapshot, sort_keys=True),
                survivor_version=new_survivor["version"],
                merged_version=merged_version,
            )
        )
        record_decision(
            conn, survivor_id, merged_id, "confirmed", decided_by=actor_id, at=at, note=f"merged: {merge_id}"
        )
        result_row = _row(conn, survivor_id)
    return MergeResult(
        merge_id=merge_id,
        survivor=result_row,
        choices=why,
        repointed={name: len(keys) for name, keys in repointed.items()},
    )


def _carry_verification(conn: sa.Connection, record_id: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    fv = schema.field_verification
    names = [r["field_name"] for r in rows]
    conn.execute(
        sa.delete(fv).where(
            fv.c.table_name == "counterparties", fv.c.record_id == record_id, fv.c.field_name.in_(names)
        )
    )
    conn.execute(sa.insert(fv), [{**r, "record_id": record_id} for r in rows])


def undo_merge(
    store: Store, *, merge_id: str, actor_id: str, at: dt.datetime | None = None
) -> dict[str, Any]:
    """Restore the values before merge ``merge_id`` exactly: both rows, freshness and every re-pointed row.

    Each record's ``version`` is not put back but moves forward (the version the merge left + 1): a client
    still holding a version from before the merge, or the merge's, is stale and refused, and every version
    of a record names one state only. The undo is written to the field history (source ``merge``) at that
    new version, like any registry write.

    The pair's ``confirmed`` decision the merge recorded is removed, so the pair is proposed again.

    Raises:
        NotFoundError: no such merge.
        ConflictError: the merge was undone already, or a record changed after it.
    """
    at = at or history.utc_now()
    cm, cp, fv = schema.counterparty_merges, schema.counterparties, schema.field_verification
    with store.begin() as conn:
        actor = access.load_actor(conn, actor_id)
        merge = conn.execute(sa.select(cm).where(cm.c.merge_id == merge_id)).mappings().first()
        if merge is None:
            raise NotFoundError(f"No merge {merge_id!r}; `clientbase merges` lists them.")
        now = {"survivor": _row(conn, merge["survivor_id"]), "merged": _row(conn, merge["merged_id"])}
        for side in ("survivor", "merged"):
            access.ensure_can_edit(actor, now[side], f"counterparty {now[side]['counterparty_id']}")
        if merge["status"] != "applied":
            raise ConflictError(f"Merge {merge_id} was undone already ({merge['undone_at']}).")
        snapshot = json.loads(merge["snapshot"])
        before = {"survivor": decode_row(snapshot["survivor"]), "merged": decode_row(snapshot["merged"])}
        for side, version_col in (("survivor", "survivor_version"), ("merged", "merged_version")):
            if now[side]["version"] != merge[version_col]:
                raise ConflictError(
                    f"Counterparty {now[side]['counterparty_id']} changed after merge {merge_id} "
                    f"(version {now[side]['version']}, the merge left {merge[version_col]}); undo it by hand "
                    "or undo the later changes first."
                )
        for side in ("survivor", "merged"):
            record_id = before[side]["counterparty_id"]
            version = (now[side]["version"] or 0) + 1
            history.write_changes(
                conn,
                table=cp,
                record_id=record_id,
                before=now[side],
                after={k: v for k, v in before[side].items() if k not in _KEEP},
                changed_by=actor_id,
                source="merge",
                version=version,
                at=at,
            )
            conn.execute(
                sa.update(cp)
                .where(cp.c.counterparty_id == record_id)
                .values(**{**before[side], "version": version})
            )
        for name, keys in snapshot["repointed"].items():
            table = schema.metadata.tables[name]
            for encoded in keys:
                key = decode_row(encoded)
                conn.execute(
                    sa.update(table)
                    .where(*[table.c[k] == v for k, v in key.items()])
                    .values(counterparty_id=merge["merged_id"])
                )
        ids = [merge["survivor_id"], merge["merged_id"]]
        conn.execute(sa.delete(fv).where(fv.c.table_name == "counterparties", fv.c.record_id.in_(ids)))
        rows = [decode_row(v) for v in snapshot["verification"]]
        if rows:
            conn.execute(sa.insert(fv), rows)
        # the pair the merge confirmed goes back to the review queue
        dd = schema.duplicate_decisions
        id_l, id_r = sorted(ids)
        conn.execute(
            sa.delete(dd).where(dd.c.id_l == id_l, dd.c.id_r == id_r, dd.c.note == f"merged: {merge_id}")
        )
        conn.execute(
            sa.update(cm)
            .where(cm.c.merge_id == merge_id)
            .values(status="undone", undone_by=actor_id, undone_at=at)
        )
        return dict(conn.execute(sa.select(cm).where(cm.c.merge_id == merge_id)).mappings().one())


def list_merges(store: Store) -> list[dict[str, Any]]:
    """Every merge, newest first (without the snapshots)."""
    cm = schema.counterparty_merges
    columns = [c for c in cm.c if c.name != "snapshot"]
    with store.begin() as conn:
        rows = conn.execute(sa.select(*columns).order_by(cm.c.merged_at.desc(), cm.c.merge_id)).mappings()
        return [dict(r) for r in rows]


def merged_into(conn: sa.Connection, counterparty_id: str) -> list[str]:
    """Every record merged (directly or through earlier merges) into ``counterparty_id`` and not undone."""
    cm = schema.counterparty_merges
    found: list[str] = []
    frontier = [counterparty_id]
    while frontier:
        rows = conn.execute(
            sa.select(cm.c.merged_id).where(cm.c.survivor_id.in_(frontier), cm.c.status == "applied")
        )
        frontier = [r.merged_id for r in rows if r.merged_id not in found and r.merged_id != counterparty_id]
        found += frontier
    return found


def history_with_merged(store: Store, counterparty_id: str) -> list[dict[str, Any]]:
    """The field history of a counterparty and of every record merged into it, oldest first.

    The merged records' history stays under their own ids (nothing is rewritten); this is the survivor's
    view of it. Each row keeps its ``record_id``, so a reader sees which record a change was made on.
    """
    with store.begin() as conn:
        ids = [counterparty_id, *merged_into(conn, counterparty_id)]
        rows: list[dict[str, Any]] = []
        for record_id in ids:
            rows += history.history_of(conn, schema.counterparties, record_id)
    return sorted(
        rows, key=lambda r: (r["changed_at"], r["record_id"], r["record_version"] or 0, r["field_name"])
    )
