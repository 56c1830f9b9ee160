"""How each type of value is written, declared once for every writer: the CLI and API (Python) and the bulk
loader (DuckDB SQL), so that both accept exactly the same spellings and refuse the same values.

A value of a column is accepted when its text matches the type's :class:`Spelling` (surrounding spaces
aside) and it fits the column: a whole number within 32 bits, a decimal with no more digits before and after
the point than the column keeps (never rounded: ``30.5`` is not a whole number, ``12.0000001`` has too many
decimals), a real calendar date between 0001-01-01 and 9999-12-31, text without NUL or other control
characters and within the column's length. Anything else is refused with the rule; nothing is bent into
shape. :func:`parse` is the Python side, :func:`sql_checks` / :func:`sql_cast` the SQL side; the tests run
every documented example through both (``tests/test_formats.py``).

Example:
    >>> from clientbase import schema
    >>> parse(schema.counterparties.c.payment_days, "30")
    30
    >>> parse(schema.counterparties.c.payment_days, "30.5")
    Traceback (most recent call last):
    ...
    ValueError: not a whole number: write digits only, like 30 or -5
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
#: control characters refused in text (tab, line feed and carriage return are allowed)
CONTROL = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]"
_CONTROL = re.compile(CONTROL)


@dataclass(frozen=True)
class Spelling:
    """How values of one type are written: ``pattern`` (a regular expression both Python and DuckDB read the
    same way), what a person is told, and examples that are accepted and refused (documented and tested)."""

    kind: str
    pattern: str
    written: str
    accepted: tuple[str, ...]
    refused: tuple[str, ...]


SPELLINGS: dict[str, Spelling] = {
    s.kind: s
    for s in (
        Spelling(
            "integer",
            "[+-]?[0-9]+",
            "digits only, like 30 or -5",
            ("30", "-5", "+7", "0", "2147483647"),
            ("30.5", "30.0", "1e5", "1_000", "1,000", "30 days", "2147483648", "0x1F", "NaN", ""),
        ),
        Spelling(
            "decimal",
            "[+-]?[0-9]+([.][0-9]+)?",
            "digits with '.' as the decimal point and no more decimals than the column keeps, like 1234.50",
            ("1234.50", "-0.5", "12", "5.0000", "+3.25"),
            (
                "1e-3",
                "1E5",
                "1_000.00",
                "1,234.50",
                "1.234,50",
                ".5",
                "5.",
                "NaN",
                "sNaN",
                "Infinity",
                "12.0000001",
            ),
        ),
        Spelling(
            "float",
            "[+-]?[0-9]+([.][0-9]+)?([eE][+-]?[0-9]+)?",
            "a number with '.' as the decimal point, optionally with an exponent, like 0.97 or 1.5e-3",
            ("0.97", "1", "1.5e-3", "-2E4"),
            ("NaN", "Infinity", "-inf", "1_0", "0,97", "1e400"),
        ),
        Spelling(
            "boolean",
            "[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]",
            "true or false",
            ("true", "false", "TRUE", "False"),
            ("yes", "no", "1", "0", "y", "ja", "x", "t"),
        ),
        Spelling(
            "date",
            "[0-9]{4}-[0-9]{2}-[0-9]{2}",
            "YYYY-MM-DD, a real day from 0001-01-01 to 9999-12-31, like 2024-05-17",
            ("2024-05-17", "0001-01-01", "9999-12-31", "2024-02-29"),
            (
                "2025-01-01 10:00:00",
                "17.05.2024",
                "2024-5-17",
                "20240517",
                "2023-02-29",
                "0000-01-01",
                "99999-01-01",
                "0044-03-15 (BC)",
                "infinity",
                "-infinity",
            ),
        ),
        Spelling(
            "timestamp",
            "[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,6})?",
            "YYYY-MM-DD HH:MM:SS (UTC, optionally with up to 6 decimals of a second), like 2024-05-17 10:31:02",
            ("2024-05-17 10:31:02", "2024-05-17T10:31:02.123456", "9999-12-31 23:59:59"),
            (
                "2024-05-17",
                "2024-05-17 25:00:00",
                "2024-05-17 10:31:02+02",
                "infinity",
                "0000-01-01 00:00:00",
            ),
        ),
        Spelling(
            "text",
            "(.|\\n)*",
            "any text without NUL or other control characters (tab and line breaks are fine), within the column's length",
            ("Nordic Tools AB", "Müller GmbH & Co. KG", "ООО «Ромашка»", "line one\nline two"),
            ("nul\x00byte", "bell\x07"),
        ),
    )
}


#: SQLAlchemy types and their kinds, the most specific first (Float is a Numeric, DateTime is not a Date)
_KINDS: tuple[tuple[type, str], ...] = (
    (sa.Boolean, "boolean"),
    (sa.Integer, "integer"),
    (sa.Float, "float"),
    (sa.Numeric, "decimal"),
    (sa.DateTime, "timestamp"),
    (sa.Date, "date"),
)


def kind(column: sa.Column[Any]) -> str:
    """The :data:`SPELLINGS` kind of ``column``'s type.

    Example:
        >>> from clientbase import schema
        >>> kind(schema.counterparties.c.discount_pct), kind(schema.field_history.c.changed_at)
        ('decimal', 'timestamp')
    """
    return next((name for kind_, name in _KINDS if isinstance(column.type, kind_)), "text")


def spelling(column: sa.Column[Any]) -> Spelling:
    return SPELLINGS[kind(column)]


def _decimal_limits(column: sa.Column[Any]) -> tuple[int, int]:
    t = column.type
    assert isinstance(t, sa.Numeric)
    return int(t.precision or 38), int(t.scale or 0)


#: what a value that does not match its spelling is not
NOT_A = {
    "integer": "not a whole number",
    "decimal": "not a number in the form 1234.50",
    "float": "not a number",
    "boolean": "not true or false",
    "date": "not a date",
    "timestamp": "not a time",
    "text": "not text",
}


def rule(column: sa.Column[Any]) -> str:
    """What is wrong with a value of ``column`` that does not match its spelling, and how to write it.

    Example:
        >>> from clientbase import schema
        >>> rule(schema.counterparties.c.created_at)
        'not a date: write YYYY-MM-DD, a real day from 0001-01-01 to 9999-12-31, like 2024-05-17'
    """
    name = kind(column)
    return f"{NOT_A[name]}: write {SPELLINGS[name].written}"


def _no_such(name: str) -> str:
    return f"no such {'date' if name == 'date' else 'time'}: write {SPELLINGS[name].written}"


def _out_of_range() -> str:
    return f"out of range: whole numbers go from {INT_MIN:,} to {INT_MAX:,}"


def _too_many_decimals(scale: int) -> str:
    return f"has more than {scale} decimals; the column keeps {scale} and does not round"


def _too_large(precision: int, scale: int) -> str:
    return f"is too large: at most {precision - scale} digits before the decimal point"


# -- Python ----------------------------------------------------------------------------------------------------


def _text(value: str) -> str:
    return value.strip(" ")


def _matches(name: str, text: str) -> bool:
    return re.fullmatch(SPELLINGS[name].pattern, text) is not None


def parse(column: sa.Column[Any], value: object) -> object:
    """``value`` as the Python value of ``column`` (int, Decimal, float, bool, date, datetime or str).

    Text is read by the column's :class:`Spelling`; a Python value of the right type is checked the same way.
    ``None`` and empty text are ``None``.

    Raises:
        ValueError: saying what is wrong and how to write the value.

    Example:
        >>> from clientbase import schema
        >>> parse(schema.counterparties.c.discount_pct, "2.50"), parse(schema.managers.c.active, "TRUE")
        (Decimal('2.50'), True)
        >>> parse(schema.counterparties.c.credit_limit, "1e300")
        Traceback (most recent call last):
        ...
        ValueError: not a number in the form 1234.50: write digits with '.' as the decimal point and no more decimals than the column keeps, like 1234.50
    """
    if value is None or (isinstance(value, str) and not _text(value)):
        return None
    name = kind(column)
    if name == "text":
        return check_text(column, value if isinstance(value, str) else str(value))
    if name == "boolean":
        return _boolean(value)
    if name == "integer":
        return _integer(value)
    if name == "decimal":
        return check_decimal(column, _decimal(value))
    if name == "float":
        return _float(value)
    if name == "date":
        return _date(value)
    return _timestamp(value)


def _refused(name: str, what: str | None = None) -> ValueError:
    return ValueError(f"{what or NOT_A[name]}: write {SPELLINGS[name].written}")


def _boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and _matches("boolean", _text(value)):
        return _text(value).lower() == "true"
    raise _refused("boolean")


def _integer(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        if isinstance(value, Decimal | float) and _finite(value) and value == int(value):
            value = int(value)
        else:
            raise _refused("integer")
    if isinstance(value, str):
        text = _text(value)
        if not _matches("integer", text):
            raise _refused("integer")
        value = int(text)
    assert isinstance(value, int)
    if not INT_MIN <= value <= INT_MAX:
        raise ValueError(f"{value} is {_out_of_range()}")
    return value


def _finite(value: Decimal | float) -> bool:
    return value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)


def _decimal(value: object) -> Decimal:
    if isinstance(value, bool):
        raise _refused("decimal")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _refused("decimal")
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _refused("decimal")
        text = repr(value)
        if not _matches("decimal", text):  # 1e-05, 1e+300: a float too small or too large for its digits
            raise _refused("decimal", f"not a number in the form 1234.50 ({text})")
        return Decimal(text)
    if isinstance(value, str) and _matches("decimal", _text(value)):
        return Decimal(_text(value))
    raise _refused("decimal", "not a number in the form 1234.50")


def check_decimal(column: sa.Column[Any], value: Decimal) -> Decimal:
    """``value`` if it fits ``column`` exactly (digits before and after the point); else ``ValueError``."""
    precision, scale = _decimal_limits(column)
    if not value.is_finite():
        raise _refused("decimal")
    try:
        exact = value.quantize(Decimal(1).scaleb(-scale))
    except InvalidOperation:  # more digits than the context holds: far too large
        exact = None
    if exact is not None and exact != value:
        raise ValueError(_too_many_decimals(scale))
    if exact is None or abs(value) >= Decimal(10) ** (precision - scale):
        raise ValueError(_too_large(precision, scale))
    return value


def _float(value: object) -> float:
    if isinstance(value, bool):
        raise _refused("float")
    if isinstance(value, int | float | Decimal):
        number = float(value)
    elif isinstance(value, str) and _matches("float", _text(value)):
        number = float(_text(value))
    else:
        raise _refused("float")
    if not math.isfinite(number):
        raise _refused("float")
    return number


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.time() != dt.time():
            raise ValueError("a date and a time of day: the field keeps the date only, write YYYY-MM-DD")
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _matches("date", _text(value)):
        try:
            return dt.date.fromisoformat(_text(value))
        except ValueError:
            raise ValueError(_no_such("date")) from None
    raise _refused("date")


def _timestamp(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            raise ValueError("has a time zone: times are stored in UTC without one")
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, str) and _matches("timestamp", _text(value)):
        try:
            return dt.datetime.fromisoformat(_text(value))
        except ValueError:
            raise ValueError(_no_such("timestamp")) from None
    raise _refused("timestamp")


def check_text(column: sa.Column[Any] | None, value: str) -> str:
    """``value`` if it holds no control character and fits ``column``'s length; else ``ValueError``."""
    bad = _CONTROL.search(value)
    if bad is not None:
        code = ord(bad.group())
        what = "a NUL byte" if code == 0 else f"the control character U+{code:04X}"
        raise ValueError(f"contains {what}; remove it (text may hold tab and line breaks only)")
    length = getattr(column.type, "length", None) if column is not None else None
    if length is not None and len(value) > length:
        raise ValueError(f"longer than {length} characters ({len(value):,})")
    return value


