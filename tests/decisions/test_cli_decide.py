"""The decide commands on a small demo database: JSON shapes, roles, clear errors, the whole follow-through."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clientbase.cli.main import app
from clientbase.demo.build import load_demo
from clientbase.demo.generate import generate
from clientbase.store import connect
from tests.decisions.stub import ACTION_KEYS

runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"duckdb:///{tmp_path_factory.mktemp('decide')}/demo.duckdb"
    with connect(url) as store:
        load_demo(store, generate(customers=300, years=2, seed=11))
    return url


def call(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_actions_json_has_the_documented_shape(db: str) -> None:
    code, out = call("actions", "--db", db, "--json")
    assert code == 0, out
    document = json.loads(out)
    assert set(document["period"]) == {"from", "to", "as_of"}
    action = document["actions"][0]
    assert set(action) >= set(ACTION_KEYS)
    assert isinstance(action["reasons"], list) and isinstance(action["expected_effect"], float)


def test_actions_by_owner_and_code_and_their_errors(db: str) -> None:
    code, out = call("actions", "--db", db, "--as", "M03", "--json")
    assert code == 0
    mine = json.loads(out)["actions"]
    code, out = call("actions", "--db", db, "--as", "M01", "--owner", "M03", "--json")
    assert {a["counterparty_id"] for a in json.loads(out)["actions"]} <= {a["counterparty_id"] for a in mine}
    assert call("actions", "--db", db, "--as", "M03", "--owner", "M05")[0] == 6
    code, out = call("actions", "--db", db, "--code", "discount")
    assert code == 1 and "Unknown action code 'discount'" in out
    assert call("actions", "--db", db, "--as", "M99")[0] == 4


def test_rules_are_printed_and_a_bad_rules_file_is_refused(db: str, tmp_path: Path) -> None:
    code, out = call("actions", "--print-rules")
    assert code == 0 and tomllib.loads(out)["reprice"]["tolerance_pp"] == 2.0
    bad = tmp_path / "rules.toml"
    bad.write_text("[reprice]\ntolerence_pp = 1\n")
    code, out = call("actions", "--db", db, "--rules", str(bad))
    assert code == 3 and "reprice.tolerence_pp" in out


def test_matrix(db: str) -> None:
    code, out = call("matrix", "--db", db, "--json")
    assert code == 0
    m = json.loads(out)
    assert set(m["quadrants"]) == {"carriage_trade", "passive", "bargain_basement", "aggressive"}
    assert sum(q["customers"] for q in m["quadrants"].values()) == len(m["customers"])
    code, out = call("matrix", "--db", db)
    assert code == 0 and "carriage trade" in out


def test_the_example_scenario_runs(db: str) -> None:
    example = Path(__file__).parents[2] / "docs" / "examples" / "what-if.toml"
    code, out = call("scenario", "run", str(example), "--db", db, "--json")
    assert code == 0, out
    result = json.loads(out)
    assert result["totals"]["customers"] > 0 and result["scope"]["quadrant"] == "aggressive"
    assert result["changes"] == [
        "2 points less discount off list",
        "payment terms of 30 days",
        "a delivery fee of 5 per order",
    ]


def test_scenarios_run_save_list_compare(db: str, tmp_path: Path) -> None:
    first, second = tmp_path / "cut.toml", tmp_path / "terms.toml"
    first.write_text('name = "2 points less"\n[changes]\ndiscount_points = -2\n')
    second.write_text('name = "30 days"\n[changes]\npayment_days = 30\n')
    code, out = call("scenario", "run", str(first), "--db", db, "--json")
    assert code == 0
    result = json.loads(out)
    assert set(result["totals"]["change"]) == {"low", "base", "high"}
    assert call("scenario", "run", str(first), "--db", db, "--save")[0] == 2  # saving needs --as
    ids = []
    for path in (first, second):
        code, out = call("scenario", "run", str(path), "--db", db, "--save", "--as", "M01", "--json")
        ids.append(json.loads(out)["scenario_id"])
    code, out = call("scenario", "list", "--db", db, "--as", "M01", "--json")
    assert {s["scenario_id"] for s in json.loads(out)["scenarios"]} >= set(ids)
    code, out = call("scenario", "compare", *ids, "--db", db, "--as", "M01", "--json")
    assert [r["name"] for r in json.loads(out)["scenarios"]] == ["2 points less", "30 days"]
    assert call("scenario", "show", ids[0], "--db", db, "--as", "M03")[0] == 4  # M01's, not M03's
    broken = tmp_path / "broken.toml"
    broken.write_text('name = "x"\n[changes]\ndiscount_pts = 1\n')
    code, out = call("scenario", "run", str(broken), "--db", db)
    assert code == 3 and "changes.discount_pts" in out
    assert call("scenario", "run", str(tmp_path / "missing.toml"), "--db", db)[0] == 3


def test_the_follow_through(db: str) -> None:
    code, out = call("tasks", "publish", "--db", db, "--as", "M01", "--json")
    assert code == 0
    created = json.loads(out)["created"]
    assert created
    assert json.loads(call("tasks", "publish", "--db", db, "--as", "M01", "--json")[1])["created"] == []
    assert call("tasks", "publish", "--db", db, "--as", "M02")[0] == 6  # the analyst
    task = next(t for t in created if t["owner_id"] not in (None, "M01"))
    owner = task["owner_id"]
    code, out = call("tasks", "list", "--db", db, "--as", owner, "--json")
    assert {t["owner_id"] for t in json.loads(out)["tasks"]} == {owner}
    assert call("tasks", "accept", task["task_id"], "--db", db, "--as", owner)[0] == 0
    assert call("tasks", "reject", task["task_id"], "--db", db, "--as", owner)[0] == 2  # --reason missing
    code, out = call("tasks", "done", task["task_id"], "--on", "2026-01-15", "--db", db, "--as", owner)
    assert code == 0 and "is now done" in out
    code, out = call("tasks", "reopen", task["task_id"], "--db", db, "--as", owner)
    assert code == 3 and "done is final" in out
    code, out = call("tasks", "history", task["task_id"], "--db", db, "--as", "M01", "--json")
    assert [e["status"] for e in json.loads(out)["events"]] == ["open", "accepted", "done"]
    code, out = call("tasks", "by-manager", "--db", db, "--as", "M01", "--json")
    assert any(r["owner_id"] == owner and r["done"] == 1 for r in json.loads(out)["managers"])
    code, out = call("tasks", "effect", "--db", db, "--as", "M01", "--json")
    assert code == 0 and set(json.loads(out)) == {"levers", "tasks", "waiting"}


@pytest.mark.parametrize("name", ["decide", "scenario", "tasks"])
def test_the_command_modules_import_the_library_only_when_a_command_runs(name: str) -> None:
    import ast
    import importlib

    module = importlib.import_module(f"clientbase.cli.{name}")
    allowed = {
        "__future__",
        "datetime",
        "decimal",
        "pathlib",
        "typing",
        "typer",
        "rich",
        "clientbase.cli.common",
        "clientbase.cli.main",
        "clientbase.cli.decide",
        "clientbase.cli.help",
        "clientbase.errors",
    }
    tree = ast.parse(Path(str(module.__file__)).read_text(encoding="utf-8"))
    imported = set()
    for (
        node
    ) in tree.body:  # module level only: imports inside functions and TYPE_CHECKING do not run at start-up
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module if node.module.startswith("clientbase") else node.module.split(".")[0])
    assert imported <= allowed, imported - allowed
