"""The cost of the credit given: invoice amount x days until paid x the annual financing rate / 365.

For every invoice issued in a period, each payment made on or before ``as_of`` counts ``amount x (paid_date -
issue_date)`` days; what is still unpaid at ``as_of`` counts ``remainder x (as_of - issue_date)``. The engine
sums these exact "amount-days" per customer; :func:`credit_cost` applies the rate and rounds to the cent.
Overdue money is reported beside it: the unpaid remainder past its due date at ``as_of``, the days of the
oldest overdue invoice, and the amount-days paid (or still unpaid) beyond the due date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

import ibis
import ibis.expr.datatypes as dtype
import ibis.expr.types as ir

from clientbase.analytics._periods_expr import in_period, money_sum, product
from clientbase.analytics.money import cents, exact_div
from clientbase.analytics.period import Period
from clientbase.errors import ConfigurationError

AMOUNT_SCALE = 2


def _days(later: ir.DateValue, earlier: ir.DateValue) -> ir.IntegerValue:
    return later.delta(earlier, unit="day")


def credit_facts(
    invoices: ir.Table,
    payments: ir.Table,
    periods: Mapping[str, tuple[Period, dt.date]],
) -> ir.Table:
    """Per customer, for every label ``p`` of ``periods`` (a period and its as-of date), over the invoices
    issued in that period: ``p_invoiced``, ``p_invoices``, ``p_amount_days`` (exact), ``p_overdue_amount``,
    ``p_late_amount_days`` and ``p_max_days_overdue``."""
    start = min(p.start for p, _ in periods.values())
    end = max(p.end for p, _ in periods.values())
    inv = invoices.filter(
        (invoices.issue_date >= ibis.literal(start)) & (invoices.issue_date <= ibis.literal(end))
    ).select("invoice_id", "counterparty_id", "issue_date", "due_date", "amount")
    dates = inv.select(inv.invoice_id.name("p_invoice_id"), p_issue=inv.issue_date, p_due=inv.due_date)
    pay = payments.join(dates, payments.invoice_id == dates.p_invoice_id)
    zero_days = ibis.literal(0).cast("int64")
    days = _days(pay.paid_date, pay.p_issue)
    late = ibis.greatest(_days(pay.paid_date, pay.p_due), zero_days)
    per_payment: dict[str, ir.Value] = {}
    for label, (_, as_of) in periods.items():
        paid = pay.paid_date <= ibis.literal(as_of)
        per_payment[f"{label}_paid"] = money_sum(pay.amount.cast(dtype.Decimal(38, 2)), paid, 2)
        per_payment[f"{label}_paid_days"] = money_sum(product(pay.amount, days, 2), paid, 2)
        per_payment[f"{label}_paid_late_days"] = money_sum(product(pay.amount, late, 2), paid, 2)
    by_invoice = pay.group_by(pay.invoice_id.name("pay_invoice_id")).aggregate(**per_payment)
    j = inv.left_join(by_invoice, inv.invoice_id == by_invoice.pay_invoice_id)
    zero = ibis.literal(0).cast(dtype.Decimal(38, 2))
    per_invoice: dict[str, ir.Value] = {}
    for label, (_, as_of) in periods.items():
        as_of_lit = ibis.literal(as_of)
        unpaid = (j.amount - j[f"{label}_paid"].coalesce(zero)).cast(dtype.Decimal(38, 2))
        open_days = _days(as_of_lit, j.issue_date)
        days_past_due = _days(as_of_lit, j.due_date)
        owing = unpaid > zero
        past_due = owing & (days_past_due > 0)
        per_invoice[f"{label}_unpaid"] = unpaid
        per_invoice[f"{label}_amount_days"] = (
            j[f"{label}_paid_days"].coalesce(zero) + product(unpaid, open_days, 2)
        ).cast(dtype.Decimal(38, 2))
        per_invoice[f"{label}_late_amount_days"] = (
            j[f"{label}_paid_late_days"].coalesce(zero)
            + ibis.ifelse(past_due, product(unpaid, days_past_due, 2), zero)
        ).cast(dtype.Decimal(38, 2))
        per_invoice[f"{label}_overdue"] = ibis.ifelse(past_due, unpaid, zero)
        per_invoice[f"{label}_days_overdue"] = ibis.ifelse(past_due, days_past_due, zero_days)
    t = j.select("counterparty_id", "issue_date", "amount", **per_invoice)
    aggs: dict[str, ir.Value] = {}
    for label, (period, _) in periods.items():
        inside = in_period(t.issue_date, period)
        aggs[f"{label}_invoiced"] = money_sum(t.amount.cast(dtype.Decimal(38, 2)), inside, 2)
        aggs[f"{label}_invoices"] = t.count(where=inside)
        aggs[f"{label}_amount_days"] = money_sum(t[f"{label}_amount_days"], inside, 2)
        aggs[f"{label}_overdue_amount"] = money_sum(t[f"{label}_overdue"], inside, 2)
        aggs[f"{label}_late_amount_days"] = money_sum(t[f"{label}_late_amount_days"], inside, 2)
        aggs[f"{label}_max_days_overdue"] = t[f"{label}_days_overdue"].max(where=inside).coalesce(zero_days)
    return t.group_by("counterparty_id").aggregate(**aggs)


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
