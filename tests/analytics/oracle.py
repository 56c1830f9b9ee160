"""A literal reading of docs/methodology.md sections 2-4: one period's per-customer P&L in plain Python.

Row by row, invoice by invoice, in exact fractions: no engine, no Ibis, nothing from ``clientbase.analytics``.
``tests/analytics/test_oracle.py`` checks :func:`clientbase.analytics.run.analyze` against it to the cent, so
a rewrite of how the engine sums (conditional sums, linear credit formula, header counts) cannot drift from
the rules unseen.

The rules, for a period ``[start, end]`` (inclusive) observed at ``as_of``:

* order lines dated in the period: gross sales at list, net revenue and cogs are the exact sums of quantity x
  list price / net price / unit cost, each rounded to the cent per customer (half away from zero);
  orders = distinct order ids among those lines, lines = their number;
* activities dated in the period: quantity x the rate of the one cost driver of their kind valid on their
  date; each kind's sum rounded to the cent; cost-to-serve is the sum of the kinds;
* invoices issued in the period: each payment made by ``as_of`` counts amount x (paid - issue) days, the
  remainder unpaid at ``as_of`` counts remainder x (as_of - issue) days; credit cost = amount-days x
  financing_rate_annual / 365 to the cent. Invoices with a positive amount due before ``as_of``: overdue =
  amount - paid by ``as_of``; late amount-days = amount x (as_of - due) - paid x (as_of - max(paid, due));
* a counterparty is in the P&L when it has an order line, an activity or an invoice in the period; it is a
  customer in the period when it has an order line in it, a prospect when it has no order line on or before
  the period's last day, else a former customer without sales (:func:`standings`); what the prospects cost
  (minus their net contribution) is acquisition cost, summed by acquisition channel and mode
  (:func:`acquisition`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

ZERO = Fraction(0)


def to_cents(value: Fraction) -> Decimal:
    """``value`` rounded half away from zero to the cent, as a Decimal with two places.

    Example:
        >>> to_cents(Fraction("2.345")), to_cents(Fraction("-2.345")), to_cents(Fraction(1, 3))
        (Decimal('2.35'), Decimal('-2.35'), Decimal('0.33'))
    """
    hundredths = abs(value) * 100
    whole = (hundredths + Fraction(1, 2)).__floor__()
    return Decimal(whole if value >= 0 else -whole).scaleb(-2)


def _exact(value: Any) -> Fraction:
    return Fraction(Decimal(str(value)))


@dataclass
class OracleCustomer:
    """One customer's P&L as the rules state it (same attribute names as the engine's ``CustomerPnL``)."""

    counterparty_id: str
    gross_sales_list: Decimal
    net_revenue: Decimal
    cogs: Decimal
    cost_to_serve_by_kind: dict[str, Decimal]
    credit_cost: Decimal
    invoiced: Decimal
    overdue_amount: Decimal
    late_amount_days: Decimal
    orders: int
    lines: int
    activities: int
    invoices: int

    @property
    def discount(self) -> Decimal:
        return self.gross_sales_list - self.net_revenue

    @property
    def gross_margin(self) -> Decimal:
        return self.net_revenue - self.cogs

    @property
    def cost_to_serve(self) -> Decimal:
        return sum(self.cost_to_serve_by_kind.values(), Decimal("0.00"))

    @property
    def net_contribution(self) -> Decimal:
        return self.gross_margin - self.cost_to_serve - self.credit_cost


@dataclass
class _Sums:
    """Exact running sums of one customer, before any rounding."""

    gross_list: Fraction = ZERO
    net_revenue: Fraction = ZERO
    cogs: Fraction = ZERO
    order_ids: set[str] = field(default_factory=set)
    lines: int = 0
    cost_by_kind: dict[str, Fraction] = field(default_factory=lambda: defaultdict(Fraction))
    activities: int = 0
    amount_days: Fraction = ZERO
    invoiced: Fraction = ZERO
    invoices: int = 0
    overdue: Fraction = ZERO
    late_amount_days: Fraction = ZERO


def rate_on(cost_drivers: list[dict[str, Any]], kind: str, day: dt.date) -> Fraction:
    """The rate of the one cost driver of ``kind`` valid on ``day`` (valid_to empty: open-ended)."""
    valid = [
        d
        for d in cost_drivers
        if d["kind"] == kind
        and d["valid_from"] <= day
        and (d.get("valid_to") is None or day <= d["valid_to"])
    ]
    if len(valid) != 1:
        raise ValueError(f"{len(valid)} cost drivers of kind {kind!r} are valid on {day}; the rules need one")
    return _exact(valid[0]["rate"])


def financing_rate(rows: dict[str, Any]) -> Fraction:
    """The ``financing_rate_annual`` setting of ``rows`` as an exact fraction."""
    settings = {r["key"]: r["value"] for r in rows.get("settings", [])}
    return _exact(settings["financing_rate_annual"])


def latest_dates(rows: dict[str, Any]) -> tuple[dt.date | None, dt.date | None]:
    """The latest order date, and the latest date of any order line, activity, invoice or payment."""
    orders = [r["order_date"] for r in rows.get("order_lines", [])]
    every = [
        *orders,
        *(r["activity_date"] for r in rows.get("activities", [])),
        *(r["issue_date"] for r in rows.get("invoices", [])),
        *(r["paid_date"] for r in rows.get("payments", [])),
    ]
    return (max(orders) if orders else None), (max(every) if every else None)


def period_pnl(
    rows: dict[str, Any], start: dt.date, end: dt.date, as_of: dt.date
) -> dict[str, OracleCustomer]:
    """Every customer's P&L for ``[start, end]`` observed at ``as_of``, computed row by row."""
    sums: dict[str, _Sums] = defaultdict(_Sums)

    for line in rows.get("order_lines", []):
        if not start <= line["order_date"] <= end:
            continue
        s = sums[line["counterparty_id"]]
        quantity = _exact(line["quantity"])
        s.gross_list += quantity * _exact(line["list_price"])
        s.net_revenue += quantity * _exact(line["net_price"])
        s.cogs += quantity * _exact(line["unit_cost"])
        s.order_ids.add(line["order_id"])
        s.lines += 1

    drivers = rows.get("cost_drivers", [])
    for activity in rows.get("activities", []):
        day = activity["activity_date"]
        if not start <= day <= end:
            continue
        s = sums[activity["counterparty_id"]]
        s.cost_by_kind[activity["kind"]] += _exact(activity["quantity"]) * rate_on(
            drivers, activity["kind"], day
        )
        s.activities += 1

    payments: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for payment in rows.get("payments", []):
        payments[payment["invoice_id"]].append(payment)
    for invoice in rows.get("invoices", []):
        issued, due = invoice["issue_date"], invoice["due_date"]
        if not start <= issued <= end:
            continue
        s = sums[invoice["counterparty_id"]]
        amount = _exact(invoice["amount"])
        paid = [p for p in payments[invoice["invoice_id"]] if p["paid_date"] <= as_of]
        paid_total = sum((_exact(p["amount"]) for p in paid), ZERO)
        s.amount_days += sum((_exact(p["amount"]) * (p["paid_date"] - issued).days for p in paid), ZERO)
        s.amount_days += (amount - paid_total) * (as_of - issued).days
        s.invoiced += amount
        s.invoices += 1
        if amount > 0 and due < as_of:
            s.overdue += amount - paid_total
            s.late_amount_days += amount * (as_of - due).days - sum(
                (_exact(p["amount"]) * (as_of - max(p["paid_date"], due)).days for p in paid), ZERO
            )

    rate = financing_rate(rows)
    return {
        cid: OracleCustomer(
            counterparty_id=cid,
            gross_sales_list=to_cents(s.gross_list),
            net_revenue=to_cents(s.net_revenue),
            cogs=to_cents(s.cogs),
            cost_to_serve_by_kind={kind: to_cents(cost) for kind, cost in s.cost_by_kind.items()},
            credit_cost=to_cents(s.amount_days * rate / 365),
            invoiced=to_cents(s.invoiced),
            overdue_amount=to_cents(s.overdue),
            late_amount_days=to_cents(s.late_amount_days),
            orders=len(s.order_ids),
            lines=s.lines,
            activities=s.activities,
            invoices=s.invoices,
        )
        for cid, s in sorted(sums.items())
    }


