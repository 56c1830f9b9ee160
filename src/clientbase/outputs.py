"""Files written for people: paths checked before anything is written, workbooks whose text cells stay text,
CSV cells that a spreadsheet program cannot run as formulas.

Every writer of a report, a list or an error report goes through here, so a missing folder, a folder where a
file was meant, or a name starting with ``=`` is handled once:

- :func:`output_file` / :func:`output_folder` refuse a path that cannot work, saying how to fix it;
- :func:`workbook` opens an xlsxwriter workbook with ``strings_to_formulas`` (and ``strings_to_urls``) off,
  so a counterparty called ``=HYPERLINK(...)`` is written as that text, never as a live formula;
- :func:`write_error_report` writes the problems of an import as the one error report every importer uses;
- :func:`for_people` neutralises a CSV cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return
  by a leading ``'`` (the OWASP advice against CSV injection), and :func:`from_people` takes it off again
  when such a file comes back to the importer.

The exchange format (``export-folder``) is not for people: it stays byte-faithful and uses none of this.
"""

from __future__ import annotations

import contextlib
import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from clientbase.errors import ConfigurationError, Problem

#: first characters that make a spreadsheet program read a cell as a formula (OWASP CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def output_file(path: str | Path, *, what: str = "file") -> Path:
    """``path`` as a file that can be written: its folder exists and it is not itself a folder.

    Raises:
        ConfigurationError: the folder is missing, or ``path`` is a folder.

    Example:
        >>> import tempfile
        >>> output_file(tempfile.gettempdir())
        Traceback (most recent call last):
        ...
        clientbase.errors.ConfigurationError: ... is a folder; give a file name inside it, e.g. .../file
    """
    target = Path(path).expanduser()
    if target.is_dir():
        raise ConfigurationError(f"{target} is a folder; give a file name inside it, e.g. {target / what}")
    parent = target.parent
    if not parent.is_dir():
        hint = "it is a file" if parent.exists() else "create it first"
        raise ConfigurationError(f"Cannot write {target}: the folder {parent} does not exist ({hint}).")
    return target


def output_folder(path: str | Path) -> Path:
    """``path`` as a folder to write into, created (with its parents) when missing.

    Raises:
        ConfigurationError: ``path`` or one of its parents is a file, or the folder cannot be created.
    """
    target = Path(path).expanduser()
    if target.exists() and not target.is_dir():
        raise ConfigurationError(f"{target} is a file, not a folder; give a folder to write into.")
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(f"Cannot create the folder {target}: {exc.strerror or exc}.") from None
    return target


@contextlib.contextmanager
def writing(path: str | Path, *, what: str = "file") -> Iterator[Path]:
    """A checked ``path`` to write; an operating-system error while writing becomes a clear error."""
    target = output_file(path, what=what)
    try:
        yield target
    except OSError as exc:
        raise ConfigurationError(f"Cannot write {target}: {exc.strerror or exc}.") from None


@contextlib.contextmanager
def workbook(path: str | Path) -> Iterator[Any]:
    """An xlsxwriter workbook at ``path`` (checked) that writes text as text: no formulas, no links; closed
    (written) when the block ends, a failure to write it a clear error.

    Example:
        >>> import os, tempfile
        >>> with workbook(os.path.join(tempfile.mkdtemp(), "x.xlsx")) as book:
        ...     book.strings_to_formulas, book.strings_to_urls
        (False, False)
    """
    import xlsxwriter
    from xlsxwriter.exceptions import XlsxWriterException

    target = output_file(path, what="book.xlsx")
    book = xlsxwriter.Workbook(str(target), {"strings_to_formulas": False, "strings_to_urls": False})
    try:
        yield book
    finally:
        try:
            book.close()
        except (XlsxWriterException, OSError) as exc:
            raise ConfigurationError(f"Cannot write {target}: {exc}.") from None


def for_people(text: str) -> str:
    """A CSV cell a spreadsheet program shows as text: a leading formula character gets a ``'`` before it.

    Example:
        >>> for_people("=HYPERLINK(1)"), for_people("+4618123456"), for_people("Nordic Tools AB")
        ("'=HYPERLINK(1)", "'+4618123456", 'Nordic Tools AB')
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def from_people(text: str) -> str:
    """The inverse of :func:`for_people`: a ``'`` before a formula character is taken off.

    Example:
        >>> from_people("'=HYPERLINK(1)"), from_people("'tis"), from_people(for_people("-5 %"))
        ('=HYPERLINK(1)', "'tis", '-5 %')
    """
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def error_report_path(source: str | Path, given: str | Path | None = None) -> Path:
    """Where the error report of importing ``source`` goes: ``given``, else ``<source>-errors.csv`` beside it.

    Example:
        >>> str(error_report_path("/data/anna_kunden.xlsx")), str(error_report_path("/data/export/"))
        ('/data/anna_kunden-errors.csv', '/data/export-errors.csv')
    """
    if given is not None:
        return Path(given)
    path = Path(source)
    return path.with_name(f"{path.stem if path.suffix else path.name}-errors.csv")


def write_error_report(problems: list[Problem], path: str | Path) -> Path:
    """Write the problems of rejected rows as CSV: ``file, row, column, value, reason`` (UTF-8 with BOM for
    Excel), the same report for every importer.

    ``row`` is the row as a spreadsheet shows the imported file (the header on the first line is row 1), empty
    for a problem with the whole file. The report is for people: a cell that a spreadsheet program would run as
    a formula (``=``, ``+``, ``-``, ``@`` first) starts with ``'``.
    """
    with (
        writing(path, what="errors.csv") as target,
        target.open("w", newline="", encoding="utf-8-sig") as handle,
    ):
        writer = csv.writer(handle)
        writer.writerow(["file", "row", "column", "value", "reason"])
        for problem in problems:
            writer.writerow(
                [
                    for_people(problem.file),
                    problem.row if problem.row is not None else "",
                    for_people(problem.column or ""),
                    for_people(problem.value or ""),
                    for_people(problem.rule),
                ]
            )
    return target
