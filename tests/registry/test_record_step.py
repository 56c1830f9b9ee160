"""Issue 10.5: the record step's missing pieces, through the CLI. Issue 11.10: undo keeps later work.
Issue 11.12: LIKE wildcards are letters in a name filter."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from clientbase import schema
from clientbase.cli.main import app
from clientbase.imports import batch
from clientbase.imports.plan import plan_import
from clientbase.registry import export, service
from clientbase.store import Store
from tests.registry.conftest import ANNA, HEAD, IVAN, dump, write_anna

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, " ".join(result.stderr.split())


def test_edit_and_create_go_through_the_registry_service(store: Store, db_url: str) -> None:
    code, out, err = run(
        "create", "--set", "name=Nordic Tools AB", "--set", "country=se", "--set", "payment_days=30",
        "--set", "phone=018-12 34 56", "--as", "M01", "--db", db_url, "--json",
    )  # fmt: skip
    assert code == 0, err
    record = json.loads(out)["record"]
    assert (record["counterparty_id"], record["owner_id"], record["country"], record["phone"]) == (
        "C00001",
        "M01",
        "SE",
        "+4618123456",
    )
    code, out, err = run(
        "edit",
        "C00001",
        "--set",
        "payment_days=45",
        "--set",
        "city=Uppsala",
        "--as",
        "M01",
        "--db",
        db_url,
        "--json",
    )
    assert code == 0, err
    assert (json.loads(out)["record"]["payment_days"], json.loads(out)["record"]["version"]) == (45, 2)
    past = service.record_history(store, actor=ANNA, kind="counterparties", record_id="C00001")
    assert {(h["field_name"], h["new_value"], h["source"]) for h in past if h["record_version"] == 2} == {
        ("payment_days", "45", "ui"),
        ("city", "Uppsala", "ui"),
    }
    # the rules: refused, never bent, nothing written
    for bad in ("payment_days=30.5", "payment_days=1e5", "phone=call me maybe", "colour=blue"):
        code, _, err = run("edit", "C00001", "--set", bad, "--as", "M01", "--db", db_url)
        assert code == 3 and "nothing was written" in err, (bad, err)
    # optimistic locking: an edit made from version 1 is refused and shows what changed since
    code, _, err = run(
        "edit", "C00001", "--set", "city=Lund", "--version", "1", "--as", "M01", "--db", db_url
    )
    assert code == 5 and "payment_days: '30' -> '45'" in err
    # access: another manager is told it does not exist; an analyst edits nothing
    assert run("edit", "C00001", "--set", "city=X", "--as", "M02", "--db", db_url)[0] == 4
    assert run("edit", "C00001", "--set", "city=X", "--as", "M09", "--db", db_url)[0] == 6
    assert run("create", "--set", "name=X AB", "--as", "M09", "--db", db_url)[0] == 6
    # a contact, with the counterparty's country for its phone
    code, out, err = run(
        "create", "--contact", "--set", "counterparty_id=C00001", "--set", "name=Erik Lind",
        "--set", "phone=070-123 45 67", "--as", "M01", "--db", db_url, "--json",
    )  # fmt: skip
    assert code == 0 and json.loads(out)["record"]["phone"] == "+46701234567", err
    code, _, err = run("edit", "P0001", "--contact", "--set", "title=CFO", "--as", "M01", "--db", db_url)
    assert code == 0, err
    assert service.get_record(store, actor=ANNA, kind="contacts", record_id="P0001")["title"] == "CFO"


@pytest.mark.parametrize("db_url", ["duckdb"], indirect=True)  # the CLI's part; the engines are tested below
def test_skip_invalid_error_report_beside_the_file_undo_hint_and_undone_batch(
    store: Store, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    data = tmp_path / "data"
    data.mkdir()
    path = data / "mixed.csv"
    path.write_text(
        "Firma;Land;Zahlungsziel\nGut GmbH;DE;30\nSchlecht GmbH;DE;30.5\nAuch Gut GmbH;DE;45\n", "utf-8"
    )
    code, _, err = run("import", str(path), "--as", "M01", "--db", db_url, "--yes", "--apply")
    assert code == 3 and dump(store)["counterparties"] == []  # all or nothing by default
    report = data / "mixed-errors.csv"
    assert report.exists() and list(elsewhere.iterdir()) == []  # beside the file, not in the current folder
    assert "mixed.csv,3,Zahlungsziel,30.5,type: not a whole number" in report.read_text("utf-8-sig")
    code, out, err = run(
        "import", str(path), "--as", "M01", "--db", db_url, "--yes", "--apply", "--skip-invalid"
    )
    assert code == 0, err
    assert sorted(r[1] for r in dump(store)["counterparties"]) == ["Auch Gut GmbH", "Gut GmbH"]
    # the undo hint is a command that runs as printed
    hint = " ".join(out.split()).split("undo it with: ", 1)[1].strip()
    words = shlex.split(hint)
    assert words[:2] == ["clientbase", "undo-import"] and "--as" in words
    code, out, err = run(*words[1:], *([] if "--db" in words else ["--db", db_url]))
    assert code == 0 and "removed 2 record(s)" in out, err
    assert dump(store)["counterparties"] == []
    # the undone batch is still listed, marked undone
    code, out, _ = run("import-batches", "--db", db_url, "--json")
    (listed,) = json.loads(out)
    assert listed["status"] == "undone" and listed["undone_by"] == "M01"
    code, out, _ = run("import-batches", "--db", db_url)
    assert "undone" in out
    # --errors into a missing folder is a clear error
    code, _, err = run(
        "import",
        str(path),
        "--as",
        "M01",
        "--db",
        db_url,
        "--yes",
        "--errors",
        str(tmp_path / "no" / "e.csv"),
    )
    assert code == 1 and "does not exist" in err


def test_undo_keeps_a_later_verification_and_frees_the_snapshots(store: Store, tmp_path: Path) -> None:
    path = write_anna(tmp_path)
    first = batch.apply(store, plan_import(store, path=path, actor=ANNA))
    path.write_bytes(path.read_bytes().replace(b";30;2,5;", b";60;2,5;"))  # Müller: payment days 30 -> 60
    second = batch.apply(store, plan_import(store, path=path, actor=ANNA))
    assert second.updated == 1 and second.batch_id is not None
    record_id = "C00001"
    service.verify(
        db=store, actor=ANNA, kind="counterparties", record_id=record_id, fields=["payment_days", "phone"]
    )
    with store.begin() as conn:
        fv = schema.field_verification
        later = {
            r.field_name: (r.verified_at, r.source)
            for r in conn.execute(sa.select(fv).where(fv.c.record_id == record_id))
        }
    assert later["payment_days"][1] == "ui"
    batch.undo(store, batch_id=second.batch_id, actor=ANNA)
    row = service.get_record(store, actor=ANNA, kind="counterparties", record_id=record_id)
    assert row["payment_days"] == 30  # what the batch changed is put back
    with store.begin() as conn:
        kept = {
            r.field_name: (r.verified_at, r.source)
            for r in conn.execute(sa.select(fv).where(fv.c.record_id == record_id))
        }
        snapshots = conn.execute(
            sa.select(sa.func.count()).where(schema.batch_changes.c.batch_id == second.batch_id)
        ).scalar_one()
    assert (
        kept["payment_days"] == later["payment_days"] and kept["phone"] == later["phone"]
    )  # later work kept
    assert snapshots == 0  # the undo snapshots no longer take space
    assert first.batch_id is not None


def test_undo_frees_the_space_of_a_large_batch(tmp_path: Path) -> None:
    """After an undo the batch's rows, history and snapshots no longer hold space: the blocks they took are
    free again (DuckDB reuses them: a second import of the same size holds about the same blocks)."""
    from clientbase.store import connect
    from tests.registry.conftest import MANAGERS

    with connect(f"duckdb:///{tmp_path / 'big.duckdb'}") as store:

        def used() -> int:
            store.reclaim()
            assert store.duck is not None
            return int(store.duck.execute("PRAGMA database_size").fetchall()[0][4])  # used blocks

        with store.begin() as conn:
            conn.execute(sa.insert(schema.managers), MANAGERS)
        empty = used()
        path = tmp_path / "many.csv"
        rows = "".join(f"Firma {n} GmbH;DE;30;Straße {n};+49 30 {1000000 + n}\n" for n in range(3000))
        path.write_text("Firma;Land;Zahlungsziel;Adresse;Telefon\n" + rows, encoding="utf-8")
        first = batch.apply(store, plan_import(store, path=path, actor=ANNA))
        full = used()
        assert first.batch_id is not None
        batch.undo(store, batch_id=first.batch_id, actor=ANNA)
        assert used() - empty < (full - empty) / 4, (empty, full)
        # the same import again takes about the same space, not twice of it
        again = batch.apply(store, plan_import(store, path=path, actor=ANNA))
        assert again.batch_id is not None and used() <= full * 1.2


def test_name_filter_takes_percent_and_underscore_as_letters(store: Store) -> None:
    base = {"roles": "customer", "status": "active", "country": "DE", "payment_days": 30}
    for name in ("Alpha GmbH", "100% Bio GmbH", "Under_Score AG"):
        service.create_counterparty(db=store, actor=HEAD, values={**base, "name": name, "owner_id": "M01"})

    def names(text: str) -> list[str]:
        found = export.select_counterparties(store, actor=HEAD, filters=export.ListFilter(name=text))
        return [r["name"] for r in found]

    assert names("%") == ["100% Bio GmbH"]
    assert names("_") == ["Under_Score AG"]
    assert names("gmbh") == ["Alpha GmbH", "100% Bio GmbH"]
    assert IVAN.manager_id == "M02"


def test_compare_from_after_compare_to_names_the_compare_options(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path}/x.duckdb"
    assert run("init", "--db", url)[0] == 0
    code, _, err = run(
        "analyze", "--db", url, "--from", "2024-01-01", "--to", "2024-12-31",
        "--compare-from", "2023-12-31", "--compare-to", "2023-01-01",
    )  # fmt: skip
    assert code == 1 and "--compare-from before --compare-to" in err and "--from before --to" not in err
