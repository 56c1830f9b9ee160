"""Build the demo company into a database: generate, then load through the exchange loader."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow as pa
import sqlalchemy as sa

from clientbase import schema
from clientbase.demo.generate import DemoData
from clientbase.errors import ConflictError, StoreError

if TYPE_CHECKING:
    from clientbase.exchange.load import LoadReport
    from clientbase.store import Store


def existing_counterparties(store: Store) -> int:
    """How many counterparties the database already holds."""
    return int(store.table("counterparties").count().execute())


def load_demo(store: Store, data: DemoData, *, force: bool = False) -> LoadReport:
    """Load ``data`` and its ``demo_truth`` into ``store`` in one transaction, validated by the schema;
    then its ``field_verification`` rows (a second transaction).

    Refuses a database that already holds counterparties unless ``force`` (then rows are merged by key).

    Example:
        >>> from clientbase.demo.generate import generate
        >>> from clientbase.store import connect
        >>> with connect("duckdb:///:memory:") as store:
        ...     report = load_demo(store, generate(customers=30, years=1, seed=3))
        ...     report.tables["counterparties"].inserted > 30
        True
    """
    from clientbase.exchange.load import load_tables

    if not force:
        present = existing_counterparties(store)
        if present:
            raise ConflictError(
                f"The database {store.url} already holds {present} counterparties; build the demo into a "
                "new database (e.g. --db duckdb:///./demo.duckdb) or pass --force to merge it in."
            )
    report = load_tables(store, {**data.tables, "demo_truth": data.truth})
    write_verification(store, data.verification)
    return report


def write_verification(store: Store, rows: pa.Table) -> None:
    """Replace the ``field_verification`` rows of the records in ``rows`` (one transaction)."""
    fv = schema.field_verification
    columns = ", ".join(rows.column_names)
    try:
        with store.begin() as conn:
            if store.dialect == "duckdb":
                raw: Any = conn.connection.driver_connection
                raw.register("_demo_verification", rows)
                conn.exec_driver_sql(
                    "DELETE FROM field_verification WHERE (table_name, record_id, field_name) IN "
                    "(SELECT table_name, record_id, field_name FROM _demo_verification)"
                )
                conn.exec_driver_sql(
                    f"INSERT INTO field_verification ({columns}) SELECT {columns} FROM _demo_verification"
                )
                raw.unregister("_demo_verification")
                return
            records = rows.to_pylist()
            ids = sorted({r["record_id"] for r in records})
            for start in range(0, len(ids), 10_000):
                conn.execute(
                    sa.delete(fv).where(
                        fv.c.table_name == "counterparties", fv.c.record_id.in_(ids[start : start + 10_000])
                    )
                )
            conn.execute(sa.insert(fv), records)
    except sa.exc.DBAPIError as exc:
        raise StoreError(f"Writing field_verification for the demo failed: {exc.orig}") from exc
