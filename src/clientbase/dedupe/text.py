"""Text cleaning shared by every key: one set of rules, written in Python and in DuckDB SQL.

A value is transliterated to ASCII (anyascii: ``Müller`` -> ``Muller``, ``Ромашка`` -> ``Romashka``),
lower-cased, apostrophes and dots dropped (``S.A.`` -> ``sa``, ``O'Neil`` -> ``oneil``) and every other run
of non-alphanumeric characters made one space. :func:`fold_sql` also folds the spelled-out umlauts
``ae``/``oe``/``ue`` to their vowel (so ``Mueller`` and ``Müller`` agree): a key of its own, because folding
every name would turn a typo such as ``jaes`` (james) into ``jas``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from anyascii import anyascii

if TYPE_CHECKING:
    import duckdb

#: The characters dropped without a trace.
DROPPED = "[.,'`´’]"
#: ``ae``, ``oe``, ``ue`` as German writes ä, ö, ü without umlauts; folded on both sides of a comparison.
_FOLD = ("([aou])e", r"\1")


def clean_text(value: str) -> str:
    """The Python twin of :func:`clean_sql`: ASCII, lower case, punctuation gone.

    Example:
        >>> clean_text("Müller & Söhne G.m.b.H."), clean_text("Иванов")
        ('muller sohne gmbh', 'ivanov')
    """
    text = re.sub(DROPPED, "", anyascii(value).lower())
    return re.sub("[^a-z0-9]+", " ", text).strip()


def fold_text(value: str) -> str:
    """The Python twin of :func:`fold_sql`.

    Example:
        >>> fold_text("mueller"), fold_text("muller"), fold_text("schroeder")
        ('muller', 'muller', 'schroder')
    """
    return re.sub(_FOLD[0], _FOLD[1], value)


def fold_sql(expr: str) -> str:
    """SQL folding ``ae``, ``oe``, ``ue`` to ``a``, ``o``, ``u`` in a cleaned text."""
    return f"regexp_replace({expr}, '{_FOLD[0]}', '\\1', 'g')"


def quote(identifier: str) -> str:
    """A SQL identifier in double quotes."""
    return '"' + identifier.replace('"', '""') + '"'


def clean_sql(expr: str) -> str:
    """SQL of :func:`clean_text` for an expression that is already ASCII."""
    dropped = DROPPED.strip("[]").replace("'", "''")
    return f"trim(regexp_replace(translate(lower({expr}), '{dropped}', ''), '[^a-z0-9]+', ' ', 'g'))"


def transliteration_table(con: duckdb.DuckDBPyConnection, source: str, columns: list[str]) -> None:
    """Create ``_translit(raw, ascii)`` for the distinct non-ASCII values of ``columns`` of ``source``.

    Only those values pass through Python (anyascii); everything else stays in SQL.
    """
    import pyarrow as pa

    raw: list[str] = []
    if columns:
        union = " UNION ".join(
            f"SELECT {quote(c)} AS raw FROM {quote(source)} WHERE regexp_matches({quote(c)}, '[^\\x00-\\x7F]')"
            for c in columns
        )
        raw = con.execute(union).to_arrow_table().column("raw").to_pylist()
    mapping = pa.table(
        {"raw": pa.array(raw, pa.string()), "ascii": pa.array([anyascii(v) for v in raw], pa.string())}
    )
    con.register("_translit_arrow", mapping)
    con.execute("CREATE OR REPLACE TEMP TABLE _translit AS SELECT * FROM _translit_arrow")
    con.unregister("_translit_arrow")
