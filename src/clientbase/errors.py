"""One error tree. Library code raises these; cli.py maps them to exit codes, web/ to HTTP statuses."""

from __future__ import annotations

from dataclasses import dataclass


class ClientbaseError(Exception):
    """Base of every error clientbase raises on purpose."""


class ConfigurationError(ClientbaseError, ValueError):
    """A setting, URL or option that cannot work (says which and how to fix it)."""


class StoreError(ClientbaseError, RuntimeError):
    """The database refused an operation; carries the step that failed."""


class NotFoundError(ClientbaseError, LookupError):
    """A record asked for by key does not exist."""


class ConflictError(ClientbaseError, RuntimeError):
    """An update was made from a stale version; nothing was written."""


class PermissionDeniedError(ClientbaseError, PermissionError):
    """The acting user's role does not allow the operation."""


@dataclass(frozen=True)
class Problem:
    """One bad value: where it is, what it is and which rule it breaks.

    ``row`` is the row as a spreadsheet shows the file (the header is row 1, the first data row is row 2),
    ``None`` for a problem with the whole file.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        shown = "" if self.value is None else f": value {self.value!r}"
        return f"{where}{shown}: {self.rule}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "reason": self.rule,
        }


class ValidationError(ClientbaseError, ValueError):
    """Input broke one or more rules. Every problem names file, row, column, value and rule."""

    def __init__(self, problems: list[Problem], *, total: int | None = None) -> None:
        self.problems = problems
        self.total = total if total is not None else len(problems)
        shown = "\n".join(f"  - {p}" for p in problems[:20])
        more = f"\n  ... and {self.total - 20} more" if self.total > 20 else ""
        super().__init__(f"{self.total} problem(s) in the input; nothing was written:\n{shown}{more}")
