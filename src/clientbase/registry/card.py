"""Everything the customer card shows about one counterparty, read in one call that checks visibility.

The record's fields grouped as the common criteria group them, each with the rules its stored value breaks
(a record imported before a rule existed, or a required field still empty) and its freshness; contacts;
the field history and owner transfers, read as they are now; and from the materialised analysis
(``customer_metrics``, see :mod:`clientbase.decisions.customer_metrics`), as of its last refresh: the P&L of
both default periods, customer value, open and overdue invoices, recent orders and activities; suspected
duplicates the actor may see.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from clientbase import schema
from clientbase.registry import access, rules, service
from clientbase.registry.access import Actor
from clientbase.store import Store

#: the fields of the common criteria, grouped as the card shows them
FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    "Identity": ("name", "roles", "status", "created_at", "first_order_date"),
    "Owner and acquisition": ("owner_id", "acquisition_channel", "acquisition_mode"),
    "Company": ("industry", "size_band", "segment", "tax_id", "registration_id"),
    "Address": ("country", "region", "city", "postcode", "address"),
    "Contact": ("email", "phone", "website"),
    "Terms": ("payment_days", "discount_pct", "credit_limit", "price_list"),
}
#: fields the card does not edit in place: the key, the dates the store keeps, the owner (a transfer)
READ_ONLY = ("counterparty_id", "created_at", "first_order_date", "owner_id", "version")


@dataclass
class Card:
    """The customer card's contents (see the module docstring)."""

    record: dict[str, Any]
    owner_name: str | None
    failures: dict[str, list[str]]
    freshness: dict[str, dict[str, Any]]
    contacts: list[dict[str, Any]]
    history: list[dict[str, Any]]
    transfers: list[dict[str, Any]]
    metrics: dict[str, Any] | None
    metrics_state: dict[str, Any] | None
    invoices: list[dict[str, Any]]
    orders: list[dict[str, Any]]
    activities: list[dict[str, Any]]
    duplicates: list[dict[str, Any]]
    can_edit: bool
    can_transfer: bool
    managers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def pnl_detail(self) -> dict[str, Any]:
        """Both periods' P&L (``current``, ``previous``) as the analysis document writes a customer."""
        if not self.metrics or not self.metrics.get("detail"):
            return {}
        return dict(json.loads(self.metrics["detail"]))


def rule_failures(conn: sa.Connection, record: dict[str, Any]) -> dict[str, list[str]]:
    """``{field: [message, ...]}`` for every rule the stored ``record`` breaks."""
    values = {k: v for k, v in record.items() if k != "version"}
    managers = list(conn.execute(sa.select(schema.managers.c.manager_id)).scalars())
    _, failures = rules.clean_record(schema.counterparties, values, managers=managers)
    out: dict[str, list[str]] = {}
    for failure in failures:
        out.setdefault(failure.field, []).append(f"{failure.rule}: {failure.message}")
    return out


def _freshness(conn: sa.Connection, record_id: str) -> dict[str, dict[str, Any]]:
    fv, mg = schema.field_verification, schema.managers
    names: dict[str, str] = {
        r.manager_id: r.name for r in conn.execute(sa.select(mg.c.manager_id, mg.c.name))
    }
    # by record_id alone, so DuckDB uses its index on it; the table is told apart here
    rows = conn.execute(sa.select(fv).where(fv.c.record_id == record_id))
    return {
        r.field_name: {
            "verified_at": r.verified_at,
            "verified_by": r.verified_by,
            "by_name": names.get(r.verified_by),
            "source": r.source,
        }
        for r in rows
        if r.table_name == "counterparties"
    }


def _history(conn: sa.Connection, record_id: str) -> list[dict[str, Any]]:
    """The record's field history, newest first (as :func:`clientbase.registry.history.history_of`, read by
    record_id alone so DuckDB uses its index)."""
    fh = schema.field_history
    rows = [dict(r._mapping) for r in conn.execute(sa.select(fh).where(fh.c.record_id == record_id))]
    mine = [r for r in rows if r["table_name"] == "counterparties"]
    return sorted(
        mine, key=lambda r: (r["changed_at"], r["record_version"] or 0, r["field_name"]), reverse=True
    )


