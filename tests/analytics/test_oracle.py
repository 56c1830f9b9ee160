"""The engine against a row-by-row oracle of the money rules (tests/analytics/oracle.py), to the cent.

``analyze`` sums per customer in the engine (conditional sums for both periods in one scan, the linear
credit formula, order headers); the oracle walks every order line, activity, invoice and payment in plain
Python, exactly as docs/methodology.md states the rules. Random small companies meet random period set-ups:
the defaults, adjacent compare periods, a gap, an overlap, a compare period after the analysed one, periods of
a few days and ``as_of`` dates that leave later payments out. Every customer of both periods is compared line
by line, and the set of customers too.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from clientbase.analytics.period import Periods, resolve_periods
from clientbase.analytics.run import analyze
from clientbase.errors import ConfigurationError
from tests.analytics import example, oracle
from tests.analytics.engines import memtables
from tests.analytics.random_company import random_company

d = dt.date
DAY = dt.timedelta(days=1)
#: every line of a customer's P&L the engine reports, compared one by one
FIELDS = (
    "gross_sales_list",
    "discount",
    "net_revenue",
    "cogs",
    "gross_margin",
    "cost_to_serve",
    "credit_cost",
    "net_contribution",
    "invoiced",
    "overdue_amount",
    "late_amount_days",
    "orders",
    "lines",
    "activities",
    "invoices",
)
MODES = ("default", "default_as_of", "months", "adjacent", "gap", "overlap", "after")


def _lines(customer: Any) -> dict[str, Any]:
    out = {name: getattr(customer, name) for name in FIELDS}
    # a kind that costs nothing may be left out: compare the kinds that cost something
    out["cost_to_serve_by_kind"] = {k: v for k, v in customer.cost_to_serve_by_kind.items() if v != 0}
    return out


def check_against_oracle(rows: dict[str, Any], **period_args: Any) -> Periods:
    """Run ``analyze`` on ``rows`` with ``period_args`` and compare both periods' P&L with the oracle."""
    a = analyze(memtables(rows), **period_args)
    latest_order, latest_any = oracle.latest_dates(rows)
    periods = resolve_periods(latest_order_date=latest_order, latest_date=latest_any, **period_args)
    assert a.periods == periods
    observed = (
        ("current", a.pnl, a.standings, a.totals, a.standing_totals, periods.current, periods.as_of),
        (
            "previous",
            a.pnl_previous,
            a.standings_previous,
            a.totals_previous,
            a.standing_totals_previous,
            periods.previous,
            periods.as_of_previous,
        ),
    )
    for label, got, standings, totals, by_standing, period, as_of in observed:
        want = oracle.period_pnl(rows, period.start, period.end, as_of)
        where = f"{label} period {period.start}..{period.end} as of {as_of}"
        assert sorted(got) == sorted(want), where
        for cid, expected in want.items():
            assert _lines(got[cid]) == _lines(expected), f"{cid}, {where}"
        for line in FIELDS[:8]:
            assert totals.lines[line] == sum((getattr(c, line) for c in want.values()), Decimal(0)), line
        for count in ("orders", "lines", "activities", "invoices"):
            assert totals.counts[count] == sum(getattr(c, count) for c in want.values()), count
        who = oracle.standings(rows, want, period.end)
        assert standings.to_dict() == who, where
        assert (totals.customers, totals.counterparties) == (list(who.values()).count("customer"), len(want))
        for kind, part in by_standing.items():  # the three standings add up to the company's total
            members = [c for c, k in who.items() if k == kind]
            assert part.counterparties == len(members), (kind, where)
            assert part.lines["net_contribution"] == sum(
                (want[c].net_contribution for c in members), Decimal(0)
            ), (kind, where)
        if label == "current":
            assert {(r.channel, r.mode): (r.prospects, r.activities, r.cost) for r in a.acquisition} == (
                oracle.acquisition(rows, want, who)
            ), where
    # the whale curve and the customer counts are over the customers in the analysed period
    now = oracle.period_pnl(rows, periods.current.start, periods.current.end, periods.as_of)
    who_now = oracle.standings(rows, now, periods.current.end)
    customers = sorted(c for c, kind in who_now.items() if kind == "customer")
    assert sorted(a.whale.ids.tolist()) == customers
    assert a.whale.total == sum((now[c].net_contribution for c in customers), Decimal(0))
    return periods


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


