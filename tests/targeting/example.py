"""A hand-made company whose acquisition figures a person can work out on paper (docs/targeting.md).

Rates: a call costs 1.00 a minute, a visit 50.00, handling an order 10.00. Every sale is one unit at
100.00 (list = net) costing 60.00, so an order brings 40.00 of margin less 10.00 handling = 30.00. No
invoices, so no credit cost.

* A (trade_fair, targeted), created 2024-01-05: a 30-minute call on 01-10 (30.00) and a visit on 01-15
  (50.00) before its first order on 2024-01-20; then an order on the 20th of every month to 2025-03-20:
  30.00 a month, 360.00 in its first 12 months (2024-01 .. 2024-12), 450.00 to 2025-03-31.
* B (trade_fair, targeted), created 2024-01-08: one 20-minute call (20.00), never won (lost).
* The fair campaign FAIR-2024-01 (trade_fair, both modes, 2024-01-01 .. 01-31) cost 100.00: 50.00 each
  for A and B. Trade fair / targeted: 2 prospects, 1 won (50 %), cost 30 + 50 + 20 + 100 = 200.00, all
  on A: A's cumulative 30, 60, ... reaches 200 in month 7 (210).
* C (cold_call_directory, spontaneous), created 2024-01-03: calls of 10 minutes on 01-04 and 01-25
  (20.00), first order 2024-02-01 (unit cost 90: 10.00 margin - 10.00 handling = 0.00), a second on
  2024-03-01 at 50.00 net, 60.00 cost (-10.00 - 10.00 = -20.00): -20.00 to date, loss-making, not active
  at 2025-03-31 (last order more than 180 days before), no payback.
* D (cold_call_directory, spontaneous), created 2024-01-20: an open prospect, untouched. Cold call /
  spontaneous: 2 prospects, 1 won, cost 20.00 per customer won.
* The directory campaign DIR-2024-06 (cold_call_directory, spontaneous, June 2024, 30.00) feeds no
  prospect: unallocated.
* E, created 2023-12-15, and the supplier S are left out (before --since 2024-01-01; not a prospect).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

AS_OF = dt.date(2025, 3, 31)
SINCE = dt.date(2024, 1, 1)


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    out, day = [], first
    while day <= last:
        out.append(day)
        day = day.replace(year=day.year + day.month // 12, month=day.month % 12 + 1)
    return out


def _counterparty(
    cid: str, roles: str, status: str, channel: str | None, mode: str | None, created: str, owner: str
) -> dict[str, Any]:
    return {
        "counterparty_id": cid,
        "name": f"Company {cid}",
        "roles": roles,
        "status": status,
        "owner_id": owner,
        "acquisition_channel": channel,
        "acquisition_mode": mode,
        "country": "SE",
        "industry": "construction",
        "size_band": "small",
        "payment_days": "30",  # the registry's rules: an active customer needs agreed terms
        "created_at": created,
    }


def rows() -> dict[str, list[dict[str, Any]]]:
    """The example's rows, table by table (values as text, as a CSV would hold them)."""
    sales = [("A", d, "60.0000", "100.0000") for d in _months(dt.date(2024, 1, 20), dt.date(2025, 3, 20))]
    sales += [
        ("C", dt.date(2024, 2, 1), "90.0000", "100.0000"),
        ("C", dt.date(2024, 3, 1), "60.0000", "50.0000"),
    ]
    sales += [("E", dt.date(2024, 1, 2), "60.0000", "100.0000")]
    lines, orders, handling = [], [], []
    for i, (cid, day, cost, net) in enumerate(sales, start=1):
        oid = f"O{i:03d}"
        orders.append({"order_id": oid, "counterparty_id": cid, "order_date": day.isoformat()})
        lines.append(
            {
                "order_id": oid,
                "line_no": "1",
                "counterparty_id": cid,
                "order_date": day.isoformat(),
                "product_id": "P1",
                "quantity": "1",
                "list_price": "100.0000",
                "net_price": net,
                "unit_cost": cost,
            }
        )
        handling.append(("order_handling", cid, day.isoformat(), "1", oid))
    winning = [
        ("call", "A", "2024-01-10", "30", None),
        ("visit", "A", "2024-01-15", "1", None),
        ("call", "B", "2024-01-09", "20", None),
        ("call", "C", "2024-01-04", "10", None),
        ("call", "C", "2024-01-25", "10", None),
    ]
    activities = [
        {
            "activity_id": f"A{i:03d}",
            "kind": k,
            "counterparty_id": c,
            "activity_date": d,
            "quantity": q,
            "order_id": o,
        }
        for i, (k, c, d, q, o) in enumerate(winning + handling, start=1)
    ]
    return {
        "settings": [{"key": "currency", "value": "EUR"}, {"key": "financing_rate_annual", "value": "0.08"}],
        "managers": [
            {"manager_id": "M1", "name": "Head", "role": "head"},
            {"manager_id": "M2", "name": "Manager", "role": "manager"},
            {"manager_id": "M3", "name": "Analyst", "role": "analyst"},
        ],
        "cost_drivers": [
            {"kind": "call", "unit": "minute", "rate": "1.000000"},
            {"kind": "visit", "unit": "event", "rate": "50.000000"},
            {"kind": "order_handling", "unit": "event", "rate": "10.000000"},
        ],
        "products": [{"product_id": "P1", "name": "Drill", "list_price": "100.0000", "unit_cost": "60.0000"}],
        "counterparties": [
            _counterparty("A", "customer", "active", "trade_fair", "targeted", "2024-01-05", "M2"),
            _counterparty("B", "prospect", "lost", "trade_fair", "targeted", "2024-01-08", "M2"),
            _counterparty("C", "customer", "lost", "cold_call_directory", "spontaneous", "2024-01-03", "M1"),
            _counterparty(
                "D", "prospect", "prospect", "cold_call_directory", "spontaneous", "2024-01-20", "M1"
            ),
            _counterparty("E", "customer", "active", "referral", "targeted", "2023-12-15", "M1"),
            {
                **_counterparty("S", "supplier", "active", None, None, "2024-01-02", "M1"),
                "size_band": "large",
            },
        ],
        "orders": orders,
        "order_lines": lines,
        "activities": activities,
        "campaigns": [
            {
                "campaign_id": "FAIR-2024-01",
                "channel": "trade_fair",
                "mode": None,
                "start": "2024-01-01",
                "end": "2024-01-31",
                "cost": "100.00",
            },
            {
                "campaign_id": "DIR-2024-06",
                "channel": "cold_call_directory",
                "mode": "spontaneous",
                "start": "2024-06-01",
                "end": "2024-06-30",
                "cost": "30.00",
            },
        ],
    }


def arrow_tables() -> dict[str, pa.Table]:
    """The example as all-text Arrow tables for the exchange loader."""
    out = {}
    for name, data in rows().items():
        columns = sorted({k for r in data for k in r})
        out[name] = pa.table({c: pa.array([r.get(c) for r in data], pa.string()) for c in columns})
    return out


def load(store: Any) -> None:
    """Load the example into an empty store through the exchange loader (every rule checked)."""
    from clientbase.exchange.load import load_tables

    load_tables(store, arrow_tables())
