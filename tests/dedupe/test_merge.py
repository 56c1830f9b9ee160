"""Merge two duplicate counterparties by the documented rules; undo restores the exact prior values and moves
the versions forward."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from clientbase import schema
from clientbase.dedupe.counterparties import decided_pairs
from clientbase.dedupe.merge import list_merges, merge_counterparties, undo_merge
from clientbase.dedupe.review import decide
from clientbase.errors import ConflictError, NotFoundError, PermissionDeniedError
from clientbase.store import Store, connect

T0 = dt.datetime(2024, 1, 10, 9, 0)
T1 = dt.datetime(2025, 3, 1, 12, 0)
TABLES = (
    "counterparties",
    "contacts",
    "orders",
    "order_lines",
    "invoices",
    "activities",
    "field_verification",
)


def _base(store: Store) -> None:
    cp = {c.name: None for c in schema.counterparties.c}
    with store.begin() as conn:
        conn.execute(
            sa.insert(schema.managers),
            [
                {"manager_id": "H", "name": "Head", "role": "head", "active": True},
                {"manager_id": "M1", "name": "Anna", "role": "manager", "active": True},
                {"manager_id": "A1", "name": "Ali", "role": "analyst", "active": True},
            ],
        )
        conn.execute(
            sa.insert(schema.counterparties),
            [
                {
                    **cp,
                    "counterparty_id": "C1",
                    "name": "Nordic Tools AB",
                    "roles": "customer",
                    "status": "active",
                    "owner_id": "M1",
                    "country": "SE",
                    "phone": "+46181234567",
                    "email": "info@nordictools.se",
                    "payment_days": 30,
                    "discount_pct": Decimal("5.0000"),
                    "created_at": dt.date(2023, 5, 1),
                    "first_order_date": dt.date(2023, 6, 1),
                    "version": 3,
                },
                {
                    **cp,
                    "counterparty_id": "C2",
                    "name": "NORDIC TOOLS",
                    "roles": "supplier",
                    "status": "active",
                    "owner_id": "M1",
                    "country": "SE",
                    "tax_id": "SE556677889901",
                    "email": "order@nordictools.se",
                    "payment_days": 45,
                    "created_at": dt.date(2022, 2, 1),
                    "version": 1,
                },
                {
                    **cp,
                    "counterparty_id": "C3",
                    "name": "Other AB",
                    "roles": "customer",
                    "status": "active",
                    "owner_id": "H",
                    "created_at": dt.date(2022, 1, 1),
                    "version": 1,
                },
            ],
        )
        conn.execute(
            sa.insert(schema.field_verification),
            [
                {
                    "table_name": "counterparties",
                    "record_id": "C1",
                    "field_name": "email",
                    "verified_at": T0,
                    "verified_by": "M1",
                    "source": "ui",
                },
                {
                    "table_name": "counterparties",
                    "record_id": "C1",
                    "field_name": "payment_days",
                    "verified_at": T1,
                    "verified_by": "M1",
                    "source": "ui",
                },
                {
                    "table_name": "counterparties",
                    "record_id": "C2",
                    "field_name": "email",
                    "verified_at": T1,
                    "verified_by": "M1",
                    "source": "ui",
                },
                {
                    "table_name": "counterparties",
                    "record_id": "C2",
                    "field_name": "payment_days",
                    "verified_at": T0,
                    "verified_by": "M1",
                    "source": "ui",
                },
            ],
        )
        conn.execute(
            sa.insert(schema.contacts),
            [
                {"contact_id": "P1", "counterparty_id": "C1", "name": "Erik", "version": 1},
                {"contact_id": "P2", "counterparty_id": "C2", "name": "Eva", "version": 1},
            ],
        )
        conn.execute(
            sa.insert(schema.orders),
            [
                {"order_id": "O1", "counterparty_id": "C1", "order_date": dt.date(2024, 1, 5)},
                {"order_id": "O2", "counterparty_id": "C2", "order_date": dt.date(2024, 2, 5)},
                {"order_id": "O3", "counterparty_id": "C3", "order_date": dt.date(2024, 2, 6)},
            ],
        )
        line = {
            "product_id": "P-1",
            "quantity": Decimal("2.000"),
            "list_price": Decimal("10.0000"),
            "net_price": Decimal("9.0000"),
            "unit_cost": Decimal("6.0000"),
        }
        conn.execute(
            sa.insert(schema.order_lines),
            [
                {
                    **line,
                    "order_id": "O1",
                    "line_no": 1,
                    "counterparty_id": "C1",
                    "order_date": dt.date(2024, 1, 5),
                },
                {
                    **line,
                    "order_id": "O2",
                    "line_no": 1,
                    "counterparty_id": "C2",
                    "order_date": dt.date(2024, 2, 5),
                },
                {
                    **line,
                    "order_id": "O2",
                    "line_no": 2,
                    "counterparty_id": "C2",
                    "order_date": dt.date(2024, 2, 5),
                },
            ],
        )
        conn.execute(
            sa.insert(schema.invoices),
            [
                {
                    "invoice_id": "F2",
                    "counterparty_id": "C2",
                    "order_id": "O2",
                    "issue_date": dt.date(2024, 2, 6),
                    "due_date": dt.date(2024, 3, 7),
                    "amount": Decimal("36.00"),
                }
            ],
        )
        conn.execute(
            sa.insert(schema.activities),
            [
                {
                    "activity_id": "A2",
                    "counterparty_id": "C2",
                    "activity_date": dt.date(2024, 2, 5),
                    "kind": "call",
                    "quantity": Decimal("1.000"),
                }
            ],
        )


def _state(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables a merge touches, the records' versions left out (those only move forward)."""
    with store.begin() as conn:
        return {
            name: sorted(
                (
                    tuple(r)
                    for r in conn.execute(
                        sa.select(*[c for c in schema.metadata.tables[name].c if c.name != "version"])
                    )
                ),
                key=repr,
            )
            for name in TABLES
        }


