"""`clientbase dedupe FILE` on a CSV and a workbook; clear errors for a missing file or column."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.csv as pacsv
import pytest
from typer.testing import CliRunner

from clientbase.cli.main import app
from clientbase.dedupe.synthetic import planted_companies

runner = CliRunner()


@pytest.fixture(scope="module")
def planted_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    records, _truth = planted_companies(600, seed=3)
    path = tmp_path_factory.mktemp("dedupe") / "list.csv"
    pacsv.write_csv(records, path)
    return path


def test_dedupe_writes_pairs_and_clusters(planted_csv: Path, tmp_path: Path) -> None:
    pairs, clusters = tmp_path / "pairs.csv", tmp_path / "clusters.csv"
    result = runner.invoke(
        app,
        ["dedupe", str(planted_csv), "--id-col", "id", "--out", str(pairs), "--clusters", str(clusters)],
    )
    assert result.exit_code == 0, result.output
    with pairs.open() as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["id_l", "id_r", "match_probability", "explanation"]
    assert len(rows) >= 50
    assert all(float(r["match_probability"]) >= 0.9 for r in rows)
    with clusters.open() as f:
        assert next(csv.reader(f)) == ["id", "cluster_id", "cluster_size"]


def test_roles_can_be_given_and_rows_numbered(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        "Who,Mail,Town\n"
        + "".join(f"Person {i},p{i}@firm{i}.com,Town{i % 7}\n" for i in range(30))
        + "Person 3,p3@firm3.com,Town3\n",
        encoding="utf-8",
    )
    out = tmp_path / "pairs.csv"
    result = runner.invoke(
        app, ["dedupe", str(path), "--columns", "name=Who,email=Mail,city=Town", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    with out.open() as f:
        rows = list(csv.DictReader(f))
    # sheet rows 5 and 32 (the header is row 1) are the same person; ids are row numbers
    assert [(r["id_l"], r["id_r"]) for r in rows] == [("32", "5")]


def test_missing_file_and_missing_column_fail_cleanly(planted_csv: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["dedupe", str(tmp_path / "nope.csv")])
    assert result.exit_code == 3
    assert "file not found" in result.output
    result = runner.invoke(app, ["dedupe", str(planted_csv), "--id-col", "Kundnr"])
    assert result.exit_code == 1
    assert "no column 'Kundnr'" in result.output
    result = runner.invoke(app, ["dedupe", str(planted_csv), "--columns", "vat=tax_id"])
    assert result.exit_code == 1
    assert "unknown role 'vat'" in result.output