@st.composite
def period_args(draw: st.DrawFn, rows: dict[str, Any], mode: str) -> dict[str, Any]:
    """Keyword arguments of ``analyze`` for one period set-up of kind ``mode`` (:data:`MODES`), around a
    date where ``rows`` have data."""
    latest_order, _ = oracle.latest_dates(rows)
    if mode == "default":
        return {}
    if mode == "default_as_of":  # default periods, as_of before the last payment
        assert latest_order is not None
        return {"as_of": latest_order + draw(st.integers(0, 60)) * DAY}
    dated = sorted(
        {r["order_date"] for r in rows["order_lines"]}
        | {r["activity_date"] for r in rows["activities"]}
        | {r["issue_date"] for r in rows["invoices"]}
    )
    anchor = draw(st.sampled_from(dated)) if dated else d(2024, 6, 15)
    if mode == "months":  # whole calendar months, compared with as many months before
        first = anchor.replace(day=1)
        end = _month_end(first + draw(st.integers(0, 400)) * DAY)
        start, compare = first, {}
    else:
        length = draw(st.one_of(st.integers(1, 6), st.integers(7, 450)))  # a few days, or up to 15 months
        start = anchor - draw(st.integers(0, length - 1)) * DAY
        end = start + (length - 1) * DAY
        other = draw(st.one_of(st.integers(1, 6), st.integers(7, 450)))
        if mode == "adjacent":
            compare_end = start - DAY
            compare_start = compare_end - (other - 1) * DAY
        elif mode == "gap":
            compare_end = start - draw(st.integers(2, 300)) * DAY
            compare_start = compare_end - (other - 1) * DAY
        elif mode == "after":
            compare_start = end + draw(st.integers(1, 200)) * DAY
            compare_end = compare_start + (other - 1) * DAY
        else:  # overlap: shares at least one day, may contain or equal the analysed period
            compare_start = start + draw(st.integers(-other, length - 1)) * DAY
            compare_end = max(compare_start, start) + draw(st.integers(0, other)) * DAY
        compare = {"compare_start": compare_start, "compare_end": compare_end}
    # as_of: the default, a lag after the end, or a due or payment date (rules turn on those days)
    on_a_rule = sorted({r["due_date"] for r in rows["invoices"]} | {r["paid_date"] for r in rows["payments"]})
    as_of_choices = [st.none(), st.integers(0, 150).map(lambda lag: end + lag * DAY)]
    if any(day >= end for day in on_a_rule):
        as_of_choices.append(st.sampled_from([day for day in on_a_rule if day >= end]))
    as_of = draw(st.one_of(*as_of_choices))
    event(f"length: {'a few days' if (end - start).days < 6 else 'long'}")
    event(f"as_of: {'default' if as_of is None else 'given'}")
    return {"start": start, "end": end, **compare, **({} if as_of is None else {"as_of": as_of})}


# No shrinking: one example takes ~0.4 s, shrinking a failure took minutes; the falsifying example already
# prints everything to reproduce it (seed, sizes and the drawn periods).
@settings(
    max_examples=5,  # per period set-up: 35 in all
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 10**6),
    customers=st.integers(1, 8),
    orders=st.integers(1, 15),
    activities=st.integers(0, 12),
    data=st.data(),
)
@pytest.mark.parametrize("mode", MODES)
def test_engine_matches_the_oracle(
    mode: str, seed: int, customers: int, orders: int, activities: int, data: Any
) -> None:
    rows = random_company(seed, customers, orders, activities)
    args = data.draw(period_args(rows, mode), label="periods")
    check_against_oracle(rows, **args)


OVERLAPS = {
    "half-year overlap": dict(compare_start=d(2023, 7, 1), compare_end=d(2024, 6, 30)),
    "compare contains current": dict(compare_start=d(2023, 12, 1), compare_end=d(2025, 2, 28)),
}


@pytest.mark.parametrize("seed", [1, 7, 42, 2024, 99991])
@pytest.mark.parametrize("overlap", list(OVERLAPS))
def test_overlapping_periods_match_the_oracle(seed: int, overlap: str) -> None:
    """Reproducible: 2024 as of 2025-01-31 against a compare period sharing months with it."""
    rows = random_company(seed, customers=6, orders=15, activities=12)
    periods = check_against_oracle(rows, **example.PERIOD, **OVERLAPS[overlap])
    assert periods.as_of_previous == OVERLAPS[overlap]["compare_end"] + dt.timedelta(days=31)


