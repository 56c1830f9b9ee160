"""The registry commands: mapping confirmation without a terminal, --json dry run, apply, undo, export, records."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from clientbase.cli.main import app
from clientbase.imports import mapping
from clientbase.store import Store
from tests.registry.conftest import dump, write_anna

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    # Rich wraps long messages at the terminal width: compare with single spaces
    return result.exit_code, result.stdout, " ".join(result.stderr.split())


def test_without_terminal_it_stops_and_prints_the_suggested_mapping(
    store: Store, db_url: str, tmp_path: Path
) -> None:
    path = write_anna(tmp_path)
    code, out, err = run("import", str(path), "--as", "M01", "--db", db_url)
    assert code == 2
    assert '"Firma" = "name"' in out and '"Zahlungsziel (Tage)" = "payment_days"' in out
    assert "--save-mapping" in err and "--yes" in err
    saved = tmp_path / "anna.toml"
    code, _out, err = run("import", str(path), "--as", "M01", "--db", db_url, "--save-mapping", str(saved))
    assert code == 2 and f"saved to {saved}" in err
    assert mapping.load(saved).columns["USt-IdNr."] == "tax_id"


def test_json_dry_run_then_apply_with_a_mapping_then_undo(store: Store, db_url: str, tmp_path: Path) -> None:
    path = write_anna(tmp_path)
    empty = dump(store)
    code, out, _ = run(
        "import",
        str(path),
        "--as",
        "M01",
        "--db",
        db_url,
        "--yes",
        "--json",
        "--save-mapping",
        str(tmp_path / "map.toml"),
    )
    assert code == 0, out
    summary = json.loads(out)
    assert {k: summary[k] for k in ("new", "updated", "unchanged", "rejected", "errors")} == {
        "new": 3,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "errors": [],
    }
    assert summary["dry_run"] is True and dump(store) == empty
    code, out, _ = run(
        "import",
        str(path),
        "--as",
        "M01",
        "--db",
        db_url,
        "--mapping",
        str(tmp_path / "map.toml"),
        "--apply",
        "--json",
    )
    assert code == 0, out
    batch_id = json.loads(out)["batch_id"]
    assert batch_id.startswith("B")
    code, out, _ = run("import-batches", "--db", db_url, "--json")
    assert [b["batch_id"] for b in json.loads(out)] == [batch_id]
    code, out, _ = run("undo-import", batch_id, "--as", "M01", "--db", db_url)
    assert code == 0 and "removed 5 record(s)" in out  # 3 counterparties and 2 contacts
    assert dump(store) == empty


def test_apply_with_rejected_rows_needs_skip_rejected(store: Store, db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text("Firma;Land;Zahlungsziel\nGut GmbH;DE;30\nSchlecht GmbH;DE;-5\n", encoding="utf-8")
    report = tmp_path / "errors.csv"
    args = ["import", str(path), "--as", "M01", "--db", db_url, "--yes", "--apply", "--errors", str(report)]
    code, _out, err = run(*args)
    assert code == 3 and "nothing was written" in err
    assert "Schlecht" not in report.read_text(encoding="utf-8-sig")
    # the row a spreadsheet shows: header 1, Gut GmbH 2, Schlecht GmbH 3
    assert "mixed.csv,3,Zahlungsziel,'-5,minimum: must be 0 or more" in report.read_text(encoding="utf-8-sig")
    assert ",2,Zahlungsziel," not in report.read_text(encoding="utf-8-sig")
    assert dump(store)["counterparties"] == []
    code, out, _ = run(*args, "--skip-rejected")
    assert code == 0 and "Applied as batch" in out
    assert [r[1] for r in dump(store)["counterparties"]] == ["Gut GmbH"]


def test_record_commands_and_export(store: Store, db_url: str, tmp_path: Path) -> None:
    path = write_anna(tmp_path)
    assert run("import", str(path), "--as", "M01", "--db", db_url, "--yes", "--apply")[0] == 0
    code, out, _ = run("show-record", "C00001", "--as", "M01", "--db", db_url, "--json")
    shown = json.loads(out)
    assert shown["record"]["name"] == "Müller Werkzeuge GmbH"
    assert {h["field_name"] for h in shown["history"]} >= {"name", "tax_id", "phone"}
    assert run("show-record", "C00001", "--as", "M02", "--db", db_url)[0] == 4  # not Ivan's: not found
    code, out, _ = run("verify-record", "C00001", "phone", "--as", "M01", "--db", db_url)
    assert code == 0 and out.startswith("phone: verified")
    assert run("verify-record", "C00001", "phone", "--as", "M09", "--db", db_url)[0] == 6  # analyst
    assert run("transfer-owner", "C00001", "M02", "--as", "M01", "--db", db_url)[0] == 6
    assert run("transfer-owner", "C00001", "M02", "--as", "M00", "--db", db_url)[0] == 0
    code, out, _ = run("export-list", str(tmp_path / "ivan.csv"), "--as", "M02", "--db", db_url)
    assert code == 0 and "Wrote 1 counterparties" in out
    assert "Müller Werkzeuge GmbH" in (tmp_path / "ivan.csv").read_text(encoding="utf-8-sig")
    code, _out, err = run("import", str(path), "--db", db_url, "--yes")
    assert code == 2 and "--as" in err
