"""Build the demo company into a database: generate, then load through the exchange loader."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clientbase.demo.generate import DemoData
from clientbase.errors import ConflictError

if TYPE_CHECKING:
    from clientbase.exchange.load import LoadReport
    from clientbase.store import Store


def existing_counterparties(store: Store) -> int:
    """How many counterparties the database already holds."""
    return int(store.table("counterparties").count().execute())


def load_demo(store: Store, data: DemoData, *, force: bool = False) -> LoadReport:
    """Load ``data`` (and its ``demo_truth``) into ``store`` in one transaction, validated by the schema.

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
    return load_tables(store, {**data.tables, "demo_truth": data.truth})
