"""Spreadsheet import on DuckDB and PostgreSQL: dry run, atomic and idempotent apply, undo, matching, access."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa

from clientbase import schema
from clientbase.errors import ConfigurationError, ConflictError, NotFoundError, PermissionDeniedError
from clientbase.imports import batch
from clientbase.imports.plan import plan_import
from clientbase.outputs import write_error_report
from clientbase.registry import export, service
from clientbase.store import Store
from tests.registry.conftest import (
    ANNA,
    CLAIRE,
    HEAD,
    IVAN,
    OLA,
    dump,
    write_anna,
    write_claire,
    write_ivan,
    write_sven,
)


def counts(plan: object) -> tuple[int, int, int, int]:
    summary = plan.summary()  # type: ignore[attr-defined]
    return summary["new"], summary["updated"], summary["unchanged"], summary["rejected"]


def test_three_managers_spreadsheets_dry_run_apply_reapply_and_undo(store: Store, tmp_path: Path) -> None:
    empty = dump(store)
    files = [
        (write_anna(tmp_path), ANNA, None, 3),
        (write_ivan(tmp_path), IVAN, None, 2),
        (write_claire(tmp_path), CLAIRE, None, 2),
        (write_sven(tmp_path), HEAD, "Anna Berg", 2),
    ]
    batches = []
    for path, actor, owner, expected in files:
        plan = plan_import(store, path=path, actor=actor, default_owner=owner)
        assert counts(plan) == (expected, 0, 0, 0), plan.summary()["errors"]
        assert dump(store) == empty or batches  # the dry run wrote nothing
        batches.append(batch.apply(store, plan).batch_id)
    with store.begin() as conn:
        rows = conn.execute(
            sa.select(schema.counterparties).order_by(schema.counterparties.c.counterparty_id)
        ).all()
        history_ids = set(conn.execute(sa.select(schema.field_history.c.record_id)).scalars())
        fresh_ids = set(conn.execute(sa.select(schema.field_verification.c.record_id)).scalars())
        people = conn.execute(sa.select(schema.contacts.c.name, schema.contacts.c.phone)).all()
    assert len(rows) == 9
    assert {r.owner_id for r in rows} == {"M01", "M02", "M03"}  # every record has an owner
    assert {r.counterparty_id for r in rows} <= history_ids and {r.counterparty_id for r in rows} <= fresh_ids
    by_name = {r.name: r for r in rows}
    assert by_name["Schäfer Bau AG"].credit_limit == 1250000 and by_name["Schäfer Bau AG"].payment_days == 45
    assert str(by_name["ООО «Ромашка»"].credit_limit) == "1500000.00"
    assert by_name["Crème & Cie"].country == "FR" and by_name["Crème & Cie"].phone is None
    assert by_name["Nordic Tools AB"].owner_id == "M01"
    assert ("Marie Curie", "+33612345678") in people
    # applying the same files again changes nothing and writes no batch
    before = dump(store)
    for path, actor, owner, expected in files:
        plan = plan_import(store, path=path, actor=actor, default_owner=owner)
        assert counts(plan) == (0, 0, expected, 0)
        assert batch.apply(store, plan).batch_id is None
    assert dump(store) == before
    # undo every batch, newest first: back to the empty base, history included
    for batch_id in reversed(batches):
        batch.undo(store, batch_id=batch_id, actor=HEAD)
    assert dump(store) == empty
    assert [b["status"] for b in batch.list_batches(store)] == ["undone"] * 4


def seed_anna_records(store: Store) -> None:
    """Two of Anna's records with history of their own, made before the import."""
    service.create_counterparty(
        db=store,
        actor=ANNA,
        source="ui",
        values={
            "name": "Müller Werkzeuge GmbH",
            "roles": "customer",
            "status": "active",
            "country": "DE",
            "payment_days": 14,
            "tax_id": "DE136695976",
            "phone": "089 7654321",
        },
    )
    service.update_counterparty(
        db=store, actor=ANNA, counterparty_id="C00001", changes={"city": "Munich"}, expected_version=1
    )
    service.create_contact(db=store, actor=ANNA, values={"counterparty_id": "C00001", "name": "Jürgen Weiß"})
    service.create_counterparty(
        db=store,
        actor=ANNA,
        values={
            "name": "Schaefer Bau",
            "roles": "customer",
            "status": "active",
            "country": "DE",
            "payment_days": 45,
            "email": "info@schaefer-bau.de",
            "discount_pct": "3.75",
        },
    )


