"""The cost of the credit given: invoice amount x days until paid x the annual financing rate / 365.

For every invoice issued in a period, each payment made on or before ``as_of`` counts ``amount x (paid_date -
issue_date)`` days; what is still unpaid at ``as_of`` counts ``remainder x (as_of - issue_date)``. That sum is
linear, so the engine needs no GROUP BY per invoice:

    amount-days = sum over invoices of amount x (as_of - issue_date)
                - sum over their payments made by as_of of paid x (as_of - paid_date)

and with days counted from one origin, ``sum amount x (as_of - issue) = as_of x sum amount - sum amount x
issue``. So the engine sums amount and amount x day per (customer, span of the issue date, due-date bucket,
invoice or credit note) for the invoices — a few rows per customer, whatever the as-of dates — and each
period's as-of date is applied to those rows afterwards (:func:`credit_columns`); the payments, the larger
join, are grouped by customer and span alone, with one conditional sum per as-of date (at most two).

Overdue money is reported beside it, over invoices with a positive amount (not credit notes) whose due
date is before ``as_of``: the overdue balance = their amount - what was paid on them by ``as_of``, and the
late amount-days = their amount x (as_of - due) - sum of paid x (as_of - max(paid_date, due_date)), i.e.
every amount x the days it stayed unpaid beyond its due date. Amounts are summed as whole cents in 64-bit integers (an amount has two
decimals), which is exact and about twice as fast as decimal products; :func:`credit_cost` applies the rate
and rounds to the cent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

import ibis
import ibis.expr.types as ir
import numpy as np

from clientbase.analytics.facts import Grouped
from clientbase.analytics.money import cents, exact_div, mul
from clientbase.analytics.timeline import Timeline, bucket, day_number
from clientbase.errors import ConfigurationError


def _in_cents(amount: ir.NumericValue) -> ir.IntegerValue:
    return (amount * 100).cast("int64")


def _cuts(as_of: Mapping[str, dt.date]) -> tuple[list[dt.date], list[dt.date]]:
    """The as-of dates ascending (due < dues[k] <=> bucket(due, dues) <= k) and the days after them
    (paid <= dues[k] <=> bucket(paid, paid_cuts) <= k)."""
    dues = sorted(set(as_of.values()))
    return dues, [a + dt.timedelta(days=1) for a in dues]


def _last_day(as_of: Mapping[str, dt.date], origin: dt.date) -> int:
    """The day number of the latest as-of date: a due or paid date beyond it is counted as this day, which
    changes no sum the periods use (only dates on or before an as-of date are) and keeps cents x days within
    64 bits for a due date such as 9999-12-31."""
    return (max(as_of.values()) - origin).days


def invoice_spans(invoices: ir.Table, timeline: Timeline, as_of: Mapping[str, dt.date]) -> ir.Table:
    """Invoices issued in the window, per customer, ``span`` of the issue date, ``due_k`` (bucket of the
    due date among the as-of dates) and ``charge`` (an invoice, not a credit note): ``invoices``, ``amount``
    (cents), ``issue_days`` and ``due_days`` (cents x days from the timeline's origin)."""
    dues, _ = _cuts(as_of)
    inv = invoices.filter(timeline.in_window(invoices.issue_date))
    amount = _in_cents(inv.amount)
    due_day = ibis.least(day_number(inv.due_date, timeline.origin), _last_day(as_of, timeline.origin))
    return inv.group_by(
        "counterparty_id",
        span=timeline.span(inv.issue_date),
        due_k=bucket(inv.due_date, dues),
        charge=inv.amount > 0,
    ).aggregate(
        invoices=inv.count(),
        amount=amount.sum().cast("int64"),
        issue_days=(amount * day_number(inv.issue_date, timeline.origin)).sum().cast("int64"),
        due_days=(amount * due_day).sum().cast("int64"),
    )


def payment_spans(
    invoices: ir.Table, payments: ir.Table, timeline: Timeline, as_of: Mapping[str, dt.date]
) -> ir.Table:
    """Payments on the invoices of :func:`invoice_spans`, per customer and ``span`` of the issue date (two
    keys: a few rows per customer), with for each as-of date ``k`` (ascending, :func:`_cuts`) the sums over the
    payments made on or before it: ``paid_k`` (cents), ``paid_days_k`` (cents x days from the origin to the
    paid date) and, of those on invoices (not credit notes) due before it, ``due_paid_k`` and ``late_days_k``
    (cents x days from the origin to the later of paid and due date)."""
    dues, _ = _cuts(as_of)
    origin = timeline.origin
    inv = invoices.filter(timeline.in_window(invoices.issue_date))
    last = _last_day(as_of, origin)
    keys = inv.select(
        p_invoice_id=inv.invoice_id,
        p_customer=inv.counterparty_id,
        p_span=timeline.span(inv.issue_date),
        p_due_date=inv.due_date,
        p_charge=inv.amount > 0,
    )
    j = payments.join(keys, payments.invoice_id == keys.p_invoice_id)
    paid, paid_day = _in_cents(j.amount), ibis.least(day_number(j.paid_date, origin), last)
    late_day = ibis.greatest(paid_day, ibis.least(day_number(j.p_due_date, origin), last))
    sums = {}
    for k, day in enumerate(dues):
        counted = j.paid_date <= ibis.literal(day)
        overdue = counted & j.p_charge & (j.p_due_date < ibis.literal(day))
        sums[f"paid_{k}"] = paid.sum(where=counted).cast("int64")
        sums[f"paid_days_{k}"] = (paid * paid_day).sum(where=counted).cast("int64")
        sums[f"due_paid_{k}"] = paid.sum(where=overdue).cast("int64")
        sums[f"late_days_{k}"] = (paid * late_day).sum(where=overdue).cast("int64")
    return j.group_by(counterparty_id=j.p_customer, span=j.p_span).aggregate(**sums)


def credit_columns(
    invoiced: Grouped, settled: Grouped, timeline: Timeline, as_of: Mapping[str, dt.date]
) -> dict[str, np.ndarray]:
    """Per customer, for every period label ``p`` (as of ``as_of[p]``), over the invoices issued in that
    period: ``p_invoiced``, ``p_invoices``, ``p_amount_days``, ``p_overdue_amount`` and
    ``p_late_amount_days`` (whole cents and cent-days), from :func:`invoice_spans` and :func:`payment_spans`.

    Example:
        >>> from decimal import Decimal as D
        >>> from clientbase.analytics.facts import by_customer
        >>> from clientbase.analytics.period import Period
        >>> d = dt.date
        >>> inv = ibis.memtable({"invoice_id": ["F1"], "counterparty_id": ["C1"], "issue_date": [d(2024, 1, 1)],
        ...     "due_date": [d(2024, 1, 11)], "amount": [D("100.00")]})
        >>> pay = ibis.memtable({"invoice_id": ["F1"], "paid_date": [d(2024, 1, 21)], "amount": [D("60.00")]})
        >>> year, as_of = Timeline({"cur": Period(d(2024, 1, 1), d(2024, 12, 31))}), {"cur": d(2024, 1, 31)}
        >>> i = invoice_spans(inv, year, as_of).to_pyarrow()
        >>> p = payment_spans(inv, pay, year, as_of).to_pyarrow()
        >>> _, g = by_customer({"invoices": i, "payments": p})
        >>> r = credit_columns(g["invoices"], g["payments"], year, as_of)
        >>> r["cur_amount_days"].tolist(), r["cur_overdue_amount"].tolist(), r["cur_late_amount_days"].tolist()
        ([240000], [4000], [140000])
    """
    dues, _ = _cuts(as_of)
    i_span, i_due, i_charge = invoiced.keys("span"), invoiced.keys("due_k"), invoiced.keys("charge")
    p_span = settled.keys("span")
    out = {}
    for label, day in as_of.items():
        k, a = dues.index(day), (day - timeline.origin).days
        inside = timeline.contains(i_span, label)
        overdue = inside & (i_due <= k) & i_charge
        counted = timeline.contains(p_span, label)
        amount, due = invoiced.total("amount", inside), invoiced.total("amount", overdue)
        paid, paid_due = settled.total(f"paid_{k}", counted), settled.total(f"due_paid_{k}", counted)
        open_days = mul(amount, a) - invoiced.total("issue_days", inside)
        paid_days = mul(paid, a) - settled.total(f"paid_days_{k}", counted)
        due_days = mul(due, a) - invoiced.total("due_days", overdue)
        paid_due_days = mul(paid_due, a) - settled.total(f"late_days_{k}", counted)
        out[f"{label}_invoiced"] = amount
        out[f"{label}_invoices"] = invoiced.total("invoices", inside)
        out[f"{label}_amount_days"] = open_days - paid_days
        out[f"{label}_overdue_amount"] = due - paid_due
        out[f"{label}_late_amount_days"] = due_days - paid_due_days
    return out


def financing_rate(value: object) -> Decimal:
    """The ``financing_rate_annual`` setting as a Decimal fraction (0.08 is 8 % a year).

    Example:
        >>> financing_rate("0.08")
        Decimal('0.08')
    """
    try:
        rate = Decimal(str(value).strip())
    except ArithmeticError:
        rate = Decimal(-1)
    if not rate.is_finite() or rate < 0 or rate > 1:
        raise ConfigurationError(
            f"The setting financing_rate_annual is {value!r}; set it to a fraction such as 0.08 for 8 % a year "
            "(settings table, key financing_rate_annual)."
        )
    return rate


def credit_cost(amount_days: Decimal, rate: Decimal) -> Decimal:
    """``amount_days x rate / 365`` rounded to the cent.

    Example:
        >>> credit_cost(Decimal("36500.00"), Decimal("0.08"))
        Decimal('8.00')
    """
    return cents(exact_div(amount_days * rate, Decimal(365)))
