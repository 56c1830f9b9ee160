"""What the import page and the import API share: the uploads, the mapping a form sends, the reports, the jobs.

Every step calls :mod:`clientbase.imports.service` with the acting user (the service enforces the roles).
A dry run's plan is kept in memory for its upload (:class:`PlanCache`), so applying what the user saw does
not read and match the file again; the batch's write still refuses a record changed since the dry run.
Long steps run as :class:`Jobs` in a thread pool, so a request returns at once and the page polls.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clientbase.accounts.sessions import Identity
from clientbase.errors import ClientbaseError, NotFoundError, Problem, ValidationError
from clientbase.imports import service
from clientbase.imports.mapping import ColumnMapping, to_toml
from clientbase.imports.transactions import TRANSACTION_TABLES
from clientbase.outputs import write_error_report
from clientbase.registry.fields import IMPORT_FIELDS
from clientbase.store import Store
from clientbase.web.uploads import Upload

KINDS = ("counterparties", *TRANSACTION_TABLES)
#: rows of a report shown on the page (the CSV and the API give all)
SHOWN = 200


def kinds_for(role: str) -> tuple[str, ...]:
    """What a role may upload: records for the head and managers, transaction files for the head and analysts."""
    return tuple(
        k
        for k in KINDS
        if (k == "counterparties" and role != "analyst")
        or (k != "counterparties" and role in service.TRANSACTION_ROLES)
    )


@dataclass
class Report:
    """A dry run or an applied import, the same for spreadsheets of records and transaction files."""

    kind: str
    file: str
    counts: dict[str, int]
    errors: list[dict[str, Any]] = field(default_factory=list)
    diffs: list[dict[str, Any]] = field(default_factory=list)
    dry_run: bool = True
    batch_id: str | None = None
    tables: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file": self.file,
            **self.counts,
            "errors": self.errors,
            "diffs": self.diffs,
            "dry_run": self.dry_run,
            "batch_id": self.batch_id,
            "tables": self.tables,
        }


def mapping_from(
    headers: list[str], chosen: Mapping[str, str | None], sheet: str | None, encoding: str | None
) -> ColumnMapping:
    """The mapping a user chose (header -> field, ``""``/``None`` ignores it), checked against the fields."""
    bad = [
        Problem("mapping", None, header, value, f"unknown field; use one of {', '.join(IMPORT_FIELDS)}")
        for header, value in chosen.items()
        if value and value not in IMPORT_FIELDS
    ]
    if bad:
        raise ValidationError(bad)
    columns = {h: (chosen.get(h) or None) for h in headers} if chosen else {}
    return ColumnMapping(columns=columns, sheet=sheet, encoding=encoding)


def saved_mapping(upload: Upload, headers: list[str], sheet: str | None) -> ColumnMapping | None:
    """The mapping file sent with the upload, for the columns of the sheet read (others: ignored), if any."""
    from clientbase.imports import mapping as mappings
    from clientbase.web.uploads import MAPPING_FILE

    path = Path(upload.folder) / MAPPING_FILE
    if not path.is_file():
        return None
    saved = mappings.load(path)
    return mapping_from(headers, {h: saved.columns.get(h) or "" for h in headers}, sheet, saved.encoding)


def mapping_key(mapping: ColumnMapping | None, owner: str | None) -> str:
    text = (to_toml(mapping) if mapping else "") + f"\nowner={owner}"
    return hashlib.sha256(text.encode()).hexdigest()


class PlanCache:
    """The last dry run of each upload (few, in memory), keyed by upload and the mapping used."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._items: OrderedDict[str, tuple[str, service.ImportOutcome]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, upload_id: str, key: str, outcome: service.ImportOutcome) -> None:
        with self._lock:
            self._items[upload_id] = (key, outcome)
            self._items.move_to_end(upload_id)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get(self, upload_id: str, key: str) -> service.ImportOutcome | None:
        """The dry run of ``upload_id`` if it was made with the mapping ``key``."""
        with self._lock:
            found = self._items.get(upload_id)
        return found[1] if found and found[0] == key else None

    def drop(self, upload_id: str) -> None:
        with self._lock:
            self._items.pop(upload_id, None)


