"""The words a report shows for the analysis' column names, and how it writes numbers."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

#: column name -> the heading a reader sees
LABELS = {
    "counterparty_id": "Customer id",
    "name": "Name",
    "owner": "Owner",
    "owner_id": "Owner",
    "segment": "Segment",
    "status": "Status",
    "standing": "In the period",
    "industry": "Industry",
    "region": "Region",
    "size_band": "Size band",
    "acquisition_mode": "Acquisition mode",
    "acquisition_channel": "Acquisition channel",
    "payment_days": "Agreed payment terms (days)",
    "discount_pct": "Agreed discount (%)",
    "credit_limit": "Credit limit",
    "price_list": "Price list",
    "gross_sales_list": "Gross sales at list",
    "discount": "Discount",
    "net_revenue": "Net revenue",
    "cogs": "Cost of goods",
    "gross_margin": "Gross margin",
    "cost_to_serve": "Cost-to-serve",
    "credit_cost": "Credit cost",
    "net_contribution": "Net contribution",
    "orders": "Orders",
    "lines": "Order lines",
    "activities": "Activities",
    "invoices": "Invoices",
    "invoiced": "Invoiced",
    "overdue_amount": "Overdue balance",
    "late_amount_days": "Late amount-days",
    "gross_margin_pct": "Gross margin (%)",
    "net_margin_pct": "Net margin (%)",
    "discount_pct_of_list": "Discount (% of list)",
    "average_order_value": "Average order value",
    "activities_per_order": "Activities per order",
    "avg_days_beyond_due": "Days paid beyond due (average)",
    "before": "Net contribution, compared period",
    "after": "Net contribution, analysed period",
    "change": "Change",
    "new_customers": "New customers",
    "lost_customers": "Lost customers",
    "volume": "Volume",
    "price_discount": "Price / discount",
    "mix_cogs": "Mix / cost of goods",
    "kind": "Activity",
    "valid_from": "Rate valid from",
    "unit": "Unit",
    "rate": "Rate",
    "cost_pool": "Cost pool per year",
    "practical_capacity": "Practical capacity per year",
    "implied_rate": "Rate the pool implies",
    "capacity_in_period": "Capacity in the period",
    "used": "Used",
    "unused": "Unused",
    "unused_cost": "Cost of unused capacity",
    "utilisation": "Utilisation",
    "value": "Group",
    "customers": "Customers",
    "loss_makers": "Loss makers",
    "channel": "Acquisition channel",
    "mode": "Acquisition mode",
    "prospects": "Prospects",
    "cost": "Acquisition cost",
    "previous": "Compared period",
    "current": "Analysed period",
    "total_change": "Total change",
    "part": "Part",
    "amount": "Amount",
}


def label(name: str) -> str:
    """The heading of column ``name``: from :data:`LABELS`, else its words capitalised.

    Example:
        >>> label("net_revenue"), label("days_over_terms")
        ('Net revenue', 'Days over terms')
    """
    return LABELS.get(name) or name.replace("_", " ").capitalize()


def money(value: Any, places: int = 2) -> str:
    """An amount with thousands separators, rounded half away from zero; empty for ``None``.

    Example:
        >>> money(Decimal("-1234567.891")), money(None), money(Decimal("512945.69"), 0)
        ('-1,234,567.89', '', '512,946')
    """
    if value is None:
        return ""
    rounded = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{rounded:,.{places}f}"


def percent(value: Any, places: int = 1) -> str:
    """A percentage already in percent (12.5 means 12.5 %): ``12.5 %``; empty for ``None``.

    Example:
        >>> percent(Decimal("24.243")), percent(None)
        ('24.2 %', '')
    """
    return "" if value is None else f"{Decimal(value):,.{places}f} %"


def share(value: Any, places: int = 1) -> str:
    """A fraction as a percentage; empty for ``None``.

    Example:
        >>> share(Decimal("0.8219"))
        '82.2 %'
    """
    return "" if value is None else percent(Decimal(value) * 100, places)


def quantity(value: Any) -> str:
    """A quantity with thousands separators and no more decimals than it needs.

    Example:
        >>> quantity(Decimal("9180.000")), quantity(Decimal("12.500")), quantity(None)
        ('9,180', '12.5', '')
    """
    if value is None:
        return ""
    number = Decimal(value)
    text = f"{number:,.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
