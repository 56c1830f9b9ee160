"""The input of the profitability analysis: the Ibis tables it reads, on any backend."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis.expr.types as ir

from clientbase.errors import ConfigurationError

#: the tables the analysis reads, and the columns it needs from each
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "order_lines": (
        "order_id",
        "counterparty_id",
        "order_date",
        "quantity",
        "list_price",
        "net_price",
        "unit_cost",
    ),
    "orders": ("order_id", "counterparty_id", "order_date"),
    "activities": ("counterparty_id", "activity_date", "kind", "quantity"),
    "cost_drivers": ("kind", "valid_from", "valid_to", "unit", "rate", "cost_pool", "practical_capacity"),
    "invoices": ("invoice_id", "counterparty_id", "issue_date", "due_date", "amount"),
    "payments": ("invoice_id", "paid_date", "amount"),
    "counterparties": ("counterparty_id", "name", "segment", "industry", "region", "owner_id"),
    "settings": ("key", "value"),
}
#: tables the analysis reads when they are there (managers' names, for the report)
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {"managers": ("manager_id", "name")}


@dataclass(frozen=True)
class Tables:
    """The Ibis tables of one database, as the analysis reads them; any Ibis backend will do.

    Example:
        >>> from clientbase.store import connect
        >>> with connect("duckdb:///:memory:") as store:
        ...     tables = Tables.from_backend(store.ibis)
        ...     tables.order_lines.count().execute()
        0
    """

    order_lines: ir.Table
    orders: ir.Table
    activities: ir.Table
    cost_drivers: ir.Table
    invoices: ir.Table
    payments: ir.Table
    counterparties: ir.Table
    settings: ir.Table
    managers: ir.Table | None = None

    def __post_init__(self) -> None:
        for name, columns in REQUIRED_COLUMNS.items():
            table = getattr(self, name)
            missing = [c for c in columns if c not in table.columns]
            if missing:
                raise ConfigurationError(
                    f"Table {name!r} lacks the column(s) {', '.join(missing)}; "
                    "bring the database up to the clientbase schema (clientbase.store.connect migrates it)."
                )
        for name in ("invoices", "payments"):  # credit is summed in whole cents
            amount = getattr(self, name).amount.type()
            if not (amount.is_integer() or (amount.is_decimal() and (amount.scale or 0) <= 2)):
                raise ConfigurationError(
                    f"{name}.amount is {amount}; the analysis needs amounts in whole cents: "
                    "a decimal with at most 2 decimals, as the clientbase schema stores them (DECIMAL(18, 2))."
                )

    @classmethod
    def of(cls, source: Any) -> Tables:
        """The tables of ``source``: :class:`Tables` as they are, a lake's, a store (its tables, looked up once
        per store) or an Ibis backend."""
        if isinstance(source, Tables):
            return source
        if isinstance(getattr(source, "tables", None), Tables):  # a lake (clientbase.analytics.lake)
            return source.tables
        if hasattr(source, "ibis") and hasattr(source, "table"):
            return cls(**{name: source.table(name) for name in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)})
        return cls.from_backend(source)

    @classmethod
    def from_backend(cls, backend: Any, *, database: Any = None) -> Tables:
        """The tables of ``backend`` (an Ibis connection) under their schema names."""
        kwargs = {} if database is None else {"database": database}
        present = set(backend.list_tables(**kwargs))
        optional = {name: backend.table(name, **kwargs) for name in OPTIONAL_COLUMNS if name in present}
        return cls(**{name: backend.table(name, **kwargs) for name in REQUIRED_COLUMNS}, **optional)
