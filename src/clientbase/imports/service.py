"""The one entry point of the import chain, shared by the CLI and the web: dry run, apply, undo, history.

Every function is keyword-only and takes the store and the acting :class:`~clientbase.registry.access.Actor`;
the roles are the registry's: a manager imports their own records (new records are theirs, rows about
someone else's record are rejected), the head imports any, an analyst imports no records. Transaction files
(order lines, invoices, payments, activities) are for the head and analysts.

:func:`import_spreadsheet` runs the whole chain — read (:mod:`.spreadsheet`), map (:mod:`.mapping`), parse
cells (:mod:`.cells`), match (:mod:`.matching`), plan (:mod:`.plan`) — and, when asked, applies the plan as
one undoable batch (:mod:`.batch`): all or nothing, or the valid rows only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clientbase.errors import PermissionDeniedError, ValidationError
from clientbase.exchange.load import LoadReport
from clientbase.imports import batch, mapping, spreadsheet, transactions
from clientbase.imports.batch import BatchResult, UndoResult
from clientbase.imports.mapping import ColumnMapping
from clientbase.imports.plan import ImportPlan, plan_import
from clientbase.registry.access import Actor
from clientbase.store import Store

#: who may load transaction files
TRANSACTION_ROLES = ("head", "analyst")


@dataclass
class ImportOutcome:
    """A dry run (``result`` is ``None``) or an applied import (``result`` says which batch)."""

    plan: ImportPlan
    result: BatchResult | None = None

    def summary(self) -> dict[str, object]:
        """What ``clientbase import --json`` prints and the API returns."""
        out = self.plan.summary()
        out["dry_run"] = self.result is None
        out["batch_id"] = self.result.batch_id if self.result else None
        return out


def suggest_mapping(
    path: str | Path, *, sheet: str | None = None, encoding: str | None = None
) -> tuple[spreadsheet.Sheet, ColumnMapping]:
    """Read ``path`` and suggest which column is which field (the sheet and encoding recorded in it)."""
    table = spreadsheet.read_table(path, sheet=sheet, encoding=encoding)
    suggested = mapping.suggest(table.headers)
    suggested.sheet, suggested.encoding = table.sheet, encoding
    return table, suggested


def sheets(path: str | Path) -> list[str]:
    """The sheets of a workbook (``[]`` for a CSV file)."""
    return spreadsheet.list_sheets(path)


def import_spreadsheet(
    store: Store,
    *,
    actor: Actor,
    path: str | Path,
    mapping: ColumnMapping | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    default_owner: str | None = None,
    apply: bool = False,
    skip_invalid: bool = False,
) -> ImportOutcome:
    """Dry-run the import of ``path`` and, with ``apply``, write it as one batch.

    With ``apply`` and rejected rows, nothing is written (a ValidationError lists them) unless
    ``skip_invalid``, which writes the valid rows.

    Raises:
        PermissionDeniedError: the actor is an analyst.
        ConfigurationError: the mapping does not fit the file.
        ValidationError: the file cannot be read, or rejected rows on an all-or-nothing apply.
        ConflictError: a record changed between the dry run and the write.
    """
    plan = plan_import(
        store,
        path=path,
        actor=actor,
        mapping=mapping,
        sheet=sheet,
        encoding=encoding,
        default_owner=default_owner,
    )
    outcome = ImportOutcome(plan)
    return apply_plan(store, outcome, skip_invalid=skip_invalid) if apply else outcome


def apply_plan(store: Store, outcome: ImportOutcome, *, skip_invalid: bool = False) -> ImportOutcome:
    """Write the dry run ``outcome`` as one batch: all rows or none, or with ``skip_invalid`` the valid rows.

    Raises:
        ValidationError: rejected rows and not ``skip_invalid``; nothing was written.
        ConflictError: a record changed since the dry run; nothing was written, run the dry run again.
    """
    plan = outcome.plan
    if plan.count("rejected") and not skip_invalid:
        raise ValidationError(plan.errors, total=len(plan.errors))
    return ImportOutcome(plan, batch.apply(store, plan))


def undo_import(store: Store, *, actor: Actor, batch_id: str) -> UndoResult:
    """Undo an applied batch (the head, or the manager who applied it; never an analyst)."""
    if actor.role == "analyst":
        raise PermissionDeniedError(f"{actor.manager_id} is an analyst: analysts undo no imports.")
    return batch.undo(store, batch_id=batch_id, actor=actor)


def import_batches(store: Store, *, actor: Actor | None = None) -> list[dict[str, Any]]:
    """Applied batches, newest first; a manager sees the batches they applied, the head and analysts all."""
    rows = batch.list_batches(store)
    if actor is not None and not actor.sees_all:
        rows = [row for row in rows if row["created_by"] == actor.manager_id]
    return rows


def load_transactions(
    store: Store,
    *,
    actor: Actor | None,
    path: str | Path,
    table: str,
    dry_run: bool = False,
    skip_invalid: bool = False,
) -> LoadReport:
    """Load a transaction file into ``table`` (all or nothing, or the valid rows with ``skip_invalid``).

    ``actor`` is the acting user of the web and API, who must be the head or an analyst; the CLI, run by
    whoever holds the database file, passes ``None``.
    """
    if actor is not None and actor.role not in TRANSACTION_ROLES:
        raise PermissionDeniedError(
            f"{actor.manager_id} is a {actor.role}: transaction files are loaded by the head and analysts."
        )
    return transactions.import_transactions(
        store, path, table=table, dry_run=dry_run, skip_invalid=skip_invalid
    )
