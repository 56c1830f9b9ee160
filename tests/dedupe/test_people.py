"""Lists of people and a company master list, end to end at a small size: roles guessed, F1 thresholds.

The full-size numbers (5,000 people, 20,000 companies, beside splink) are in docs/benchmarks.md, measured by
bench/bench_dedupe.py; these are the same generators at a size a test can afford, re-runnable by anyone.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from typer.testing import CliRunner

from clientbase.cli.main import app
from clientbase.dedupe import cluster_scores, find_duplicates
from clientbase.dedupe.files import read_records
from clientbase.dedupe.roles import guess_roles
from clientbase.dedupe.synthetic_master import planted_master_list
from clientbase.dedupe.synthetic_people import HEADERS, planted_people

runner = CliRunner()


@pytest.fixture(autouse=True)
def _quiet() -> None:
    logging.getLogger("splink").setLevel(logging.ERROR)


def _link(records: pa.Table, id_col: str) -> object:
    headers = [c for c in records.column_names if c != id_col]
    roles = guess_roles(headers, {h: records.column(h).to_pylist() for h in headers})
    return find_duplicates(records, id_col=id_col, roles=roles)


@pytest.mark.slow
def test_people_with_birth_date_and_national_id() -> None:
    records, truth = planted_people(2000, seed=5)
    scores = cluster_scores(_link(records, "rec_id").clusters, truth)  # type: ignore[attr-defined]
    assert scores.true_pairs > 2000
    assert scores.f1 >= 0.99


@pytest.mark.slow
def test_people_without_them() -> None:
    records, truth = planted_people(2000, seed=5, with_ids=False)
    scores = cluster_scores(_link(records, "rec_id").clusters, truth)  # type: ignore[attr-defined]
    assert scores.f1 >= 0.97
    assert scores.precision >= 0.98


@pytest.mark.slow
def test_a_german_list_through_the_cli(tmp_path: Path) -> None:
    records, truth = planted_people(1500, seed=6, language="de")
    records = records.rename_columns([HEADERS["de"][c] for c in records.column_names])
    path = tmp_path / "kunden.csv"
    pacsv.write_csv(records, path)
    clusters = tmp_path / "clusters.csv"
    result = runner.invoke(app, ["dedupe", str(path), "--id-col", "Nr", "--clusters", str(clusters)])
    assert result.exit_code == 0, result.output
    assert "given_name=Vorname" in result.output and "birth_date=Geburtsdatum" in result.output
    found = pacsv.read_csv(
        clusters, convert_options=pacsv.ConvertOptions(column_types={"cluster_id": pa.string()})
    )
    assert cluster_scores(found, truth).f1 >= 0.99


def test_the_issue_s_list_of_people_is_read_with_a_name() -> None:
    # today: "cannot tell which column holds the name" for FEBRL's columns
    records, _truth = planted_people(50, seed=1)
    path = Path(pytest.importorskip("tempfile").mkdtemp()) / "people.csv"
    pacsv.write_csv(records, path)
    roles = read_records(path, id_col="rec_id").roles
    assert roles["given_name"] == "given_name" and roles["family_name"] == "surname"
    assert roles["birth_date"] == "date_of_birth" and roles["national_id"] == "soc_sec_id"


@pytest.mark.slow
def test_company_master_list_uses_the_domain_column() -> None:
    records, truth = planted_master_list(4000, seed=3)
    result = _link(records, "id")
    scores = cluster_scores(result.clusters, truth)  # type: ignore[attr-defined]
    assert scores.f1 >= 0.95
    assert scores.precision >= 0.99
    explanations = " ".join(result.pairs.column("explanation").to_pylist())  # type: ignore[attr-defined]
    assert "email: same company domain" in explanations
    assert "legal_form" in [c["output_column_name"] for c in result.model["comparisons"]]  # type: ignore[attr-defined]


def test_generators_are_seeded() -> None:
    assert planted_people(300, seed=9)[0].equals(planted_people(300, seed=9)[0])
    assert not planted_people(300, seed=9)[0].equals(planted_people(300, seed=10)[0])
    assert planted_master_list(300, seed=9)[0].equals(planted_master_list(300, seed=9)[0])


def test_people_generator_plants_one_to_five_duplicates() -> None:
    records, truth = planted_people(1000, seed=2, originals_share=0.4)
    sizes: dict[str, int] = {}
    for entity in truth.column("entity_id").to_pylist():
        sizes[entity] = sizes.get(entity, 0) + 1
    assert records.num_rows == 1000 and len(sizes) == 400
    assert max(sizes.values()) <= 6 and min(sizes.values()) == 1
    assert records.column_names == list(HEADERS["en"])
