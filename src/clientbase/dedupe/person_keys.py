"""Comparable keys of people: name parts, nicknames, birth dates (DuckDB SQL).

- ``given`` / ``family``: the cleaned given and family names (:mod:`.text`); from a ``full_name`` column when
  the list has no separate parts (``Smith, John`` is family first, and so is a Russian name with a
  patronymic, ``Иванов Иван Иванович``; else the first word is the given name and the last the family name;
  titles such as Mr, Dr, Herr, Mme are dropped).
- ``given1``: the first given name (``klaus`` of ``Klaus-Jürgen``); ``given_canon``: the full names it can
  stand for (:func:`clientbase.dedupe.names.nickname_table`: ``bill`` -> ``[bill, william ...]``).
- ``family_key``: the family name without spaces (``van der berg`` = ``vanderberg``).
- ``birth_date`` (DATE) and ``birth_digits`` (``YYYYMMDD``, also for a mistyped day such as 31.02.):
  the column's date format is chosen from its values (:data:`BIRTH_DATE_FORMATS`, the one that reads the most
  of them; ``05/03/1987`` is read day first unless a value such as ``03/25/1987`` shows month first).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clientbase.dedupe.text import clean_sql, fold_sql

if TYPE_CHECKING:
    import duckdb

#: Date formats tried on a birth-date column, in order of preference when several read every value.
BIRTH_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y%m%d",
    "%d.%m.%Y",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d-%m-%Y",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%d.%m.%y",
    "%d/%m/%y",
)

#: Words before a name that are not part of it.
TITLES = ("mr", "mrs", "ms", "miss", "dr", "prof", "sir", "herr", "frau", "m", "mme", "mlle", "hr", "fr")


def register_nicknames(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``_nicknames(name, fulls)`` from the nickname table."""
    import pyarrow as pa

    from clientbase.dedupe.names import nickname_table

    table = nickname_table()
    arrow = pa.table(
        {
            "name": pa.array(list(table), pa.string()),
            "fulls": pa.array([sorted(v) for v in table.values()], pa.list_(pa.string())),
        }
    )
    con.register("_nicknames_arrow", arrow)
    con.execute("CREATE OR REPLACE TEMP TABLE _nicknames AS SELECT * FROM _nicknames_arrow")
    con.unregister("_nicknames_arrow")


def _date_part(expr: str) -> str:
    """The date of a value that may carry a time (``1987-03-05 00:00:00``, ``1987-03-05T00:00``)."""
    return f"split_part(split_part(trim({expr}), ' ', 1), 'T', 1)"


def birth_date_format(con: duckdb.DuckDBPyConnection, source: str, column: str) -> str:
    """The format of :data:`BIRTH_DATE_FORMATS` that reads the most distinct values of ``column``.

    Example:
        >>> import duckdb
        >>> con = duckdb.connect()
        >>> _ = con.execute("CREATE TABLE t AS SELECT * FROM (VALUES ('05/03/1987'), ('03/25/1990')) v(d)")
        >>> birth_date_format(con, "t", "d")
        '%m/%d/%Y'
    """
    sample = (
        f"(SELECT DISTINCT {_date_part(column)} AS v FROM {source} WHERE {column} IS NOT NULL LIMIT 20000)"
    )
    counts = ", ".join(f"count(try_strptime(v, '{fmt}'))" for fmt in BIRTH_DATE_FORMATS)
    row = con.execute(f"SELECT {counts} FROM {sample}").fetchone() or ()
    best = max(range(len(BIRTH_DATE_FORMATS)), key=lambda i: (row[i] or 0, -i))
    return BIRTH_DATE_FORMATS[best]


