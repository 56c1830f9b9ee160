"""The three-customer company of tests/decisions/company.py with what the health check reads beside the
sales: first orders, a field history, duplicate pairs with a review decision, and three tasks."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from clientbase import schema
from tests.decisions.company import ROWS, build

d = dt.date
AS_OF = d(2024, 12, 31)


def rows() -> dict[str, list[dict[str, Any]]]:
    out = copy.deepcopy(ROWS)
    first = {"A": d(2024, 3, 1), "B": d(2024, 5, 2)}
    for cp in out["counterparties"]:
        cp["first_order_date"] = first.get(cp["counterparty_id"])
    return out


def _task(tid: str, cid: str, owner: str, status: str, due: dt.date, effect: str = "100") -> dict[str, Any]:
    return dict(
        task_id=tid,
        counterparty_id=cid,
        code="reprice",
        owner_id=owner,
        status=status,
        priority=1,
        expected_effect=Decimal(effect),
        due=due,
        created_at=dt.datetime(2024, 6, 1),
        version=1,
    )


def load_small(store: Any) -> None:
    build(store, rows())
    fh = schema.field_history
    history = [
        # A entered in the common base; its last field set on 2024-03-11 (10 days after its first order)
        dict(
            history_id="h1",
            table_name="counterparties",
            record_id="A",
            field_name="name",
            old_value=None,
            new_value="Customer A",
            changed_at=dt.datetime(2020, 1, 1),
            source="ui",
        ),
        dict(
            history_id="h2",
            table_name="counterparties",
            record_id="A",
            field_name="city",
            old_value=None,
            new_value="Oslo",
            changed_at=dt.datetime(2024, 3, 11),
            source="ui",
        ),
        # B imported from a list, complete on the day of its first order
        dict(
            history_id="h3",
            table_name="counterparties",
            record_id="B",
            field_name="name",
            old_value=None,
            new_value="Customer B",
            changed_at=dt.datetime(2024, 5, 2),
            source="import:B1",
            batch_id="B1",
        ),
    ]
    with store.begin() as conn:
        conn.execute(sa.insert(fh), [{c.name: h.get(c.name) for c in fh.columns} for h in history])
        conn.execute(
            sa.insert(schema.metrics_state),
            [{"name": "customer_metrics", "fingerprint": "x", "computed_at": dt.datetime(2025, 1, 1)}],
        )
        conn.execute(
            sa.insert(schema.suspected_duplicates),
            [
                {"id_l": "A", "id_r": "B", "match_probability": 0.9},
                {"id_l": "A", "id_r": "C", "match_probability": 0.8},
            ],
        )
        conn.execute(
            sa.insert(schema.duplicate_decisions),
            [{"id_l": "A", "id_r": "C", "decision": "rejected", "decided_at": dt.datetime(2025, 1, 2)}],
        )
        conn.execute(
            sa.insert(schema.action_tasks),
            [
                _task("T1", "C", "M03", "open", d(2024, 12, 1)),
                _task("T2", "A", "M03", "accepted", d(2025, 1, 31)),
                _task("T3", "B", "M04", "rejected", d(2024, 12, 1)),
            ],
        )
