"""The dry run of a spreadsheet import: what every row would do, and why rows are rejected.

:func:`plan_import` reads the file (:mod:`.spreadsheet`), maps its columns (:mod:`.mapping`), parses the cells
by field (:mod:`.cells`), matches each row to an existing record (:mod:`.matching`), checks access
(:mod:`.access`) and validation (:mod:`.rules`), and returns an :class:`ImportPlan`: new / updated /
unchanged / rejected rows with a per-field diff. Nothing is written; :func:`clientbase.imports.batch.apply`
writes a plan.

Import semantics, chosen so that re-importing a file is harmless:

- an empty cell leaves the stored value as it is (a list that lacks a value does not erase it);
- a new record gets ``roles = customer``, ``status = active`` (``prospect`` for prospects), ``created_at =
  today`` and the owner given (``default_owner``) or, for a manager, the manager, unless the file says;
- owners may be written as manager ids, names or e-mails;
- two rows about the same record (same key, tax ID, e-mail or name + country) are a duplicate: the first is
  kept, each later one is rejected naming the first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from clientbase import schema
from clientbase.errors import ConfigurationError, PermissionDeniedError, Problem
from clientbase.imports import cells, matching
from clientbase.imports.mapping import ColumnMapping, check, suggest
from clientbase.imports.spreadsheet import Cell, Sheet, read_table
from clientbase.registry import access, history, rules
from clientbase.registry.access import Actor
from clientbase.registry.fields import CONTACT_FIELDS
from clientbase.store import Store

ACTIONS = ("new", "updated", "unchanged", "rejected")


@dataclass
class RowPlan:
    """What one data row will do. ``changes`` are the cleaned values to write (all of them for a new record).

    ``row`` is the row number a spreadsheet shows for it (the header on the first line is row 1).
    """

    row: int
    action: str
    record_id: str | None = None
    rule: str | None = None
    before: dict[str, Any] | None = None
    changes: dict[str, object] = field(default_factory=dict)
    contact_id: str | None = None
    contact_before: dict[str, Any] | None = None
    contact_changes: dict[str, object] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class ImportPlan:
    """Everything a dry run found; :meth:`summary` is what ``--json`` prints."""

    file: str
    sha256: str
    actor: Actor
    mapping: ColumnMapping
    sheet: Sheet
    rows: list[RowPlan]

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def errors(self) -> list[Problem]:
        return [problem for row in self.rows for problem in row.problems]

    def diffs(self) -> list[dict[str, object]]:
        """``{row, record_id, field, old, new}`` for every field an update changes (contact fields as contact_*)."""
        result: list[dict[str, object]] = []
        for row in self.rows:
            if row.action != "updated":
                continue
            before = row.before or {}
            for name in history.changed_fields(before, row.changes):
                result.append(
                    {
                        "row": row.row,
                        "record_id": row.record_id,
                        "field": name,
                        "old": history.as_text(before.get(name)),
                        "new": history.as_text(row.changes[name]),
                    }
                )
            contact_before = row.contact_before or {}
            if row.contact_changes:
                for name in history.changed_fields(contact_before, row.contact_changes):
                    result.append(
                        {
                            "row": row.row,
                            "record_id": row.contact_id,
                            "field": f"contact_{name}",
                            "old": history.as_text(contact_before.get(name)),
                            "new": history.as_text(row.contact_changes[name]),
                        }
                    )
        return result

    def summary(self) -> dict[str, object]:
        """``{new, updated, unchanged, rejected, errors: [{row, column, value, reason}], diffs}``."""
        return {
            "file": self.file,
            **{action: self.count(action) for action in ACTIONS},
            "errors": [
                {"row": p.row, "column": p.column, "value": p.value, "reason": p.rule} for p in self.errors
            ],
            "diffs": self.diffs(),
        }


def plan_import(
    store: Store,
    *,
    path: str | Path,
    actor: Actor,
    mapping: ColumnMapping | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    default_owner: str | None = None,
) -> ImportPlan:
    """Work out what importing ``path`` would do, writing nothing.

    Raises:
        PermissionDeniedError: the actor is an analyst (analysts edit nothing).
        ConfigurationError: the mapping does not fit the file (says what to fix).
        ValidationError: the file cannot be read.
    """
    if actor.role == "analyst":
        raise PermissionDeniedError(
            f"{actor.manager_id} is an analyst: analysts read records and import none."
        )
    source = Path(path)
    table = read_table(
        source,
        sheet=sheet or (mapping.sheet if mapping else None),
        encoding=encoding or (mapping.encoding if mapping else None),
    )
    used = mapping or suggest(table.headers)
    problems = check(used, table.headers)
    if problems:
        raise ConfigurationError(f"The mapping does not fit {source.name}:\n  - " + "\n  - ".join(problems))
    used.sheet = table.sheet
    with store.begin() as conn:
        context = _Context.load(conn, actor, default_owner, source.name)
        context.headers = used.fields()
        parsed = _parse_columns(table, used)
        rows = [context.plan_row(number, values, bad) for number, values, bad in parsed]
    # rows the reader could not take as rows of the table are rejected too: every data row is counted
    rows += [RowPlan(row=p.row or 0, action="rejected", problems=[p]) for p in table.rejected]
    rows.sort(key=lambda r: r.row)
    return ImportPlan(
        file=source.name,
        sha256=hashlib.sha256(source.read_bytes()).hexdigest(),
        actor=actor,
        mapping=used,
        sheet=table,
        rows=rows,
    )


# -- cells by field ---------------------------------------------------------------------------------------------


def _parse_columns(
    table: Sheet, mapping: ColumnMapping
) -> list[tuple[int, dict[str, object], list[Problem]]]:
    """Per row: the parsed values by field, and the cells that could not be parsed."""
    fields = mapping.fields()
    position = {header: i for i, header in enumerate(table.headers)}
    raw = {name: table.column(position[header]) for name, header in fields.items()}
    habits = [cells.detect_decimal_comma(raw[name]) for name in raw if _kind(name) in ("int", "decimal")]
    decided = [h for h in habits if h is not None]
    decimal_comma = Counter(decided).most_common(1)[0][0] if decided else None
    parsed: dict[str, list[object]] = {
        name: _parse(name, values, decimal_comma) for name, values in raw.items()
    }
    result = []
    for index, (number, _cells) in enumerate(table.rows):
        values: dict[str, object] = {}
        bad: list[Problem] = []
        for name, column_values in parsed.items():
            value = column_values[index]
            if isinstance(value, cells.CellError):
                shown = cells.as_text(raw[name][index])
                bad.append(Problem(table.file, number, fields[name], shown, f"type: {value.reason}"))
            elif value is not None:
                values[name] = value
        result.append((number, values, bad))
    return result


def _kind(name: str) -> str:
    if name in CONTACT_FIELDS:
        return "text"
    column = schema.counterparties.c[name]
    if isinstance(column.type, sa.Integer):
        return "int"
    if isinstance(column.type, sa.Numeric):
        return "decimal"
    if isinstance(column.type, sa.Date):
        return "date"
    return "text"


def _parse(name: str, values: list[Cell], decimal_comma: bool | None) -> list[Any]:
    kind = _kind(name)
    if kind == "int":
        return list(cells.parse_integers(values, decimal_comma=decimal_comma))
    if kind == "decimal":
        return list(cells.parse_decimals(values, decimal_comma=decimal_comma))
    if kind == "date":
        return list(cells.parse_dates(values))
    texts = [cells.as_text(v) for v in values]
    if name == "country":
        return [cells.country_code(t) if t else None for t in texts]
    if name in cells.ENUM_WORDS:
        return [cells.enum_word(name, t) if t else None for t in texts]
    return texts


# -- rows -------------------------------------------------------------------------------------------------------


@dataclass
class _Context:
    """What planning the rows needs from the database, loaded once."""

    actor: Actor
    default_owner: str | None
    records: dict[str, dict[str, Any]]
    contacts: dict[str, list[dict[str, Any]]]
    managers: dict[str, str]
    index: matching.MatchIndex
    claimed: dict[str, int] = field(default_factory=dict)
    file: str = ""
    #: field -> the spreadsheet header it came from, so that problems name the user's column
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: sa.Connection, actor: Actor, default_owner: str | None, file: str) -> _Context:
        records = {
            r["counterparty_id"]: r
            for r in (dict(x._mapping) for x in conn.execute(sa.select(schema.counterparties)))
        }
        contacts: dict[str, list[dict[str, Any]]] = {}
        for row in conn.execute(sa.select(schema.contacts)):
            contacts.setdefault(row.counterparty_id, []).append(dict(row._mapping))
        managers: dict[str, str] = {}
        for row in conn.execute(sa.select(schema.managers)):
            for key in (row.manager_id, row.name, row.email):
                if key:
                    managers.setdefault(str(key).casefold(), row.manager_id)
        owner = None
        if default_owner:
            owner = managers.get(default_owner.casefold())
            if owner is None:
                raise ConfigurationError(
                    f"No manager {default_owner!r} for --owner; the managers table lists them."
                )
        index = matching.MatchIndex.build(records.values())
        return cls(actor, owner, records, contacts, managers, index, file=file)

    def plan_row(self, number: int, values: dict[str, object], bad: list[Problem]) -> RowPlan:
        plan = RowPlan(row=number, action="rejected", problems=list(bad))
        contact = {CONTACT_FIELDS[k]: v for k, v in values.items() if k in CONTACT_FIELDS}
        record = {k: v for k, v in values.items() if k not in CONTACT_FIELDS}
        if "owner_id" in record:
            owner = self.managers.get(str(record["owner_id"]).casefold())
            if owner is None:
                self._reject(
                    plan, "owner_id", record["owner_id"], "reference: no such manager (id, name or e-mail)"
                )
            else:
                record["owner_id"] = owner
        if plan.problems:
            # report the rule breaks of the readable values too, so that one pass shows all of a row's problems
            _, failures = rules.clean_record(schema.counterparties, record)
            self._failures(plan, [f for f in failures if f.field in record and f.rule != "required"])
            return plan
        found = self.index.find(record)
        if found.ambiguous:
            shown = [
                c for c in found.candidates if self.actor.can_read(self.records.get(c, {"owner_id": None}))
            ]
            return self._reject(
                plan,
                None,
                None,
                f"ambiguous: {found.rule} matches several records"
                + (f": {', '.join(shown)}" if shown else "")
                + "; give the row its counterparty_id",
            )
        hidden = found.record_id in self.records and not self.actor.can_read(self.records[found.record_id])
        key = record.get("counterparty_id")
        if key is not None and self.actor.role != "head" and (hidden or found.rule != "counterparty_id"):
            # a key the manager cannot see: the same answer whether it is someone else's or no one's, so that
            # nothing is said about others' records (new records get a generated key: leave it empty)
            return self._reject(plan, None, None, str(access.not_found(self.actor, f"counterparty {key}")))
        if hidden:
            return self._reject(
                plan,
                None,
                None,
                f"not imported: the row matches a record you may not see (same {found.rule}); ask the head to "
                "import it or to assign the record to you",
            )
        earlier = self.claimed.get(found.record_id or "")
        if earlier is not None:
            return self._reject(plan, None, None, f"duplicate of row {earlier} (same {found.rule})")
        if found.record_id is None or found.record_id not in self.records:
            self._plan_new(plan, record, contact)
        else:
            self._plan_update(plan, self.records[found.record_id], record, contact, found.rule)
        if plan.action != "rejected":
            key = plan.record_id or f"row {number}"
            self.claimed[key] = number
            if plan.action == "new":
                self.index.add(key, plan.changes)
        return plan

    def _reject(self, plan: RowPlan, column: str | None, value: object, reason: str) -> RowPlan:
        plan.action = "rejected"
        shown = None if value is None else str(value)
        header = self.headers.get(column, column) if column else None
        plan.problems.append(Problem(self.file, plan.row, header, shown, reason))
        return plan

    def _failures(self, plan: RowPlan, failures: list[rules.Failure], prefix: str = "") -> None:
        for failure in failures:
            name = prefix + failure.field
            plan.problems.append(failure.problem(self.file, plan.row, self.headers.get(name, name)))

    def _plan_new(self, plan: RowPlan, record: dict[str, object], contact: dict[str, object]) -> None:
        roles = str(record.get("roles") or "customer")
        defaults: dict[str, object] = {
            "roles": roles,
            "status": "prospect" if "prospect" in roles.split(";") else "active",
            "created_at": dt.date.today(),
        }
        owner = self.default_owner or (self.actor.manager_id if self.actor.role == "manager" else None)
        if owner:
            defaults["owner_id"] = owner
        full = {**defaults, **record}
        if self.actor.role == "manager" and full.get("owner_id") != self.actor.manager_id:
            self._reject(
                plan, "owner_id", full.get("owner_id"), "access: a manager imports records they own only"
            )
            return
        given = full.setdefault("counterparty_id", None) is not None
        if not given:
            full["counterparty_id"] = "new"  # the key is generated when the batch is applied
        cleaned, failures = rules.clean_record(
            schema.counterparties, full, managers=set(self.managers.values())
        )
        self._failures(plan, failures)
        if given:
            plan.record_id = str(cleaned["counterparty_id"])
        else:
            del cleaned["counterparty_id"]
        if contact:
            contact_clean, contact_failures = rules.clean_record(
                schema.contacts,
                {"is_primary": True, **contact, "contact_id": "new", "counterparty_id": "new"},
                country=_str(cleaned.get("country")),
            )
            self._failures(plan, contact_failures, "contact_")
            plan.contact_changes = {
                k: v for k, v in contact_clean.items() if k not in ("contact_id", "counterparty_id")
            }
        if not plan.problems:
            plan.action = "new"
            plan.changes = cleaned

    def _plan_update(
        self,
        plan: RowPlan,
        before: dict[str, Any],
        record: dict[str, object],
        contact: dict[str, object],
        rule: str | None,
    ) -> None:
        plan.record_id, plan.rule, plan.before = str(before["counterparty_id"]), rule, before
        if not self.actor.can_edit(before):
            self._reject(
                plan,
                None,
                plan.record_id,
                f"access: {plan.record_id} is owned by {before.get('owner_id')}; "
                f"{self.actor.manager_id} may edit only their own records",
            )
            return
        new_owner = record.get("owner_id")
        if new_owner is not None and new_owner != before.get("owner_id") and self.actor.role != "head":
            self._reject(plan, "owner_id", new_owner, "access: only the head assigns owners")
            return
        cleaned, failures = rules.clean_record(
            schema.counterparties, {**before, **record}, managers=set(self.managers.values())
        )
        self._failures(plan, failures)
        changes = {name: cleaned[name] for name in record if name != "counterparty_id"}
        country = _str(before.get("country"))
        plan.changes = _changed(schema.counterparties, before, changes, country)
        if contact:
            self._plan_contact(plan, before, contact)
        if plan.problems:
            return
        plan.action = "updated" if plan.changes or plan.contact_changes else "unchanged"

    def _plan_contact(self, plan: RowPlan, parent: dict[str, Any], contact: dict[str, object]) -> None:
        country = _str(parent.get("country"))
        people = self.contacts.get(str(parent["counterparty_id"]), [])
        email = _str(contact.get("email"))
        name = matching.normalise_person(str(contact.get("name") or ""))
        existing = next(
            (
                p
                for p in people
                if email and _str(p.get("email")) and str(p["email"]).lower() == email.lower()
            ),
            None,
        )
        existing = existing or next(
            (p for p in people if name and matching.normalise_person(str(p.get("name") or "")) == name), None
        )
        if existing is None:
            cleaned, failures = rules.clean_record(
                schema.contacts,
                {
                    "is_primary": not people,
                    **contact,
                    "contact_id": "new",
                    "counterparty_id": parent["counterparty_id"],
                },
                country=country,
            )
            self._failures(plan, failures, "contact_")
            plan.contact_changes = {
                k: v for k, v in cleaned.items() if k not in ("contact_id", "counterparty_id")
            }
            return
        cleaned, failures = rules.clean_record(schema.contacts, {**existing, **contact}, country=country)
        self._failures(plan, failures, "contact_")
        changes = {name: cleaned[name] for name in contact}
        plan.contact_id, plan.contact_before = str(existing["contact_id"]), existing
        plan.contact_changes = _changed(schema.contacts, existing, changes, country)


def _changed(
    table: sa.Table, before: dict[str, Any], changes: dict[str, object], country: str | None
) -> dict[str, object]:
    """The cleaned ``changes`` whose value differs from the stored one in its canonical form.

    A stored value written another way than the rules store it (``556012-5790`` for ``5560125790``, from an
    older load or another tool) is not a change: the field is reported unchanged and left as it is.
    """
    return {
        name: changes[name]
        for name in history.changed_fields(before, changes)
        if not history.same_value(rules.canonical(table, name, before.get(name), country), changes[name])
    }


def _str(value: object) -> str | None:
    return None if value is None else str(value)
