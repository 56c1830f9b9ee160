"""Whether a file someone sends is what its name says: a spreadsheet or transaction file, not a bomb.

The web receives files from people it does not know; before the chain reads one, :func:`check_file` looks at
its first bytes (an executable renamed ``.xlsx`` is refused), and for a workbook (XLSX and ODS are zip
archives) at the archive's directory: the unpacked size and the compression ratio are checked before anything
is unpacked, so a zip bomb is refused without being opened. The size of the upload itself is checked while it
streams in (:class:`SizeLimit`), never after reading it whole.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from clientbase.errors import Problem, ValidationError

#: what may be sent, by kind of upload
SPREADSHEET_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".ods")
TRANSACTION_SUFFIXES = (".csv", ".txt", ".tsv", ".parquet")
ZIP_SUFFIXES = (".xlsx", ".xlsm", ".ods")

#: default limits (the web's settings may lower or raise them)
MAX_UPLOAD_BYTES = 200 * 2**20
MAX_UNPACKED_BYTES = 1024 * 2**20
MAX_RATIO = 200

#: first bytes of files that are programs or archives of another kind
EXECUTABLE_MAGIC = (
    (b"MZ", "a Windows program (.exe)"),
    (b"\x7fELF", "a Linux program"),
    (b"\xcf\xfa\xed\xfe", "a macOS program"),
    (b"\xca\xfe\xba\xbe", "a macOS or Java program"),
    (b"#!", "a script"),
    (b"%PDF", "a PDF document"),
    (b"Rar!", "a RAR archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PARQUET_MAGIC = b"PAR1"


@dataclass(frozen=True)
class Limits:
    upload_bytes: int = MAX_UPLOAD_BYTES
    unpacked_bytes: int = MAX_UNPACKED_BYTES
    ratio: int = MAX_RATIO


def _refuse(name: str, reason: str, field: str = "file") -> ValidationError:
    return ValidationError([Problem(name, None, field, name, reason)])


def megabytes(size: int) -> str:
    """``"200 MB"``."""
    return f"{size / 2**20:,.0f} MB" if size >= 2**20 else f"{size:,} bytes"


class SizeLimit:
    """Counts the bytes of an upload as they arrive and refuses the one over the limit, at once."""

    def __init__(self, name: str, limit: int) -> None:
        self.name, self.limit, self.size = name, limit, 0

    def add(self, count: int) -> None:
        self.size += count
        if self.size > self.limit:
            raise _refuse(self.name, f"too large: files up to {megabytes(self.limit)} are accepted")


def check_name(name: str, kind: str) -> str:
    """The suffix of ``name`` if a file of ``kind`` (``counterparties`` or a transaction table) may have it."""
    suffix = Path(name).suffix.lower()
    allowed = SPREADSHEET_SUFFIXES if kind == "counterparties" else TRANSACTION_SUFFIXES
    if suffix not in allowed:
        raise _refuse(name or "(no name)", f"a {suffix or 'nameless'} file; send one of {', '.join(allowed)}")
    return suffix


def check_file(path: Path, name: str, limits: Limits | None = None) -> None:
    """Refuse ``path`` (sent as ``name``) unless its content is the kind of file its suffix says.

    Raises:
        ValidationError: an empty file, a program or another archive, a workbook that is not one, a zip bomb.
    """
    limits = limits or Limits()
    suffix = Path(name).suffix.lower()
    with path.open("rb") as handle:
        head = handle.read(8)
    if not head:
        raise _refuse(name, "the file is empty")
    for magic, what in EXECUTABLE_MAGIC:
        if head.startswith(magic):
            raise _refuse(name, f"this is {what}, not a {suffix} file")
    if suffix in ZIP_SUFFIXES:
        if not head.startswith(ZIP_MAGIC):
            raise _refuse(
                name, f"not a {suffix} workbook (its content is not one); save it again as {suffix}"
            )
        _check_zip(path, name, limits)
    elif suffix == ".xls":
        if not head.startswith(OLE_MAGIC):
            raise _refuse(name, "not an .xls workbook (its content is not one); save it again as .xlsx")
    elif suffix == ".parquet":
        if not head.startswith(PARQUET_MAGIC):
            raise _refuse(name, "not a Parquet file")
    elif head.startswith((ZIP_MAGIC, OLE_MAGIC, PARQUET_MAGIC)):
        raise _refuse(name, f"a workbook or binary file named {suffix}; give it its real name (.xlsx ...)")


def _check_zip(path: Path, name: str, limits: Limits) -> None:
    """Read only the archive's directory: its sizes, never its content."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise _refuse(name, "a damaged workbook (the archive cannot be read); save it again") from None
    unpacked = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members) or 1
    if unpacked > limits.unpacked_bytes:
        raise _refuse(
            name,
            f"unpacks to {megabytes(unpacked)}, over the {megabytes(limits.unpacked_bytes)} a workbook may take",
        )
    if unpacked > 10 * 2**20 and unpacked / packed > limits.ratio:
        raise _refuse(name, f"compressed {unpacked / packed:,.0f} to 1: refused as a zip bomb")