# -- SQL (DuckDB, over a staged table) ---------------------------------------------------------------------------

#: DuckDB types of staged values that are already of a kind (checked by range, not by spelling)
_TYPED = {
    "integer": (
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "HUGEINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
    ),
    "decimal": ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "DECIMAL", "DOUBLE", "FLOAT"),
    "float": ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "DECIMAL", "DOUBLE", "FLOAT"),
    "boolean": ("BOOLEAN",),
    "date": ("DATE", "TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S"),
    "timestamp": ("TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "DATE"),
}


def sql_type(column: sa.Column[Any]) -> str:
    """The DuckDB type values of ``column`` are cast to."""
    name = kind(column)
    if name == "decimal":
        precision, scale = _decimal_limits(column)
        return f"DECIMAL({precision},{scale})"
    return {
        "integer": "INTEGER",
        "float": "DOUBLE",
        "boolean": "BOOLEAN",
        "date": "DATE",
        "timestamp": "TIMESTAMP",
    }.get(name, "VARCHAR")


def is_typed(column: sa.Column[Any], staged_type: str) -> bool:
    """Whether a staged value of DuckDB type ``staged_type`` is already of ``column``'s kind."""
    base = staged_type.split("(")[0].upper()
    return base in _TYPED.get(kind(column), ())


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def sql_text(ref: str, *, trimmed: bool = False) -> str:
    """``ref`` as text without surrounding spaces (``trimmed``: the caller has taken them off already)."""
    return f"CAST({ref} AS VARCHAR)" if trimmed else f"trim(CAST({ref} AS VARCHAR), ' ')"


