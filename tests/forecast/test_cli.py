"""The commands: `forecast --json` in the shape of the issue, `forecast file` on CSV, XLSX and Parquet,
the plan commands, and clean errors."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter
from typer.testing import CliRunner

from clientbase.cli.main import app

runner = CliRunner()


def _months(n: int) -> list[str]:
    return [f"{2022 + (m // 12)}-{m % 12 + 1:02d}-01" for m in range(n)]


def _values(n: int, offset: float = 0.0) -> list[float]:
    return [round(100 + offset + 3 * m + 15 * ((m % 12) in (5, 6, 11)), 2) for m in range(n)]


def test_forecast_json_has_the_issue_shape(demo_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "forecast",
            "--db",
            f"duckdb:///{demo_path}",
            "--horizon",
            "2",
            "--level",
            "total,segment",
            "--no-views",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["coherent"] is True
    series = doc["series"][0]
    assert set(series) >= {"key", "model", "history", "forecast", "backtest"}
    assert set(series["history"][0]) == {"period", "value"}
    assert set(series["forecast"][0]) == {"period", "mean", "lo80", "hi80", "lo95", "hi95"}
    assert set(series["backtest"]) >= {"mase", "smape", "wape", "bias", "seasonal_naive_mase"}
    assert {s["key"]["level"] for s in doc["series"]} == {"total", "segment"}


def test_forecast_prints_a_chart_and_the_backtest(demo_path: Path) -> None:
    result = runner.invoke(
        app,
        ["forecast", "--db", f"duckdb:///{demo_path}", "--horizon", "2", "--level", "total", "--no-views"],
    )
    assert result.exit_code == 0, result.output
    assert "Backtest by level" in result.output and any(c in result.output for c in "▁▂▃▄▅▆▇█")
    assert "2026-10 is incomplete" in result.output


def test_forecast_file_csv_xlsx_parquet_give_the_same_forecast(tmp_path: Path) -> None:
    months, a, b = _months(30), _values(30), _values(30, 40.0)
    rows = [("a", m, v) for m, v in zip(months, a, strict=True)] + [
        ("b", m, v) for m, v in zip(months, b, strict=True)
    ]
    csv = tmp_path / "s.csv"
    csv.write_text("shop,month,sales\n" + "".join(f"{s},{m},{v}\n" for s, m, v in rows))
    xlsx = tmp_path / "s.xlsx"
    book = xlsxwriter.Workbook(str(xlsx))
    sheet = book.add_worksheet("sales")
    for r, row in enumerate([("shop", "month", "sales"), *rows]):
        sheet.write_row(r, 0, row)
    book.close()
    parquet = tmp_path / "s.parquet"
    pq.write_table(
        pa.table(
            {"shop": [r[0] for r in rows], "month": [r[1] for r in rows], "sales": [r[2] for r in rows]}
        ),
        parquet,
    )
    docs = []
    for path in (csv, xlsx, parquet):
        result = runner.invoke(
            app,
            [
                "forecast",
                "file",
                str(path),
                "--time-col",
                "month",
                "--target-col",
                "sales",
                "--id-col",
                "shop",
                "--horizon",
                "3",
                "--json",
            ],
        )
        assert result.exit_code == 0, result.output
        docs.append(json.loads(result.stdout))
    assert docs[0]["series"] == docs[1]["series"] == docs[2]["series"]
    total, first, second = docs[0]["series"]
    assert total["key"] == {"level": "total"} and first["key"] == {"level": "series", "id": "a"}
    assert [p["period"] for p in total["forecast"]] == ["2024-07", "2024-08", "2024-09"]
    for h in range(3):  # the ids add up to the total, to the cent
        assert (
            round(
                total["forecast"][h]["mean"] - first["forecast"][h]["mean"] - second["forecast"][h]["mean"], 6
            )
            == 0
        )
    assert docs[0]["coherent"] is True


def test_a_bad_value_in_a_file_names_its_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("month,sales\n2024-01-01,10\n2024-02-01,ten\n")
    result = runner.invoke(
        app, ["forecast", "file", str(path), "--time-col", "month", "--target-col", "sales"]
    )
    assert result.exit_code == 3
    assert "row 3" in result.output and "'sales'" in result.output and "'ten'" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["forecast", "file", str(path), "--time-col", "day", "--target-col", "sales"])
    assert result.exit_code == 3 and "time column not found" in result.output


def test_plan_set_import_and_roles(demo_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "plan.duckdb"
    copy.write_bytes(demo_path.read_bytes())
    db = f"duckdb:///{copy}"
    ok = runner.invoke(
        app, ["plan", "set", "--as", "M01", "--month", "2026-11", "--target", "1000", "--db", db, "--json"]
    )
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["target"] == 1000.0
    refused = runner.invoke(
        app, ["plan", "set", "--as", "M03", "--month", "2026-11", "--target", "1", "--db", db]
    )
    assert refused.exit_code == 6 and "only the head" in refused.output
    plan = tmp_path / "plan.csv"
    plan.write_text("owner_id,segment,month,target\nM03,*,2026-12,500\n")
    imported = runner.invoke(app, ["plan", "import", str(plan), "--as", "M01", "--db", db])
    assert imported.exit_code == 0 and "1 plan line(s)" in imported.output


@pytest.mark.parametrize("option", [["--measure", "profit"], ["--level", "city"], ["--freq", "day"]])
def test_unknown_options_are_clean_errors(demo_path: Path, option: list[str]) -> None:
    result = runner.invoke(app, ["forecast", "--db", f"duckdb:///{demo_path}", *option])
    assert result.exit_code == 1 and "Unknown" in result.output and "Traceback" not in result.output