def test_updates_show_a_field_diff_and_undo_restores_the_exact_prior_state(
    store: Store, tmp_path: Path
) -> None:
    seed_anna_records(store)
    service.verify(db=store, actor=ANNA, kind="counterparties", record_id="C00002", fields=["email"])
    before = dump(store)
    plan = plan_import(store, path=write_anna(tmp_path), actor=ANNA)
    assert counts(plan) == (1, 2, 0, 0)
    rows = {r.row: r for r in plan.rows}
    # rows as a spreadsheet shows anna.csv: title 1, empty 2, header 3, Müller 4, empty 5, Öztürk 6, Schäfer 7
    assert (rows[4].record_id, rows[4].rule) == ("C00001", "tax_id")
    assert (rows[7].record_id, rows[7].rule) == ("C00002", "email domain")  # einkauf@ vs info@schaefer-bau.de
    diffs = {(d["record_id"], d["field"]): (d["old"], d["new"]) for d in plan.diffs()}
    assert diffs[("C00001", "payment_days")] == ("14", "30")
    assert diffs[("C00001", "phone")] == ("+49897654321", "+49891234567")
    assert diffs[("C00001", "city")] == ("Munich", "München")
    assert diffs[("C00002", "name")] == ("Schaefer Bau", "Schäfer Bau AG")
    assert ("C00002", "discount_pct") not in diffs  # 3,75 in the file equals the stored 3.75
    assert ("C00001", "contact_name") not in diffs  # the contact is already there
    result = batch.apply(store, plan)
    assert (result.new, result.updated) == (1, 2)
    past = service.record_history(store, actor=ANNA, kind="counterparties", record_id="C00001")
    assert {h["source"] for h in past} == {"ui", "api", f"import:{result.batch_id}"}
    assert service.get_record(store, actor=ANNA, kind="counterparties", record_id="C00001")["version"] == 3
    batch.undo(store, batch_id=result.batch_id, actor=ANNA)
    assert dump(store) == before


def test_undo_is_refused_when_a_record_changed_after_the_import(store: Store, tmp_path: Path) -> None:
    seed_anna_records(store)
    result = batch.apply(store, plan_import(store, path=write_anna(tmp_path), actor=ANNA))
    assert result.batch_id is not None
    service.update_counterparty(
        db=store, actor=ANNA, counterparty_id="C00001", changes={"city": "Augsburg"}, expected_version=3
    )
    after_edit = dump(store)
    with pytest.raises(ConflictError, match="counterparties C00001"):
        batch.undo(store, batch_id=result.batch_id, actor=HEAD)
    assert dump(store) == after_edit
    with pytest.raises(PermissionDeniedError, match="Only the head or M01"):
        batch.undo(store, batch_id=result.batch_id, actor=IVAN)
    with pytest.raises(NotFoundError):
        batch.undo(store, batch_id="B-nope", actor=HEAD)


def test_undo_twice_is_a_conflict(store: Store, tmp_path: Path) -> None:
    result = batch.apply(store, plan_import(store, path=write_ivan(tmp_path), actor=IVAN))
    assert result.batch_id is not None
    batch.undo(store, batch_id=result.batch_id, actor=IVAN)
    with pytest.raises(ConflictError, match="already undone"):
        batch.undo(store, batch_id=result.batch_id, actor=IVAN)


