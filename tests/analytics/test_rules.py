"""Small rules: periods, rounding, credit cost, and the clear errors on bad inputs."""

from __future__ import annotations

import datetime as dt
import doctest
import importlib
from decimal import Decimal as D

import ibis
import pytest

from clientbase.analytics.credit import credit_cost, financing_rate
from clientbase.analytics.money import cents
from clientbase.analytics.period import PeriodError, resolve_periods
from clientbase.analytics.run import analyze
from clientbase.analytics.tables import Tables
from clientbase.errors import ConfigurationError, ValidationError
from tests.analytics import example
from tests.analytics.engines import memtables

MODULES = [
    "period",
    "money",
    "credit",
    "cost_to_serve",
    "pnl",
    "whale",
    "bridge",
    "rollup",
    "headline",
    "sales",
    "timeline",
    "facts",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(f"clientbase.analytics.{name}")
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0


def test_rounding_is_half_away_from_zero() -> None:
    assert cents(D("0.005")) == D("0.01") and cents(D("-0.005")) == D("-0.01")
    # 18250 amount-days at 1 % a year = 0.50 exactly; 182.5 amount-days at 1 % = 0.005 -> 0.01
    assert credit_cost(D("18250"), D("0.01")) == D("0.50")
    assert credit_cost(D("182.50"), D("0.01")) == D("0.01")


def test_default_periods_are_twelve_months_each() -> None:
    p = resolve_periods(latest_order_date=dt.date(2024, 2, 29), latest_date=None)
    assert (p.current.start, p.current.end) == (dt.date(2023, 3, 1), dt.date(2024, 2, 29))
    assert (p.previous.start, p.previous.end) == (dt.date(2022, 3, 1), dt.date(2023, 2, 28))
    q = resolve_periods(
        latest_order_date=None, latest_date=None, start=dt.date(2024, 1, 10), end=dt.date(2024, 1, 19)
    )
    assert (q.previous.start, q.previous.end) == (dt.date(2023, 12, 31), dt.date(2024, 1, 9))


def test_bad_inputs_say_how_to_fix() -> None:
    with pytest.raises(ConfigurationError, match="give --from and --to") as no_sales:
        resolve_periods(latest_order_date=None, latest_date=None)
    # the error names its inputs, so each front end words them: the CLI's options by default
    assert isinstance(no_sales.value, PeriodError) and no_sales.value.no_sales
    assert no_sales.value.fields == ("start", "end")
    assert no_sales.value.worded({"start": "from", "end": "to"}).endswith("give from and to.")
    with pytest.raises(PeriodError, match="give --as-of on or after --to") as late:
        resolve_periods(latest_order_date=dt.date(2024, 6, 30), latest_date=None, as_of=dt.date(2024, 1, 1))
    assert late.value.fields == ("as_of", "end") and not late.value.no_sales
    with pytest.raises(ConfigurationError, match="financing_rate_annual"):
        financing_rate("8%")
    with pytest.raises(ConfigurationError, match="ends before it starts"):
        resolve_periods(
            latest_order_date=None, latest_date=None, start=dt.date(2024, 2, 1), end=dt.date(2024, 1, 1)
        )


def test_unpriced_activity_is_refused() -> None:
    rows = {**example.ROWS, "activities": [*example.ROWS["activities"]]}
    rows["activities"].append(
        dict(
            activity_id="z",
            counterparty_id="A",
            activity_date=dt.date(2024, 5, 5),
            kind="rush_order",
            quantity=D(1),
        )
    )
    with pytest.raises(ValidationError, match="no cost driver"):
        analyze(memtables(rows), **example.PERIOD, **example.COMPARE)


def test_overlapping_rates_are_refused() -> None:
    drivers = [*example.ROWS["cost_drivers"]]
    drivers.append(dict(kind="visit", valid_from=dt.date(2024, 1, 1), valid_to=None, unit="event", rate=D(1)))
    with pytest.raises(ValidationError, match="two rates of kind 'visit'"):
        analyze(memtables({**example.ROWS, "cost_drivers": drivers}), **example.PERIOD, **example.COMPARE)


def test_amounts_finer_than_cents_are_refused() -> None:
    t = memtables(example.ROWS)
    invoices = t.invoices.mutate(amount=t.invoices.amount.cast("decimal(18, 3)"))
    with pytest.raises(ConfigurationError, match=r"invoices.amount is decimal\(18, 3\)"):
        analyze(Tables(**{**t.__dict__, "invoices": invoices}), **example.PERIOD, **example.COMPARE)


def test_transactions_without_a_customer_are_refused() -> None:
    t = memtables(example.ROWS)
    lines = t.order_lines.mutate(counterparty_id=ibis.null("string"))
    with pytest.raises(ValidationError, match="order_lines have no counterparty_id"):
        analyze(Tables(**{**t.__dict__, "order_lines": lines}), **example.PERIOD, **example.COMPARE)