def birth_date_sql(expr: str, fmt: str) -> tuple[str, str]:
    """SQL of ``(birth_date, birth_digits)`` for the text ``expr`` written in ``fmt``.

    ``birth_digits`` is ``YYYYMMDD``; a value the format cannot read (``31.02.1987``) still gives its digits
    in that order when it has the format's length, so a typo in a day is one digit off, not missing.
    """
    value = _date_part(expr)
    parsed = f"CAST(try_strptime({value}, '{fmt}') AS DATE)"
    digits = f"regexp_replace({value}, '[^0-9]', '', 'g')"
    order = [part for part in fmt.replace("%", " %").split() if part[:2] in ("%Y", "%m", "%d")]
    widths = {"%Y": 4, "%m": 2, "%d": 2}
    if any(p.startswith("%y") for p in fmt.split("%")):  # two-digit years: no digits fallback
        return parsed, f"strftime({parsed}, '%Y%m%d')"
    offsets, at = {}, 1
    for part in order:
        offsets[part[:2]] = at
        at += widths[part[:2]]
    reordered = " || ".join(f"substr({digits}, {offsets[p]}, {widths[p]})" for p in ("%Y", "%m", "%d"))
    fallback = f"CASE WHEN length({digits}) = 8 THEN {reordered} END"
    return parsed, f"coalesce(strftime({parsed}, '%Y%m%d'), {fallback})"


def _without_titles(tokens: str) -> str:
    titles = ", ".join(f"'{t}'" for t in TITLES)
    return f"list_filter({tokens}, x -> x NOT IN ({titles}) AND x <> '')"


def name_part_sql(ascii_full: str | None, given: str | None, family: str | None) -> tuple[str, str]:
    """SQL of the cleaned ``(given, family)``, from separate columns or split from a full name.

    ``ascii_full``, ``given`` and ``family`` are ASCII text expressions (or ``None`` when the list has no
    such column); separate parts win over the full name.
    """
    if given is None and family is None and ascii_full is not None:
        comma = f"contains({ascii_full}, ',')"
        tokens = _without_titles(f"string_split({clean_sql(ascii_full)}, ' ')")
        before = clean_sql(f"split_part({ascii_full}, ',', 1)")
        after = _without_titles(f"string_split({clean_sql(f'split_part({ascii_full}, chr(44), 2)')}, ' ')")
        # Russian order: family name, given name, patronymic (Иванов Иван Иванович)
        russian = f"(len({tokens}) = 3 AND regexp_matches({tokens}[3], '(ovich|evich|ich|ovna|evna|ichna|inichna)$'))"
        given_sql = (
            f"CASE WHEN {comma} THEN nullif(array_to_string({after}, ' '), '') "
            f"WHEN {russian} THEN {tokens}[2] WHEN len({tokens}) > 1 THEN {tokens}[1] END"
        )
        family_sql = f"CASE WHEN {comma} THEN nullif({before}, '') WHEN {russian} THEN {tokens}[1] ELSE {tokens}[-1] END"
        return given_sql, family_sql
    given_sql = "CAST(NULL AS VARCHAR)"
    if given:
        words = _without_titles(f"string_split({clean_sql(given)}, ' ')")
        given_sql = f"nullif(array_to_string({words}, ' '), '')"
    family_sql = f"nullif({clean_sql(family)}, '')" if family else "CAST(NULL AS VARCHAR)"
    return given_sql, family_sql


def person_key_sql() -> list[str]:
    """Select-list items of the person keys from the columns ``given``, ``given1`` and ``family`` of a stage.

    ``given_canon`` needs the ``_nicknames`` table joined as ``nk`` on ``given1`` (see
    :func:`register_nicknames`).
    """
    words = "string_split(coalesce(given, '') || ' ' || coalesce(family, ''), ' ')"
    family_key = "replace(family, ' ', '')"
    return [
        "given",
        "given1",
        "CASE WHEN given1 IS NOT NULL THEN coalesce(nk.fulls, [given1]) END AS given_canon",
        "family",
        "nullif(replace(family, ' ', ''), '') AS family_key",
        f"nullif({fold_sql(family_key)}, '') AS family_fold",
        "string_split(family, ' ') AS family_words",
        f"nullif(array_to_string(list_sort(list_filter({words}, x -> x <> '')), ' '), '') AS person_sorted",
    ]
