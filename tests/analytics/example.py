"""A hand-made company of four customers whose P&L is worked out by hand in docs/methodology.md.

Analysed period 2024, compared with 2023, as of 2025-01-31; financing rate 7.3 % a year (0.02 % a day).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pyarrow as pa
import sqlalchemy as sa

from clientbase import schema

d = dt.date
PERIOD = {"start": d(2024, 1, 1), "end": d(2024, 12, 31), "as_of": d(2025, 1, 31)}
COMPARE = {"compare_start": d(2023, 1, 1), "compare_end": d(2023, 12, 31)}


def _line(order: str, no: int, cid: str, day: dt.date, q: str, lp: str, np_: str, uc: str) -> dict[str, Any]:
    return dict(
        order_id=order,
        line_no=no,
        counterparty_id=cid,
        order_date=day,
        product_id="P1",
        quantity=D(q),
        list_price=D(lp),
        net_price=D(np_),
        unit_cost=D(uc),
    )


def _cp(cid: str, name: str, size: str, segment: str, region: str, owner: str, mode: str) -> dict[str, Any]:
    return dict(
        counterparty_id=cid,
        name=name,
        roles="customer",
        status="active",
        owner_id=owner,
        acquisition_mode=mode,
        region=region,
        industry="construction",
        size_band=size,
        segment=segment,
        created_at=d(2020, 1, 1),
    )


ROWS: dict[str, list[dict[str, Any]]] = {
    "settings": [
        {"key": "currency", "value": "EUR"},
        {"key": "financing_rate_annual", "value": "0.073"},
    ],
    "managers": [{"manager_id": "M1", "name": "Anna"}, {"manager_id": "M2", "name": "Bo"}],
    "cost_drivers": [
        dict(kind="visit", valid_from=d(1900, 1, 1), valid_to=None, unit="event", rate=D("120")),
        dict(kind="delivery", valid_from=d(1900, 1, 1), valid_to=None, unit="event", rate=D("40")),
        dict(kind="call", valid_from=d(1900, 1, 1), valid_to=d(2024, 6, 30), unit="minute", rate=D("1.5")),
        dict(
            kind="call",
            valid_from=d(2024, 7, 1),
            valid_to=None,
            unit="minute",
            rate=D("2"),
            cost_pool=D("36500"),
            practical_capacity=D("18250"),
        ),
    ],
    "products": [dict(product_id="P1", name="Drill", list_price=D("100"), unit_cost=D("60"))],
    "counterparties": [
        _cp("A", "Alpha", "key", "installers", "North", "M1", "targeted"),
        _cp("B", "Beta", "small", "retail", "South", "M2", "spontaneous"),
        _cp("C", "Gamma", "medium", "installers", "North", "M1", "targeted"),
        _cp("D", "Delta", "small", "retail", "South", "M2", "spontaneous"),
        _cp("E", "Epsilon prospect", "micro", "retail", "South", "M2", "spontaneous"),
    ],
    "order_lines": [
        _line("O-1", 1, "A", d(2024, 3, 10), "10", "100", "90", "60"),
        _line("O-1", 2, "A", d(2024, 3, 10), "5", "20", "20", "12"),
        _line("O-2", 1, "A", d(2024, 4, 1), "-1", "100", "90", "60"),  # a return
        _line("O-0", 1, "A", d(2023, 6, 1), "10", "100", "95", "60"),
        _line("O-X", 1, "A", d(2022, 12, 31), "99", "100", "1", "60"),  # before both periods
        _line("O-3", 1, "B", d(2024, 11, 20), "3", "50", "45.5", "30.25"),
        _line("O-4", 1, "B", d(2023, 2, 1), "1", "50", "50", "30"),
        _line("O-5", 1, "D", d(2023, 9, 1), "2", "10", "10", "4"),
    ],
    "invoices": [
        dict(
            invoice_id="F1",
            counterparty_id="A",
            issue_date=d(2024, 3, 10),
            due_date=d(2024, 4, 9),
            amount=D("1000"),
        ),
        dict(
            invoice_id="F2",
            counterparty_id="A",
            issue_date=d(2024, 4, 1),
            due_date=d(2024, 5, 1),
            amount=D("-90"),
        ),
        dict(
            invoice_id="F0",
            counterparty_id="A",
            issue_date=d(2023, 6, 1),
            due_date=d(2023, 7, 1),
            amount=D("950"),
        ),
        dict(
            invoice_id="F3",
            counterparty_id="B",
            issue_date=d(2024, 11, 20),
            due_date=d(2024, 12, 20),
            amount=D("136.5"),
        ),
    ],
    "payments": [
        dict(payment_id="p1", invoice_id="F1", paid_date=d(2024, 4, 9), amount=D("600")),
        dict(payment_id="p2", invoice_id="F1", paid_date=d(2024, 5, 9), amount=D("400")),
        dict(payment_id="p0", invoice_id="F0", paid_date=d(2023, 7, 1), amount=D("950")),
    ],
    "activities": [
        dict(
            activity_id="a1", counterparty_id="A", activity_date=d(2024, 5, 1), kind="visit", quantity=D("2")
        ),
        dict(
            activity_id="a2", counterparty_id="A", activity_date=d(2024, 6, 15), kind="call", quantity=D("30")
        ),
        dict(
            activity_id="a3", counterparty_id="A", activity_date=d(2024, 8, 1), kind="call", quantity=D("20")
        ),
        dict(
            activity_id="a4", counterparty_id="A", activity_date=d(2023, 6, 1), kind="visit", quantity=D("1")
        ),
        dict(
            activity_id="a5",
            counterparty_id="B",
            activity_date=d(2024, 11, 21),
            kind="delivery",
            quantity=D("1"),
        ),
        dict(
            activity_id="a6", counterparty_id="C", activity_date=d(2024, 2, 1), kind="call", quantity=D("10")
        ),
        dict(
            activity_id="a7", counterparty_id="C", activity_date=d(2025, 1, 5), kind="visit", quantity=D("1")
        ),
    ],
}


def with_orders(rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """``rows`` with the order headers derived from the lines, as the importer does without orders.csv."""
    if rows.get("orders"):
        return rows
    headers = {r["order_id"]: r for r in rows.get("order_lines", [])}
    orders = [
        {"order_id": o, "counterparty_id": r["counterparty_id"], "order_date": r["order_date"]}
        for o, r in headers.items()
    ]
    return {**rows, "orders": orders}


def load(store: Any, rows: dict[str, list[dict[str, Any]]] | None = None) -> None:
    """Insert ``rows`` (default: the example) into an empty clientbase database."""
    rows = with_orders(ROWS if rows is None else rows)
    with store.begin() as conn:
        for table in schema.EXCHANGE_TABLES:
            data = rows.get(table.name)
            if data:
                full = [{c.name: r.get(c.name) for c in table.columns} for r in data]
                conn.execute(sa.insert(table), full)


def _arrow_type(col: sa.Column[Any]) -> pa.DataType:
    t = col.type
    if isinstance(t, sa.Numeric):
        return pa.decimal128(t.precision or 18, t.scale or 0)
    if isinstance(t, sa.Date):
        return pa.date32()
    if isinstance(t, sa.Integer):
        return pa.int32()
    if isinstance(t, sa.Boolean):
        return pa.bool_()
    return pa.string()


def arrow_tables(rows: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, pa.Table]:
    """Every exchange table as a typed Arrow table (schema types), for loading into any engine."""
    rows = with_orders(ROWS if rows is None else rows)
    out = {}
    for table in schema.EXCHANGE_TABLES:
        fields = [pa.field(c.name, _arrow_type(c)) for c in table.columns]
        data = rows.get(table.name, [])
        arrays = [pa.array([r.get(f.name) for r in data], type=f.type) for f in fields]
        out[table.name] = pa.Table.from_arrays(arrays, schema=pa.schema(fields))
    return out
