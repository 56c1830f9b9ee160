"""Any CSV/XLSX list of people or companies as a table ready for :func:`~clientbase.dedupe.find_duplicates`.

The file is read by the registry's spreadsheet reader (encoding and delimiter detected, title lines above the
header skipped) and each column's role is guessed from its header and values (:mod:`.roles`: ``Firma`` ->
name, ``Vorname`` -> given_name, ``Дата рождения`` -> birth_date, a column of e-mail addresses -> email ...),
unless the caller says it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from clientbase.dedupe.normalise import ROLES
from clientbase.dedupe.roles import guess_roles
from clientbase.errors import ConfigurationError

__all__ = ["ROW_ID", "RecordFile", "guess_roles", "parse_columns", "read_records"]

if TYPE_CHECKING:
    import pyarrow as pa

#: the column added when the file has no id column: the row number the sheet shows (the header is row 1)
ROW_ID = "row"


@dataclass(frozen=True)
class RecordFile:
    """The records of a file, the id column and the role of each used column."""

    table: pa.Table
    id_col: str
    #: role -> column (``address``: one column or a list of address lines)
    roles: dict[str, str | list[str]]


def parse_columns(text: str | None) -> dict[str, str | list[str]]:
    """``"name=Company,email=E-mail"`` as ``{"name": "Company", "email": "E-mail"}``; a role named twice takes
    both columns in that order (``address=No,address=Street``).

    Example:
        >>> parse_columns("name=Firma, phone = Tel.")
        {'name': 'Firma', 'phone': 'Tel.'}
        >>> parse_columns("address=street_number,address=address_1")
        {'address': ['street_number', 'address_1']}
    """
    if not text:
        return {}
    roles: dict[str, str | list[str]] = {}
    for part in text.split(","):
        role, sep, column = part.partition("=")
        role, column = role.strip(), column.strip()
        if not sep or not role or not column:
            raise ConfigurationError(
                f"--columns: {part.strip()!r} is not role=COLUMN; write e.g. name=Company,email=E-mail."
            )
        if role not in ROLES:
            raise ConfigurationError(f"--columns: unknown role {role!r}; the roles are {', '.join(ROLES)}.")
        before = roles.get(role)
        roles[role] = (
            column if before is None else [*([before] if isinstance(before, str) else before), column]
        )
    return roles


def columns_of(roles: Mapping[str, str | list[str]]) -> list[str]:
    """Every column the roles use, in order.

    Example:
        >>> columns_of({"name": "Firma", "address": ["Nr", "Straße"]})
        ['Firma', 'Nr', 'Straße']
    """
    return [c for cols in roles.values() for c in ([cols] if isinstance(cols, str) else cols)]


def _text(value: object) -> str | None:
    """A cell as text; a date, or a time stamp at midnight, as an ISO date."""
    import datetime as dt

    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def read_records(
    path: str | Path,
    *,
    id_col: str | None = None,
    columns: Mapping[str, str | list[str]] | None = None,
    sheet: str | None = None,
) -> RecordFile:
    """Read ``path`` and decide the id column and the roles (``columns`` overrides the guesses).

    Without ``id_col`` the records are keyed by the row number the sheet shows, in a column named ``row``.

    Example:
        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "list.csv")
        >>> _ = open(path, "w").write("Nr,Company,E-mail\\n1,Acme Ltd,info@acme.com\\n")
        >>> f = read_records(path, id_col="Nr")
        >>> f.id_col, f.roles
        ('Nr', {'name': 'Company', 'email': 'E-mail'})
    """
    import pyarrow as pa

    from clientbase.imports.spreadsheet import read_table

    sheet_data = read_table(path, sheet=sheet)
    headers = sheet_data.headers
    given = dict(columns or {})
    free = [h for h in headers if h != id_col and h not in columns_of(given)]
    guessed = guess_roles(free, {h: sheet_data.column(headers.index(h)) for h in free})
    roles = {**{r: c for r, c in guessed.items() if r not in given}, **given}
    missing = [c for c in [*([id_col] if id_col else []), *columns_of(roles)] if c not in headers]
    if missing:
        raise ConfigurationError(
            f"{Path(path).name}: no column {', '.join(repr(c) for c in missing)}; "
            f"the columns are: {', '.join(headers)}."
        )
    if not any(r in roles for r in ("name", "given_name", "family_name", "full_name")):
        raise ConfigurationError(
            f"{Path(path).name}: cannot tell which column holds the name (columns: {', '.join(headers)}); "
            "say it with --columns name=COLUMN for companies, or given_name=COLUMN,family_name=COLUMN "
            "(or full_name=COLUMN) for people."
        )
    used = [id_col] if id_col else []
    used += [c for c in dict.fromkeys(columns_of(roles)) if c not in used]
    data: dict[str, list[str | None]] = {}
    for column in used:
        data[column] = [_text(v) for v in sheet_data.column(headers.index(column))]
    if id_col is None:
        id_col = ROW_ID if ROW_ID not in headers else "__row"
        data[id_col] = [str(number) for number, _cells in sheet_data.rows]
    table = pa.table({k: pa.array(v, pa.string()) for k, v in data.items()})
    return RecordFile(table=table, id_col=id_col, roles=roles)
