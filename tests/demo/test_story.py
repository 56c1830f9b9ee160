"""The story the analysis must later explain: revenue grows while a simple net profit falls.

The story is a statistical property of the whole company, so it is checked on 2,000 customers (about
370k order lines, a few seconds); on a few hundred customers chance can hide it.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from clientbase.demo.generate import DemoData, generate

#: net profit per 365-day year back from the end date: gross margin - activity cost - credit cost
YEARLY = """
WITH lines AS (
    SELECT {years} - 1 - (DATE '{end}' - order_date) // 365 AS y, quantity * net_price AS revenue,
           quantity * (net_price - unit_cost) AS margin FROM order_lines),
serve AS (
    SELECT {years} - 1 - (DATE '{end}' - activity_date) // 365 AS y, sum(a.quantity * d.rate) AS cost
    FROM activities a JOIN cost_drivers d USING (kind) GROUP BY 1),
paid AS (
    SELECT invoice_id, sum(p.amount) AS paid, sum(p.amount * (p.paid_date - i.issue_date)) AS amount_days
    FROM payments p JOIN invoices i USING (invoice_id) GROUP BY 1),
credit AS (
    SELECT {years} - 1 - (DATE '{end}' - issue_date) // 365 AS y,
           sum(coalesce(amount_days, 0) + (amount - coalesce(paid, 0)) * (DATE '{end}' - issue_date))
               * 0.08 / 365 AS cost
    FROM invoices LEFT JOIN paid USING (invoice_id) GROUP BY 1)
SELECT y, sum(revenue) AS revenue, sum(margin) - any_value(s.cost) - any_value(c.cost) AS net_profit
FROM lines JOIN serve s USING (y) JOIN credit c USING (y) GROUP BY y ORDER BY y
"""

PER_CUSTOMER = """
WITH margin AS (SELECT counterparty_id, sum(quantity * (net_price - unit_cost)) AS v FROM order_lines GROUP BY 1),
serve AS (SELECT counterparty_id, sum(a.quantity * d.rate) AS v FROM activities a JOIN cost_drivers d USING (kind) GROUP BY 1),
paid AS (SELECT invoice_id, sum(p.amount) AS paid, sum(p.amount * (p.paid_date - i.issue_date)) AS amount_days
         FROM payments p JOIN invoices i USING (invoice_id) GROUP BY 1),
credit AS (SELECT counterparty_id, sum(coalesce(amount_days, 0) + (amount - coalesce(paid, 0)) * (DATE '{end}' - issue_date)) * 0.08 / 365 AS v
           FROM invoices LEFT JOIN paid USING (invoice_id) GROUP BY 1)
SELECT counterparty_id FROM margin m LEFT JOIN serve s USING (counterparty_id) LEFT JOIN credit c USING (counterparty_id)
WHERE m.v - coalesce(s.v, 0) - coalesce(c.v, 0) < 0
"""


@pytest.fixture(scope="module")
def company() -> Iterator[tuple[DemoData, duckdb.DuckDBPyConnection]]:
    data = generate(customers=2000, years=3, seed=42)
    con = duckdb.connect()
    for name, table in data.tables.items():
        con.register(name, table)
    con.register("demo_truth", data.truth)
    yield data, con
    con.close()


def test_revenue_grows_every_year_while_net_profit_falls(
    company: tuple[DemoData, duckdb.DuckDBPyConnection],
) -> None:
    data, con = company
    rows = con.execute(YEARLY.format(years=3, end=data.story.end_date)).fetchall()
    assert [y for y, _, _ in rows] == [0, 1, 2]
    revenue = [r for _, r, _ in rows]
    profit = [p for _, _, p in rows]
    assert revenue[0] < revenue[1] < revenue[2]
    assert profit[0] > profit[1] > profit[2]
    growth = revenue[2] / revenue[0]
    assert 1.05 < growth < 1.40  # about 10 % a year over two steps


def test_unprofitable_truth_matches_the_documented_net_contribution(
    company: tuple[DemoData, duckdb.DuckDBPyConnection],
) -> None:
    data, con = company
    computed = {r[0] for r in con.execute(PER_CUSTOMER.format(end=data.story.end_date)).fetchall()}
    planted = {r["counterparty_id"] for r in data.truth.to_pylist() if r["cause"] == "unprofitable"}
    assert len(planted) > 100
    # the generator sums in float cents; only customers within a cent of zero could differ
    assert len(computed ^ planted) <= 0.01 * len(planted)


def test_the_small_order_tail_loses_money(company: tuple[DemoData, duckdb.DuckDBPyConnection]) -> None:
    data, con = company
    tail = {r["counterparty_id"] for r in data.truth.to_pylist() if r["cause"] == "small_order_tail"}
    losing = {r["counterparty_id"] for r in data.truth.to_pylist() if r["cause"] == "unprofitable"}
    assert len(tail & losing) > 0.6 * len(tail)
    spontaneous_loss = con.execute(
        """SELECT acquisition_mode, avg((counterparty_id IN (SELECT counterparty_id FROM demo_truth
                  WHERE cause = 'unprofitable'))::INT) FROM counterparties
           WHERE roles LIKE 'customer%' AND counterparty_id IN (SELECT counterparty_id FROM orders) GROUP BY 1"""
    ).fetchall()
    share = dict(spontaneous_loss)
    assert share["spontaneous"] > 1.5 * share["targeted"]
