"""``clientbase analyze --json`` prints one document with the agreed keys; ``report`` writes both files."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from clientbase.cli.main import app
from clientbase.store import connect
from tests.analytics import example

PERIOD_ARGS = ["--from", "2024-01-01", "--to", "2024-12-31", "--as-of", "2025-01-31"]
COMPARE_ARGS = ["--compare-from", "2023-01-01", "--compare-to", "2023-12-31"]


def _db(tmp_path: Path) -> str:
    url = f"duckdb:///{tmp_path}/cli.duckdb"
    with connect(url) as store:
        example.load(store)
    return url


def test_analyze_json_document(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["analyze", "--db", _db(tmp_path), *PERIOD_ARGS, *COMPARE_ARGS, "--json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["period"] == {"from": "2024-01-01", "to": "2024-12-31", "as_of": "2025-01-31"}
    assert set(doc["totals"]) >= {
        "net_revenue",
        "discount",
        "cogs",
        "gross_margin",
        "cost_to_serve",
        "credit_cost",
        "net_contribution",
    }
    assert doc["totals"]["net_contribution"] == -29.13
    assert [c["counterparty_id"] for c in doc["customers"]] == ["B", "A"]
    assert doc["customers"][1]["credit_cost"] == 2.91
    assert [(c["counterparty_id"], c["standing"]) for c in doc["without_sales"]] == [("C", "prospect")]
    assert doc["totals"]["customers"] == 2 and doc["totals"]["counterparties"] == 3
    assert doc["acquisition"] == [
        {
            "channel": None,
            "mode": "targeted",
            "prospects": 1,
            "activities": 1,
            "cost_to_serve": 15.0,
            "credit_cost": 0.0,
            "cost": 15.0,
        }
    ]
    assert doc["whale"]["tail_loss"] == 17.91 and doc["whale"]["customers_share_at_peak"] == 0.5
    assert doc["whale"]["peak_share_of_profit"] is None
    bridge = doc["bridge"]
    assert bridge["from_period"] == {"from": "2023-01-01", "to": "2023-12-31"}
    assert bridge["total_change"] == -285.43
    assert set(bridge["components"]) == {
        "new_customers",
        "lost_customers",
        "volume",
        "price_discount",
        "mix_cogs",
        "cost_to_serve",
        "credit_cost",
    }
    assert doc["headline"].startswith("Sales +2.6 %, net contribution −111.4 % (−285.43)")
    assert doc["data"] == {"from": "2022-12-31", "to": "2025-01-05"} and doc["notes"] == []


def test_analyze_tables_and_bad_option(tmp_path: Path) -> None:
    db = _db(tmp_path)
    result = CliRunner().invoke(app, ["analyze", "--db", db, *PERIOD_ARGS])
    assert result.exit_code == 0, result.output
    assert "net contribution" in result.stdout and "Alpha" in result.stdout
    bad = CliRunner().invoke(app, ["analyze", "--db", db, "--from", "2024-05-01", "--to", "2024-01-01"])
    assert bad.exit_code == 1
    assert "ends before it starts" in bad.stderr


def test_report_writes_html_and_xlsx(tmp_path: Path) -> None:
    out, xlsx = tmp_path / "r.html", tmp_path / "r.xlsx"
    args = ["report", "--db", _db(tmp_path), "--out", str(out), "--xlsx", str(xlsx), *PERIOD_ARGS]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 500_000 and xlsx.stat().st_size > 5_000
