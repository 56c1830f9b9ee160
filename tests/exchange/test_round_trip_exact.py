"""Issue 10.5 and 11.6: export-folder / import-folder reproduce a worked base exactly (history, freshness,
batches, decisions, merges and quality scores travel with it), and a bulk load respects the registry: it
never lowers a version, reports an older row as a conflict, and writes history for what it changes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from clientbase import schema
from clientbase.cli.main import app
from clientbase.errors import StaleRowsError
from clientbase.exchange import export_folder, import_folder
from clientbase.registry import service
from clientbase.registry.access import Actor
from clientbase.store import Store, connect

runner = CliRunner()
HEAD = Actor("M01", "head")


def cli(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (args, result.output)
    return result.stdout


def fingerprint(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table the exchange carries, sorted."""
    result = {}
    with store.begin() as conn:
        for table in (*schema.EXCHANGE_TABLES, *schema.EXCHANGE_HISTORY_TABLES):
            rows = conn.execute(sa.select(table)).all()
            result[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return result


@pytest.fixture(scope="module")
def worked_base(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A small demo base after a day of work: edits, a verification, an import batch (one undone), a
    decision on a pair, a merge and a quality snapshot."""
    folder = tmp_path_factory.mktemp("worked")
    url = f"duckdb:///{folder}/base.duckdb"
    cli("demo", "--customers", "120", "--years", "2", "--seed", "5", "--db", url)
    with connect(url) as store:
        live = (
            store.table("counterparties")
            .filter(lambda t: (t.status == "active") & t.roles.contains("customer"))
            .order_by("counterparty_id")
            .limit(3)
            .to_pyarrow()
            .to_pylist()
        )
        a, b, c = live
        service.update_counterparty(
            db=store,
            actor=HEAD,
            counterparty_id=a["counterparty_id"],
            changes={"payment_days": 75},
            expected_version=1,
        )
        service.verify(
            db=store, actor=HEAD, kind="counterparties", record_id=b["counterparty_id"], fields=["phone"]
        )
        from clientbase.dedupe.merge import merge_counterparties
        from clientbase.dedupe.review import decide

        decide(store, a=a["counterparty_id"], b=b["counterparty_id"], decision="rejected", actor_id="M01")
        merge_counterparties(
            store, survivor_id=b["counterparty_id"], merged_id=c["counterparty_id"], actor_id="M01"
        )
    sheet = folder / "new.csv"
    sheet.write_text("Firma;Land;Zahlungsziel\nNeu Eins GmbH;DE;30\nNeu Zwei GmbH;DE;45\n", encoding="utf-8")
    batch = json.loads(cli("import", str(sheet), "--as", "M03", "--yes", "--apply", "--json", "--db", url))[
        "batch_id"
    ]
    sheet.write_text("Firma;Land;Zahlungsziel\nNeu Drei GmbH;SE;30\n", encoding="utf-8")
    cli("import", str(sheet), "--as", "M03", "--yes", "--apply", "--db", url)
    cli("undo-import", batch, "--as", "M03", "--db", url)
    cli("quality", "--snapshot", "--db", url)
    return url


def test_export_then_import_reproduces_the_worked_base_and_its_quality(
    worked_base: str, db_url: str, tmp_path: Path
) -> None:
    cli("export-folder", str(tmp_path / "x"), "--db", worked_base)
    for name in (
        "field_history.csv",
        "field_verification.csv",
        "import_batches.csv",
        "counterparty_merges.csv",
    ):
        assert len((tmp_path / "x" / name).read_text().splitlines()) > 1, name  # the history travels
    cli("import-folder", str(tmp_path / "x"), "--db", db_url)
    with connect(worked_base) as first, connect(db_url) as second:
        assert fingerprint(second) == fingerprint(first)
    before = json.loads(cli("quality", "--json", "--db", worked_base))
    after = json.loads(cli("quality", "--json", "--db", db_url))
    assert after["overall_score"] == before["overall_score"] and after == before
    # loading it again changes nothing
    again = json.loads(cli("import-folder", str(tmp_path / "x"), "--db", db_url, "--json"))
    assert all(c["inserted"] == c["updated"] == 0 for c in again["tables"].values())


def test_an_older_export_does_not_undo_a_later_edit(worked_base: str, db_url: str, tmp_path: Path) -> None:
    cli("export-folder", str(tmp_path / "old"), "--db", worked_base)
    cli("import-folder", str(tmp_path / "old"), "--db", db_url)
    with connect(db_url) as store:
        key = store.table("counterparties").filter(lambda t: t.status == "active").order_by("counterparty_id")
        record = key.limit(1).to_pyarrow().to_pylist()[0]
        record_id, version = record["counterparty_id"], record["version"]
        service.update_counterparty(
            db=store,
            actor=HEAD,
            counterparty_id=record_id,
            changes={"payment_days": 90},
            expected_version=version,
        )
        later = fingerprint(store)
        # the older folder puts nothing back: its row is a conflict, reported per record
        with pytest.raises(StaleRowsError) as caught:
            import_folder(store, tmp_path / "old")
        (problem,) = caught.value.problems
        assert (problem.file, problem.column, problem.value) == (
            "counterparties.csv",
            "version",
            str(version),
        )
        assert f"{record_id} was changed after this file was written" in problem.rule
        assert f"stored version {version + 1}" in problem.rule
        assert fingerprint(store) == later
        # so optimistic locking still holds: an update from the old version is stale
        with pytest.raises(service.StaleRecordError):
            service.update_counterparty(
                db=store,
                actor=HEAD,
                counterparty_id=record_id,
                changes={"city": "X"},
                expected_version=version,
            )
        # --overwrite-newer replaces it, as a change: a new version and history, never a lower version
        report = import_folder(store, tmp_path / "old", overwrite_newer=True)
        assert report.tables["counterparties"].updated == 1
        row = service.get_record(store, actor=HEAD, kind="counterparties", record_id=record_id)
        assert (row["payment_days"], row["version"]) == (record["payment_days"], version + 2)
        past = service.record_history(store, actor=HEAD, kind="counterparties", record_id=record_id)
        assert (
            past[-1]["field_name"],
            past[-1]["new_value"],
            past[-1]["source"],
            past[-1]["record_version"],
        ) == (
            "payment_days",
            str(record["payment_days"]),
            "exchange",
            version + 2,
        )


def test_a_changed_record_in_a_file_is_a_versioned_change_with_history(tmp_path: Path) -> None:
    from tests.exchange.test_folder import write_folder

    with connect(f"duckdb:///{tmp_path}/db.duckdb") as store:
        folder = write_folder(tmp_path / "in")
        import_folder(store, folder)
        text = (
            (folder / "counterparties.csv")
            .read_text()
            .replace("C1,Nordic Tools AB", "C1,Nordic Tools Group AB")
        )
        (folder / "counterparties.csv").write_text(text)
        report = import_folder(store, folder)
        assert vars(report.tables["counterparties"]) == {
            "inserted": 0,
            "updated": 1,
            "unchanged": 2,
            "rejected": 0,
        }
        row = service.get_record(store, actor=Actor("M1", "head"), kind="counterparties", record_id="C1")
        assert (row["name"], row["version"]) == ("Nordic Tools Group AB", 2)
        (change,) = service.record_history(
            store, actor=Actor("M1", "head"), kind="counterparties", record_id="C1"
        )
        assert (change["old_value"], change["new_value"], change["source"]) == (
            "Nordic Tools AB",
            "Nordic Tools Group AB",
            "exchange",
        )
        with store.begin() as conn:
            fresh = conn.execute(
                sa.select(schema.field_verification.c.source).where(
                    schema.field_verification.c.record_id == "C1"
                )
            ).scalars()
            assert list(fresh) == ["exchange"]


def test_the_exchange_files_are_byte_faithful(tmp_path: Path) -> None:
    """A name that a spreadsheet would run as a formula is written as stored: the exchange is for programs."""
    from tests.exchange.test_folder import FILES, write_folder

    formula = '"=HYPERLINK(""http://x"",""x"")"'
    text = FILES["counterparties.csv"].replace("C1,Nordic Tools AB", f"C1,{formula}")
    with connect("duckdb:///:memory:") as store:
        import_folder(store, write_folder(tmp_path / "in", **{"counterparties.csv": text}))
        export_folder(store, tmp_path / "out")
    assert f"C1,{formula}," in (tmp_path / "out" / "counterparties.csv").read_text()
    shutil.rmtree(tmp_path / "in")


def test_duplicate_review_shows_each_pair_side_by_side(worked_base: str) -> None:
    """Issue 10.5: names, the fields that agree and differ, and the reasons, for every pair in the queue."""
    result = runner.invoke(app, ["duplicate-review", "--db", worked_base, "--limit", "3", "--json"])
    assert result.exit_code == 0, result.output
    pairs = json.loads(result.stdout)["pairs"]
    assert pairs, "the demo plants duplicates"
    for pair in pairs:
        fields = {f["field"]: f for f in pair["side_by_side"]}
        assert fields["name"]["left"] and fields["name"]["right"]
        assert {f["verdict"] for f in pair["side_by_side"]} <= {"agree", "differ", "missing"}
        assert any(f["verdict"] == "agree" for f in pair["side_by_side"]) and pair["explanation"]
    table = runner.invoke(app, ["duplicate-review", "--db", worked_base, "--limit", "1"])
    first = pairs[0]
    assert first["id_l"] in table.stdout and first["id_r"] in table.stdout and "why:" in table.stdout
