"""Payment discipline per customer: days to pay against the agreed terms, the share paid late, and DSO.

Pure Ibis, tables in, table out; nothing executes here. The definitions (``docs/value.md``):

* An invoice (amount > 0; credit notes are left out) is **settled** when the payments made on it by ``as_of``
  add up to its amount; it was settled on the date of the last of those payments.
* ``avg_days_to_pay``: the mean of settled date - issue date over the invoices issued in the window and settled
  by ``as_of`` (each invoice counts once, whatever its amount). ``payment_days`` are the agreed terms of the
  counterparty (``counterparties.payment_days``), ``days_over_terms`` = avg_days_to_pay - payment_days.
* ``share_paid_late``: of the window's invoices already due at ``as_of`` (due date before it), the share that
  was settled after its due date or is still not settled.
* ``dso`` (days sales outstanding, the countback-free "average" method): receivables at ``as_of`` (every invoice
  and credit note issued by then, less the payments made on them by then) / credit sales of the last
  ``dso_days`` days (invoices and credit notes issued in ``(as_of - dso_days, as_of]``) x ``dso_days``; null when
  those credit sales are not positive.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from clientbase.analytics.period import twelve_months_to
from clientbase.errors import ConfigurationError

#: the columns :func:`payment_discipline` returns
PAYMENT_COLUMNS = (
    "counterparty_id",
    "payment_days",
    "invoices_settled",
    "avg_days_to_pay",
    "days_over_terms",
    "invoices_due",
    "invoices_late",
    "share_paid_late",
    "receivables",
    "credit_sales",
    "dso",
)


def payment_discipline(
    invoices: ir.Table,
    payments: ir.Table,
    counterparties: ir.Table,
    *,
    as_of: dt.date,
    start: dt.date | None = None,
    dso_days: int = 90,
) -> ir.Table:
    """Per customer with an invoice issued by ``as_of``: the columns :data:`PAYMENT_COLUMNS`.

    Args:
        invoices, payments, counterparties: the tables of the schema (any Ibis backend).
        as_of: the date payments are counted to (inclusive).
        start: first issue date of the window for days-to-pay and lateness (default: 12 months to ``as_of``).
        dso_days: the N of DSO (default 90 days).

    Example:
        >>> import ibis
        >>> from decimal import Decimal as D
        >>> d = dt.date
        >>> inv = ibis.memtable({"invoice_id": ["F1", "F2"], "counterparty_id": ["C1", "C1"],
        ...     "issue_date": [d(2024, 1, 1), d(2024, 3, 1)], "due_date": [d(2024, 1, 31), d(2024, 3, 31)],
        ...     "amount": [D("100.00"), D("300.00")]})
        >>> pay = ibis.memtable({"invoice_id": ["F1"], "paid_date": [d(2024, 2, 10)], "amount": [D("100.00")]})
        >>> cps = ibis.memtable({"counterparty_id": ["C1"], "payment_days": [30]})
        >>> r = payment_discipline(inv, pay, cps, as_of=d(2024, 3, 30), dso_days=90).to_pyarrow().to_pylist()[0]
        >>> r["avg_days_to_pay"], r["days_over_terms"], r["share_paid_late"], r["receivables"], r["dso"]
        (40.0, 10.0, 1.0, Decimal('300.00'), 67.5)
    """
    if dso_days < 1:
        raise ConfigurationError(f"DSO needs a positive number of days; got dso_days={dso_days}.")
    window_start = start or twelve_months_to(as_of).start
    if window_start > as_of:
        raise ConfigurationError(f"The payment window starts {window_start}, after as_of {as_of}.")
    as_of_lit = ibis.literal(as_of)
    sales_from = ibis.literal(as_of - dt.timedelta(days=dso_days - 1))

    paid = payments.filter(payments.paid_date <= as_of_lit)
    per_invoice = paid.group_by(paid.invoice_id.name("p_invoice")).aggregate(
        p_paid=paid.amount.sum(), p_last=paid.paid_date.max()
    )
    inv = invoices.filter(invoices.issue_date <= as_of_lit)
    j = inv.left_join(per_invoice, inv.invoice_id == per_invoice.p_invoice)
    zero = ibis.literal(0).cast("decimal(38, 2)")
    paid_amount = j.p_paid.coalesce(zero)
    in_window = (j.issue_date >= ibis.literal(window_start)) & (j.amount > 0)
    settled = in_window & (paid_amount >= j.amount)
    due = in_window & (j.due_date < as_of_lit)
    late = due & ((paid_amount < j.amount) | (j.p_last > j.due_date))
    days_to_pay = j.p_last.delta(j.issue_date, unit="day")

    per = j.group_by("counterparty_id").aggregate(
        invoices_settled=j.count(where=settled),
        _days_sum=days_to_pay.sum(where=settled),
        invoices_due=j.count(where=due),
        invoices_late=j.count(where=late),
        receivables=(j.amount.sum().cast("decimal(38, 2)") - paid_amount.sum().cast("decimal(38, 2)")),
        credit_sales=j.amount.sum(where=j.issue_date >= sales_from).cast("decimal(38, 2)").coalesce(zero),
    )
    terms = counterparties.select(
        t_id=counterparties.counterparty_id, payment_days=counterparties.payment_days
    )
    out = per.left_join(terms, per.counterparty_id == terms.t_id)
    avg = ibis.ifelse(
        out.invoices_settled > 0,
        out._days_sum.cast("float64") / out.invoices_settled.cast("float64"),
        ibis.null("float64"),
    )
    share = ibis.ifelse(
        out.invoices_due > 0,
        out.invoices_late.cast("float64") / out.invoices_due.cast("float64"),
        ibis.null("float64"),
    )
    dso = ibis.ifelse(
        out.credit_sales > 0,
        out.receivables.cast("float64") / out.credit_sales.cast("float64") * float(dso_days),
        ibis.null("float64"),
    )
    return out.select(
        counterparty_id=out.counterparty_id,
        payment_days=out.payment_days.cast("int64"),
        invoices_settled=out.invoices_settled.cast("int64"),
        avg_days_to_pay=avg,
        days_over_terms=avg - out.payment_days.cast("float64"),
        invoices_due=out.invoices_due.cast("int64"),
        invoices_late=out.invoices_late.cast("int64"),
        share_paid_late=share,
        receivables=out.receivables,
        credit_sales=out.credit_sales,
        dso=dso,
    )