def test_apply_is_refused_when_a_record_changed_since_the_dry_run(store: Store, tmp_path: Path) -> None:
    seed_anna_records(store)
    plan = plan_import(store, path=write_anna(tmp_path), actor=ANNA)
    service.update_counterparty(
        db=store, actor=ANNA, counterparty_id="C00002", changes={"city": "Bonn"}, expected_version=1
    )
    before = dump(store)
    with pytest.raises(ConflictError, match="C00002 was changed since the dry run"):
        batch.apply(store, plan)
    assert dump(store) == before  # atomic: the new record and C00001's update were rolled back too


BAD = (
    "Firma;USt-IdNr.;Land;Telefon;E-Mail;Zahlungsziel;Kunde seit;Betreuer\n"
    "Gut GmbH;DE136695976;DE;030 1234567;info@gut.de;30;01.02.2024;Anna Berg\n"
    "Schlecht GmbH;DE136695977;DE;12;kein-mail;dreißig;31.02.2024;Anna Berg\n"
    "Gut GmbH Kopie;DE 136 695 976;DE;;;30;;Anna Berg\n"
    "Fremd GmbH;;DE;;;30;;Zoe Unknown\n"
    "Ohne Land GmbH;;;;;30;;Anna Berg\n"
)


def test_rejected_rows_are_reported_with_row_column_value_and_reason(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD, encoding="utf-8")
    plan = plan_import(store, path=path, actor=HEAD)
    assert counts(plan) == (1, 0, 0, 4)
    errors = {(e["row"], e["column"]): (e["value"], e["reason"]) for e in plan.summary()["errors"]}
    # the header is row 1: Gut 2, Schlecht 3, Gut Kopie 4, Fremd 5, Ohne Land 6
    assert errors[(3, "Zahlungsziel")] == ("dreißig", "type: not a whole number")
    assert errors[(3, "Kunde seit")][1] == "type: no such date"
    # every problem of a row at once, each under the file's own column name
    assert errors[(3, "USt-IdNr.")][0] == "DE136695977"
    assert errors[(3, "USt-IdNr.")][1].startswith("format: not a valid DE VAT/tax number")
    assert errors[(3, "E-Mail")][1].startswith("format:")
    assert errors[(3, "Telefon")][1].startswith("format:")
    assert errors[(4, None)] == (None, "duplicate of row 2 (same tax_id)")
    assert errors[(5, "Betreuer")] == ("Zoe Unknown", "reference: no such manager (id, name or e-mail)")
    assert errors[(6, "Land")] == (None, "required: an active customer needs a country")
    report = write_error_report(plan.errors, tmp_path / "errors.csv")
    with report.open(encoding="utf-8-sig") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == ["file", "row", "column", "value", "reason"]
    assert ["bad.csv", "4", "", "", "duplicate of row 2 (same tax_id)"] in lines
    assert len(lines) == 1 + len(plan.errors)


def test_ambiguous_matches_are_rejected_naming_the_candidates(store: Store, tmp_path: Path) -> None:
    for _ in range(2):
        service.create_counterparty(
            db=store,
            actor=HEAD,
            values={"name": "ACME GmbH", "roles": "supplier", "status": "active", "country": "DE"},
        )
    path = tmp_path / "acme.csv"
    path.write_text("Firma;Land;Rolle\nAcme;DE;Lieferant\n", encoding="utf-8")
    plan = plan_import(store, path=path, actor=HEAD)
    assert plan.summary()["errors"][0]["reason"] == (
        "ambiguous: name and country matches several records: C00001, C00002; give the row its counterparty_id"
    )