def _versions(store: Store) -> dict[str, int]:
    cp = schema.counterparties
    with store.begin() as conn:
        return {
            r.counterparty_id: r.version for r in conn.execute(sa.select(cp.c.counterparty_id, cp.c.version))
        }


@pytest.fixture
def store(db_url: str) -> Any:
    with connect(db_url) as s:
        _base(s)
        yield s


def test_merge_follows_the_rules_and_repoints_everything(store: Store) -> None:
    result = merge_counterparties(
        store, survivor_id="C1", merged_id="C2", actor_id="M1", choices={"name": "survivor"}
    )
    s = result.survivor
    assert s["name"] == "Nordic Tools AB"  # chosen
    assert s["roles"] == "customer;supplier"  # union
    assert s["created_at"] == dt.date(2022, 2, 1)  # earlier
    assert s["tax_id"] == "SE556677889901"  # only the merged record had one: most complete
    assert s["phone"] == "+46181234567"  # only the survivor had one
    assert s["email"] == "order@nordictools.se"  # merged's e-mail verified later (T1 > T0)
    assert s["payment_days"] == 30  # survivor's payment days verified later
    assert s["version"] == 4
    assert result.choices["email"] == ("merged", "most recently verified")
    assert result.repointed == {"orders": 1, "order_lines": 2, "invoices": 1, "activities": 1, "contacts": 1}
    with store.begin() as conn:
        for name in ("orders", "order_lines", "invoices", "activities", "contacts"):
            table = schema.metadata.tables[name]
            assert (
                conn.execute(sa.select(sa.func.count()).where(table.c.counterparty_id == "C2")).scalar() == 0
            )
        merged = (
            conn.execute(
                sa.select(schema.counterparties).where(schema.counterparties.c.counterparty_id == "C2")
            )
            .mappings()
            .one()
        )
        assert merged["status"] == "archived"
        fh = schema.field_history
        changes = {
            (r.record_id, r.field_name): (r.old_value, r.new_value)
            for r in conn.execute(sa.select(fh).where(fh.c.source == "merge"))
        }
        assert changes[("C1", "email")] == ("info@nordictools.se", "order@nordictools.se")
        assert changes[("C2", "status")] == ("active", "archived")
        fv = schema.field_verification
        email_verified = conn.execute(
            sa.select(fv.c.verified_at).where(fv.c.record_id == "C1", fv.c.field_name == "email")
        ).scalar()
        assert email_verified == T1  # the winning value brings its freshness
    assert ("C1", "C2") in decided_pairs(store, "confirmed")
    assert [m["status"] for m in list_merges(store)] == ["applied"]


def test_undo_restores_the_exact_values_with_new_versions(store: Store) -> None:
    before, versions = _state(store), _versions(store)
    result = merge_counterparties(store, survivor_id="C1", merged_id="C2", actor_id="M1")
    assert _state(store) != before
    merged = _versions(store)
    undone = undo_merge(store, merge_id=result.merge_id, actor_id="M1", at=T1)
    assert undone["status"] == "undone"
    assert _state(store) == before  # every value, freshness and re-pointed row as it was
    after = _versions(store)
    # versions only move forward: one above the merge's, never back to one a client may still hold
    assert after == {**versions, "C1": merged["C1"] + 1, "C2": merged["C2"] + 1}
    assert after["C1"] > merged["C1"] > versions["C1"] and after["C2"] > merged["C2"] > versions["C2"]
    fh = schema.field_history
    with store.begin() as conn:
        undo_rows = {
            (r.record_id, r.field_name): (r.old_value, r.new_value, r.record_version)
            for r in conn.execute(sa.select(fh).where(fh.c.source == "merge", fh.c.changed_at == T1))
        }
        # each version of a record is written by one change only
        per_version = conn.execute(
            sa.select(fh.c.record_id, fh.c.record_version, sa.func.count(sa.distinct(fh.c.changed_at)))
            .where(fh.c.table_name == "counterparties")
            .group_by(fh.c.record_id, fh.c.record_version)
        ).all()
    assert undo_rows[("C2", "status")] == ("archived", "active", after["C2"])
    assert undo_rows[("C1", "email")] == ("order@nordictools.se", "info@nordictools.se", after["C1"])
    assert all(n == 1 for _, _, n in per_version), per_version
    with pytest.raises(ConflictError, match="undone already"):
        undo_merge(store, merge_id=result.merge_id, actor_id="M1")