def as_rows(problems: list[Problem]) -> list[dict[str, Any]]:
    """Problems as the report's rejected rows: ``{row, column, value, reason}``."""
    return [{"row": p.row, "column": p.column, "value": p.value, "reason": p.rule} for p in problems]


def _spreadsheet_report(outcome: service.ImportOutcome) -> Report:
    summary = outcome.summary()
    return Report(
        kind="counterparties",
        file=str(summary["file"]),
        counts={a: int(summary[a]) for a in ("new", "updated", "unchanged", "rejected")},  # type: ignore[call-overload]
        errors=list(summary["errors"]),  # type: ignore[call-overload]
        diffs=list(summary["diffs"]),  # type: ignore[call-overload]
        dry_run=outcome.result is None,
        batch_id=outcome.result.batch_id if outcome.result else None,
    )


def run_step(
    store: Store,
    plans: PlanCache,
    user: Identity,
    upload: Upload,
    *,
    apply: bool,
    mapping: ColumnMapping | None,
    sheet: str | None,
    encoding: str | None,
    default_owner: str | None,
    skip_invalid: bool,
) -> Report:
    """Dry-run or apply ``upload`` as ``user``; an apply of a spreadsheet reuses the dry run it follows."""
    actor = user.actor
    if upload.kind != "counterparties":
        # the dry run reports every bad row (skip_invalid), the apply is all or nothing unless asked
        load = service.load_transactions(
            store,
            actor=actor,
            path=upload.path,
            table=upload.kind,
            dry_run=not apply,
            skip_invalid=skip_invalid or not apply,
        )
        counts = {"new": 0, "updated": 0, "unchanged": 0, "rejected": 0}
        for table in load.tables.values():
            counts["new"] += table.inserted
            counts["updated"] += table.updated
            counts["unchanged"] += table.unchanged
            counts["rejected"] += table.rejected
        counts["rejected"] = max(counts["rejected"], load.total_problems)
        return Report(
            kind=upload.kind,
            file=upload.file_name,
            counts=counts,
            errors=as_rows(load.problems),
            dry_run=not apply,
            tables=load.as_dict(),
        )
    key = mapping_key(mapping, default_owner)
    outcome = plans.get(upload.upload_id, key) if apply else None
    if outcome is None or outcome.plan.actor != actor:
        outcome = service.import_spreadsheet(
            store,
            actor=actor,
            path=upload.path,
            mapping=mapping,
            sheet=sheet,
            encoding=encoding,
            default_owner=default_owner,
        )
    if apply:
        outcome = service.apply_plan(store, outcome, skip_invalid=skip_invalid)
        plans.drop(upload.upload_id)
    else:
        plans.put(upload.upload_id, key, outcome)
    report = _spreadsheet_report(outcome)
    report.file = upload.file_name
    return report


def rejected_csv(upload: Upload, report: Report) -> str:
    """Write the report's rejected rows (file, row, column, value, reason) beside the upload; its path."""
    problems = [
        Problem(upload.file_name, e["row"], e["column"], e["value"], e["reason"]) for e in report.errors
    ]
    path = write_error_report(problems, Path(upload.folder) / "rejected.csv")
    return str(path)


@dataclass
class Job:
    job_id: str
    owner: str
    what: str
    started: float
    future: Future[Any]
    upload: Upload | None = None

    @property
    def done(self) -> bool:
        return self.future.done()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


class Jobs:
    """Steps running in the background, found again only by the session that started them."""

    def __init__(self, workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="import")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, owner: str, what: str, work: Callable[[], Any], *, upload: Upload | None = None) -> Job:
        job = Job(uuid.uuid4().hex, owner, what, time.monotonic(), self._pool.submit(work), upload)
        with self._lock:
            for key in [k for k, j in self._jobs.items() if j.done and j.elapsed > 3600]:
                del self._jobs[key]
            self._jobs[job.job_id] = job
        return job

    def get(self, owner: str, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.owner != owner:
            raise NotFoundError(f"No import step {job_id!r} in this session.")
        return job

    def result(self, job: Job) -> Any:
        """The job's result; a library error it raised is raised again here (the error handler shows it)."""
        error = job.future.exception()
        if isinstance(error, ClientbaseError):
            raise error
        return job.future.result()

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
