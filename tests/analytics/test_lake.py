"""Facts in a Parquet lake (``export-folder --format parquet``, ``--facts``): the same analysis, customer value,
forecast and actions to the cent as the store's, on DuckDB and on Spark, with a table split over several files
in sub-folders, and a clear error for a missing table or an engine that cannot read it."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from clientbase.analytics.lake import FACT_TABLES, lake_source, lake_tables
from clientbase.analytics.run import Analysis, analyze
from clientbase.cli.main import app
from clientbase.demo.build import load_demo
from clientbase.demo.generate import generate
from clientbase.errors import ConfigurationError
from clientbase.exchange import export_folder
from clientbase.store import connect

runner = CliRunner()


def _text(a: Analysis) -> str:
    out = io.StringIO()
    a.write_json(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("lake")
    url = f"duckdb:///{folder}/demo.duckdb"
    with connect(url) as store:
        load_demo(store, generate(customers=150, years=3, seed=5))
        written = export_folder(store, folder / "lake", format="parquet")
    assert set(FACT_TABLES) <= set(written)
    # the order lines as a partitioned table: one file per year of order date, in sub-folders
    lines = folder / "lake" / "order_lines"
    source = lines / "part-0.parquet"
    with duckdb.connect() as con:  # DuckDB leaves the partition column out of the files
        con.execute(
            f"COPY (SELECT *, year(order_date) AS y FROM '{source}') TO '{lines}/by_year' "
            "(FORMAT parquet, PARTITION_BY (y))"
        )
    source.unlink()
    assert len(list(lines.rglob("*.parquet"))) >= 3
    return url, folder / "lake"


def test_lake_analysis_equals_the_store(base: tuple[str, Path]) -> None:
    url, lake = base
    with connect(url) as store:
        from_store = _text(analyze(store))
        from_lake = _text(analyze(lake_tables(store, lake)))
    assert '"customers": [{' in from_store
    assert from_lake == from_store


def test_cli_facts(base: tuple[str, Path]) -> None:
    url, lake = base
    plain = runner.invoke(app, ["analyze", "--db", url, "--json"])
    lake_run = runner.invoke(app, ["analyze", "--db", url, "--facts", str(lake), "--json"])
    assert plain.exit_code == 0 and lake_run.exit_code == 0, lake_run.output
    assert lake_run.stdout == plain.stdout


def test_missing_table_is_said(base: tuple[str, Path], tmp_path: Path) -> None:
    url, _ = base
    with connect(url) as store, pytest.raises(ConfigurationError, match="no folder order_lines/"):
        lake_tables(store, tmp_path)
    result = runner.invoke(app, ["analyze", "--db", url, "--facts", str(tmp_path)])
    assert result.exit_code != 0 and "order_lines" in result.output


def test_value_on_the_lake_equals_the_store(base: tuple[str, Path]) -> None:
    url, lake = base
    plain = runner.invoke(app, ["value", "--db", url, "--json"])
    lake_run = runner.invoke(app, ["value", "--db", url, "--facts", str(lake), "--json"])
    assert plain.exit_code == 0 and lake_run.exit_code == 0, lake_run.output
    store_doc, lake_doc = json.loads(plain.stdout), json.loads(lake_run.stdout)
    assert len(store_doc["customers"]) > 50
    # the coefficient of variation of monthly demand is a float the engine sums in the order it reads
    # the files: equal to the last bits; every other value (money, counts, classes, CLV) exactly
    cvs, lake_cvs = _pop_cvs(store_doc), _pop_cvs(lake_doc)
    assert len(cvs) >= len(store_doc["customers"])
    for cv, lake_cv in zip(cvs, lake_cvs, strict=True):
        assert cv == lake_cv if cv is None else cv == pytest.approx(lake_cv, rel=1e-12)
    assert lake_doc == store_doc


def _pop_cvs(value: object) -> list[object]:
    """Every ``demand_cv`` in a document, taken out of it."""
    if isinstance(value, dict):
        found = [value.pop("demand_cv")] if "demand_cv" in value else []
        return found + [cv for v in value.values() for cv in _pop_cvs(v)]
    if isinstance(value, list):
        return [cv for v in value for cv in _pop_cvs(v)]
    return []


@pytest.mark.parametrize(
    "command",
    [
        ["forecast", "--json", "--level", "total,segment"],
        ["actions", "--json", "--as", "M01"],
        ["report", "--xlsx", "{out}"],
    ],
    ids=["forecast", "actions", "report"],
)
def test_every_command_reads_the_lake(base: tuple[str, Path], tmp_path: Path, command: list[str]) -> None:
    url, lake = base
    runs = []
    for name, extra in (("store", []), ("lake", ["--facts", str(lake)])):
        out = tmp_path / f"{name}.xlsx"
        args = [a.replace("{out}", str(out)) for a in command]
        result = runner.invoke(app, [*args, "--db", url, *extra])
        assert result.exit_code == 0, result.output
        runs.append(result.stdout if "--json" in command else _workbook_values(out))
    assert runs[0] and runs[1] == runs[0]


def _workbook_values(path: Path) -> dict[str, list[list[object]]]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def test_engines_are_checked(base: tuple[str, Path]) -> None:
    url, lake = base
    cases = [
        (["--facts", str(lake), "--engine", "postgres"], "PostgreSQL reads no Parquet"),
        (["--engine", "spark"], "give --facts DIR"),
        (["--engine", "postgres"], "runs on a PostgreSQL base"),
        (["--engine", "sqlite"], "--engine is duckdb, spark, postgres, not 'sqlite'"),
    ]
    for extra, said in cases:
        result = runner.invoke(app, ["analyze", "--db", url, *extra])
        assert result.exit_code != 0 and said in result.output, result.output
        assert "Traceback" not in result.output
    same = runner.invoke(app, ["analyze", "--db", url, "--engine", "duckdb", "--json"])
    assert (
        same.exit_code == 0 and same.stdout == runner.invoke(app, ["analyze", "--db", url, "--json"]).stdout
    )


@pytest.mark.spark
@pytest.mark.slow
def test_spark_on_the_lake_equals_the_store(spark: Any, base: tuple[str, Path]) -> None:
    """The analysis and the actions with the facts read by Spark (the test's local session is the active one,
    so the lake uses it) equal the store's on DuckDB to the cent."""
    from clientbase.decisions.actions import list_actions
    from clientbase.registry.access import Actor

    url, lake = base
    with connect(url) as store:
        source = lake_source(store, lake, engine="spark")
        assert source.engine == "spark" and source.ibis.name == "pyspark"
        assert _text(analyze(source)) == _text(analyze(store))
        head = Actor("M01", "head")
        assert list_actions(source, actor=head).as_dict() == list_actions(store, actor=head).as_dict()