def test_undo_is_refused_after_a_later_change(store: Store) -> None:
    result = merge_counterparties(store, survivor_id="C1", merged_id="C2", actor_id="H")
    cp = schema.counterparties
    with store.begin() as conn:
        conn.execute(sa.update(cp).where(cp.c.counterparty_id == "C1").values(phone="+4611", version=5))
    with pytest.raises(ConflictError, match="changed after merge"):
        undo_merge(store, merge_id=result.merge_id, actor_id="H")


def test_a_save_from_before_the_merge_is_stale_after_the_undo(store: Store) -> None:
    from clientbase.registry.access import Actor
    from clientbase.registry.service import StaleRecordError, update_counterparty

    seen = _versions(store)["C1"]  # a client read C1 before the merge
    result = merge_counterparties(store, survivor_id="C1", merged_id="C2", actor_id="M1", at=T0)
    undo_merge(store, merge_id=result.merge_id, actor_id="M1", at=T1)
    anna = Actor("M1", "manager")
    with pytest.raises(StaleRecordError) as stale:
        update_counterparty(
            db=store, actor=anna, counterparty_id="C1", changes={"payment_days": 60}, expected_version=seen
        )
    # what the client missed: the merge, then its undo, each at its own version
    missed = [(h["record_version"], h["field_name"], h["new_value"]) for h in stale.value.missed]
    assert (seen + 1, "email", "order@nordictools.se") in missed
    assert (seen + 2, "email", "info@nordictools.se") in missed
    assert stale.value.current_version == seen + 2
    saved = update_counterparty(
        db=store, actor=anna, counterparty_id="C1", changes={"payment_days": 60}, expected_version=seen + 2
    )
    assert saved["version"] == seen + 3
    # a later stale save lists only the changes after the version it holds, not the merge's rows again
    with pytest.raises(StaleRecordError) as later:
        update_counterparty(
            db=store,
            actor=anna,
            counterparty_id="C1",
            changes={"payment_days": 90},
            expected_version=seen + 2,
        )
    assert [(h["record_version"], h["field_name"]) for h in later.value.missed] == [
        (seen + 3, "payment_days")
    ]


def test_merge_permissions_and_archived_records(store: Store) -> None:
    with pytest.raises(PermissionDeniedError):
        merge_counterparties(store, survivor_id="C1", merged_id="C2", actor_id="A1")
    with pytest.raises(NotFoundError):  # M1 does not see C3 (the registry does not say it exists)
        merge_counterparties(store, survivor_id="C1", merged_id="C3", actor_id="M1")
    merge_counterparties(store, survivor_id="C1", merged_id="C2", actor_id="M1")
    with pytest.raises(ConflictError, match="archived"):
        merge_counterparties(store, survivor_id="C1", merged_id="C2", actor_id="M1")


def test_decisions_are_stored_once_per_pair_and_replaced(store: Store) -> None:
    decide(store, a="C3", b="C1", decision="rejected", actor_id="H", probability=0.7, note="different firms")
    assert decided_pairs(store, "rejected") == {("C1", "C3")}
    decide(store, a="C1", b="C3", decision="confirmed", actor_id="H")
    assert decided_pairs(store, "rejected") == set()
    assert decided_pairs(store) == {("C1", "C3")}
    with pytest.raises(PermissionDeniedError):
        decide(store, a="C1", b="C2", decision="rejected", actor_id="A1")


def test_the_survivor_sees_the_merged_records_history(store: Store) -> None:
    from clientbase.dedupe.merge import history_with_merged

    merge = merge_counterparties(store, survivor_id="C1", merged_id="C2", actor_id="M1", at=T1)
    rows = history_with_merged(store, "C1")
    assert {r["record_id"] for r in rows} == {"C1", "C2"}
    assert ("C2", "status", "archived") in {(r["record_id"], r["field_name"], r["new_value"]) for r in rows}
    undo_merge(store, merge_id=merge.merge_id, actor_id="M1")
    assert {r["record_id"] for r in history_with_merged(store, "C1")} == {"C1"}
