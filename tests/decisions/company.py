"""A hand-made company of three customers (2024 against 2023, as of 2024-12-31, 7.3 % a year = 0.02 % a day),
small enough to follow every number of a scenario by hand.

* A (owner M03): 15,000.00 at list in 2024 (10,000 + 5,000), 13,500.00 net; two invoices on 60 days, paid on
  the due date: credit 13,500 x 60 x 0.02 % = 162.00; 4 visits of 60 minutes at 1.00 a minute = 240.00 and
  a delivery of 20.00 per order.
* B (owner M04): 462.50 at list, no discount, paid on the day invoiced; one delivery of 20.00.
* C (owner M03): 4,000.50 at list, 3,600.45 net, paid on the day invoiced; an invoice of 500.00 for a
  service (no order), due 2024-10-31, is still open: 61 days past due.

Every one also bought in 2023, so none is annualised. Managers: M01 head, M02 analyst, M03 and M04 managers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

from tests.analytics.example import _line as example_line
from tests.analytics.example import load

d = dt.date


def _line(order: str, cid: str, day: dt.date, q: str, lp: str, np_: str, uc: str) -> dict[str, Any]:
    return example_line(order, 1, cid, day, q, lp, np_, uc)


def _invoice(iid: str, cid: str, issued: dt.date, days: int, amount: str) -> dict[str, Any]:
    return dict(
        invoice_id=iid,
        counterparty_id=cid,
        issue_date=issued,
        due_date=issued + dt.timedelta(days=days),
        amount=D(amount),
    )


def _paid(iid: str, day: dt.date, amount: str) -> dict[str, Any]:
    return dict(payment_id=f"{iid}:1", invoice_id=iid, paid_date=day, amount=D(amount))


def _cp(cid: str, owner: str, size: str) -> dict[str, Any]:
    return dict(
        counterparty_id=cid,
        name=f"Customer {cid}",
        roles="customer",
        status="active",
        owner_id=owner,
        size_band=size,
        segment="trade",
        payment_days=60 if cid == "A" else 30,
        created_at=d(2020, 1, 1),
    )


ROWS: dict[str, list[dict[str, Any]]] = {
    "settings": [{"key": "currency", "value": "EUR"}, {"key": "financing_rate_annual", "value": "0.073"}],
    "managers": [
        {"manager_id": "M01", "name": "Helga", "role": "head", "active": True},
        {"manager_id": "M02", "name": "Ola", "role": "analyst", "active": True},
        {"manager_id": "M03", "name": "Anna", "role": "manager", "active": True},
        {"manager_id": "M04", "name": "Ivan", "role": "manager", "active": True},
    ],
    "cost_drivers": [
        dict(kind="visit", valid_from=d(1900, 1, 1), unit="minute", rate=D("1")),
        dict(kind="delivery", valid_from=d(1900, 1, 1), unit="event", rate=D("20")),
    ],
    "products": [dict(product_id="P1", name="Drill", list_price=D("100"), unit_cost=D("60"))],
    "counterparties": [_cp("A", "M03", "large"), _cp("B", "M04", "small"), _cp("C", "M03", "medium")],
    "order_lines": [
        _line("A-0", "A", d(2023, 6, 1), "10", "100", "90", "60"),
        _line("A-1", "A", d(2024, 3, 1), "100", "100", "90", "60"),
        _line("A-2", "A", d(2024, 9, 2), "50", "100", "90", "60"),
        _line("B-0", "B", d(2023, 6, 1), "1", "12.50", "12.50", "8"),
        _line("B-1", "B", d(2024, 5, 2), "37", "12.50", "12.50", "8"),
        _line("C-0", "C", d(2023, 6, 1), "1", "1333.50", "1200.15", "900"),
        _line("C-1", "C", d(2024, 7, 1), "3", "1333.50", "1200.15", "900"),
    ],
    "invoices": [
        _invoice("FA0", "A", d(2023, 6, 1), 60, "900"),
        _invoice("FA1", "A", d(2024, 3, 1), 60, "9000"),
        _invoice("FA2", "A", d(2024, 9, 2), 60, "4500"),
        _invoice("FB0", "B", d(2023, 6, 1), 30, "12.50"),
        _invoice("FB1", "B", d(2024, 5, 2), 30, "462.50"),
        _invoice("FC0", "C", d(2023, 6, 1), 30, "1200.15"),
        _invoice("FC1", "C", d(2024, 7, 1), 30, "3600.45"),
        _invoice("FC2", "C", d(2024, 10, 1), 30, "500"),  # never paid: 61 days past due at the as-of date
    ],
    "payments": [
        _paid("FA0", d(2023, 7, 31), "900"),
        _paid("FA1", d(2024, 4, 30), "9000"),
        _paid("FA2", d(2024, 11, 1), "4500"),
        _paid("FB0", d(2023, 6, 1), "12.50"),
        _paid("FB1", d(2024, 5, 2), "462.50"),
        _paid("FC0", d(2023, 6, 1), "1200.15"),
        _paid("FC1", d(2024, 7, 1), "3600.45"),
    ],
    "activities": [
        *[
            dict(
                activity_id=f"v{i}",
                counterparty_id="A",
                activity_date=d(2024, m, 10),
                kind="visit",
                quantity=D("60"),
            )
            for i, m in enumerate((2, 5, 8, 11), start=1)
        ],
        dict(
            activity_id="d1",
            counterparty_id="B",
            activity_date=d(2024, 5, 3),
            kind="delivery",
            quantity=D("1"),
            order_id="B-1",
        ),
        dict(
            activity_id="d2",
            counterparty_id="A",
            activity_date=d(2024, 3, 2),
            kind="delivery",
            quantity=D("1"),
            order_id="A-1",
        ),
        dict(
            activity_id="d3",
            counterparty_id="A",
            activity_date=d(2024, 9, 3),
            kind="delivery",
            quantity=D("1"),
            order_id="A-2",
        ),
    ],
}
PERIOD = {"start": d(2024, 1, 1), "end": d(2024, 12, 31), "as_of": d(2024, 12, 31)}


def build(store: Any, rows: dict[str, list[dict[str, Any]]] | None = None) -> None:
    """Load the company (or ``rows``) into an empty store."""
    load(store, ROWS if rows is None else rows)