def sql_trimmed(ref: str) -> str:
    """``ref`` (text) without surrounding spaces, empty as NULL; trimmed only when it has such spaces."""
    return f"CASE WHEN starts_with({ref}, ' ') OR ends_with({ref}, ' ') THEN NULLIF(trim({ref}, ' '), '') ELSE NULLIF({ref}, '') END"


def sql_matches(column: sa.Column[Any], ref: str, *, trimmed: bool = False) -> str:
    """Whether the text ``ref`` matches ``column``'s spelling (computed once per value by the loader)."""
    return f"regexp_full_match({sql_text(ref, trimmed=trimmed)}, {_sql_literal(SPELLINGS[kind(column)].pattern)})"


def sql_checks(
    column: sa.Column[Any],
    ref: str,
    staged_type: str,
    *,
    matched: str | None = None,
    trimmed: bool = False,
    one_line: bool = False,
) -> list[tuple[str, str]]:
    """``(condition of a bad value, rule)`` pairs for ``ref`` (a staged column of DuckDB ``staged_type``).

    The same rules as :func:`parse`: text by the spelling's pattern, then the range of the column.
    ``matched`` names a boolean already holding :func:`sql_matches` of the value, so that the pattern is
    matched once per value however many checks need it; ``trimmed``: the values have no surrounding spaces;
    ``one_line``: text must not hold a tab or a line break either (a key).
    """
    name = kind(column)
    if name == "text":
        length = getattr(column.type, "length", None)
        text = f"CAST({ref} AS VARCHAR)"
        if one_line:
            checks = [
                (
                    f"regexp_matches({text}, '[\\x00-\\x1f\\x7f]')",
                    "contains a control character, tab or line break: a key is one line of text",
                )
            ]
        else:
            checks = [
                (
                    f"regexp_matches({text}, {_sql_literal(CONTROL)})",
                    "contains a NUL byte or a control character",
                )
            ]
        if length:
            checks.append((f"length({text}) > {length}", f"longer than {length} characters"))
        return checks
    if is_typed(column, staged_type):
        return _typed_checks(column, ref, staged_type)
    text = sql_text(ref, trimmed=trimmed)
    matches = matched or sql_matches(column, ref, trimmed=trimmed)
    checks = [(f"{ref} IS NOT NULL AND NOT {matches}", rule(column))]
    good = f"{ref} IS NOT NULL AND {matches}"
    if name == "integer":
        checks.append((f"{good} AND TRY_CAST({text} AS INTEGER) IS NULL", _out_of_range()))
    elif name == "decimal":
        precision, scale = _decimal_limits(column)
        # the digits after the point that are not trailing zeros: more than the column keeps would be rounded
        kept = f"length(rtrim(split_part({text}, '.', 2), '0')) <= {scale}"
        checks.append((f"{good} AND NOT {kept}", _too_many_decimals(scale)))
        # a well-written number with no more decimals than kept fails the cast only by its size
        checks.append(
            (
                f"{good} AND {kept} AND TRY_CAST({text} AS DECIMAL({precision},{scale})) IS NULL",
                _too_large(precision, scale),
            )
        )
    elif name == "float":
        checks.append((f"{good} AND NOT isfinite(TRY_CAST({text} AS DOUBLE))", rule(column)))
    elif name in ("date", "timestamp"):
        checks.append(
            (
                f"{good} AND (TRY_CAST({text} AS {sql_type(column)}) IS NULL OR left({text}, 4) = '0000')",
                _no_such(name),
            )
        )
    return checks


