"""The registry service on DuckDB and PostgreSQL: history, freshness, optimistic locking, ownership, access."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from clientbase import schema
from clientbase.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from clientbase.registry import history, service
from clientbase.registry.service import StaleRecordError
from clientbase.store import Store, connect
from tests.registry.conftest import ANNA, CLAIRE, HEAD, IVAN, OLA

NORDIC = {
    "name": "Nordic Tools AB",
    "roles": "customer",
    "status": "active",
    "country": "SE",
    "payment_days": 30,
}


def create(store: Store, actor=ANNA, **values: object) -> dict:  # type: ignore[no-untyped-def]
    return service.create_counterparty(db=store, actor=actor, values={**NORDIC, **values})


def test_create_writes_the_record_its_history_and_freshness(store: Store) -> None:
    record = create(store, phone="018 12 34 56")
    assert record["counterparty_id"] == "C00001"
    assert record["owner_id"] == "M01"
    assert record["version"] == 1
    past = service.record_history(store, actor=ANNA, kind="counterparties", record_id="C00001")
    by_field = {h["field_name"]: h for h in past}
    assert by_field["phone"]["old_value"] is None
    assert by_field["phone"]["new_value"] == "+4618123456"
    assert by_field["phone"]["changed_by"] == "M01"
    assert by_field["phone"]["source"] == "api"
    assert {h["record_version"] for h in past} == {1}
    with store.begin() as conn:
        fresh = history.freshness(conn, schema.counterparties, "C00001")
    assert set(fresh) == set(by_field)


def test_update_records_old_and_new_value_and_bumps_the_version(store: Store) -> None:
    create(store, payment_days=30)
    updated = service.update_counterparty(
        db=store,
        actor=ANNA,
        counterparty_id="C00001",
        changes={"payment_days": 45, "city": "Uppsala"},
        expected_version=1,
        source="ui",
    )
    assert updated["version"] == 2
    past = service.record_history(store, actor=ANNA, kind="counterparties", record_id="C00001")
    latest = [
        (h["field_name"], h["old_value"], h["new_value"], h["source"])
        for h in past
        if h["record_version"] == 2
    ]
    assert sorted(latest) == [("city", None, "Uppsala", "ui"), ("payment_days", "30", "45", "ui")]


def test_an_update_that_changes_nothing_writes_nothing(store: Store) -> None:
    create(store)
    before = service.record_history(store, actor=ANNA, kind="counterparties", record_id="C00001")
    same = service.update_counterparty(
        db=store,
        actor=ANNA,
        counterparty_id="C00001",
        changes={"payment_days": 30, "country": "se"},
        expected_version=1,
    )
    assert same["version"] == 1
    assert service.record_history(store, actor=ANNA, kind="counterparties", record_id="C00001") == before


def test_invalid_update_is_refused_with_every_problem_and_writes_nothing(store: Store) -> None:
    create(store)
    with pytest.raises(ValidationError) as caught:
        service.update_counterparty(
            db=store,
            actor=ANNA,
            counterparty_id="C00001",
            changes={"email": "nope", "payment_days": -3},
            expected_version=1,
        )
    assert sorted(p.column for p in caught.value.problems) == ["email", "payment_days"]
    assert service.get_record(store, actor=ANNA, kind="counterparties", record_id="C00001")["version"] == 1


def test_two_sessions_updating_the_same_record_one_gets_the_conflict_and_no_update_is_lost(
    store: Store, db_url: str
) -> None:
    create(store)
    with connect(db_url) as other:
        first = service.get_record(store, actor=ANNA, kind="counterparties", record_id="C00001")
        second = service.get_record(other, actor=HEAD, kind="counterparties", record_id="C00001")
        service.update_counterparty(
            db=store,
            actor=ANNA,
            counterparty_id="C00001",
            changes={"phone": "018 12 34 56"},
            expected_version=first["version"],
        )
        with pytest.raises(StaleRecordError) as caught:
            service.update_counterparty(
                db=other,
                actor=HEAD,
                counterparty_id="C00001",
                changes={"payment_days": 60},
                expected_version=second["version"],
            )
        # the conflict shows the change the second session missed
        assert [(h["field_name"], h["new_value"], h["changed_by"]) for h in caught.value.missed] == [
            ("phone", "+4618123456", "M01")
        ]
        assert "phone" in str(caught.value) and "Nothing was written" in str(caught.value)
        assert isinstance(caught.value, ConflictError)
        # the second session reloads and applies its change: both survive
        fresh = service.get_record(other, actor=HEAD, kind="counterparties", record_id="C00001")
        service.update_counterparty(
            db=other,
            actor=HEAD,
            counterparty_id="C00001",
            changes={"payment_days": 60},
            expected_version=fresh["version"],
        )
    final = service.get_record(store, actor=ANNA, kind="counterparties", record_id="C00001")
    assert (final["phone"], final["payment_days"], final["version"]) == ("+4618123456", 60, 3)


def test_archive_and_restore_bring_back_the_previous_status(store: Store) -> None:
    create(store, status="lapsed")
    archived = service.archive_counterparty(
        db=store, actor=ANNA, counterparty_id="C00001", expected_version=1
    )
    assert archived["status"] == "archived"
    restored = service.restore_counterparty(
        db=store, actor=ANNA, counterparty_id="C00001", expected_version=2
    )
    assert (restored["status"], restored["version"]) == ("lapsed", 3)


def test_contacts_are_created_updated_archived_and_restored(store: Store) -> None:
    create(store)
    person = service.create_contact(
        db=store,
        actor=ANNA,
        values={"counterparty_id": "C00001", "name": "Erik Lind", "phone": "070-123 45 67"},
    )
    assert (person["contact_id"], person["phone"]) == ("P0001", "+46701234567")
    service.update_contact(
        db=store, actor=ANNA, contact_id="P0001", changes={"title": "CFO"}, expected_version=1
    )
    service.archive_contact(db=store, actor=ANNA, contact_id="P0001", expected_version=2)
    back = service.restore_contact(db=store, actor=ANNA, contact_id="P0001", expected_version=3)
    assert (back["title"], back["archived"], back["version"]) == ("CFO", False, 4)
    with pytest.raises(NotFoundError, match="No counterparty C99 visible to M01"):
        service.create_contact(db=store, actor=ANNA, values={"counterparty_id": "C99", "name": "X"})


def test_verify_confirms_a_value_without_changing_it(store: Store) -> None:
    create(store, phone="018 12 34 56")
    with store.begin() as conn:
        before = history.freshness(conn, schema.counterparties, "C00001")
    fresh = service.verify(db=store, actor=ANNA, kind="counterparties", record_id="C00001", fields=["phone"])
    assert fresh["phone"] > before["phone"]
    assert fresh["name"] == before["name"]
    record = service.get_record(store, actor=ANNA, kind="counterparties", record_id="C00001")
    assert (record["phone"], record["version"]) == ("+4618123456", 1)
    with pytest.raises(ValueError, match="no field"):
        service.verify(db=store, actor=ANNA, kind="counterparties", record_id="C00001", fields=["colour"])


def test_transfer_owner_is_for_the_head_and_is_recorded(store: Store) -> None:
    create(store)
    with pytest.raises(PermissionDeniedError, match="only the head"):
        service.transfer_owner(
            db=store, actor=ANNA, counterparty_id="C00001", to_owner="M02", expected_version=1
        )
    service.transfer_owner(db=store, actor=HEAD, counterparty_id="C00001", to_owner="M02", expected_version=1)
    with store.begin() as conn:
        transfers = conn.execute(sa.select(schema.owner_transfers)).all()
    assert [(t.counterparty_id, t.from_owner, t.to_owner, t.transferred_by) for t in transfers] == [
        ("C00001", "M01", "M02", "M00")
    ]
    with pytest.raises(ValidationError, match="no manager"):
        service.transfer_owner(
            db=store, actor=HEAD, counterparty_id="C00001", to_owner="M77", expected_version=2
        )


def test_a_manager_sees_and_edits_only_their_own_records(store: Store) -> None:
    create(store)  # Anna's
    with pytest.raises(NotFoundError):
        service.get_record(store, actor=IVAN, kind="counterparties", record_id="C00001")
    with pytest.raises((PermissionDeniedError, NotFoundError)):
        service.update_counterparty(
            db=store, actor=IVAN, counterparty_id="C00001", changes={"city": "X"}, expected_version=1
        )
    with pytest.raises(PermissionDeniedError, match="only the head assigns"):
        create(store, actor=CLAIRE, owner_id="M01", name="Other AB")
    with pytest.raises(PermissionDeniedError, match="only the head assigns"):
        service.update_counterparty(
            db=store, actor=ANNA, counterparty_id="C00001", changes={"owner_id": "M02"}, expected_version=1
        )


def test_the_head_sees_edits_and_assigns_all(store: Store) -> None:
    create(store)
    assert (
        service.get_record(store, actor=HEAD, kind="counterparties", record_id="C00001")["owner_id"] == "M01"
    )
    service.update_counterparty(
        db=store, actor=HEAD, counterparty_id="C00001", changes={"city": "Uppsala"}, expected_version=1
    )
    made = create(store, actor=HEAD, owner_id="M02", name="Ivan's AB")
    assert made["owner_id"] == "M02"


def test_an_analyst_reads_all_and_edits_none(store: Store) -> None:
    create(store)
    assert (
        service.get_record(store, actor=OLA, kind="counterparties", record_id="C00001")["name"]
        == "Nordic Tools AB"
    )
    assert service.record_history(store, actor=OLA, kind="counterparties", record_id="C00001")
    with pytest.raises(PermissionDeniedError, match="analyst"):
        service.update_counterparty(
            db=store, actor=OLA, counterparty_id="C00001", changes={"city": "X"}, expected_version=1
        )
    with pytest.raises(PermissionDeniedError):
        create(store, actor=OLA, owner_id="M01", name="Analyst AB")
    with pytest.raises(PermissionDeniedError):
        service.verify(db=store, actor=OLA, kind="counterparties", record_id="C00001", fields=["name"])


def test_keys_and_versions_are_not_edited_and_unknown_records_are_not_found(store: Store) -> None:
    create(store)
    with pytest.raises(ValidationError, match="read_only"):
        service.update_counterparty(
            db=store, actor=HEAD, counterparty_id="C00001", changes={"version": 9}, expected_version=1
        )
    with pytest.raises(NotFoundError):
        service.update_counterparty(
            db=store, actor=HEAD, counterparty_id="C404", changes={}, expected_version=1
        )
    with pytest.raises(ConflictError, match="already exists"):
        create(store, counterparty_id="C00001")
    with pytest.raises(ValueError, match="import:<batch_id>"):
        service.create_counterparty(db=store, actor=ANNA, values=NORDIC, source="fax")


def test_bulk_update_changes_only_rows_still_at_their_expected_version(store: Store) -> None:
    from clientbase.registry.bulk import update_rows

    create(store)
    create(store, name="Second AB")
    with store.begin() as conn:
        done = update_rows(
            conn,
            schema.counterparties,
            [
                ("C00001", 1, {"city": "Uppsala"}),
                ("C00002", 7, {"city": "Lund"}),
                ("C00404", 1, {"city": "X"}),
            ],
        )
    assert done == 1
    first = service.get_record(store, actor=HEAD, kind="counterparties", record_id="C00001")
    second = service.get_record(store, actor=HEAD, kind="counterparties", record_id="C00002")
    assert (first["city"], first["version"]) == ("Uppsala", 2)
    assert (second["city"], second["version"]) == (None, 1)


def test_simultaneous_transactions_one_gets_a_conflict(store: Store, db_url: str) -> None:
    """Two writers inside open transactions at once. DuckDB refuses the second at once (optimistic MVCC);
    PostgreSQL makes it wait on the row lock, then finds the version moved on. Either way: one conflict, one
    change kept."""
    import threading

    create(store)
    outcome: list[BaseException | None] = []

    def second_writer(other: Store) -> None:
        try:
            service.update_counterparty(
                db=other, actor=HEAD, counterparty_id="C00001", changes={"city": "Lund"}, expected_version=1
            )
            outcome.append(None)
        except ConflictError as exc:
            outcome.append(exc)

    with connect(db_url) as other:
        with store.begin() as first:
            service.update_counterparty(
                db=first,
                actor=ANNA,
                counterparty_id="C00001",
                changes={"city": "Uppsala"},
                expected_version=1,
            )
            writer = threading.Thread(target=second_writer, args=(other,))
            writer.start()
            writer.join(timeout=1.0)  # DuckDB: done already; PostgreSQL: still waiting for the lock
        writer.join()
    assert len(outcome) == 1 and isinstance(outcome[0], ConflictError)
    final = service.get_record(store, actor=HEAD, kind="counterparties", record_id="C00001")
    assert (final["city"], final["version"]) == ("Uppsala", 2)