def standings(rows: dict[str, Any], pnl: dict[str, OracleCustomer], end: dt.date) -> dict[str, str]:
    """Who each counterparty of ``pnl`` (a period ending ``end``) is: customer, prospect or former."""
    first: dict[str, dt.date] = {}
    for line in rows.get("order_lines", []):
        cid = line["counterparty_id"]
        first[cid] = min(first.get(cid, line["order_date"]), line["order_date"])
    out = {}
    for cid, customer in pnl.items():
        if customer.lines:
            out[cid] = "customer"
        else:
            out[cid] = "former" if cid in first and first[cid] <= end else "prospect"
    return out


def acquisition(
    rows: dict[str, Any], pnl: dict[str, OracleCustomer], standing: dict[str, str]
) -> dict[tuple[str | None, str | None], tuple[int, int, Decimal]]:
    """(prospects, activities, cost) of the prospects by (acquisition_channel, acquisition_mode)."""
    attributes = {r["counterparty_id"]: r for r in rows.get("counterparties", [])}
    out: dict[tuple[str | None, str | None], tuple[int, int, Decimal]] = {}
    for cid, kind in standing.items():
        if kind != "prospect":
            continue
        a = attributes.get(cid, {})
        key = (a.get("acquisition_channel"), a.get("acquisition_mode"))
        n, activities, cost = out.get(key, (0, 0, Decimal("0.00")))
        out[key] = (n + 1, activities + pnl[cid].activities, cost - pnl[cid].net_contribution)
    return out