def _duplicates(conn: sa.Connection, actor: Actor, cid: str) -> list[dict[str, Any]]:
    sd, cp = schema.suspected_duplicates, schema.counterparties
    other = sa.case((sd.c.id_l == cid, sd.c.id_r), else_=sd.c.id_l)
    rows = conn.execute(
        sa.select(
            cp.c.counterparty_id,
            cp.c.name,
            cp.c.owner_id,
            cp.c.status,
            sd.c.match_probability,
            sd.c.explanation,
        )
        .select_from(sd.join(cp, cp.c.counterparty_id == other))
        .where(sa.or_(sd.c.id_l == cid, sd.c.id_r == cid), access.visible(actor, cp))
        .order_by(sd.c.match_probability.desc())
    )
    return [dict(r._mapping) for r in rows]


def _facts(day: dt.date, metrics: Any) -> dict[str, list[dict[str, Any]]]:
    """Recent orders, activities and open invoices from the materialised analysis (one row read instead of
    scans of the fact tables; as of its refresh, which the card shows); none before the first refresh."""
    parts = json.loads(metrics.recent) if metrics is not None and metrics.recent else {}
    invoices = []
    for invoice in parts.get("invoices", []):
        due = dt.date.fromisoformat(invoice["due_date"])
        invoices.append({**invoice, "days_overdue": max((day - due).days, 0)})
    return {
        "invoices": invoices,
        "orders": parts.get("orders", []),
        "activities": parts.get("activities", []),
    }


def customer_card(store: Store, *, actor: Actor, counterparty_id: str, today: dt.date | None = None) -> Card:
    """The card of ``counterparty_id`` as ``actor`` may see it.

    Raises:
        NotFoundError: no such record, or one the actor may not see (the same answer for both).
    """
    day = today or dt.date.today()
    cm, ms, mg = schema.customer_metrics, schema.metrics_state, schema.managers
    with store.begin() as conn:
        record = service.get_record(conn, actor=actor, kind="counterparties", record_id=counterparty_id)
        managers = [dict(r._mapping) for r in conn.execute(sa.select(mg).order_by(mg.c.manager_id))]
        owner = next((m["name"] for m in managers if m["manager_id"] == record.get("owner_id")), None)
        ct = schema.contacts
        contacts = [
            dict(r._mapping)
            for r in conn.execute(
                sa.select(ct)
                .where(ct.c.counterparty_id == counterparty_id)
                .order_by(
                    sa.func.coalesce(ct.c.archived, False),
                    sa.desc(sa.func.coalesce(ct.c.is_primary, False)),
                    ct.c.contact_id,
                )
            )
        ]
        metrics = conn.execute(sa.select(cm).where(cm.c.counterparty_id == counterparty_id)).first()
        state = conn.execute(sa.select(ms).where(ms.c.name == "customer_metrics")).first()
        ot = schema.owner_transfers
        transfers = [
            dict(r._mapping)
            for r in conn.execute(
                sa.select(ot)
                .where(ot.c.counterparty_id == counterparty_id)
                .order_by(ot.c.transferred_at.desc())
            )
        ]
        return Card(
            record=record,
            owner_name=owner,
            failures=rule_failures(conn, record),
            freshness=_freshness(conn, counterparty_id),
            contacts=contacts,
            history=_history(conn, counterparty_id),
            transfers=transfers,
            metrics=None if metrics is None else dict(metrics._mapping),
            metrics_state=None if state is None else dict(state._mapping),
            **_facts(day, metrics),
            duplicates=_duplicates(conn, actor, counterparty_id),
            can_edit=actor.can_edit(record),
            can_transfer=actor.role == "head",
            managers=managers,
        )


def contacts_of(store: Store, *, actor: Actor, counterparty_id: str) -> list[dict[str, Any]]:
    """The contacts of a counterparty the actor may see (archived ones too, marked), main contact first."""
    ct = schema.contacts
    with store.begin() as conn:
        service.get_record(conn, actor=actor, kind="counterparties", record_id=counterparty_id)
        rows = conn.execute(
            sa.select(ct)
            .where(ct.c.counterparty_id == counterparty_id)
            .order_by(
                sa.func.coalesce(ct.c.archived, False),
                sa.desc(sa.func.coalesce(ct.c.is_primary, False)),
                ct.c.contact_id,
            )
        )
        return [dict(r._mapping) for r in rows]
