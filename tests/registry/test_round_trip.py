"""An exported list of demo records imported back unchanged changes nothing (the registry's canonical forms).

The demo stores identifiers in the form the registry's rules write (``5560125790``, not ``556012-5790``;
``Charlottenburg HRB 58897``, not stdnum's ``Berlin (Charlottenburg) HRB 58897``, which does not fit the
column), and the import compares canonical forms: a manager's list round-trips as "unchanged" throughout.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from stdnum.de import handelsregisternummer
from typer.testing import CliRunner

from clientbase import schema
from clientbase.cli.main import app
from clientbase.imports import batch
from clientbase.imports.plan import plan_import
from clientbase.registry import rules
from clientbase.store import Store, connect
from tests.registry.conftest import ANNA, dump

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_demo_list_exported_and_imported_back_is_unchanged(db_url: str, tmp_path: Path, suffix: str) -> None:
    run("demo", "--customers", "300", "--years", "2", "--seed", "7", "--db", db_url)
    cp = schema.counterparties
    with connect(db_url) as store, store.begin() as conn:
        owners = Counter(
            row.owner_id
            for row in conn.execute(sa.select(cp.c.owner_id).where(cp.c.status != "archived"))
            if row.owner_id
        )
        manager = owners.most_common(1)[0][0]
        countries = {
            row.country
            for row in conn.execute(
                sa.select(cp.c.country).where(cp.c.owner_id == manager, cp.c.registration_id.is_not(None))
            )
        }
    # the list holds numbers that stdnum writes another way than people do (org.nr, SIREN, Y-tunnus, HRB)
    assert countries & {"SE", "FR", "FI", "DE"}, countries
    path = tmp_path / f"mine{suffix}"
    run("export-list", str(path), "--owner", manager, "--as", manager, "--db", db_url)
    out = run("import", str(path), "--as", manager, "--yes", "--dry-run", "--json", "--db", db_url)
    summary = json.loads(out)
    assert summary["unchanged"] == owners[manager] > 0  # the list leaves archived records out
    assert (summary["new"], summary["updated"], summary["rejected"]) == (0, 0, 0), summary["diffs"][:5]
    assert summary["diffs"] == [] and summary["errors"] == []


def test_a_value_stored_in_another_form_is_unchanged_and_not_rewritten(store: Store, tmp_path: Path) -> None:
    stored = {
        "counterparty_id": "C00001",
        "name": "Nordic Tools AB",
        "roles": "customer",
        "status": "active",
        "created_at": dt.date(2024, 1, 2),
        "owner_id": "M01",
        "country": "SE",
        "payment_days": 30,
        # written as people write them, not as the rules store them (an older load, another tool)
        "registration_id": "556012-5790",
        "tax_id": "SE 5560 1257 9001",
        "phone": "018-12 34 56",
        "email": "Info@Nordic-Tools.SE",
    }
    with store.begin() as conn:
        conn.execute(sa.insert(schema.counterparties).values(**stored))
    path = tmp_path / "list.csv"
    path.write_text(
        "counterparty_id,name,country,registration_id,tax_id,phone,email\n"
        "C00001,Nordic Tools AB,SE,5560125790,SE556012579001,+4618123456,info@nordic-tools.se\n",
        encoding="utf-8",
    )
    plan = plan_import(store, path=path, actor=ANNA)
    assert [(row.action, row.changes) for row in plan.rows] == [("unchanged", {})]
    # applied, nothing changes: the stored forms stay as they were, no history
    before = dump(store)
    batch.apply(store, plan_import(store, path=path, actor=ANNA))
    after = dump(store)
    assert after["counterparties"] == before["counterparties"] and after["field_history"] == []


def test_german_register_numbers_fit_the_column_in_one_form() -> None:
    width = schema.counterparties.c.registration_id.type.length
    for court in sorted(set(handelsregisternummer._courts.values())):
        number = rules.clean_registration_id(f"{court} GnR 123456 ABC", "DE")
        assert len(number) <= width, number
        assert rules.clean_registration_id(number, "DE") == number
    written = [
        "Berlin (Charlottenburg) HRB 58897",
        "HRB 58897 Berlin (Charlottenburg)",
        "Charlottenburg HRB 58897",
    ]
    assert {rules.clean_registration_id(w, "DE") for w in written} == {"Charlottenburg HRB 58897"}