def _typed_checks(column: sa.Column[Any], ref: str, staged_type: str) -> list[tuple[str, str]]:
    name = kind(column)
    approximate = staged_type.upper().startswith(("DOUBLE", "FLOAT", "REAL"))
    if name == "integer":
        return [(f"{ref} NOT BETWEEN {INT_MIN} AND {INT_MAX}", _out_of_range())]
    if name == "float":
        return [(f"NOT isfinite(CAST({ref} AS DOUBLE))", rule(column))]
    if name == "decimal":
        precision, scale = _decimal_limits(column)
        limit = 10 ** (precision - scale)
        finite = f"isfinite({ref}) AND " if approximate else ""
        checks = [(f"NOT isfinite({ref})", rule(column))] if approximate else []
        checks.append(
            (
                f"{finite}{ref} <> round({ref}, {scale})",
                _too_many_decimals(scale),
            )
        )
        checks.append(
            (f"{finite}abs({ref}) >= {limit}" + (".0" if approximate else ""), _too_large(precision, scale))
        )
        return checks
    if name in ("date", "timestamp"):
        checks = [
            (
                f"NOT isfinite({ref}) OR {ref} < DATE '0001-01-01' OR {ref} > TIMESTAMP '9999-12-31 23:59:59.999999'",
                _no_such(name),
            )
        ]
        if name == "date" and not staged_type.upper().startswith("DATE"):
            checks.append(
                (
                    f"isfinite({ref}) AND CAST({ref} AS TIME) <> TIME '00:00:00'",
                    "a date and a time of day: the field keeps the date only, write YYYY-MM-DD",
                )
            )
        return checks
    return []


def sql_cast(column: sa.Column[Any], ref: str, staged_type: str, *, trimmed: bool = False) -> str:
    """``ref`` as ``column``'s type, for a value :func:`sql_checks` found good."""
    name = kind(column)
    target = sql_type(column)
    if name == "text":
        return f"CAST({ref} AS VARCHAR)"
    if is_typed(column, staged_type):
        return f"CAST({ref} AS {target})"
    text = sql_text(ref, trimmed=trimmed)
    if name == "boolean":
        return f"CASE WHEN {text} = '' THEN NULL ELSE lower({text}) = 'true' END"
    return f"CAST(NULLIF({text}, '') AS {target})"
