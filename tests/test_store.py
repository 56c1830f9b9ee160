import sqlalchemy as sa

from clientbase import schema
from clientbase.store import connect


def test_connect_creates_every_schema_table_with_its_columns(db_url: str) -> None:
    with connect(db_url) as store:
        tables = set(store.ibis.list_tables())
        for table in schema.metadata.tables.values():
            assert table.name in tables
            assert list(store.table(table.name).columns) == [c.name for c in table.columns]


def test_writes_through_sqlalchemy_are_read_by_ibis(db_url: str) -> None:
    with connect(db_url) as store:
        with store.begin() as conn:
            conn.execute(sa.insert(schema.managers).values(manager_id="M1", name="Anna Berg", role="head"))
        assert store.table("managers").count().execute() == 1


def test_reopening_does_not_migrate_twice(db_url: str) -> None:
    connect(db_url).close()
    with connect(db_url) as store:
        assert store.table("managers").count().execute() == 0


# -- issue 10.3 / 11.3 / 11.4: opening what the URL names, and only that --------------------------------------

import os  # noqa: E402
import threading  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from clientbase.cli.main import app  # noqa: E402
from clientbase.errors import ConfigurationError, NotFoundError  # noqa: E402

runner = CliRunner()


@pytest.mark.parametrize(
    ("url", "meant"),
    [
        ("duckdb://relative/path.duckdb", "duckdb:///relative/path.duckdb"),
        ("duckdb:/abs/path.duckdb", "duckdb:////abs/path.duckdb"),
        ("duckdb://", None),
        ("duckdb:///", None),
        ("duckdb:", None),
    ],
)
def test_a_duckdb_url_that_names_no_file_is_refused_with_the_right_spelling(
    url: str, meant: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigurationError, match="names no file") as caught:
        connect(url)
    assert "duckdb:///:memory:" in str(caught.value)
    if meant:
        assert meant in str(caught.value)
    assert list(tmp_path.iterdir()) == []  # no throw-away database, no file
    result = runner.invoke(app, ["init", "--db", url])
    assert result.exit_code == 1 and "names no file" in result.output


def test_only_the_explicit_memory_url_is_in_memory() -> None:
    with connect("duckdb:///:memory:") as store:
        assert store.table("managers").count().execute() == 0


def test_reading_commands_never_create_a_database(tmp_path: Path) -> None:
    missing = tmp_path / "missing.duckdb"
    url = f"duckdb:///{missing}"
    for args in (["analyze"], ["summary"], ["quality"], ["value"], ["export-folder", str(tmp_path / "x")],
                 ["show-record", "C000001", "--as", "M01"], ["import-batches"]):  # fmt: skip
        result = runner.invoke(app, [*args, "--db", url])
        assert result.exit_code == 4, (args, result.output)
        assert f"No database at {missing}" in " ".join(result.output.split())
        assert "clientbase init" in result.output
        assert not missing.exists(), args
    with pytest.raises(NotFoundError, match="No database at"):
        connect(url, create=False)
    result = runner.invoke(app, ["init", "--db", url])
    assert result.exit_code == 0 and "Created an empty base" in result.output
    assert runner.invoke(app, ["summary", "--db", url]).exit_code == 0
    result = runner.invoke(app, ["init", "--db", url])
    assert result.exit_code == 0 and "already exists" in result.output


@pytest.mark.postgres
def test_a_postgres_database_without_the_schema_is_not_a_base(pg_url: str) -> None:
    with pytest.raises(NotFoundError, match="No database at postgresql://"):
        connect(pg_url, create=False)
    assert runner.invoke(app, ["analyze", "--db", pg_url]).exit_code == 4
    assert runner.invoke(app, ["init", "--db", pg_url]).exit_code == 0
    connect(pg_url, create=False).close()


def test_files_and_urls_that_cannot_be_a_base_are_clear_errors(tmp_path: Path) -> None:
    csv = tmp_path / "some.csv"
    csv.write_text("a,b\n1,2\n")
    for url, message in [
        (f"duckdb:///{csv}", "is not a DuckDB database"),
        (f"duckdb:///{tmp_path}", "is a folder"),
        ("postgresql://u@host:notaport/x", "cannot be read"),
        ("sqlite:///x.db", "Unsupported database URL"),
    ]:
        result = runner.invoke(app, ["summary", "--db", url])
        assert result.exit_code == 1, (url, result.output)
        assert message in " ".join(result.output.split()) and "Traceback" not in result.output
    assert csv.read_text() == "a,b\n1,2\n"  # untouched


def test_a_snapshot_reads_one_state_while_another_session_writes(db_url: str) -> None:
    """Issue 11.7: every query of a read view sees the state at its start, Ibis and SQLAlchemy alike."""
    with connect(db_url) as store:
        with store.begin() as conn:
            conn.execute(sa.insert(schema.managers).values(manager_id="M1", name="Anna Berg", role="head"))
        with store.snapshot() as view:
            assert view.table("managers").count().execute() == 1
            writer = threading.Thread(
                target=lambda: _insert_manager(store, "M2")
            )  # another session commits in between
            writer.start()
            writer.join()
            assert store.table("managers").count().execute() == 2  # the store itself sees it
            assert view.table("managers").count().execute() == 1  # the view does not
            with view.begin() as conn:
                assert conn.execute(sa.select(sa.func.count()).select_from(schema.managers)).scalar_one() == 1
            with view.begin() as conn:  # a write inside the view is possible but never kept
                conn.execute(sa.insert(schema.managers).values(manager_id="M3", name="X"))
        # nothing written through a view is ever committed
        assert store.table("managers").count().execute() == 2


def _insert_manager(store: object, key: str) -> None:
    with store.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(sa.insert(schema.managers).values(manager_id=key, name=key, role="manager"))


def test_a_url_environment_variable_is_read_the_same_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLIENTBASE_DB", "duckdb://x.duckdb")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["summary"])
    assert result.exit_code == 1 and "duckdb:///x.duckdb" in " ".join(result.output.split())
    assert not os.listdir(tmp_path)
