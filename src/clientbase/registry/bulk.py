"""Insert many rows in one statement: through Arrow on DuckDB, as an executemany batch on PostgreSQL.

DuckDB's ``executemany`` runs one insert per row (about 0.3 ms each); handing it an Arrow table is several
times faster, and keeps a thousand-row import batch to a second or two.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa
import sqlalchemy as sa


def arrow_type(column: sa.Column[Any]) -> pa.DataType:
    """The Arrow type of a schema column (so that a column of only empty values still has its type)."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return pa.bool_()
    if isinstance(kind, sa.Integer):
        return pa.int64()
    if isinstance(kind, sa.Numeric):
        return pa.decimal128(kind.precision or 38, kind.scale or 0)
    if isinstance(kind, sa.DateTime):
        return pa.timestamp("us")
    if isinstance(kind, sa.Date):
        return pa.date32()
    return pa.string()


def insert_rows(conn: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts by column name; missing columns are empty) into ``table``.

    Example:
        >>> from clientbase import schema
        >>> from clientbase.store import connect
        >>> with connect("duckdb:///:memory:") as store, store.begin() as conn:
        ...     insert_rows(conn, schema.managers, [{"manager_id": "M01", "name": "Anna"}])
        ...     conn.execute(sa.select(schema.managers.c.name)).scalar_one()
        'Anna'
    """
    if not rows:
        return
    if conn.dialect.name != "duckdb":
        columns = [c.name for c in table.columns]
        conn.execute(sa.insert(table), [{name: row.get(name) for name in columns} for row in rows])
        return
    data = pa.table(
        {c.name: pa.array([row.get(c.name) for row in rows], type=arrow_type(c)) for c in table.columns}
    )
    raw: Any = conn.connection.driver_connection  # duckdb-engine passes register() through to DuckDB
    view = f"_bulk_{table.name}"
    quoted = ", ".join('"' + c.name.replace('"', '""') + '"' for c in table.columns)
    raw.register(view, data)
    try:
        conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({quoted}) SELECT {quoted} FROM {view}')
    finally:
        raw.unregister(view)
