"""The ranked list of prospects as a file to work a campaign from: XLSX (xlsxwriter) or CSV (UTF-8)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from clientbase.errors import ConfigurationError

#: (column header, key of the scored prospect or of its record)
COLUMNS = (
    ("rank", "rank"),
    ("counterparty_id", "counterparty_id"),
    ("name", "name"),
    ("owner_id", "owner_id"),
    ("phone", "phone"),
    ("email", "email"),
    ("city", "city"),
    ("country", "country"),
    ("industry", "industry"),
    ("size_band", "size_band"),
    ("acquisition_channel", "acquisition_channel"),
    ("acquisition_mode", "acquisition_mode"),
    ("p_convert", "p_convert"),
    ("expected_contribution", "expected_contribution"),
    ("expected_cost", "expected_cost"),
    ("expected_value", "expected_value"),
    ("for", "for"),
    ("against", "against"),
)


def factor_text(factors: list[dict[str, Any]], direction: str) -> str:
    """The factors of one direction as one cell: ``size_band=key (+9,120.50); ...``.

    Example:
        >>> factor_text([{"field": "size_band", "value": "key", "effect": 9120.5, "direction": "for"}], "for")
        'size_band=key (+9,120.50)'
    """
    return "; ".join(
        f"{f['field']}={f['value']} ({float(f['effect']):+,.2f})"
        for f in factors
        if f["direction"] == direction
    )


def _contacts(store: Any, ids: list[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    cp = store.table("counterparties")
    rows = cp.filter(cp.counterparty_id.isin(ids)).select("counterparty_id", "phone", "email", "city")
    return {r["counterparty_id"]: r for r in rows.to_pyarrow().to_pylist()}


def write_list(store: Any, document: dict[str, Any], path: str | Path) -> int:
    """Write ``document["prospects"]`` (a :func:`~clientbase.targeting.service.targets` document) to
    ``path``; the suffix chooses XLSX or CSV. Returns the rows written."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ConfigurationError(f"{target}: give a file ending in .xlsx or .csv for the list.")
    prospects = document["prospects"]
    contacts = _contacts(store, [p["counterparty_id"] for p in prospects])
    rows = []
    for p in prospects:
        record = {**contacts.get(p["counterparty_id"], {}), **p}
        record["for"] = factor_text(p["factors"], "for")
        record["against"] = factor_text(p["factors"], "against")
        rows.append([record.get(key) for _, key in COLUMNS])
    headers = [h for h, _ in COLUMNS]
    target.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        with target.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(headers)
            writer.writerows(["" if v is None else v for v in row] for row in rows)
    else:
        _write_xlsx(target, headers, rows, document)
    return len(rows)


def _write_xlsx(target: Path, headers: list[str], rows: list[list[Any]], document: dict[str, Any]) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(target))
    try:
        sheet = book.add_worksheet("prospects")
        bold = book.add_format({"bold": True})
        money = book.add_format({"num_format": "#,##0.00"})
        share = book.add_format({"num_format": "0.0%"})
        formats = {
            "p_convert": share,
            "expected_contribution": money,
            "expected_cost": money,
            "expected_value": money,
        }
        sheet.write_row(0, 0, headers, bold)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                fmt = formats.get(headers[c])
                if value is None:
                    continue
                if fmt is not None:
                    sheet.write_number(r, c, float(value), fmt)
                else:
                    sheet.write(r, c, value if isinstance(value, (int, float, str)) else str(value))
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(len(rows), 1), len(headers) - 1)
        about = book.add_worksheet("about")
        about.write(
            0,
            0,
            f"Scored {document['as_of']} by {document['method']}; horizon {document['horizon_days']} days",
            bold,
        )
        validation = document["validation"]
        for i, key in enumerate(("cutoff", "auc", "brier", "top_decile_lift"), start=2):
            about.write(i, 0, key)
            value = validation.get(key)
            about.write(i, 1, "" if value is None else str(value))
    finally:
        book.close()
