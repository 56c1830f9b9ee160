"""Any CSV/XLSX list of people or companies as a table ready for :func:`~clientbase.dedupe.find_duplicates`.

The file is read by the registry's spreadsheet reader (encoding and delimiter detected, title lines above the
header skipped) and each column's role is guessed from its header with the registry's import synonyms
(``Firma`` -> name, ``USt-IdNr.`` -> tax_id, ``Телефон`` -> phone ...), unless the caller says it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from clientbase.dedupe.normalise import ROLES
from clientbase.errors import ConfigurationError

if TYPE_CHECKING:
    import pyarrow as pa

#: the column added when the file has no id column: the row number the sheet shows (the header is row 1)
ROW_ID = "row"


@dataclass(frozen=True)
class RecordFile:
    """The records of a file, the id column and the role of each used column."""

    table: pa.Table
    id_col: str
    roles: dict[str, str]


def parse_columns(text: str | None) -> dict[str, str]:
    """``"name=Company,email=E-mail"`` as ``{"name": "Company", "email": "E-mail"}``.

    Example:
        >>> parse_columns("name=Firma, phone = Tel.")
        {'name': 'Firma', 'phone': 'Tel.'}
    """
    if not text:
        return {}
    roles: dict[str, str] = {}
    for part in text.split(","):
        role, sep, column = part.partition("=")
        role, column = role.strip(), column.strip()
        if not sep or not role or not column:
            raise ConfigurationError(
                f"--columns: {part.strip()!r} is not role=COLUMN; write e.g. name=Company,email=E-mail."
            )
        if role not in ROLES:
            raise ConfigurationError(f"--columns: unknown role {role!r}; the roles are {', '.join(ROLES)}.")
        roles[role] = column
    return roles


def guess_roles(headers: list[str]) -> dict[str, str]:
    """The role of each header that looks like one, from the registry's import synonyms.

    Example:
        >>> guess_roles(["Kundnr", "Firma", "USt-IdNr.", "Telefon", "Ort", "Bemerkung"])
        {'name': 'Firma', 'tax_id': 'USt-IdNr.', 'phone': 'Telefon', 'city': 'Ort'}
    """
    from clientbase.registry.mapping import suggest

    fields = suggest(headers).fields()
    return {role: fields[role] for role in ROLES if role in fields}


def read_records(
    path: str | Path,
    *,
    id_col: str | None = None,
    columns: Mapping[str, str] | None = None,
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

    from clientbase.registry.spreadsheet import read_table

    sheet_data = read_table(path, sheet=sheet)
    headers = sheet_data.headers
    roles = {r: c for r, c in guess_roles(headers).items() if c != id_col}
    roles.update(columns or {})
    missing = [c for c in [*([id_col] if id_col else []), *roles.values()] if c not in headers]
    if missing:
        raise ConfigurationError(
            f"{Path(path).name}: no column {', '.join(repr(c) for c in missing)}; "
            f"the columns are: {', '.join(headers)}."
        )
    if "name" not in roles:
        raise ConfigurationError(
            f"{Path(path).name}: cannot tell which column holds the name (columns: {', '.join(headers)}); "
            "say it with --columns name=COLUMN."
        )
    used = [id_col] if id_col else []
    used += [c for c in dict.fromkeys(roles.values()) if c not in used]
    data: dict[str, list[str | None]] = {}
    for column in used:
        index = headers.index(column)
        data[column] = [None if v is None else str(v) for v in sheet_data.column(index)]
    if id_col is None:
        id_col = ROW_ID if ROW_ID not in headers else "__row"
        data[id_col] = [str(number) for number, _cells in sheet_data.rows]
    table = pa.table({k: pa.array(v, pa.string()) for k, v in data.items()})
    return RecordFile(table=table, id_col=id_col, roles=roles)
