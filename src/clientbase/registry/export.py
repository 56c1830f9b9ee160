"""Export a filtered list of counterparties to CSV or XLSX, in the columns the importer reads back.

The header row is the importer's field names (``counterparty_id``, ``name``, ... and the main contact as
``contact_name``, ``contact_email``, ...), so an exported list edited in a spreadsheet and imported again
updates exactly the records it came from; imported unedited, it changes nothing (round trip).

Example:
    >>> import tempfile, os, sqlalchemy as sa
    >>> from clientbase import schema
    >>> from clientbase.store import connect
    >>> from clientbase.registry.access import Actor
    >>> store = connect("duckdb:///:memory:")
    >>> with store.begin() as conn:
    ...     _ = conn.execute(sa.insert(schema.managers).values(manager_id="M01", name="Anna", role="head"))
    >>> path = os.path.join(tempfile.mkdtemp(), "list.csv")
    >>> export_list(store, actor=Actor("M01", "head"), path=path, filters=ListFilter(status="active"))
    0
    >>> open(path, encoding="utf-8-sig").readline().split(",")[:3]
    ['counterparty_id', 'name', 'roles']
    >>> store.close()
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from clientbase import schema
from clientbase.errors import ConfigurationError
from clientbase.outputs import for_people, output_file, workbook, writing
from clientbase.registry import access
from clientbase.registry.access import Actor
from clientbase.registry.fields import CONTACT_FIELDS, COUNTERPARTY_FIELDS
from clientbase.registry.history import as_text
from clientbase.store import Store

EXPORT_COLUMNS = COUNTERPARTY_FIELDS + tuple(CONTACT_FIELDS)


@dataclass(frozen=True)
class ListFilter:
    """Which counterparties to list; every given condition must hold (``roles``: has that role;
    ``name``: contains the text, any case)."""

    owner: str | None = None
    status: str | None = None
    role: str | None = None
    country: str | None = None
    segment: str | None = None
    industry: str | None = None
    region: str | None = None
    name: str | None = None
    include_archived: bool = False


def select_counterparties(
    store: Store, *, actor: Actor, filters: ListFilter | None = None
) -> list[dict[str, Any]]:
    """The counterparties ``actor`` may see that pass ``filters``, by key, each with its main contact."""
    wanted = filters or ListFilter()
    cp = schema.counterparties
    query = sa.select(cp).where(access.visible(actor, cp))
    for name in ("status", "country", "segment", "industry", "region"):
        value = getattr(wanted, name)
        if value is not None:
            query = query.where(cp.c[name] == (value.upper() if name == "country" else value))
    if wanted.owner is not None:
        query = query.where(cp.c.owner_id == wanted.owner)
    if wanted.role is not None:
        if wanted.role not in schema.ROLES:
            raise ConfigurationError(f"Unknown role {wanted.role!r}: use one of {', '.join(schema.ROLES)}.")
        query = query.where(sa.or_(cp.c.roles == wanted.role, cp.c.roles.like(f"%{wanted.role}%")))
    if wanted.name:
        # the text as given: % and _ are letters here, not LIKE wildcards
        query = query.where(sa.func.lower(cp.c.name).contains(wanted.name.lower(), autoescape=True))
    if not wanted.include_archived and wanted.status != "archived":
        query = query.where(cp.c.status != "archived")
    with store.snapshot() as view, view.begin() as conn:  # the records and their contacts in one state
        rows = [dict(r._mapping) for r in conn.execute(query.order_by(cp.c.counterparty_id))]
        return with_main_contacts(conn, rows)


def with_main_contacts(conn: sa.Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` (counterparty rows) each with its main contact as ``contact_name``, ``contact_email`` ..."""
    ct = schema.contacts
    ids = [r["counterparty_id"] for r in rows]
    people: dict[str, dict[str, Any]] = {}
    if ids:
        contacts = conn.execute(
            sa.select(ct)
            .where(ct.c.counterparty_id.in_(ids), sa.func.coalesce(ct.c.archived, False).is_(False))
            .order_by(
                ct.c.counterparty_id, sa.desc(sa.func.coalesce(ct.c.is_primary, False)), ct.c.contact_id
            )
        )
        for found in contacts:
            people.setdefault(found.counterparty_id, dict(found._mapping))
    for row in rows:
        person = people.get(row["counterparty_id"], {})
        for export_name, column_name in CONTACT_FIELDS.items():
            row[export_name] = person.get(column_name)
    return rows


def export_list(store: Store, *, actor: Actor, path: str | Path, filters: ListFilter | None = None) -> int:
    """Write the filtered list to ``path`` (``.csv``: UTF-8 with BOM; ``.xlsx``); returns the number of rows.

    The list is for people: a CSV text cell starting with ``=``, ``+``, ``-`` or ``@`` gets a leading ``'``
    (a spreadsheet shows it as text; the importer takes the ``'`` off again), a workbook writes text as text.
    """
    target = output_file(path, what="list.xlsx")
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ConfigurationError(f"Cannot export to {target.name}: name the file .csv or .xlsx.")
    rows = select_counterparties(store, actor=actor, filters=filters)
    write_rows(target, rows)
    return len(rows)


def write_rows(target: Path, rows: list[dict[str, Any]]) -> None:
    """Write counterparty rows (with their main contact) to ``target`` in :data:`EXPORT_COLUMNS`
    (``.csv``: UTF-8 with BOM, formula characters neutralised; ``.xlsx``: text as text)."""
    if target.suffix.lower() == ".csv":
        with writing(target) as checked, checked.open("w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow(EXPORT_COLUMNS)
            for row in rows:
                writer.writerow([_csv_cell(row.get(name)) for name in EXPORT_COLUMNS])
    else:
        _write_xlsx(target, rows)


def _csv_cell(value: object) -> str:
    text = as_text(value) or ""
    return text if isinstance(value, Decimal | int | dt.date) else for_people(text)


def _write_xlsx(target: Path, rows: list[dict[str, Any]]) -> None:
    with workbook(target) as book:
        sheet = book.add_worksheet("counterparties")
        bold = book.add_format({"bold": True})
        dates = book.add_format({"num_format": "yyyy-mm-dd"})
        sheet.write_row(0, 0, EXPORT_COLUMNS, bold)
        sheet.freeze_panes(1, 0)
        for r, row in enumerate(rows, start=1):
            for c, name in enumerate(EXPORT_COLUMNS):
                value = row.get(name)
                if value is None:
                    continue
                if isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), dates)
                elif isinstance(value, Decimal | int) and not isinstance(value, bool):
                    sheet.write_number(r, c, float(value))
                else:
                    sheet.write_string(r, c, str(value))
