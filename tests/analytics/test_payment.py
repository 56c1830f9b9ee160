"""Payment discipline on a worked example (days to pay, share late, DSO by hand), on DuckDB and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest

from clientbase.analytics.payment import PAYMENT_COLUMNS, payment_discipline
from clientbase.analytics.tables import Tables
from clientbase.errors import ConfigurationError
from clientbase.store import connect
from tests.analytics import example

d = dt.date
AS_OF = d(2024, 6, 30)


def _cp(cid: str, days: int | None) -> dict[str, Any]:
    return dict(
        counterparty_id=cid,
        name=cid,
        roles="customer",
        status="active",
        created_at=d(2020, 1, 1),
        payment_days=days,
    )


def _inv(iid: str, cid: str, issue: dt.date, due: dt.date, amount: str) -> dict[str, Any]:
    return dict(invoice_id=iid, counterparty_id=cid, issue_date=issue, due_date=due, amount=D(amount))


def _pay(pid: str, iid: str, day: dt.date, amount: str) -> dict[str, Any]:
    return dict(payment_id=pid, invoice_id=iid, paid_date=day, amount=D(amount))


ROWS: dict[str, list[dict[str, Any]]] = {
    "counterparties": [_cp("A", 30), _cp("B", None), _cp("C", 45)],
    "invoices": [
        _inv("F0", "A", d(2023, 12, 1), d(2023, 12, 31), "200"),  # before the window: receivables only
        _inv(
            "F1", "A", d(2024, 1, 10), d(2024, 2, 9), "1000"
        ),  # paid in two parts, the last on 03-10: 60 days
        _inv("F2", "A", d(2024, 3, 1), d(2024, 3, 31), "500"),  # paid on its due date: 30 days, on time
        _inv("F3", "A", d(2024, 5, 15), d(2024, 6, 14), "800"),  # 300 paid by as_of: due, unsettled, late
        _inv("F4", "A", d(2024, 4, 1), d(2024, 5, 1), "-100"),  # a credit note: no days to pay, no lateness
        _inv("F5", "A", d(2024, 6, 20), d(2024, 7, 20), "400"),  # not due yet
        _inv("G1", "B", d(2024, 6, 1), d(2024, 7, 1), "400"),  # paid after 10 days, not due at as_of
        _inv("H1", "C", d(2024, 6, 10), d(2024, 7, 10), "-50"),  # only a credit note
    ],
    "payments": [
        _pay("p0", "F0", d(2024, 1, 20), "200"),
        _pay("p1", "F1", d(2024, 2, 9), "600"),
        _pay("p2", "F1", d(2024, 3, 10), "400"),
        _pay("p3", "F2", d(2024, 3, 31), "500"),
        _pay("p4", "F3", d(2024, 6, 20), "300"),
        _pay("p5", "F3", d(2024, 7, 5), "500"),  # after as_of: not counted
        _pay("p6", "G1", d(2024, 6, 11), "400"),
    ],
}

EXPECTED = {
    "A": {
        "payment_days": 30,
        "invoices_settled": 2,
        "avg_days_to_pay": 45.0,  # (60 + 30) / 2
        "days_over_terms": 15.0,
        "invoices_due": 3,  # F1, F2, F3
        "invoices_late": 2,  # F1 (settled after its due date), F3 (unsettled)
        "share_paid_late": 2 / 3,
        "receivables": D("800.00"),  # F3 500 + F4 -100 + F5 400
        "credit_sales": D("1200.00"),  # issued 2024-04-02 .. 06-30: F3 800 + F5 400 (F4 is a day too early)
        "dso": 60.0,  # 800 / 1200 x 90
    },
    "B": {
        "payment_days": None,
        "invoices_settled": 1,
        "avg_days_to_pay": 10.0,
        "days_over_terms": None,
        "invoices_due": 0,
        "invoices_late": 0,
        "share_paid_late": None,
        "receivables": D("0.00"),
        "credit_sales": D("400.00"),
        "dso": 0.0,
    },
    "C": {
        "payment_days": 45,
        "invoices_settled": 0,
        "avg_days_to_pay": None,
        "days_over_terms": None,
        "invoices_due": 0,
        "invoices_late": 0,
        "share_paid_late": None,
        "receivables": D("-50.00"),
        "credit_sales": D("-50.00"),
        "dso": None,  # no positive credit sales
    },
}


def test_payment_discipline_by_hand_on_every_engine(db_url: str) -> None:
    with connect(db_url) as store:
        example.load(store, ROWS)
        t = Tables.from_backend(store.ibis)
        result = payment_discipline(
            t.invoices, t.payments, t.counterparties, as_of=AS_OF, start=d(2024, 1, 1), dso_days=90
        )
        rows = result.to_pyarrow().to_pylist()
    assert tuple(result.columns) == PAYMENT_COLUMNS
    got = {r.pop("counterparty_id"): r for r in rows}
    assert got.keys() == EXPECTED.keys()
    for cid, expected in EXPECTED.items():
        for column, value in expected.items():
            assert got[cid][column] == (pytest.approx(value) if isinstance(value, float) else value), (
                cid,
                column,
            )


def test_default_window_is_twelve_months_and_bad_options_are_refused() -> None:
    with connect("duckdb:///:memory:") as store:
        example.load(store, ROWS)
        t = Tables.from_backend(store.ibis)
        # window 2023-07-01 .. 2024-06-30 takes F0 in: settled after 50 days, late (due 12-31, paid 01-20)
        rows = (
            payment_discipline(t.invoices, t.payments, t.counterparties, as_of=AS_OF).to_pyarrow().to_pylist()
        )
        a = next(r for r in rows if r["counterparty_id"] == "A")
        assert a["invoices_settled"] == 3 and a["avg_days_to_pay"] == pytest.approx((50 + 60 + 30) / 3)
        assert a["invoices_late"] == 3 and a["invoices_due"] == 4
        with pytest.raises(ConfigurationError, match="dso_days=0"):
            payment_discipline(t.invoices, t.payments, t.counterparties, as_of=AS_OF, dso_days=0)
        with pytest.raises(ConfigurationError, match="after as_of"):
            payment_discipline(t.invoices, t.payments, t.counterparties, as_of=AS_OF, start=d(2024, 7, 1))


@pytest.mark.spark
@pytest.mark.slow
def test_payment_discipline_on_spark(spark: Any) -> None:
    from tests.analytics.engines import spark_tables

    t = spark_tables(spark, ROWS, prefix="payment")
    result = payment_discipline(t.invoices, t.payments, t.counterparties, as_of=AS_OF, start=d(2024, 1, 1))
    got = {r.pop("counterparty_id"): r for r in result.to_pyarrow().to_pylist()}
    for cid, expected in EXPECTED.items():
        for column, value in expected.items():
            assert got[cid][column] == (pytest.approx(value) if isinstance(value, float) else value), (
                cid,
                column,
            )
