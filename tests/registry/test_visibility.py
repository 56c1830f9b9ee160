"""Issue 11.11: a record a user may not see is "not found" on every path, in the same words as a record that
does not exist, and no answer names its owner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clientbase.cli.main import app
from clientbase.errors import NotFoundError
from clientbase.imports.plan import plan_import
from clientbase.registry import export, service
from clientbase.store import Store
from tests.registry.conftest import ANNA, IVAN

runner = CliRunner()
MISSING = "C99999"


def seed(store: Store) -> str:
    record = service.create_counterparty(
        db=store,
        actor=ANNA,
        values={"name": "Annas Kunde GmbH", "roles": "customer", "status": "active", "country": "DE",
                "payment_days": 30, "tax_id": "DE136695976"},
    )  # fmt: skip
    service.create_contact(
        db=store, actor=ANNA, values={"counterparty_id": record["counterparty_id"], "name": "Eva"}
    )
    service.create_counterparty(
        db=store,
        actor=IVAN,
        values={
            "name": "Ivans Kunde GmbH",
            "roles": "customer",
            "status": "active",
            "country": "DE",
            "payment_days": 30,
        },
    )
    return str(record["counterparty_id"])


def calls(store: Store) -> dict[str, Callable[[str], object]]:
    """Every service path that takes a counterparty id, as Ivan (who does not own it)."""
    return {
        "get": lambda key: service.get_record(store, actor=IVAN, kind="counterparties", record_id=key),
        "history": lambda key: service.record_history(store, actor=IVAN, kind="counterparties", record_id=key),
        "update": lambda key: service.update_counterparty(
            db=store, actor=IVAN, counterparty_id=key, changes={"city": "X"}, expected_version=1
        ),
        "archive": lambda key: service.archive_counterparty(db=store, actor=IVAN, counterparty_id=key, expected_version=1),
        "restore": lambda key: service.restore_counterparty(db=store, actor=IVAN, counterparty_id=key, expected_version=1),
        "verify": lambda key: service.verify(db=store, actor=IVAN, kind="counterparties", record_id=key, fields=["city"]),
        "transfer": lambda key: service.get_record(store, actor=IVAN, kind="counterparties", record_id=key),
        "new contact": lambda key: service.create_contact(
            db=store, actor=IVAN, values={"counterparty_id": key, "name": "Spy"}
        ),
        "move contact": lambda key: service.update_contact(
            db=store, actor=IVAN, contact_id="P0002", changes={"counterparty_id": key}, expected_version=1
        ),
    }  # fmt: skip


def answer(call: Callable[[str], object], key: str) -> str:
    with pytest.raises(NotFoundError) as caught:
        call(key)
    return str(caught.value)


def test_every_service_path_says_not_found_as_for_a_missing_record(store: Store) -> None:
    key = seed(store)
    service.create_contact(db=store, actor=IVAN, values={"counterparty_id": "C00002", "name": "Olga"})
    for name, call in calls(store).items():
        hidden, missing = answer(call, key), answer(call, MISSING)
        assert hidden == missing.replace(MISSING, key), name
        assert "M01" not in hidden and "owned" not in hidden, (name, hidden)


def test_the_cli_and_the_import_say_not_found_too(store: Store, db_url: str, tmp_path: Path) -> None:
    key = seed(store)
    for args in (
        ["show-record", key],
        ["edit", key, "--set", "city=X"],
        ["verify-record", key, "city"],
        ["transfer-owner", key, "M02"],
    ):
        result = runner.invoke(app, [*args, "--as", "M02", "--db", db_url])
        assert result.exit_code == 4 and "M01" not in result.output, (args, result.output)
    path = tmp_path / "ivan.csv"
    path.write_text(
        f"counterparty_id;Firma;Land;Zahlungsziel\n{key};X GmbH;DE;30\n{MISSING};Y GmbH;DE;30\n",
        encoding="utf-8",
    )
    plan = plan_import(store, path=path, actor=IVAN)
    hidden, missing = (row.problems[0].rule for row in plan.rows)
    assert hidden == missing.replace(MISSING, key) == f"No counterparty {key} visible to M02."
    path.write_text("Firma;USt-IdNr.;Land;Zahlungsziel\nMüller;DE 136 695 976;DE;90\n", encoding="utf-8")
    (row,) = plan_import(store, path=path, actor=IVAN).rows
    assert row.action == "rejected" and key not in row.problems[0].rule and "M01" not in row.problems[0].rule
    listed = export.select_counterparties(store, actor=IVAN, filters=export.ListFilter(owner="M01"))
    assert listed == []
