"""The XLSX workbook: one sheet per table of the analysis, headings in words, money formatted, every customer.

Sheets: Summary (what was analysed, then the company's P&L with the compared period before the analysed one),
Customers (every customer in the period with owner, segment, status and agreed terms, so a manager can filter
their own), Without sales (prospects and former customers worked in the period), Acquisition, Bridge, Bridge
totals, Cost to serve, Capacity, and one sheet per roll-up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from clientbase.analytics.bridge import COMPONENTS
from clientbase.analytics.pnl import COUNT_LINES, MONEY_LINES, PnL, customer_dicts
from clientbase.analytics.run import Analysis
from clientbase.analytics.standing import CUSTOMER_DEFINITION
from clientbase.outputs import workbook as checked_workbook
from clientbase.report.labels import label

MONEY_FORMAT = "#,##0.00"
#: columns written with the money format
MONEY_COLUMNS = {
    *MONEY_LINES,
    *COMPONENTS,
    "invoiced",
    "overdue_amount",
    "before",
    "after",
    "change",
    "amount",
    "previous",
    "current",
    "unused_cost",
    "cost_pool",
    "average_order_value",
    "credit_limit",
    "cost",
}
#: the counterparty columns of the Customers sheet, after id and name
CUSTOMER_ATTRIBUTES = (
    "owner",
    "segment",
    "status",
    "size_band",
    "region",
    "industry",
    "acquisition_channel",
    "acquisition_mode",
    "payment_days",
    "discount_pct",
    "credit_limit",
    "price_list",
)


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return None
    return value


class _Book:
    """The workbook and its two formats."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self.bold = book.add_format({"bold": True})
        self.money = book.add_format({"num_format": MONEY_FORMAT})

    def sheet(self, name: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """A sheet with one heading row (the words of ``columns``) and ``rows``; money columns formatted."""
        sheet = self.book.add_worksheet(name[:31])
        sheet.write_row(0, 0, [label(c) for c in columns], self.bold)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                sheet.write(r, c, _cell(value), self.money if columns[c] in MONEY_COLUMNS else None)
        sheet.freeze_panes(1, 0)
        sheet.set_column(0, max(len(columns) - 1, 0), 18)


def _summary(a: Analysis, book: _Book) -> None:
    p = a.periods
    sheet = book.book.add_worksheet("Summary")
    facts = [
        ("Generated", f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M}"),
        ("Data", f"{a.data_from} to {a.data_to}"),
        ("Currency", a.currency),
        ("Financing rate a year", f"{a.financing_rate * 100:.2f} %"),
        ("Customers counted", CUSTOMER_DEFINITION),
        ("Headline", a.headline),
        *(("Note", n) for n in a.notes),
    ]
    for r, (key, value) in enumerate(facts):
        sheet.write(r, 0, key, book.bold)
        sheet.write(r, 1, value)
    top = len(facts) + 1
    sheet.write_row(top, 0, ["Line", "Compared period", "Analysed period", "Change"], book.bold)
    was, now = a.standing_totals_previous, a.standing_totals
    rows: list[tuple[str, Any, Any, bool]] = [
        ("Period", f"{p.previous.start} to {p.previous.end}", f"{p.current.start} to {p.current.end}", False),
        ("Unpaid invoices counted to", p.as_of_previous.isoformat(), p.as_of.isoformat(), False),
        *((label(n), a.totals_previous.lines[n], a.totals.lines[n], True) for n in MONEY_LINES),
        (
            "of it: customers",
            was["customer"].lines["net_contribution"],
            now["customer"].lines["net_contribution"],
            True,
        ),
        (
            "less: acquisition cost of prospects",
            -was["prospect"].lines["net_contribution"],
            -now["prospect"].lines["net_contribution"],
            True,
        ),
        (
            "less: cost of former customers without sales",
            -was["former"].lines["net_contribution"],
            -now["former"].lines["net_contribution"],
            True,
        ),
        (
            CUSTOMER_DEFINITION.capitalize(),
            was["customer"].counterparties,
            now["customer"].counterparties,
            True,
        ),
        (
            "Prospects worked (no order yet)",
            was["prospect"].counterparties,
            now["prospect"].counterparties,
            True,
        ),
        ("Former customers without sales", was["former"].counterparties, now["former"].counterparties, True),
        *((label(n), a.totals_previous.counts[n], a.totals.counts[n], True) for n in COUNT_LINES),
    ]
    for i, (name, before, after, numeric) in enumerate(rows, start=top + 1):
        fmt = book.money if isinstance(after, Decimal) else None
        sheet.write(i, 0, name)
        sheet.write(i, 1, _cell(before), fmt)
        sheet.write(i, 2, _cell(after), fmt)
        if numeric:
            sheet.write(i, 3, _cell(after - before), fmt)
    whale = a.whale.summary()
    for i, (key, value) in enumerate(whale.items(), start=top + 2 + len(rows)):
        sheet.write(i, 0, f"Whale curve: {key.replace('_', ' ')}")
        sheet.write(
            i, 2, _cell(value), book.money if isinstance(value, Decimal) and "share" not in key else None
        )
    sheet.set_column(0, 0, 44)
    sheet.set_column(1, 3, 22)


def _customer_rows(
    a: Analysis, pnl: PnL, order: Any, first: dict[str, list[Any]]
) -> tuple[list[str], list[list[Any]]]:
    """Heading keys and rows of a customers sheet: ``first`` columns, the counterparty's attributes, its P&L."""
    attrs = a.attributes.reindex(list(order))
    columns: dict[str, list[Any]] = {**first}
    for name in CUSTOMER_ATTRIBUTES:
        if name == "owner":
            owners = attrs["owner_id"].tolist() if "owner_id" in attrs else [None] * len(attrs)
            columns["owner"] = [a.manager(o) for o in owners]
        elif name in attrs:
            columns[name] = attrs[name].tolist()
    records = customer_dicts(pnl, order)
    money = [
        k for k in (records[0] if records else {}) if k not in ("counterparty_id", "cost_to_serve_by_kind")
    ]
    # the P&L's discount_pct is the discount in % of list, not the agreed discount of the record
    keys = [
        "counterparty_id",
        "name",
        *columns,
        *("discount_pct_of_list" if k == "discount_pct" else k for k in money),
    ]
    rows = [
        [
            r["counterparty_id"],
            a.name(r["counterparty_id"]),
            *(columns[k][i] for k in columns),
            *(r[k] for k in money),
        ]
        for i, r in enumerate(records)
    ]
    return keys, rows


def write_xlsx(analysis: Analysis, path: Path | str) -> Path:
    """Write the workbook (sheets in the module docstring)."""
    path = Path(path)
    a = analysis
    # a checked path; a name starting with = stays text, never a formula
    with checked_workbook(path) as workbook:
        book = _Book(workbook)
        _summary(a, book)
        book.sheet("Customers", *_customer_rows(a, a.customers, a.whale.ids, {}))
        others = a.pnl.subset(a.standings.to_numpy() != "customer")
        ids = others.frame.index
        book.sheet(
            "Without sales", *_customer_rows(a, others, ids, {"standing": a.standings.reindex(ids).tolist()})
        )
        acquisition = [r.as_dict() for r in a.acquisition]
        keys = ["channel", "mode", "prospects", "activities", "cost_to_serve", "credit_cost", "cost"]
        book.sheet("Acquisition", keys, [[r[k] for k in keys] for r in acquisition])

        bridge = [b.as_dict() for b in a.bridge.customers]
        keys = ["counterparty_id", "status", "before", "after", "change", *COMPONENTS]
        book.sheet("Bridge", keys, [[b[k] for k in keys] for b in bridge])
        parts = [(name, a.bridge.components[name]) for name in (*COMPONENTS,)]
        parts.append(("total_change", a.bridge.total_change))
        book.sheet("Bridge totals", ["part", "amount"], [[label(n), v] for n, v in parts])

        kinds = sorted(set(a.totals.cost_to_serve_by_kind) | set(a.totals_previous.cost_to_serve_by_kind))
        book.sheet(
            "Cost to serve",
            ["kind", "previous", "current"],
            [
                [k, a.totals_previous.cost_to_serve_by_kind.get(k), a.totals.cost_to_serve_by_kind.get(k)]
                for k in kinds
            ],
        )
        capacity = [u.as_dict() for u in a.capacity]
        keys = list(capacity[0]) if capacity else ["kind"]
        book.sheet("Capacity", keys, [[u[k] for k in keys] for u in capacity])
        for by, groups in a.rollups.items():
            keys = ["value", "customers", *MONEY_LINES, "loss_makers"]
            rows: list[list[Any]] = [
                [
                    a.manager(g.value) if by == "owner_id" else g.value,
                    g.customers,
                    *[g.lines[m] for m in MONEY_LINES],
                    g.loss_makers,
                ]
                for g in groups
            ]
            book.sheet(f"By {label(by).lower()}", keys, rows)
    return path
