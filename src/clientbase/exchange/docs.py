"""docs/data-format.md is rendered from the schema, so the documented format is the enforced one."""

from __future__ import annotations

import sqlalchemy as sa

from clientbase import formats, schema
from clientbase.exchange.rules import sql_type

INTRO = """# The exchange format

A client base travels as a **folder of CSV files, one per table**: `clientbase export-folder DIR` writes it,
`clientbase import-folder DIR` loads it (all or nothing), and an export imported into an empty database
reproduces it exactly — the records with their field history, freshness, owner transfers, import batches,
duplicate decisions, merges and quality scores (the [history files](#the-history-files) below). The file and
column names below are a public contract. `import-folder` into a `--db` that does not exist yet creates it.

`clientbase export-folder DIR --format parquet` writes the same tables as a Parquet lake instead: one folder per
table (`DIR/order_lines/part-0.parquet`, ...), the schema's types kept (amounts `DECIMAL(18, 2)`, dates). That is
what `analyze`, `report`, `value`, `forecast` and `actions` read with `--facts DIR`, on DuckDB or Spark (`--engine`, docs/scale.md); a table may be split over any number of
Parquet files in its folder and sub-folders.

Rules for every file:
- UTF-8 (a byte-order mark is accepted), comma-separated, `"` quotes fields that contain commas, quotes or
  line breaks; the first row is the header with the column names below, in any order. A row with more or fewer
  fields than the header is refused (quote a value that holds a comma).
- An empty field, or one of spaces only, is an empty value (NULL). Optional columns may be left out of the
  header entirely; when a row's key already exists, the columns left out keep their stored values.
- Every value is written in its type's spelling (below) and fits its column: **a value is refused, never
  bent** — not rounded, not cut, not guessed.
- Keys and references to keys are stored without surrounding spaces (`C000003 ` is `C000003`) and are one
  line of text.
- Money is in the database currency (`settings.csv`, key `currency`). Amounts keep 2 decimals, unit prices and
  costs 4, quantities 3, rates 6.
- Counterparties and contacts follow the registry's record rules as every other writer does (the spreadsheet
  import, `clientbase edit`, the API; see [registry.md](registry.md#the-rules-every-record-follows)): VAT and
  company numbers checked for the record's country, e-mails, phones (stored as E.164), ISO country codes
  (stored upper case), what a record needs by its roles and status. A value is stored in its canonical form,
  the same one the other writers store.
- Any file may be absent: the rows it would hold are simply not loaded. When `orders.csv` is absent, the order
  headers are derived from `order_lines.csv` (the lines of one order must share customer and date).
- Loading is a merge by key: new keys are inserted, rows that differ are replaced, equal rows are left alone,
  so importing the same folder twice changes nothing.
- Counterparties and contacts are merged as the registry writes them: a changed record gets the next
  `version`, one field-history row per changed field (source `exchange`) and fresh changed fields; a change of
  owner is an owner transfer. A load never lowers a version: a row whose `version` is below the stored one (the
  record was changed after the file was written) is a **conflict**, reported per record with the stored and the
  file's version, and nothing is written — unless `--overwrite-newer` says to replace the stored record (as a
  new version). A file without the `version` column (a list made by another program) is applied over the
  stored records as they are. On PostgreSQL a load locks the tables it writes before comparing, so two loads (or a load and an
  edit) run one after the other and the second sees the first's result.
- Errors name the file, the row as a spreadsheet shows it (the header is row 1), the column, the value (cut to a
  readable length) and the rule broken, and go to an error report beside the folder (`<folder>-errors.csv`, or
  `--errors PATH`); when there is any error nothing at all is written. With `--skip-invalid` (for migrating
  messy legacy data) the valid rows are loaded and the rest reported: a row that breaks a rule, a row that
  refers to a refused row, a record older than the stored one. Nothing the rules call invalid is stored.
- The files are **byte-faithful**: a value is written exactly as stored, also a text that a spreadsheet program
  would run as a formula (`=...`, `+...`). They are for programs; open them in a spreadsheet as text, or use
  `clientbase export-list` (a list for people, with such cells neutralised).

## Spellings

How each type is written (`clientbase.formats`, one declaration for the bulk loader and the Python writers,
tested both ways: every example below is accepted, or refused, by both):

| type | written | accepted | refused |
|---|---|---|---|
"""

HISTORY = """
## The history files

`export-folder` writes these beside the data, and `import-folder` loads them when they are present, so that
an export loaded into an empty database reproduces it exactly (`clientbase quality --json` gives the same
document before and after). Loaded into a base that has rows of its own, they add the rows it lacks and keep
the rows it has as they are (the base's own account of what happened wins), except that a later freshness
time (`field_verification.verified_at`) replaces an earlier one.
"""

TYPE_NAMES = {
    "VARCHAR": "text",
    "INTEGER": "integer",
    "BOOLEAN": "true/false",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
}


def _examples(values: tuple[str, ...]) -> str:
    """Examples as code, control characters written as escapes (``\\n``, ``\\x00``)."""

    def shown(text: str) -> str:
        return "".join(
            ch if " " <= ch != "\x7f" else ("\\n" if ch == "\n" else f"\\x{ord(ch):02x}") for ch in text
        )

    return ", ".join(f"`{shown(v)}`" for v in values if v)


def render_data_format() -> str:
    """The markdown of docs/data-format.md."""
    parts = [INTRO.rstrip("\n")]
    for spelling in formats.SPELLINGS.values():
        parts.append(
            f"| {spelling.kind} | {spelling.written} | {_examples(spelling.accepted)} | {_examples(spelling.refused)} |"
        )
    parts.append("")
    for table in (*schema.EXCHANGE_TABLES, *schema.EXCHANGE_HISTORY_TABLES):
        if table is schema.EXCHANGE_HISTORY_TABLES[0]:
            parts.append(HISTORY)
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
