"""Exactness of the per-customer sums: integer splitting, decimal buffers, span and as-of buckets, overflow.

The analysis sums in the engine per (customer, span, bucket) and adds those rows up in Python integers
(clientbase.analytics.facts, money). These tests pin the arithmetic at its edges: negative and 64-bit-sized
values, sliced decimal arrays with nulls, equal or reversed as-of dates, and products near 2^62 where int64
arithmetic would wrap silently.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal as D

import ibis
import numpy as np
import pyarrow as pa

from clientbase.analytics.credit import credit_columns, invoice_spans, payment_spans
from clientbase.analytics.facts import by_customer, unscaled
from clientbase.analytics.money import cents, div_round, group_sum
from clientbase.analytics.period import Period
from clientbase.analytics.pnl import credit_cents
from clientbase.analytics.run import analyze
from clientbase.analytics.timeline import Timeline
from tests.analytics import example
from tests.analytics.engines import memtables

d = dt.date


def test_group_sum_of_negative_and_large_values_is_exact() -> None:
    values = np.array([2**40 + 1, -(2**40), -3, 2**62 - 1, 2**62 - 1, -5], dtype=np.int64)
    groups = np.array([0, 0, 1, 2, 2, 1])
    got = group_sum(groups, values, 4)
    # group 2 needs 63 bits: the sum must not wrap
    assert [int(v) for v in got] == [1, -8, 2**63 - 2, 0]


def test_unscaled_reads_sliced_decimal_arrays_with_nulls() -> None:
    big = D(10) ** 25  # needs more than 64 bits at scale 2
    array = pa.array([big, D("1.25"), None, D("-0.07"), big], pa.decimal128(38, 2))
    assert unscaled(array.slice(1, 3), 2).tolist() == [125, 0, -7]
    assert unscaled(array.slice(1, 3), 4).tolist() == [12500, 0, -700]
    assert [int(v) for v in unscaled(array.slice(3), 2)] == [-7, 10**27]
    chunked = pa.chunked_array([array.slice(0, 1), array.slice(3, 1)])
    assert [int(v) for v in unscaled(chunked, 2)] == [10**27, -7]
    assert unscaled(pa.chunked_array([], pa.decimal128(38, 7)), 7).tolist() == []


def test_spans_of_overlapping_and_one_day_periods() -> None:
    t = Timeline(
        {"cur": Period(d(2024, 3, 5), d(2024, 3, 5)), "prev": Period(d(2024, 1, 1), d(2024, 12, 31))}
    )
    assert t.cuts == [d(2024, 1, 1), d(2024, 3, 5), d(2024, 3, 6), d(2025, 1, 1)]
    assert t.spans("cur") == [2]
    assert t.spans("prev") == [1, 2, 3]


def _credit(as_of: dict[str, dt.date]) -> dict[str, list[int]]:
    invoices = ibis.memtable(
        {
            "invoice_id": ["F1", "F2"],
            "counterparty_id": ["C1", "C1"],
            "issue_date": [d(2023, 6, 1), d(2024, 1, 1)],
            "due_date": [d(2023, 7, 1), d(2024, 1, 11)],
            "amount": [D("100.00"), D("50.00")],
        }
    )
    payments = ibis.memtable(
        {
            "invoice_id": ["F1", "F1"],
            "paid_date": [d(2023, 7, 11), d(2025, 2, 10)],
            "amount": [D("60.00"), D("40.00")],
        }
    )
    timeline = Timeline(
        {"cur": Period(d(2024, 1, 1), d(2024, 12, 31)), "prev": Period(d(2023, 1, 1), d(2023, 12, 31))}
    )
    inv = invoice_spans(invoices, timeline, as_of).to_pyarrow()
    pay = payment_spans(invoices, payments, timeline, as_of).to_pyarrow()
    _, g = by_customer({"invoices": inv, "payments": pay})
    out = credit_columns(g["invoices"], g["payments"], timeline, as_of)
    return {k: [int(x) for x in v] for k, v in out.items()}


def test_credit_with_equal_as_of_dates() -> None:
    r = _credit({"cur": d(2025, 1, 31), "prev": d(2025, 1, 31)})
    # prev, F1: 60 paid after 40 days, 40 still open 610 days (the 2025-02-10 payment is after as_of)
    assert r["prev_amount_days"] == [(60 * 40 + 40 * 610) * 100]
    assert r["prev_overdue_amount"] == [40_00]
    # late: 100 x 580 days past due - 60 x 570 days (paid 10 days late)
    assert r["prev_late_amount_days"] == [(100 * 580 - 60 * 570) * 100]
    # cur, F2: 50 open 396 days, 386 of them past due
    assert r["cur_amount_days"] == [50 * 396 * 100]
    assert r["cur_overdue_amount"] == [50_00]
    assert r["cur_late_amount_days"] == [50 * 386 * 100]


def test_credit_with_the_earlier_period_observed_later() -> None:
    r = _credit({"cur": d(2025, 1, 31), "prev": d(2025, 2, 15)})
    # prev as of 2025-02-15: the 40 paid on 2025-02-10 (620 days after issue) now counts
    assert r["prev_amount_days"] == [(60 * 40 + 40 * 620) * 100]
    assert r["prev_overdue_amount"] == [0]
    assert r["prev_late_amount_days"] == [(100 * 595 - 60 * 585 - 40 * 5) * 100]
    assert r["cur_amount_days"] == [50 * 396 * 100]


def test_div_round_near_two_to_the_62() -> None:
    n = 2**62 + 10
    assert div_round(np.array([n], dtype=np.int64), 10).tolist() == [(n + 5) // 10]


def test_credit_cents_with_a_rate_of_many_digits() -> None:
    rate = D("0.123456789")
    amount_days = 40_000_000_000  # cent-days: 1.1 million unpaid for a year
    want = int(cents(D(amount_days) * rate / 365 / 100) * 100)
    assert credit_cents(np.array([amount_days], dtype=np.int64), rate).tolist() == [want]


def test_cost_summed_over_spans_just_above_two_to_the_62() -> None:
    # scale 9: two spans of about 4.6 billion each; group_sum stays on int64, the sum is 2^62 + 1
    v1, v2 = 2**62 - 1, 2
    table = pa.table(
        {
            "counterparty_id": ["A", "A"],
            "cost": pa.array([D(v1).scaleb(-9), D(v2).scaleb(-9)], pa.decimal128(38, 9)),
        }
    )
    _, g = by_customer({"a": table})
    got = g["a"].cents("cost", 9, np.array([True, True]))
    assert [int(x) for x in got] == [(v1 + v2 + 5 * 10**6) // 10**7]


def test_analysis_credit_cost_with_a_rate_of_many_digits() -> None:
    rows = copy.deepcopy(example.ROWS)
    rows["settings"] = [
        {"key": "currency", "value": "EUR"},
        {"key": "financing_rate_annual", "value": "0.123456789"},
    ]
    rows["invoices"] = [
        dict(
            invoice_id="FX",
            counterparty_id="B",
            issue_date=d(2024, 1, 31),
            due_date=d(2024, 3, 1),
            amount=D("1100000.00"),
        )
    ]
    rows["payments"] = []
    a = analyze(memtables(rows), **example.PERIOD, **example.COMPARE)
    # unpaid from 2024-01-31 to the as-of date 2025-01-31: 366 days
    assert a.pnl["B"].credit_cost == cents(D("1100000.00") * 366 * D("0.123456789") / 365)


def test_invoice_due_in_9999_does_not_break_the_analysis() -> None:
    rows = copy.deepcopy(example.ROWS)
    # 40 billion (a large invoice in IDR or VND) with the "no due date" placeholder 9999-12-31
    big = dict(
        invoice_id="FZ",
        counterparty_id="C",
        issue_date=d(2024, 5, 1),
        due_date=d(9999, 12, 31),
        amount=D("40000000000.00"),
    )
    rows["invoices"] = [*rows["invoices"], big]
    a = analyze(memtables(rows), **example.PERIOD, **example.COMPARE)
    # unpaid from 2024-05-01 to 2025-01-31 (275 days) at 7.3 % a year: 0.02 % a day
    assert a.pnl["C"].credit_cost == D("40000000000.00") * 275 * D("0.0002")
    assert a.pnl["C"].overdue_amount == 0
