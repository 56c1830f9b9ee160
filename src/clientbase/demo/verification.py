"""When each field of each counterparty was last set or confirmed (``field_verification``): the diligent
managers keep their records fresh, the stale manager never looks at a record again after creating it."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from clientbase.demo.arrays import EPOCH_ORDINAL, day_number
from clientbase.demo.population import STALE
from clientbase.demo.story import Story

#: fields whose freshness the demo records, with how far back a diligent manager last confirmed them (days)
FIELDS: dict[str, int] = {
    "phone": 300,
    "email": 300,
    "address": 600,
    "postcode": 600,
    "city": 600,
    "owner_id": 300,
    "payment_days": 150,
    "discount_pct": 150,
    "credit_limit": 150,
    "price_list": 150,
}
#: share of a diligent manager's fields left unconfirmed since the record was created (ordinary staleness)
FORGOTTEN = 0.05


def field_verification(
    story: Story, counterparties: pa.Table, rng: np.random.Generator
) -> tuple[pa.Table, list[tuple[str, str, str]]]:
    """``field_verification`` rows for the filled fields of every counterparty, and the truth rows of the
    stale manager's records (cause ``stale_fields``)."""
    end = day_number(story.end_date)
    n = counterparties.num_rows
    created = (
        pc.cast(counterparties["created_at"], pa.int32()).to_numpy(zero_copy_only=False).astype(np.int64)
    )
    owners = counterparties["owner_id"].to_pylist()
    stale_owner = np.array([o == f"M{STALE + 1:02d}" for o in owners])
    ids, names, days = [], [], []
    for name, age in FIELDS.items():
        filled = counterparties[name].is_valid().to_numpy(zero_copy_only=False)
        lo = np.maximum(created, end - age)
        fresh = lo + (rng.random(n) * np.maximum(end - lo, 0)).astype(np.int64)
        at_creation = created + rng.integers(0, 30, size=n)
        forgotten = rng.random(n) < FORGOTTEN
        day = np.minimum(np.where(stale_owner | forgotten, at_creation, fresh), end)
        rows = np.flatnonzero(filled)
        ids.append(rows)
        names.append(np.full(len(rows), name, dtype=object))
        days.append(day[rows])
    row = np.concatenate(ids)
    day = np.concatenate(days)
    seconds = day * 86400 + rng.integers(8 * 3600, 17 * 3600, size=len(day))
    keys = counterparties["counterparty_id"]
    table = pa.table(
        {
            "table_name": pa.array(["counterparties"] * len(row), pa.string()),
            "record_id": keys.take(pa.array(row)),
            "field_name": pa.array(np.concatenate(names).tolist(), pa.string()),
            "verified_at": pa.array(seconds * 1_000_000, pa.int64()).cast(pa.timestamp("us")),
            "verified_by": counterparties["owner_id"].take(pa.array(row)),
            "source": pa.array(["ui"] * len(row), pa.string()),
        }
    )
    truth = [
        (
            keys[i].as_py(),
            "stale_fields",
            f"owner never re-verified the record since it was created on {_iso(int(created[i]))}",
        )
        for i in np.flatnonzero(stale_owner & (end - created > 365)).tolist()
    ]
    return table, truth


def _iso(day: int) -> str:
    from datetime import date

    return date.fromordinal(day + EPOCH_ORDINAL).isoformat()