def test_oracle_reproduces_the_worked_example() -> None:
    """The oracle itself against the hand-worked numbers of docs/methodology.md section 5."""
    cur = oracle.period_pnl(example.ROWS, d(2024, 1, 1), d(2024, 12, 31), d(2025, 1, 31))
    prev = oracle.period_pnl(example.ROWS, d(2023, 1, 1), d(2023, 12, 31), d(2024, 1, 31))
    assert {c: v.net_contribution for c, v in cur.items()} == {
        "A": Decimal("-17.91"),
        "B": Decimal("3.78"),
        "C": Decimal("-15.00"),
    }
    assert {c: v.net_contribution for c, v in prev.items()} == {
        "A": Decimal("224.30"),
        "B": Decimal("20.00"),
        "D": Decimal("12.00"),
    }
    a, b = cur["A"], cur["B"]
    assert (a.gross_sales_list, a.discount, a.cogs, a.cost_to_serve) == (1000, 90, 600, 325)
    assert a.cost_to_serve_by_kind == {"visit": 240, "call": Decimal("85.00")}
    assert (a.credit_cost, a.invoiced, a.overdue_amount, a.late_amount_days) == (
        Decimal("2.91"),
        910,
        0,
        12000,
    )
    assert (a.orders, a.lines, a.activities, a.invoices) == (2, 3, 3, 2)
    assert (b.credit_cost, b.overdue_amount, b.late_amount_days) == (Decimal("1.97"), Decimal("136.50"), 5733)


def _tie_company() -> dict[str, Any]:
    """Two customers whose every rounded line is an exact half cent: +0.005 (T) and -0.005 (N)."""
    line = dict(line_no=1, product_id="P1", order_date=d(2024, 3, 1), list_price=Decimal("10.0050"))
    line.update(net_price=Decimal("10.0050"), unit_cost=Decimal("0.0050"))
    return {
        "settings": [{"key": "financing_rate_annual", "value": "0.0365"}],  # 0.0001 a day
        "cost_drivers": [
            dict(kind="visit", valid_from=d(1900, 1, 1), valid_to=None, unit="event", rate=Decimal("0.005"))
        ],
        "counterparties": [
            dict(counterparty_id=c, name=c, roles="customer", status="active", created_at=d(2020, 1, 1))
            for c in ("N", "T")
        ],
        "order_lines": [
            dict(line, order_id="O-T", counterparty_id="T", quantity=Decimal("1")),
            dict(line, order_id="O-N", counterparty_id="N", quantity=Decimal("-1")),
        ],
        "activities": [
            dict(
                activity_id="a",
                counterparty_id="T",
                activity_date=d(2024, 3, 2),
                kind="visit",
                quantity=Decimal("1"),
            )
        ],
        "invoices": [  # settled after 5 days: +-50 amount-days, +-0.005 of credit cost
            dict(
                invoice_id=f"F-{c}",
                counterparty_id=c,
                issue_date=d(2024, 3, 1),
                due_date=d(2024, 3, 31),
                amount=a,
            )
            for c, a in (("T", Decimal("10.00")), ("N", Decimal("-10.00")))
        ],
        "payments": [
            dict(payment_id=f"p-{c}", invoice_id=f"F-{c}", paid_date=d(2024, 3, 6), amount=a)
            for c, a in (("T", Decimal("10.00")), ("N", Decimal("-10.00")))
        ],
    }


def test_half_cents_round_away_from_zero() -> None:
    """Ties are where rounding rules differ, and random data almost never hits one."""
    rows = _tie_company()
    want = oracle.period_pnl(rows, d(2024, 1, 1), d(2024, 12, 31), d(2025, 1, 31))
    t, n = want["T"], want["N"]
    assert (t.gross_sales_list, t.net_revenue, t.cogs, t.credit_cost) == (
        Decimal("10.01"),
        Decimal("10.01"),
        Decimal("0.01"),
        Decimal("0.01"),
    )
    assert t.cost_to_serve_by_kind == {"visit": Decimal("0.01")}
    assert (n.gross_sales_list, n.net_revenue, n.cogs, n.credit_cost) == (
        Decimal("-10.01"),
        Decimal("-10.01"),
        Decimal("-0.01"),
        Decimal("-0.01"),
    )
    check_against_oracle(rows, **example.PERIOD, **example.COMPARE)


def test_the_worked_example_matches_the_oracle() -> None:
    check_against_oracle(example.ROWS, **example.PERIOD, **example.COMPARE)


def test_as_of_inside_the_period_is_refused() -> None:
    rows = random_company(1)
    with pytest.raises(ConfigurationError, match="before the period ends"):
        analyze(memtables(rows), start=d(2024, 1, 1), end=d(2024, 12, 31), as_of=d(2024, 6, 30))
