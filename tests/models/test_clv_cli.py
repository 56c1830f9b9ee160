"""`clientbase clv fit` on CSV, Parquet and XLSX transaction files (the CDNOW sample)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clientbase.cli.main import app

CDNOW = Path(__file__).parent.parent / "data" / "cdnow" / "CDNOW_sample.txt"
runner = CliRunner()


def cdnow_rows() -> list[tuple[int, str, float]]:
    rows = []
    for line in CDNOW.read_text().splitlines():
        _master, sample_id, day, _cds, dollars = line.split()
        rows.append((int(sample_id), day, float(dollars)))
    return rows


@pytest.fixture(scope="module")
def cdnow_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("clv") / "cdnow.csv"
    lines = ["customer,date,amount"]
    lines += [f"{c},{d[:4]}-{d[4:6]}-{d[6:]},{a}" for c, d, a in cdnow_rows()]
    path.write_text("\n".join(lines) + "\n")
    return path


def fit(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["clv", "fit", *args, "--json"])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def test_bgnbd_from_csv_reproduces_Fader_Hardie_Lee_2005(cdnow_csv: Path) -> None:
    out = fit(
        str(cdnow_csv), "--customer-col", "customer", "--date-col", "date", "--calibration-end", "1997-09-30"
    )
    assert out["model"] == "bgnbd" and out["n_customers"] == 2357
    assert out["log_likelihood"] == pytest.approx(-9582.43, abs=0.01)
    assert out["params"] == pytest.approx({"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259}, abs=1e-3)


def test_gamma_gamma_from_parquet_with_compact_dates(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = cdnow_rows()
    path = tmp_path / "cdnow.parquet"
    pq.write_table(
        pa.table(
            {"who": [r[0] for r in rows], "day": [int(r[1]) for r in rows], "usd": [r[2] for r in rows]}
        ),
        path,
    )
    out = fit(
        str(path),
        "--customer-col",
        "who",
        "--date-col",
        "day",
        "--date-format",
        "%Y%m%d",
        "--amount-col",
        "usd",
        "--calibration-end",
        "1997-09-30",
        "--model",
        "gammagamma",
    )
    assert out["n_customers"] == 946
    assert out["log_likelihood"] == pytest.approx(-4055.92, abs=0.01)
    assert out["params"] == pytest.approx({"p": 6.25, "q": 3.74, "gamma": 15.44}, abs=1e-2)


def test_pareto_from_xlsx(tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "cdnow.xlsx"
    with xlsxwriter.Workbook(str(path)) as book:
        sheet = book.add_worksheet()
        dates = book.add_format({"num_format": "yyyy-mm-dd"})
        sheet.write_row(0, 0, ["Customer", "Date", "Amount"])
        for i, (c, d, a) in enumerate(cdnow_rows(), start=1):
            sheet.write_number(i, 0, c)
            sheet.write_datetime(i, 1, dt.datetime.strptime(d, "%Y%m%d"), dates)
            sheet.write_number(i, 2, a)
    out = fit(
        str(path),
        "--customer-col",
        "Customer",
        "--date-col",
        "Date",
        "--calibration-end",
        "1997-09-30",
        "--model",
        "pareto",
    )
    assert out["log_likelihood"] == pytest.approx(-9594.97, abs=0.01)


def test_human_output_is_a_table(cdnow_csv: Path) -> None:
    result = runner.invoke(
        app,
        [
            "clv",
            "fit",
            str(cdnow_csv),
            "--customer-col",
            "customer",
            "--date-col",
            "date",
            "--calibration-end",
            "1997-09-30",
            "--model",
            "mbgnbd",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "std error" in result.stdout and "alpha" in result.stdout
    assert "log-likelihood" in result.stdout and "2,357 customers" in result.stdout


def test_missing_column_names_file_and_column(cdnow_csv: Path) -> None:
    result = runner.invoke(
        app,
        [
            "clv",
            "fit",
            str(cdnow_csv),
            "--customer-col",
            "client",
            "--date-col",
            "date",
            "--calibration-end",
            "1997-09-30",
        ],
    )
    assert result.exit_code == 3
    assert "cdnow.csv, column 'client'" in result.output and "customer, date, amount" in result.output
    assert "Traceback" not in result.output


def test_unparseable_date_names_file_row_column_and_value(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("customer,date\n1,2024-01-05\n2,05/01/2024\n")
    result = runner.invoke(
        app,
        [
            "clv",
            "fit",
            str(path),
            "--customer-col",
            "customer",
            "--date-col",
            "date",
            "--calibration-end",
            "2024-06-30",
        ],
    )
    assert result.exit_code == 3
    assert "orders.csv, row 2, column 'date': value '05/01/2024'" in result.output
    assert "--date-format" in result.output


def test_gamma_gamma_needs_amounts_and_unknown_model(cdnow_csv: Path) -> None:
    base = [
        "clv",
        "fit",
        str(cdnow_csv),
        "--customer-col",
        "customer",
        "--date-col",
        "date",
        "--calibration-end",
        "1997-09-30",
    ]
    result = runner.invoke(app, [*base, "--model", "gammagamma"])
    assert result.exit_code == 3 and "needs purchase amounts" in result.output
    result = runner.invoke(app, [*base, "--model", "bgnbdx"])
    assert result.exit_code == 3 and "unknown model" in result.output
