"""``clientbase acquisition`` and ``clientbase targets`` on the hand-made company: the --json shape the
issue names, the table, the list export, the chart, roles and clean errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clientbase.cli.main import app
from clientbase.store import connect
from tests.targeting import example

runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"duckdb:///{tmp_path_factory.mktemp('cli')}/x.duckdb"
    with connect(url) as store:
        example.load(store)
    return url


def _run(*args: str) -> object:
    return runner.invoke(app, list(args))


def test_acquisition_json_and_table(db: str) -> None:
    result = _run("acquisition", "--db", db, "--as-of", "2025-03-31", "--since", "2024-01-01", "--json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    doc = json.loads(result.stdout)  # type: ignore[attr-defined]
    fair = next(r for r in doc["by_channel_mode"] if r["channel"] == "trade_fair")
    assert (fair["conversion_rate"], fair["cost_per_acquired"], fair["payback_month"]) == (0.5, 200.0, 7)
    shown = _run("acquisition", "--db", db, "--as-of", "2025-03-31", "--since", "2024-01-01", "--cohorts")
    assert shown.exit_code == 0, shown.output  # type: ignore[attr-defined]
    assert "trade_fair" in shown.output and "all channels" in shown.output  # type: ignore[attr-defined]
    assert "matched no prospect" in shown.output  # type: ignore[attr-defined]


def test_acquisition_chart_is_written(db: str, tmp_path: Path) -> None:
    chart = tmp_path / "acquisition.html"
    result = _run("acquisition", "--db", db, "--chart", str(chart))
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    page = chart.read_text(encoding="utf-8")
    assert "vega" in page and "trade_fair" in page and "cdn.jsdelivr" not in page
    bad = _run("acquisition", "--db", db, "--chart", str(tmp_path / "a.pdf"))
    assert bad.exit_code == 1 and ".html, .svg or .png" in bad.output  # type: ignore[attr-defined]


def test_targets_json_has_the_shape_of_the_issue(db: str) -> None:
    result = _run("targets", "--as", "M1", "--db", db, "--as-of", "2025-03-31", "--json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    doc = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert {"auc", "brier", "top_decile_lift", "cutoff"} <= set(doc["validation"])
    assert isinstance(doc["profile"], list)
    (prospect,) = doc["prospects"]
    assert {"counterparty_id", "p_convert", "expected_contribution", "expected_value", "factors"} <= set(
        prospect
    )
    assert (prospect["counterparty_id"], prospect["expected_value"]) == ("D", 30.0)


def test_targets_table_and_campaign_list(db: str, tmp_path: Path) -> None:
    out = tmp_path / "m1.csv"
    result = _run(
        "targets", "--as", "M1", "--owner", "M1", "--db", db, "--as-of", "2025-03-31", "--out", str(out)
    )
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "cohort rates" in result.output and "Too little history" in result.output  # type: ignore[attr-defined]
    assert "1 prospects written" in result.output  # type: ignore[attr-defined]
    assert out.read_text(encoding="utf-8").splitlines()[1].split(",")[1] == "D"


def test_acquisition_errors_are_clean(db: str) -> None:
    late = _run("acquisition", "--db", db, "--since", "2026-01-01", "--as-of", "2025-03-31")
    assert late.exit_code == 1 and "is after the as-of date" in late.output  # type: ignore[attr-defined]
    unknown = _run("acquisition", "--as", "M9", "--db", db)
    assert unknown.exit_code == 4 and "No manager" in unknown.output  # type: ignore[attr-defined]
    assert _run("acquisition", "--as", "M2", "--db", db, "--json").exit_code == 0  # type: ignore[attr-defined]


def test_targets_roles_and_errors(db: str) -> None:
    other = _run("targets", "--as", "M2", "--owner", "M1", "--db", db)
    assert other.exit_code == 6 and "sees only their own prospects" in other.output  # type: ignore[attr-defined]
    nobody = _run("targets", "--as", "M9", "--db", db)
    assert nobody.exit_code == 4 and "No manager" in nobody.output  # type: ignore[attr-defined]
    anonymous = runner.invoke(app, ["targets", "--db", db], env={"CLIENTBASE_USER": ""})
    assert anonymous.exit_code == 2 and "--as" in anonymous.output


def test_the_commands_load_no_model_library_at_start_up() -> None:
    code = "import sys, clientbase.cli.targeting; print(sorted(m for m in ('sklearn', 'altair') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
