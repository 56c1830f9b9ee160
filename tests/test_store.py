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
