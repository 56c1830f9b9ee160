"""The cost of the credit given: invoice amount x days until paid x the annual financing rate / 365.

For every invoice issued in a period, each payment made on or before ``as_of`` counts ``amount x (paid_date -
issue_date)`` days; what is still unpaid at ``as_of`` counts ``remainder x (as_of - issue_date)``. That sum is
linear, so the engine needs no GROUP BY per invoice:

    amount-days = sum over invoices of amount x (as_of - issue_date)
                - sum over their payments made by as_of of paid x (as_of - paid_date)

Overdue money is reported beside it, over invoices (not credit notes) whose due date is before ``as_of``:
the overdue balance = their amount - what was paid on them by ``as_of``, and the late amount-days = their
amount x (as_of - due) - sum of paid x (as_of - max(paid_date, due_date)), i.e. every amount x the days it
stayed unpaid beyond its due date. :func:`credit_cost` applies the rate and rounds to the cent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

import ibis
import ibis.expr.types as ir

from clientbase.analytics._periods_expr import in_period, money_sum
from clientbase.analytics.money import cents, exact_div
from clientbase.analytics.period import Period
from clientbase.errors import ConfigurationError

AMOUNT_SCALE = 2
#: the per-customer columns :func:`credit_facts` returns for every period label
CREDIT_COLUMNS = ("invoiced", "invoices", "amount_days", "overdue_amount", "late_amount_days")


def _days(later: ir.DateValue, earlier: ir.DateValue) -> ir.IntegerValue:
    return later.delta(earlier, unit="day")


def credit_facts(
    invoices: ir.Table,
    payments: ir.Table,
    periods: Mapping[str, tuple[Period, dt.date]],
) -> ir.Table:
    """Per customer, for every label ``p`` of ``periods`` (a period and its as-of date), over the invoices
    issued in that period: ``p_invoiced``, ``p_invoices``, ``p_amount_days``, ``p_overdue_amount`` and
    ``p_late_amount_days`` (exact decimals)."""
    start = min(p.start for p, _ in periods.values())
    end = max(p.end for p, _ in periods.values())
    inv = invoices.filter(
        (invoices.issue_date >= ibis.literal(start)) & (invoices.issue_date <= ibis.literal(end))
    ).select("invoice_id", "counterparty_id", "issue_date", "due_date", "amount")
    by_invoice: dict[str, ir.Value] = {}
    for label, (period, as_of) in periods.items():
        inside = in_period(inv.issue_date, period)
        as_of_lit = ibis.literal(as_of)
        overdue = inside & (inv.due_date < as_of_lit) & (inv.amount > 0)
        by_invoice[f"{label}_invoiced"] = money_sum(inv.amount, inside, 2)
        by_invoice[f"{label}_invoices"] = inv.count(where=inside)
        by_invoice[f"{label}_open_days"] = money_sum(inv.amount * _days(as_of_lit, inv.issue_date), inside, 2)
        by_invoice[f"{label}_due"] = money_sum(inv.amount, overdue, 2)
        by_invoice[f"{label}_due_days"] = money_sum(inv.amount * _days(as_of_lit, inv.due_date), overdue, 2)
    invoiced = inv.group_by("counterparty_id").aggregate(**by_invoice)

    dates = inv.select(
        p_invoice_id=inv.invoice_id,
        p_customer=inv.counterparty_id,
        p_issue=inv.issue_date,
        p_due=inv.due_date,
        p_amount=inv.amount,
    )
    pay = payments.join(dates, payments.invoice_id == dates.p_invoice_id)
    by_payment: dict[str, ir.Value] = {}
    for label, (period, as_of) in periods.items():
        as_of_lit = ibis.literal(as_of)
        paid = in_period(pay.p_issue, period) & (pay.paid_date <= as_of_lit)
        on_overdue = paid & (pay.p_due < as_of_lit) & (pay.p_amount > 0)
        late_from = ibis.greatest(pay.paid_date, pay.p_due)
        by_payment[f"{label}_paid_early_days"] = money_sum(
            pay.amount * _days(as_of_lit, pay.paid_date), paid, 2
        )
        by_payment[f"{label}_paid_due"] = money_sum(pay.amount, on_overdue, 2)
        by_payment[f"{label}_paid_due_days"] = money_sum(
            pay.amount * _days(as_of_lit, late_from), on_overdue, 2
        )
    paid_by = pay.group_by(pay.p_customer.name("pay_customer")).aggregate(**by_payment)

    j = invoiced.left_join(paid_by, invoiced.counterparty_id == paid_by.pay_customer)
    zero = ibis.literal(0).cast("decimal(38, 2)")
    out: dict[str, ir.Value] = {}
    for label in periods:
        out[f"{label}_invoiced"] = j[f"{label}_invoiced"]
        out[f"{label}_invoices"] = j[f"{label}_invoices"]
        out[f"{label}_amount_days"] = j[f"{label}_open_days"] - j[f"{label}_paid_early_days"].coalesce(zero)
        out[f"{label}_overdue_amount"] = j[f"{label}_due"] - j[f"{label}_paid_due"].coalesce(zero)
        out[f"{label}_late_amount_days"] = j[f"{label}_due_days"] - j[f"{label}_paid_due_days"].coalesce(zero)
    return j.select("counterparty_id", **out)


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
