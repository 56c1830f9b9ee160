"""Series from the base on the hand-made company of tests/analytics/example.py, checked by hand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from clientbase.errors import ConfigurationError
from clientbase.forecast.series import build_series
from clientbase.store import Store, connect
from tests.analytics import example

d = dt.date
AS_OF = d(2025, 1, 20)  # January 2025 is incomplete


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    with connect("duckdb:///:memory:") as s:
        example.load(s)
        yield s


def _value(series, key: dict[str, str], month: dt.date) -> int:  # type: ignore[no-untyped-def]
    return int(series.values[series.keys.index(key), series.periods.index(month)])


def test_net_revenue_per_customer_and_month_by_hand(store: Store) -> None:
    s = build_series(store, levels=["segment", "customer"], as_of=AS_OF)
    a = {"level": "customer", "customer": "A"}
    assert s.periods[0] == d(2022, 12, 1) and s.periods[-1] == d(2025, 1, 1)
    assert _value(s, a, d(2022, 12, 1)) == 9900  # 99 x 1.00
    assert _value(s, a, d(2024, 3, 1)) == 100000  # 10 x 90 + 5 x 20
    assert _value(s, a, d(2024, 4, 1)) == -9000  # the return: -1 x 90
    assert _value(s, {"level": "customer", "customer": "B"}, d(2024, 11, 1)) == 13650  # 3 x 45.50
    assert _value(s, {"level": "segment", "segment": "installers"}, d(2024, 3, 1)) == 100000
    assert _value(s, {"level": "total"}, d(2023, 9, 1)) == 2000  # D: 2 x 10
    # every aggregate is the exact sum of its customers
    assert (s.values == s.aggregate(s.values[-s.n_bottom :])).all()


def test_net_contribution_by_hand(store: Store) -> None:
    s = build_series(store, measure="net_contribution", levels=["customer"], as_of=AS_OF)
    a = {"level": "customer", "customer": "A"}
    # March 2024: 1,000.00 revenue - 660.00 cost of goods - credit of F1 (600 x 30 days + 400 x 60 days) x
    # 7.3 % / 365 = 42,000 x 0.0002 = 8.40
    assert _value(s, a, d(2024, 3, 1)) == 100000 - 66000 - 840
    # April 2024: the return -90 + 60 cost back, and the credit note F2 (-90.00) open to as_of
    days = (AS_OF - d(2024, 4, 1)).days
    assert _value(s, a, d(2024, 4, 1)) == -3000 + round(9000 * days * 0.0002)
    assert _value(s, a, d(2024, 5, 1)) == -24000  # two visits at 120
    assert _value(s, a, d(2024, 6, 1)) == -4500  # 30 call minutes at 1.50 (the rate until June)
    assert _value(s, a, d(2024, 8, 1)) == -4000  # 20 minutes at 2.00 from July
    assert _value(s, {"level": "customer", "customer": "C"}, d(2025, 1, 1)) == -12000  # the visit, so far


def test_orders_and_quantity(store: Store) -> None:
    orders = build_series(store, measure="orders", levels=["customer"], as_of=AS_OF)
    quantity = build_series(store, measure="quantity", levels=["customer"], as_of=AS_OF)
    a = {"level": "customer", "customer": "A"}
    assert _value(orders, a, d(2024, 3, 1)) == 100  # one order, counted in hundredths
    assert _value(quantity, a, d(2024, 3, 1)) == 15000  # 15 units in thousandths


def test_the_last_incomplete_month_is_marked(store: Store) -> None:
    s = build_series(store, as_of=AS_OF)
    assert s.last_incomplete and s.complete == len(s.periods) - 1
    full = build_series(store, as_of=d(2025, 1, 31))
    assert not full.last_incomplete and full.complete == len(full.periods)
    # the first order is on 2022-12-31: December 2022 is partial, so the fit starts in January 2023
    assert full.first_incomplete and full.fitted == slice(1, len(full.periods))


def test_a_manager_sees_their_own_book(store: Store) -> None:
    s = build_series(store, levels=["customer"], as_of=AS_OF, owner_id="M1")
    assert {k.get("customer") for k in s.keys[1:]} == {"A"}  # C bought nothing; B and D are M2's
    cost = build_series(store, measure="net_contribution", levels=["customer"], as_of=AS_OF, owner_id="M1")
    assert {k.get("customer") for k in cost.keys[1:]} == {"A", "C"}  # C cost its visits


def test_an_empty_book_is_a_clear_error(store: Store) -> None:
    with pytest.raises(ConfigurationError, match="among the customers of M9"):
        build_series(store, levels=["customer"], as_of=AS_OF, owner_id="M9")


def test_weeks_start_on_monday(store: Store) -> None:
    s = build_series(store, freq="week", as_of=AS_OF)
    assert all(p.weekday() == 0 for p in s.periods)
    assert _value(s, {"level": "total"}, d(2024, 3, 4)) == 100000  # 2024-03-10 is in the week of the 4th


def test_a_cell_bottom_adds_up_to_every_level(store: Store) -> None:
    s = build_series(store, levels=["segment", "owner", "region"], as_of=AS_OF)
    assert s.levels[-1] == "cell"
    assert (s.values == s.aggregate(s.values[-s.n_bottom :])).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"measure": "profit"}, "Unknown measure"),
        ({"freq": "day"}, "Unknown frequency"),
        ({"levels": ["city"]}, "Unknown level"),
    ],
)
def test_unknown_options_say_what_is_known(store: Store, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        build_series(store, **kwargs)  # type: ignore[arg-type]
