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


#: Values and rules longer than this are cut in messages: a 1.5 MB cell is not echoed whole.
SHOWN_VALUE = 120
SHOWN_RULE = 400


def shorten(text: str, limit: int = SHOWN_VALUE) -> str:
    """``text`` cut to about ``limit`` characters, saying how long it was.

    Example:
        >>> shorten("x" * 1000, 10)
        'xxxxxxxxxx… (1,000 characters)'
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


@dataclass(frozen=True)
class Problem:
    """One bad value: where it is, what it is and which rule it breaks.

    ``row`` is the row as a spreadsheet shows the file (the header is row 1, the first data row is row 2),
    ``None`` for a problem with the whole file. A long value or rule is cut to a readable length.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str

    def __post_init__(self) -> None:
        if self.value is not None:
            object.__setattr__(self, "value", shorten(str(self.value)))
        object.__setattr__(self, "rule", shorten(str(self.rule), SHOWN_RULE))

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


class StaleRowsError(ConflictError):
    """Rows of a bulk load older than the stored records (their ``version`` is below the stored one); nothing
    was written. ``problems`` names each row, as a :class:`ValidationError` does."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        self.total = len(problems)
        shown = "\n".join(f"  - {p}" for p in problems[:20])
        more = f"\n  ... and {self.total - 20} more" if self.total > 20 else ""
        super().__init__(
            f"{self.total} record(s) in the input are older than the stored ones; nothing was written:\n"
            f"{shown}{more}"
        )
