"""Decision inputs built by hand: a frame of a few customers with only the numbers a rule reads, so each
rule's worked example in docs/decisions.md can be checked to the cent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from clientbase.analytics.period import Period, Periods
from clientbase.decisions.inputs import DecisionInputs

#: the keys of an action in `clientbase actions --json` (the shape the issue fixes)
ACTION_KEYS = (
    "counterparty_id",
    "code",
    "priority",
    "reasons",
    "expected_effect",
    "assumptions",
    "owner_id",
    "due",
)
#: every column the rules read, with the value a row has unless it says otherwise
DEFAULTS: dict[str, Any] = {
    "name": None,
    "roles": "customer",
    "status": "active",
    "owner_id": "M03",
    "size_band": None,
    "segment": None,
    "acquisition_mode": None,
    "discount_pct": np.nan,
    "payment_days": np.nan,
    "gross_sales_list": 0,
    "discount": 0,
    "net_revenue": 0,
    "cogs": 0,
    "gross_margin": 0,
    "cost_to_serve": 0,
    "credit_cost": 0,
    "net_contribution": 0,
    "invoiced": 0,
    "overdue_amount": 0,
    "late_amount_days": 0,
    "orders": 0,
    "lines": 0,
    "activities": 0,
    "invoices": 0,
    "prev_gross_sales_list": 0,
    "prev_discount": 0,
    "prev_net_revenue": 0,
    "prev_net_contribution": 0,
    "bridge_price_discount": 0,
    "order_cost": 0,
    "relationship_cost": 0,
    "overdue_0": 0,
    "overdue_1": 0,
    "overdue_2": 0,
    "overdue_3": 0,
    "overdue_4": 0,
    "overdue": 0,
    "oldest_days": np.nan,
    "invoice_terms": np.nan,
    "avg_days_to_pay": np.nan,
    "days_over_terms": np.nan,
    "share_paid_late": np.nan,
    "dso": np.nan,
    "annual": 1.0,
    "band": 0,
    "repeat_purchases": 10.0,
    "usual_gap_days": 14.0,
    "days_since_last": 7.0,
    "p_alive": 0.99,
    "quality_score": 90.0,
    "quality_issues": None,
}
PERIOD = Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
PERIODS = Periods(
    current=PERIOD,
    previous=Period(dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
    as_of=dt.date(2024, 12, 31),
    as_of_previous=dt.date(2023, 12, 31),
)


def euros(value: str | float) -> int:
    """An amount in whole cents."""
    return int(Decimal(str(value)) * 100)


def stub_inputs(
    rows: dict[str, dict[str, Any]],
    *,
    materiality: str = "17.00",
    rate: str = "0.073",
    order_kinds: tuple[str, ...] = (),
    kinds: pd.DataFrame | None = None,
    head: str | None = "M01",
) -> DecisionInputs:
    """Inputs for the customers ``rows`` (id -> the columns that differ from :data:`DEFAULTS`; money in
    euros, converted to cents here)."""
    money = {
        c
        for c, v in DEFAULTS.items()
        if isinstance(v, int) and c not in ("orders", "lines", "activities", "invoices", "band")
    }
    money |= {"late_amount_days"}
    records = []
    for cid, values in rows.items():
        row = {**DEFAULTS, **values, "counterparty_id": cid}
        for column in money:
            if column in values:
                row[column] = euros(values[column])
        records.append(row)
    frame = pd.DataFrame(records).set_index("counterparty_id")
    analysis = SimpleNamespace(currency="EUR", financing_rate=Decimal(rate), periods=PERIODS)
    return DecisionInputs(
        analysis=analysis,  # type: ignore[arg-type]
        frame=frame,
        kinds=kinds if kinds is not None else pd.DataFrame(index=frame.index),
        counts=pd.DataFrame(index=frame.index),
        order_kinds=order_kinds,
        head_id=head,
        active_managers=frozenset({"M01", "M03", "M04"}),
        materiality=Decimal(materiality),
    )


def peers(n: int, prefix: str = "P", **values: Any) -> dict[str, dict[str, Any]]:
    """``n`` alike customers."""
    return {f"{prefix}{i}": dict(values) for i in range(1, n + 1)}
