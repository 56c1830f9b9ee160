"""Two counterparty records side by side: each field's two values, and whether they agree, differ, or one is
missing. What a person needs to decide whether two records are one company (``duplicate-review``).

Values are compared in the registry's canonical form (``rules.canonical``: ``556012-5790`` agrees with
``5560125790``, ``018-12 34 56`` with ``+4618123456``) and text without case and surrounding spaces.

Example:
    >>> left = {"counterparty_id": "C1", "name": "Nordic Tools AB", "country": "SE", "phone": "018-12 34 56"}
    >>> right = {"counterparty_id": "C2", "name": "NORDIC TOOLS AB", "country": "SE", "phone": "+4618123456",
    ...          "email": "info@nordictools.se"}
    >>> [(f.field, f.verdict) for f in compare(left, right)][:4]
    [('name', 'agree'), ('country', 'agree'), ('phone', 'agree'), ('email', 'missing')]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from clientbase import schema
from clientbase.registry import rules
from clientbase.registry.history import as_text
from clientbase.store import Store

#: the fields shown, in this order: who it is, where, how to reach it, then the commercial terms
COMPARED = (
    "name",
    "country",
    "city",
    "postcode",
    "address",
    "phone",
    "email",
    "website",
    "tax_id",
    "registration_id",
    "roles",
    "status",
    "owner_id",
    "segment",
    "industry",
    "payment_days",
    "discount_pct",
    "created_at",
)


@dataclass(frozen=True)
class FieldPair:
    """One field of two records: both values as text and the verdict ``agree``, ``differ`` or ``missing``."""

    field: str
    left: str | None
    right: str | None
    verdict: str

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "left": self.left, "right": self.right, "verdict": self.verdict}


def _comparable(name: str, value: object, country: object) -> object:
    value = rules.canonical(schema.counterparties, name, value, str(country) if country else None)
    if isinstance(value, str):
        return " ".join(value.split()).casefold()
    return value


def compare(left: Mapping[str, Any], right: Mapping[str, Any]) -> list[FieldPair]:
    """The :data:`COMPARED` fields of two counterparty rows that at least one of them has."""
    pairs = []
    for name in COMPARED:
        a, b = left.get(name), right.get(name)
        if a is None and b is None:
            continue
        if a is None or b is None:
            verdict = "missing"
        else:
            same = _comparable(name, a, left.get("country")) == _comparable(name, b, right.get("country"))
            verdict = "agree" if same else "differ"
        pairs.append(FieldPair(name, as_text(a), as_text(b), verdict))
    return pairs


def records(conn: sa.Connection, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The counterparty rows of ``ids`` by key (one query per thousand keys)."""
    cp = schema.counterparties
    wanted = sorted(set(ids))
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(wanted), 1000):
        for row in conn.execute(sa.select(cp).where(cp.c.counterparty_id.in_(wanted[start : start + 1000]))):
            found[row.counterparty_id] = dict(row._mapping)
    return found


def side_by_side(store: Store, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[FieldPair]]:
    """:func:`compare` for every pair of keys (a pair with a key that is gone is left out)."""
    pairs = list(pairs)
    with store.begin() as conn:
        rows = records(conn, [key for pair in pairs for key in pair])
    return {(a, b): compare(rows[a], rows[b]) for a, b in pairs if a in rows and b in rows}
