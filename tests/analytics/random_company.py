"""Random small companies for the invariant and parity tests: every rule's corner in a few dozen rows.

Returns, credit notes, unpaid and partly paid invoices, payments after ``as_of``, rate changes mid-period,
customers active in only one period, activities without orders.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from tests.analytics.example import PERIOD

KINDS = ("visit", "call", "delivery", "order_handling")


def _money(rng: random.Random, low: int, high: int, places: int) -> Decimal:
    return Decimal(rng.randint(low * 10**places, high * 10**places)).scaleb(-places)


def random_company(seed: int, customers: int = 6, orders: int = 12, activities: int = 10) -> dict[str, Any]:
    """The rows of a random company whose dates fall in 2023-2025 (around the example's periods)."""
    rng = random.Random(seed)
    start = dt.date(2022, 12, 1)
    span = (PERIOD["as_of"] - start).days + 40

    def day() -> dt.date:
        return start + dt.timedelta(days=rng.randrange(span))

    ids = [f"R{seed}-{i}" for i in range(customers)]
    rows: dict[str, Any] = {
        "settings": [{"key": "financing_rate_annual", "value": str(_money(rng, 0, 1, 4) / 4)}],
        "cost_drivers": [
            dict(
                kind="visit",
                valid_from=dt.date(1900, 1, 1),
                valid_to=None,
                unit="event",
                rate=_money(rng, 1, 200, 6),
            ),
            dict(
                kind="call",
                valid_from=dt.date(1900, 1, 1),
                valid_to=dt.date(2024, 5, 31),
                unit="minute",
                rate=_money(rng, 0, 3, 6),
            ),
            dict(
                kind="call",
                valid_from=dt.date(2024, 6, 1),
                valid_to=None,
                unit="minute",
                rate=_money(rng, 0, 3, 6),
                cost_pool=_money(rng, 1000, 90000, 2),
                practical_capacity=_money(rng, 100, 50000, 3),
            ),
            dict(
                kind="delivery",
                valid_from=dt.date(1900, 1, 1),
                valid_to=None,
                unit="event",
                rate=_money(rng, 1, 90, 6),
            ),
            dict(
                kind="order_handling",
                valid_from=dt.date(1900, 1, 1),
                valid_to=None,
                unit="minute",
                rate=_money(rng, 0, 2, 6),
            ),
        ],
        "counterparties": [
            dict(
                counterparty_id=cid,
                name=f"Customer {cid}",
                roles="customer",
                status="active",
                created_at=dt.date(2020, 1, 1),
                segment=rng.choice(["a", "b", None]),
                acquisition_channel=rng.choice(["fair", "web", None]),
                acquisition_mode=rng.choice(["targeted", "spontaneous", None]),
                size_band=rng.choice(["small", "key"]),
                region=rng.choice(["North", "South"]),
            )
            for cid in ids
        ],
        "order_lines": [],
        "invoices": [],
        "payments": [],
        "activities": [],
    }
    for o in range(orders):
        cid, when = rng.choice(ids), day()
        total = Decimal(0)
        for n in range(1, rng.randint(1, 3) + 1):
            qty = _money(rng, -2 if rng.random() < 0.15 else 1, 20, 3)
            list_price = _money(rng, 1, 500, 4)
            net = (list_price * Decimal(rng.randint(70, 100)) / 100).quantize(Decimal("0.0001"))
            rows["order_lines"].append(
                dict(
                    order_id=f"R{seed}O{o}",
                    line_no=n,
                    counterparty_id=cid,
                    order_date=when,
                    product_id="P1",
                    quantity=qty,
                    list_price=list_price,
                    net_price=net,
                    unit_cost=_money(rng, 0, 400, 4),
                )
            )
            total += qty * net
        amount = total.quantize(Decimal("0.01"))
        rows["invoices"].append(
            dict(
                invoice_id=f"R{seed}F{o}",
                counterparty_id=cid,
                issue_date=when,
                due_date=when + dt.timedelta(days=rng.choice([0, 14, 30])),
                amount=amount,
            )
        )
        paid = Decimal(0)
        for k in range(rng.choice([0, 1, 1, 2])):
            part = amount if k == 0 and rng.random() < 0.6 else (amount / 2).quantize(Decimal("0.01"))
            rows["payments"].append(
                dict(
                    payment_id=f"R{seed}F{o}:{k}",
                    invoice_id=f"R{seed}F{o}",
                    paid_date=when + dt.timedelta(days=rng.randint(-3, 120)),
                    amount=part,
                )
            )
            paid += part
    for a in range(activities):
        rows["activities"].append(
            dict(
                activity_id=f"R{seed}A{a}",
                counterparty_id=rng.choice(ids),
                activity_date=day(),
                kind=rng.choice(KINDS),
                quantity=_money(rng, 0, 90, 3),
            )
        )
    return rows
