"""The same change to many counterparties at once (the list's bulk actions), all or nothing.

Each record goes through the registry service (access, rules, history, a new version), inside one
transaction: if any record may not be changed or breaks a rule, nothing is written and the error names the
record. A bulk change applies to the records as they are now (it sets a value; it does not merge edits), so
it reads each record's current version itself.

Example:
    >>> import datetime as dt, sqlalchemy as sa
    >>> from clientbase.store import connect
    >>> store = connect("duckdb:///:memory:")
    >>> with store.begin() as conn:
    ...     _ = conn.execute(sa.insert(schema.managers).values(manager_id="M01", name="Anna", role="head"))
    ...     for cid in ("C1", "C2"):
    ...         _ = conn.execute(sa.insert(schema.counterparties).values(counterparty_id=cid, name=cid,
    ...             roles="supplier", status="active", created_at=dt.date(2024, 1, 1), version=1))
    >>> update_many(store, actor=Actor("M01", "head"), counterparty_ids=["C1", "C2"], changes={"status": "lost"})
    2
    >>> store.close()
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from clientbase import schema
from clientbase.errors import NotFoundError, Problem, ValidationError
from clientbase.registry import service
from clientbase.registry.access import Actor
from clientbase.store import Store

#: the fields a bulk action may set
BULK_FIELDS = ("status", "owner_id")
MAX_RECORDS = 5000


def update_many(
    store: Store,
    *,
    actor: Actor,
    counterparty_ids: Sequence[str],
    changes: Mapping[str, object],
    source: str = "ui",
) -> int:
    """Apply ``changes`` (``status`` and/or ``owner_id``: an owner change is a transfer, head only) to every
    record of ``counterparty_ids``; returns how many records changed or already had the values."""
    unknown = [name for name in changes if name not in BULK_FIELDS]
    ids = list(dict.fromkeys(counterparty_ids))
    problems = []
    if unknown:
        problems.append(f"bulk actions set only {', '.join(BULK_FIELDS)}, not {', '.join(unknown)}")
    if not ids:
        problems.append("select at least one record")
    if len(ids) > MAX_RECORDS:
        problems.append(f"at most {MAX_RECORDS} records at once; narrow the list with its filters")
    if problems:
        raise ValidationError([Problem("bulk action", None, "ids", None, p) for p in problems])
    with service.transaction(store) as conn:
        for cid in ids:
            row = service.fetch(conn, schema.counterparties, cid)
            if row is None:
                raise NotFoundError(f"No counterparties record {cid!r}; nothing was changed.")
            version = int(row.get("version") or 0)
            rest = {k: v for k, v in changes.items() if k != "owner_id"}
            try:
                if "owner_id" in changes and changes["owner_id"] != row.get("owner_id"):
                    moved = service.transfer_owner(
                        db=conn,
                        actor=actor,
                        counterparty_id=cid,
                        to_owner=str(changes["owner_id"]),
                        expected_version=version,
                        source=source,
                    )
                    version = int(moved["version"])
                if rest:
                    service.update_counterparty(
                        db=conn,
                        actor=actor,
                        counterparty_id=cid,
                        changes=rest,
                        expected_version=version,
                        source=source,
                    )
            except ValidationError as exc:
                raise ValidationError(
                    [type(p)(f"counterparty {cid}", p.row, p.column, p.value, p.rule) for p in exc.problems]
                ) from exc
    return len(ids)
