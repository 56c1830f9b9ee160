"""docs/data-format.md is rendered from the schema, so the documented format is the enforced one."""

from __future__ import annotations

import sqlalchemy as sa

from clientbase import schema
from clientbase.exchange.rules import sql_type

INTRO = """# The exchange format

A client base travels as a **folder of CSV files, one per table**: `clientbase export-folder DIR` writes it,
`clientbase import-folder DIR` loads it (all or nothing), and an export imported into an empty database
reproduces it exactly. The file and column names below are a public contract.

Rules for every file:
- UTF-8 (a byte-order mark is accepted), comma-separated, `"` quotes fields that contain commas, quotes or
  line breaks; the first row is the header with the column names below, in any order.
- An empty field is an empty value (NULL). Optional columns may be left out of the header entirely; when a
  row's key already exists, the columns left out keep their stored values.
- Dates are `YYYY-MM-DD`. Numbers use `.` as the decimal point and no thousands separator; a number with more
  decimals than its column keeps is refused rather than rounded. Booleans are `true` / `false`.
- Money is in the database currency (`settings.csv`, key `currency`). Amounts keep 2 decimals, unit prices and
  costs 4, quantities 3, rates 6.
- Any file may be absent: the rows it would hold are simply not loaded. When `orders.csv` is absent, the order
  headers are derived from `order_lines.csv` (the lines of one order must share customer and date).
- Loading is a merge by key: new keys are inserted, rows that differ are replaced, equal rows are left alone,
  so importing the same folder twice changes nothing.
- Errors name the file, the row as a spreadsheet shows it (the header is row 1), the column, the value and the
  rule broken; when there is any error nothing at all is written.
"""

TYPE_NAMES = {
    "VARCHAR": "text",
    "INTEGER": "integer",
    "BOOLEAN": "true/false",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
}


def render_data_format() -> str:
    """The markdown of docs/data-format.md."""
    parts = [INTRO]
    for table in schema.EXCHANGE_TABLES:
        keys = schema.key_columns(table)
        parts.append(
            f"\n## `{table.name}.csv`\n\n{table.comment} Key: {', '.join(f'`{k}`' for k in keys)}.\n"
        )
        parts.append("| column | type | unit | required | rule | example |\n|---|---|---|---|---|---|")
        for column in table.columns:
            f: schema.Field = column.info["field"]
            kind = sql_type(column)
            type_name = TYPE_NAMES.get(kind, kind.lower().replace("decimal", "decimal"))
            if isinstance(column.type, sa.String) and column.type.length:
                type_name = f"text (≤ {column.type.length})"
            rules = [f.doc]
            if f.enum:
                rules.append(
                    ("one or more of " if f.multi else "one of ") + ", ".join(f"`{v}`" for v in f.enum)
                )
            if f.minimum is not None:
                rules.append(f"≥ {f.minimum:g}")
            if f.references:
                rules.append(f"must exist in `{f.references}`")
            required = "yes" if f.required or (column.primary_key and not f.internal) else "no"
            parts.append(
                f"| `{column.name}` | {type_name} | {f.unit or ''} | {required} | {'; '.join(rules)} | `{f.example}` |"
            )
    return "\n".join(parts) + "\n"
