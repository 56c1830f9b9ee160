"""The schema's field rules as SQL checks, run in bulk by DuckDB over a staged table of raw values.

Each check is one ``SELECT`` returning the offending rows (row number, raw value), so a file of millions of
rows is validated by the engine, never row by row in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from clientbase.schema import Field, key_columns

#: the staged table's row number: the spreadsheet row, counting the header as row 1
ROW = "_row"


def q(name: str) -> str:
    """Quote an identifier for DuckDB/PostgreSQL."""
    return '"' + name.replace('"', '""') + '"'


#: (SQLAlchemy type, DuckDB type, what a value that does not cast is), most specific first
TYPE_RULES: tuple[tuple[type, str, str], ...] = (
    (sa.Integer, "INTEGER", "not a whole number"),
    (sa.Boolean, "BOOLEAN", "not true/false"),
    (sa.DateTime, "TIMESTAMP", "not a timestamp in the form YYYY-MM-DD HH:MM:SS"),
    (sa.Date, "DATE", "not a date in the form YYYY-MM-DD"),
)


def sql_type(column: sa.Column[object]) -> str:
    """The DuckDB type a column's values are cast to."""
    t = column.type
    if isinstance(t, sa.Numeric):
        return f"DECIMAL({t.precision},{t.scale})"
    return next((sql for kind, sql, _ in TYPE_RULES if isinstance(t, kind)), "VARCHAR")


def type_rule(column: sa.Column[object]) -> str:
    """What is wrong with a value of ``column`` that does not cast to :func:`sql_type`."""
    t = column.type
    if isinstance(t, sa.Numeric):
        return f"not a number with at most {t.scale} decimals (use '.' as decimal point, no thousands separators)"
    if isinstance(t, sa.String) and t.length:
        return f"longer than {t.length} characters"
    return next((rule for kind, _, rule in TYPE_RULES if isinstance(t, kind)), "invalid value")


@dataclass(frozen=True)
class Check:
    """One rule over one column: ``where`` selects the rows that break it."""

    column: str
    where: str
    rule: str


def column_checks(table: sa.Table, raw: str) -> list[Check]:
    """Checks of every column of ``table`` against the raw staged relation ``raw`` (columns as VARCHAR or typed)."""
    checks: list[Check] = []
    keys = set(key_columns(table))
    for column in table.columns:
        f: Field = column.info["field"]
        c = q(column.name)
        cast = f"TRY_CAST({c} AS {sql_type(column)})"
        if f.required or (column.name in keys and not f.internal):
            checks.append(Check(column.name, f"{c} IS NULL", "required, but empty"))
        typed = sql_type(column)
        if typed == "VARCHAR":
            length = getattr(column.type, "length", None)
            if length:
                checks.append(
                    Check(column.name, f"length(CAST({c} AS VARCHAR)) > {length}", type_rule(column))
                )
        else:
            checks.append(Check(column.name, f"{c} IS NOT NULL AND {cast} IS NULL", type_rule(column)))
        if isinstance(column.type, sa.Numeric):
            # More decimals than the column keeps would be rounded silently: refuse instead.
            scale = column.type.scale
            pattern = f"\\.[0-9]{{{scale}}}[0-9]*[1-9]"
            checks.append(
                Check(column.name, f"regexp_matches(CAST({c} AS VARCHAR), '{pattern}')", type_rule(column))
            )
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
            checks.append(Check(column.name, f"{cast} < {f.minimum}", f"must be {f.minimum:g} or more"))
    return checks


#: Rules across columns of one row, by table: (column reported, condition of a bad row, rule).
ROW_RULES: dict[str, list[Check]] = {
    "invoices": [
        Check(
            "due_date",
            "TRY_CAST(due_date AS DATE) < TRY_CAST(issue_date AS DATE)",
            "due date is before the issue date",
        )
    ],
    "cost_drivers": [
        Check(
            "valid_to",
            "TRY_CAST(valid_to AS DATE) < TRY_CAST(valid_from AS DATE)",
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
            "key = 'currency' AND NOT regexp_matches(value, '^[A-Z]{3}$')",
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
            "TRY_CAST(quantity AS DECIMAL(18,3)) = 0",
            "quantity must not be 0 (returns are negative)",
        )
    ],
}
