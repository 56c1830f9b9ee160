"""The materialised per-customer analysis: equal to the analysis, refreshed when the data moves on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from clientbase import schema
from clientbase.analytics.run import analyze
from clientbase.decisions import customer_metrics
from clientbase.store import connect
from tests.web.conftest import Base


def test_rows_equal_the_analysis(any_base: Base) -> None:
    with connect(any_base.url) as store:
        analysis = analyze(store)
        with store.begin() as conn:
            rows = {r.counterparty_id: r for r in conn.execute(sa.select(schema.customer_metrics))}
        state = customer_metrics.state(store)
    current = analysis.customers
    assert set(current) <= set(rows)
    for cid in list(current)[:25]:
        pnl = current[cid]
        row = rows[cid]
        assert row.net_contribution == pnl.net_contribution and row.gross_sales_list == pnl.gross_sales_list
        assert row.loss_making == (pnl.net_contribution < 0)
    assert (
        sum((r.net_contribution or Decimal(0)) for r in rows.values())
        == analysis.totals.lines["net_contribution"]
    )
    assert state is not None and state["period_start"] == analysis.periods.current.start
    assert state["value_error"] is None and any(r.clv is not None for r in rows.values())


def test_stale_after_new_data_and_refreshed(base: Base) -> None:
    with connect(base.url) as store:
        assert not customer_metrics.is_stale(store)
        assert customer_metrics.refresh_if_stale(store) is None  # current: nothing done
        with store.begin() as conn:
            latest = conn.execute(sa.select(sa.func.max(schema.order_lines.c.order_date))).scalar_one()
            line = conn.execute(
                sa.select(schema.order_lines).where(schema.order_lines.c.counterparty_id == base.own).limit(1)
            ).one()
            conn.execute(
                sa.insert(schema.order_lines).values(
                    {
                        **line._mapping,
                        "order_id": "O-NEW-1",
                        "line_no": 1,
                        "order_date": latest,
                        "quantity": Decimal("1000"),
                    }
                )
            )
            before = conn.execute(
                sa.select(schema.customer_metrics.c.net_revenue).where(
                    schema.customer_metrics.c.counterparty_id == base.own
                )
            ).scalar_one()
        assert customer_metrics.is_stale(store)
        done = customer_metrics.refresh_if_stale(store)
        assert done is not None and done.customers > 0
        with store.begin() as conn:
            after = conn.execute(
                sa.select(schema.customer_metrics.c.net_revenue).where(
                    schema.customer_metrics.c.counterparty_id == base.own
                )
            ).scalar_one()
        assert after == before + Decimal(1000) * line.net_price
        assert not customer_metrics.is_stale(store)
        with store.begin() as conn:
            conn.execute(
                sa.update(schema.settings)
                .where(schema.settings.c.key == "financing_rate_annual")
                .values(value="0.09")
            )
        assert customer_metrics.is_stale(store)  # a setting the analysis uses counts too
        assert customer_metrics.state(store)["computed_at"] < dt.datetime.now(dt.UTC).replace(tzinfo=None)  # type: ignore[index]
