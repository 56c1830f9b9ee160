"""Receivables overdue now, by age: pure Ibis, tables in, one row per customer out; nothing executes here.

An invoice (amount > 0; credit notes are left out) issued by ``as_of`` is *open* by what its payments made by
``as_of`` leave unpaid; it is *overdue* when its due date is before ``as_of``, by ``as_of - due_date`` days.
The open amounts are summed per customer in whole cents into the age buckets the edges define: bucket 0 is
fewer than ``edges[0]`` days past due, bucket ``k`` is at least ``edges[k-1]`` and fewer than ``edges[k]``,
the last bucket is ``edges[-1]`` days or more. ``oldest_days`` is the age of the oldest overdue open invoice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import ibis
import ibis.expr.types as ir


def overdue_aging(
    invoices: ir.Table, payments: ir.Table, *, as_of: dt.date, edges: Sequence[int]
) -> ir.Table:
    """Per customer with an overdue open invoice: ``overdue_<k>`` (cents) for each bucket ``k`` in
    ``0 .. len(edges)``, ``overdue`` (their sum) and ``oldest_days``.

    Example:
        >>> from decimal import Decimal as D
        >>> d = dt.date
        >>> inv = ibis.memtable({"invoice_id": ["F1", "F2", "F3"], "counterparty_id": ["C1", "C1", "C1"],
        ...     "issue_date": [d(2024, 1, 1), d(2024, 3, 1), d(2024, 4, 1)],
        ...     "due_date": [d(2024, 1, 31), d(2024, 3, 31), d(2024, 5, 1)],
        ...     "amount": [D("100.00"), D("300.00"), D("50.00")]})
        >>> pay = ibis.memtable({"invoice_id": ["F1"], "paid_date": [d(2024, 2, 10)], "amount": [D("40.00")]})
        >>> r = overdue_aging(inv, pay, as_of=d(2024, 4, 15), edges=[15, 31]).to_pyarrow().to_pylist()[0]
        >>> r["overdue_0"], r["overdue_1"], r["overdue_2"], r["overdue"], r["oldest_days"]
        (0, 30000, 6000, 36000, 75)
    """
    as_of_lit = ibis.literal(as_of)
    paid = payments.filter(payments.paid_date <= as_of_lit)
    per_invoice = paid.group_by(paid.invoice_id.name("a_invoice")).aggregate(a_paid=paid.amount.sum())
    inv = invoices.filter(
        (invoices.issue_date <= as_of_lit) & (invoices.amount > 0) & (invoices.due_date < as_of_lit)
    )
    j = inv.left_join(per_invoice, inv.invoice_id == per_invoice.a_invoice)
    open_cents = ((j.amount - j.a_paid.coalesce(0)) * 100).cast("int64")
    days = as_of_lit.delta(j.due_date, unit="day")
    rows = j.select(counterparty_id=j.counterparty_id, open_cents=open_cents, days=days).filter(
        lambda t: t.open_cents > 0
    )
    bounds = [0, *edges]
    buckets = {}
    for k, low in enumerate(bounds):
        inside = rows.days >= low
        if k + 1 < len(bounds):
            inside = inside & (rows.days < bounds[k + 1])
        buckets[f"overdue_{k}"] = rows.open_cents.sum(where=inside).coalesce(0).cast("int64")
    return rows.group_by("counterparty_id").aggregate(
        **buckets,
        overdue=rows.open_cents.sum().cast("int64"),
        oldest_days=rows.days.max().cast("int64"),
    )
