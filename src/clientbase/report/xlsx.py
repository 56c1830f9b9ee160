"""The XLSX workbook: one sheet per table of the analysis, money formatted, every customer listed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

from clientbase.analytics.bridge import COMPONENTS
from clientbase.analytics.pnl import COUNT_LINES, MONEY_LINES
from clientbase.analytics.run import Analysis

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
}


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _sheet(
    book: Any, name: str, header: Sequence[str], rows: Sequence[Sequence[Any]], formats: dict[str, Any]
) -> None:
    sheet = book.add_worksheet(name[:31])
    sheet.write_row(0, 0, list(header), formats["bold"])
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            fmt = formats["money"] if header[c] in MONEY_COLUMNS else None
            sheet.write(r, c, _cell(value), fmt)
    sheet.freeze_panes(1, 0)
    sheet.set_column(0, max(len(header) - 1, 0), 16)


def write_xlsx(analysis: Analysis, path: Path | str) -> Path:
    """Write the workbook: Summary, Customers, Bridge, Cost to serve, Capacity and one sheet per roll-up."""
    path = Path(path)
    a, p = analysis, analysis.periods
    with xlsxwriter.Workbook(str(path)) as book:
        formats = {
            "bold": book.add_format({"bold": True}),
            "money": book.add_format({"num_format": MONEY_FORMAT}),
        }
        summary = [
            ("period", f"{p.current.start} to {p.current.end}", ""),
            ("compared with", f"{p.previous.start} to {p.previous.end}", ""),
            ("as of", p.as_of, p.as_of_previous),
            ("currency", a.currency, ""),
            ("headline", a.headline, ""),
        ]
        sheet_rows: list[Sequence[Any]] = [list(r) for r in summary]
        sheet_rows += [[line, a.totals_previous.lines[line], a.totals.lines[line]] for line in MONEY_LINES]
        sheet_rows += [[name, a.totals_previous.counts[name], a.totals.counts[name]] for name in COUNT_LINES]
        sheet_rows += [[f"whale {k}", "", v] for k, v in a.whale.summary().items()]
        _sheet(book, "Summary", ["line", "previous", "current"], sheet_rows, formats)

        customers = [c.as_dict() for c in a.ranked_customers()]
        header = [
            "counterparty_id",
            "name",
            *[
                k
                for k in (customers[0] if customers else {})
                if k not in ("counterparty_id", "cost_to_serve_by_kind")
            ],
        ]
        rows = [
            [
                c["counterparty_id"],
                a.name(c["counterparty_id"]),
                *[c[k] for k in header[2:]],
            ]
            for c in customers
        ]
        _sheet(book, "Customers", header, rows, formats)

        bridge = [b.as_dict() for b in a.bridge.customers]
        header = ["counterparty_id", "status", "before", "after", "change", *COMPONENTS]
        _sheet(book, "Bridge", header, [[b[k] for k in header] for b in bridge], formats)
        totals = [[name, a.bridge.components[name]] for name in COMPONENTS]
        totals.append(["total_change", a.bridge.total_change])
        _sheet(book, "Bridge totals", ["part", "amount"], totals, formats)

        kinds = sorted(set(a.totals.cost_to_serve_by_kind) | set(a.totals_previous.cost_to_serve_by_kind))
        _sheet(
            book,
            "Cost to serve",
            ["kind", "previous", "current"],
            [
                [k, a.totals_previous.cost_to_serve_by_kind.get(k), a.totals.cost_to_serve_by_kind.get(k)]
                for k in kinds
            ],
            formats,
        )
        capacity = [u.as_dict() for u in a.capacity]
        header = list(capacity[0]) if capacity else ["kind"]
        _sheet(book, "Capacity", header, [[u[k] for k in header] for u in capacity], formats)
        for by, groups in a.rollups.items():
            header = ["value", "customers", *MONEY_LINES, "loss_makers"]
            rows = [[g.value, g.customers, *[g.lines[m] for m in MONEY_LINES], g.loss_makers] for g in groups]
            _sheet(book, f"By {by}", header, rows, formats)
    return path
