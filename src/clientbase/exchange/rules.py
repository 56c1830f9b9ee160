"""The schema's field rules as SQL checks, run in bulk by DuckDB over a staged table of raw values.

Each check is one condition selecting the offending rows, so a file of millions of rows is validated by the
engine, never row by row in Python. The spellings and ranges of the types come from
:mod:`clientbase.formats`, the same declaration the Python writers read, so that a bulk load accepts exactly
what a single edit accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from clientbase import formats
from clientbase.schema import Field, key_columns

#: the staged table's row number: the spreadsheet row, counting the header as row 1
ROW = "_row"


def q(name: str) -> str:
    """Quote an identifier for DuckDB/PostgreSQL."""
    return '"' + name.replace('"', '""') + '"'


def sql_type(column: sa.Column[object]) -> str:
    """The DuckDB type a column's values are cast to."""
    return formats.sql_type(column)


def is_key(column: sa.Column[object]) -> bool:
    """A key or a reference to one: its text is trimmed, and must be one line."""
    f: Field = column.info["field"]
    return column.primary_key or f.references is not None


@dataclass(frozen=True)
class Check:
    """One rule over one column: ``where`` selects the rows that break it."""

    column: str
    where: str
    rule: str


def matched_name(column: sa.Column[object]) -> str:
    """The staged boolean column holding whether ``column``'s text matches its spelling."""
    return q(f"_ok_{column.name}")


def needs_match(column: sa.Column[object], staged: str) -> bool:
    """Whether a staged value of ``column`` (DuckDB type ``staged``) is read by its spelling's pattern."""
    return formats.kind(column) != "text" and not formats.is_typed(column, staged)


def column_checks(table: sa.Table, types: Mapping[str, str]) -> list[Check]:
    """Checks of every column of ``table``; ``types`` are the DuckDB types of the staged columns, whose
    text values have no surrounding spaces (with a :func:`matched_name` column for each column that
    :func:`needs_match`)."""
    checks: list[Check] = []
    keys = set(key_columns(table))
    for column in table.columns:
        f: Field = column.info["field"]
        c = q(column.name)
        staged = types.get(column.name, "VARCHAR")
        if f.required or (column.name in keys and not f.internal):
            checks.append(Check(column.name, f"{c} IS NULL", "required, but empty"))
        matched = matched_name(column) if needs_match(column, staged) else None
        checks += [
            Check(column.name, f"coalesce({where}, false)", rule)
            for where, rule in formats.sql_checks(
                column, c, staged, matched=matched, trimmed=True, one_line=is_key(column)
            )
        ]
        cast = formats.sql_cast(column, c, staged, trimmed=True)
        if f.enum:
            allowed = ", ".join(f"'{v}'" for v in f.enum)
            if f.multi:
                checks.append(
                    Check(
                        column.name,
                        f"{c} IS NOT NULL AND (len(string_split({c}, ';')) = 0 OR NOT list_bool_and("
                        f"list_transform(string_split({c}, ';'), x -> trim(x) IN ({allowed}))))",
                        f"each ';'-separated value must be one of: {', '.join(f.enum)}",
                    )
                )
            else:
                checks.append(
                    Check(
                        column.name,
                        f"{c} IS NOT NULL AND {c} NOT IN ({allowed})",
                        f"must be one of: {', '.join(f.enum)}",
                    )
                )
        if f.minimum is not None:
            checks.append(
                Check(
                    column.name,
                    f"coalesce(TRY({cast}) < {f.minimum}, false)",
                    f"must be {f.minimum:g} or more",
                )
            )
    return checks


#: Rules across columns of one row, by table: (column reported, condition of a bad row, rule).
ROW_RULES: dict[str, list[Check]] = {
    "invoices": [
        Check(
            "due_date",
            "coalesce(TRY_CAST(due_date AS DATE) < TRY_CAST(issue_date AS DATE), false)",
            "due date is before the issue date",
        )
    ],
    "cost_drivers": [
        Check(
            "valid_to",
            "coalesce(TRY_CAST(valid_to AS DATE) < TRY_CAST(valid_from AS DATE), false)",
            "valid_to is before valid_from",
        )
    ],
    "settings": [
        Check(
            "value",
            "key = 'financing_rate_annual' AND NOT coalesce(TRY_CAST(value AS DECIMAL(9,6)) BETWEEN 0 AND 1, false)",
            "financing_rate_annual is a yearly rate between 0 and 1, e.g. 0.08 for 8 %",
        ),
        Check(
            "value",
            "key = 'currency' AND NOT coalesce(regexp_matches(value, '^[A-Z]{3}$'), false)",
            "currency is an ISO 4217 code like EUR",
        ),
    ],
    "campaigns": [
        Check(
            "end", 'TRY_CAST("end" AS DATE) < TRY_CAST("start" AS DATE)', "the campaign ends before it starts"
        )
    ],
    "order_lines": [
        Check(
            "quantity",
            "coalesce(TRY_CAST(quantity AS DECIMAL(18,3)) = 0, false)",
            "quantity must not be 0 (returns are negative)",
        )
    ],
}