def test_matching_by_tax_id_email_domain_and_name_but_not_free_mail(store: Store, tmp_path: Path) -> None:
    def make(**values: object) -> None:
        base = {"roles": "customer", "status": "active", "country": "DE", "payment_days": 30}
        service.create_counterparty(db=store, actor=ANNA, values={**base, **values})

    make(name="Alpha GmbH", tax_id="DE136695976")
    make(name="Beta AG", email="info@beta.de")
    make(name="Gamma OHG", email="gamma@gmail.com")
    make(name="Delta KG")
    path = tmp_path / "match.csv"
    path.write_text(
        "Firma;USt-IdNr.;E-Mail;Land;Zahlungsziel\n"
        "Alpha Neu;de-136.695.976;;DE;30\n"  # tax ID, written differently
        "Beta Neu;;verkauf@beta.de;DE;30\n"  # e-mail domain
        "Gamma Neu;;other@gmail.com;DE;30\n"  # free-mail domain proves nothing: new
        "DELTA;;;DE;30\n"  # name without legal form, any case
        "Delta KG;;;AT;30\n",  # same name, other country: new
        encoding="utf-8",
    )
    plan = plan_import(store, path=path, actor=ANNA)
    assert [(r.action, r.record_id, r.rule) for r in plan.rows] == [
        ("updated", "C00001", "tax_id"),
        ("updated", "C00002", "email domain"),
        ("new", None, None),
        ("updated", "C00004", "name and country"),  # the name as the file writes it
        ("new", None, None),
    ]


def test_access_rules_in_imports(store: Store, tmp_path: Path) -> None:
    batch.apply(store, plan_import(store, path=write_anna(tmp_path), actor=ANNA))
    # Ivan's file names one of Anna's customers: rejected, not duplicated, not overwritten
    path = tmp_path / "ivan.csv"
    path.write_text("Firma;USt-IdNr.;Land;Zahlungsziel\nMüller;DE136695976;DE;90\nNeu GmbH;;DE;30\n", "utf-8")
    plan = plan_import(store, path=path, actor=IVAN)
    assert counts(plan) == (1, 0, 0, 1)
    reason = plan.rows[0].problems[0].rule
    # rejected without saying whose or which record it is (issue 11.11)
    assert "a record you may not see (same tax_id)" in reason and "M01" not in reason and "C0" not in reason
    # a manager cannot give new records to someone else; the head can, by name
    path.write_text("Firma;Land;Zahlungsziel;Betreuer\nNeu GmbH;DE;30;Anna Berg\n", "utf-8")
    assert (
        "a manager imports records they own only" in plan_import(store, path=path, actor=IVAN).errors[0].rule
    )
    plan = plan_import(store, path=path, actor=HEAD)
    assert counts(plan) == (1, 0, 0, 0) and plan.rows[0].changes["owner_id"] == "M01"
    # analysts import nothing; an unknown --owner is a clear error
    with pytest.raises(PermissionDeniedError, match="analyst"):
        plan_import(store, path=path, actor=OLA)
    with pytest.raises(ConfigurationError, match="No manager 'Zed'"):
        plan_import(store, path=path, actor=HEAD, default_owner="Zed")


def test_export_round_trip_csv_and_xlsx(store: Store, tmp_path: Path) -> None:
    for path, actor in ((write_anna(tmp_path), ANNA), (write_claire(tmp_path), CLAIRE)):
        batch.apply(store, plan_import(store, path=path, actor=actor))
    assert export.export_list(store, actor=HEAD, path=tmp_path / "all.csv") == 5
    assert export.export_list(store, actor=ANNA, path=tmp_path / "anna.xlsx") == 3  # a manager: own records
    assert (
        export.export_list(
            store, actor=OLA, path=tmp_path / "fr.xlsx", filters=export.ListFilter(country="fr")
        )
        == 2
    )
    assert (
        export.export_list(
            store, actor=HEAD, path=tmp_path / "none.csv", filters=export.ListFilter(owner="M02")
        )
        == 0
    )
    before = dump(store)
    for name, actor in (("all.csv", HEAD), ("anna.xlsx", ANNA), ("fr.xlsx", HEAD)):
        plan = plan_import(store, path=tmp_path / name, actor=actor)
        assert counts(plan) == (0, 0, len(plan.rows), 0)
        assert len(plan.rows) > 0
    assert dump(store) == before
    with pytest.raises(ConfigurationError, match=r"\.csv or \.xlsx"):
        export.export_list(store, actor=HEAD, path=tmp_path / "x.pdf")
