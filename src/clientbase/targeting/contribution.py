"""Each customer's net contribution month by month after its first order, from the net-profit analytics.

A monthly timeline cuts the dates into calendar months, so the analytics' engine queries
(:func:`~clientbase.analytics.sales.sales_spans`, ``order_spans``, ``activity_spans``, ``invoice_spans``,
``payment_spans``) return their exact sums per customer and month in one pass each. Each (customer, month)
is then treated as one "customer" of one period and handed to the analytics' own column builders and
:func:`~clientbase.analytics.pnl.build_pnl`, so a month's net contribution is, to the cent, what
``clientbase analyze --from <month start> --to <month end> --as-of <as of>`` reports for that customer —
except that the activities before the first order are left out here: they are the cost of winning the
customer (:mod:`clientbase.targeting.acquisition_cost`), not of serving it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from clientbase.analytics import cost_to_serve as cts
from clientbase.analytics.credit import credit_columns, invoice_spans, payment_spans
from clientbase.analytics.facts import by_customer
from clientbase.analytics.period import Period
from clientbase.analytics.pnl import Facts, build_pnl
from clientbase.analytics.sales import order_columns, order_spans, sales_columns, sales_spans
from clientbase.analytics.timeline import Timeline

#: the label of the one period each (customer, month) is a customer of
_ALL = "all"
_SEP = "|"


def calendar_months(first: dt.date, as_of: dt.date) -> list[Period]:
    """The calendar months from ``first``'s month to ``as_of``'s; the last one ends at ``as_of``.

    Example:
        >>> [(p.start.isoformat(), p.end.isoformat()) for p in calendar_months(dt.date(2024, 1, 20), dt.date(2024, 3, 5))]
        [('2024-01-01', '2024-01-31'), ('2024-02-01', '2024-02-29'), ('2024-03-01', '2024-03-05')]
    """
    months = []
    start = first.replace(day=1)
    while start <= as_of:
        following = (start + dt.timedelta(days=32)).replace(day=1)
        months.append(Period(start, min(following - dt.timedelta(days=1), as_of)))
        start = following
    return months


#: executes an Ibis expression to Arrow, naming the step if the engine fails
Run = Callable[[str, ir.Table], pa.Table]


def monthly_net_contribution(
    *,
    order_lines: ir.Table,
    orders: ir.Table,
    served: ir.Table,
    cost_drivers: ir.Table,
    invoices: ir.Table,
    payments: ir.Table,
    months: list[Period],
    as_of: dt.date,
    financing_rate: Decimal,
    kinds: list[str],
    run: Run,
) -> pd.DataFrame:
    """Per customer and month: ``counterparty_id``, ``month`` (0 = ``months[0]``), ``net_contribution``
    and ``net_revenue`` in whole cents, one row per (customer, month) with any order line, activity or
    invoice. ``served`` holds the activities that count (those on or after the first order).
    """
    timeline = Timeline({f"m{i}": p for i, p in enumerate(months)})
    priced = cts.priced_activities(served, cost_drivers)
    as_of_all = {_ALL: as_of}
    results = {
        "order_lines": run("sales per customer and month", sales_spans(order_lines, timeline)),
        "orders": run("orders per customer and month", order_spans(orders, timeline)),
        "activities": run("cost-to-serve per customer and month", cts.activity_spans(priced, timeline)),
        "invoices": run("invoices per customer and month", invoice_spans(invoices, timeline, as_of_all)),
        "payments": run(
            "payments per customer and month", payment_spans(invoices, payments, timeline, as_of_all)
        ),
    }
    whole = Timeline({_ALL: Period(months[0].start, months[-1].end)})
    ids, g = by_customer({name: _per_month(table) for name, table in results.items()})
    columns = {
        **sales_columns(g["order_lines"], whole),
        **order_columns(g["orders"], whole),
        **cts.cost_columns(g["activities"], whole, kinds),
        **credit_columns(g["invoices"], g["payments"], whole, as_of_all),
    }
    facts = Facts(pd.Index(ids.to_pylist()), columns, kinds)
    pnl = build_pnl(_ALL, facts, financing_rate=financing_rate).frame
    keys = [str(k).rsplit(_SEP, 1) for k in pnl.index]
    return pd.DataFrame(
        {
            "counterparty_id": np.array([k[0] for k in keys], dtype=object),
            "month": np.array([int(k[1]) - 1 for k in keys], dtype=np.int64),
            "net_contribution": pnl["net_contribution"].to_numpy(),
            "net_revenue": pnl["net_revenue"].to_numpy(),
        }
    )


def _per_month(table: pa.Table) -> pa.Table:
    """Rows per (customer, span) of the monthly timeline as rows of the pseudo-customer ``id|span`` in the
    one span of the whole timeline."""
    key = pc.binary_join_element_wise(
        table["counterparty_id"].cast(pa.string()), pc.cast(table["span"], pa.string()), _SEP
    )
    table = table.set_column(table.schema.get_field_index("counterparty_id"), "counterparty_id", key)
    ones = pa.array(np.ones(table.num_rows, dtype=np.int8))
    return table.set_column(table.schema.get_field_index("span"), "span", ones)
