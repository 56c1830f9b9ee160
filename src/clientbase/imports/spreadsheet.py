"""Read a manager's spreadsheet into a header row and data rows, whatever shape it comes in.

CSV: the encoding is detected (UTF-8 with or without BOM, cp1252, cp1251, latin-1, ... via charset-normalizer)
unless given, and the delimiter is sniffed from ``, ; TAB |``. XLSX / XLS / ODS are read with python-calamine;
:func:`list_sheets` names the sheets and one is chosen (the first by default).

Messy files work: title lines above the header are skipped, a header cell merged over several columns with
sub-headers below (``Contact`` over ``Name | Phone``) gives ``Contact Name`` and ``Contact Phone``, empty rows
are skipped, and text cells lose surrounding and non-breaking spaces. Each data row keeps the number a
spreadsheet shows for it, as every error report does (:class:`clientbase.errors.Problem`): a header on the first
line is row 1, so the first data row is row 2; title lines, sub-header lines and empty rows count. Typed
parsing of the cells (numbers with thousands separators, dates) happens after the mapping, in :mod:`.cells`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from clientbase.errors import ConfigurationError, Problem, ValidationError
from clientbase.outputs import from_people

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
DELIMITERS = (",", ";", "\t", "|")
#: encodings charset-normalizer chooses among for a file that is not UTF-8
LEGACY_ENCODINGS = ("cp1252", "cp1251", "latin_1")

Cell = str | int | float | bool | dt.date | dt.datetime | dt.time | None


@dataclass
class Sheet:
    """A table read from a file: ``headers`` and ``rows`` of ``(row number, cells)``.

    Row numbers are the ones a spreadsheet shows (a header on the first line is row 1, so data starts at
    row 2); title lines and empty rows are skipped but counted.
    """

    file: str
    headers: list[str]
    rows: list[tuple[int, list[Cell]]]
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    #: data rows that cannot be read as a row of the table (a CSV row with more cells than the header)
    rejected: list[Problem] = field(default_factory=list)

    def column(self, index: int) -> list[Cell]:
        return [cells[index] if index < len(cells) else None for _, cells in self.rows]


def _clean(value: object) -> Cell:
    if isinstance(value, str):
        # a leading ' that our own lists put before = + - @ (so that a spreadsheet shows text) is taken off
        text = from_people(" ".join(value.replace("\u00a0", " ").split()))
        return text or None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if value == "":
        return None
    return value  # type: ignore[return-value]


def detect_encoding(data: bytes) -> str:
    """The text encoding of a CSV file's bytes.

    Example:
        >>> detect_encoding("Kunde;Straße\\nMüller GmbH;Hauptstraße 1\\n".encode("cp1252"))
        'cp1252'
        >>> detect_encoding(b"\\xef\\xbb\\xbfname\\n")
        'utf-8-sig'
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)).best()
    if best is None:
        return "latin_1"  # decodes any bytes; the user can override with --encoding
    chosen = str(best.encoding)
    text = data.decode(chosen)
    # several code pages give the same text (German in cp1250 and cp1252): name the common one
    for preferred in LEGACY_ENCODINGS:
        try:
            if data.decode(preferred) == text:
                return preferred
        except UnicodeDecodeError:
            continue
    return chosen


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same number (>1) of fields most consistently.

    Example:
        >>> sniff_delimiter("Name;Rabatt\\nMüller;2,5\\nSchmidt;3,5\\n")
        ';'
    """
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        if not counts:
            continue
        mode, hits = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        score = (hits / len(counts), mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def list_sheets(path: str | Path) -> list[str]:
    """The sheet names of a workbook (``[]`` for a CSV file)."""
    path = Path(path)
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        return []
    from python_calamine import CalamineWorkbook

    return list(CalamineWorkbook.from_path(str(path)).sheet_names)


def read_table(
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Sheet:
    """Read a CSV or workbook file into a :class:`Sheet`.

    Raises:
        ValidationError: the file is missing, empty, not a table, or the sheet does not exist.
        ConfigurationError: an unknown ``encoding``.

    Example:
        >>> import tempfile, os
        >>> folder = tempfile.mkdtemp()
        >>> path = os.path.join(folder, "kunden.csv")
        >>> _ = open(path, "w", encoding="cp1252").write("Firma;Ort\\n\\nMüller GmbH ;München\\n")
        >>> table = read_table(path)
        >>> table.headers, table.rows, table.encoding, table.delimiter  # header row 1, empty row 2, data row 3
        (['Firma', 'Ort'], [(3, ['Müller GmbH', 'München'])], 'cp1252', ';')
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        what = "a folder, not a spreadsheet file" if path.is_dir() else "file not found; check the path"
        raise ValidationError([Problem(name, None, None, str(path), what)])
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        return _read_workbook(path, sheet)
    if sheet is not None:
        raise ConfigurationError(f"{name} is a CSV file, it has no sheets; drop --sheet.")
    data = path.read_bytes()
    used = encoding or detect_encoding(data)
    try:
        text = data.decode(used)
    except LookupError:
        raise ConfigurationError(
            f"Unknown encoding {encoding!r}; use e.g. utf-8, cp1252, cp1251, latin-1."
        ) from None
    except UnicodeDecodeError as exc:
        raise ValidationError(
            [
                Problem(
                    name, None, None, None, f"cannot be read as {used}: {exc.reason}; give another --encoding"
                )
            ]
        ) from None
    if "\x00" in text:
        raise ValidationError([Problem(name, None, None, None, "not a text file; save it as CSV or XLSX")])
    used_delimiter = delimiter or sniff_delimiter(text)
    rows = [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=used_delimiter)]
    table = _shape(name, rows, merged_columns=None)
    table.encoding, table.delimiter = used, used_delimiter
    return table


def _read_workbook(path: Path, sheet: str | None) -> Sheet:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise ValidationError(
            [Problem(path.name, None, None, None, f"not a readable workbook: {exc}")]
        ) from None
    names = list(book.sheet_names)
    if not names:
        raise ValidationError([Problem(path.name, None, None, None, "the workbook has no sheets")])
    chosen = sheet if sheet is not None else names[0]
    if chosen not in names:
        raise ValidationError(
            [Problem(path.name, None, None, chosen, f"no such sheet; the sheets are: {', '.join(names)}")]
        )
    data = book.get_sheet_by_name(chosen)
    merged: dict[int, set[int]] = {}
    for (row0, col0), (_row1, col1) in data.merged_cell_ranges or []:
        if col1 > col0:
            merged.setdefault(row0, set()).update(range(col0, col1 + 1))
    table = _shape(path.name, data.to_python(skip_empty_area=False), merged_columns=merged)
    table.sheet, table.sheets = chosen, names
    return table


def _is_text_row(cells: list[Cell]) -> bool:
    return all(c is None or isinstance(c, str) for c in cells)


def _find_header(rows: list[list[Cell]]) -> int:
    width = max((sum(c is not None for c in row) for row in rows), default=0)
    for index, row in enumerate(rows[:20]):
        filled = sum(c is not None for c in row)
        if filled >= max(1, min(2, width), width // 2) and _is_text_row(row):
            return index
    return next(i for i, row in enumerate(rows) if any(c is not None for c in row))


def _shape(
    file: str, raw: Sequence[Sequence[object]], *, merged_columns: dict[int, set[int]] | None
) -> Sheet:
    rows: list[list[Cell]] = [[_clean(c) for c in row] for row in raw]
    if not any(any(c is not None for c in row) for row in rows):
        raise ValidationError(
            [Problem(file, None, None, None, "the file has no data; is it the right file/sheet?")]
        )
    header_index = _find_header(rows)
    overlong: list[Problem] = []
    if merged_columns is None:
        # A CSV row with more cells than the header is broken (a value holding the delimiter, unquoted):
        # it is refused, never read as a second header row nor cut to the header's width.
        header_width = len(raw[header_index])
        for number, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
            extra = [c for c in row[header_width:] if c is not None]
            if extra:
                overlong.append(
                    Problem(
                        file,
                        number,
                        None,
                        ", ".join(str(c) for c in row if c is not None),
                        f"the row has {header_width + len(row[header_width:])} cells but the header has "
                        f"{header_width}: quote a value that holds the delimiter (or a quote), or add its header",
                    )
                )
                rows[number - 1] = [None] * len(row)
        rows = [row[:header_width] for row in rows]
    width = max(len(row) for row in rows)
    rows = [row + [None] * (width - len(row)) for row in rows]
    top = rows[header_index]
    below: list[Cell] = rows[header_index + 1] if header_index + 1 < len(rows) else [None] * width
    spans = _spans(top, below, (merged_columns or {}).get(header_index), known=merged_columns is not None)
    if spans:
        headers = []
        for i in range(width):
            owner = spans.get(i)
            if owner is None:
                headers.append(str(top[i] or below[i] or ""))
            else:
                headers.append(" ".join(str(part) for part in (top[owner], below[i]) if part))
        first_data = header_index + 2
    else:
        headers = [str(c or "") for c in top]
        first_data = header_index + 1
    data = [(n + 1, rows[n]) for n in range(first_data, len(rows))]  # the row number the sheet shows
    used = [i for i in range(width) if headers[i] or any(cells[i] is not None for _, cells in data)]
    headers = _unique([headers[i] or f"column {i + 1}" for i in used])
    kept = [
        (number, [cells[i] for i in used])
        for number, cells in data
        if any(cells[i] is not None for i in used)
    ]
    return Sheet(file=file, headers=headers, rows=kept, rejected=overlong)


def _spans(top: list[Cell], below: list[Cell], merged: set[int] | None, *, known: bool) -> dict[int, int]:
    """Columns covered by a header cell merged across columns: ``{column: column of the merged cell}``.

    Workbooks say which cells are merged; in a CSV a header cell followed by empty header cells, with a row
    of text labels under all of them, is read the same way.
    """
    spans: dict[int, int] = {}
    owner: int | None = None
    for i, cell in enumerate(top):
        if cell is not None:
            owner = i
            if known and merged and i in merged and i + 1 in merged:
                spans[i] = i
            continue
        in_merge = merged is not None and i in merged if known else True
        if owner is not None and in_merge and below[i] is not None:
            spans.setdefault(owner, owner)
            spans[i] = owner
    if not spans or any(below[i] is not None for i in range(len(below)) if i not in spans):
        # sub-headers sit under the merged cells only; a row with other values is a data row
        return {}
    looks_like_labels = _is_text_row(below) and all(
        isinstance(below[i], str) and not any(ch.isdigit() or ch == "@" for ch in str(below[i]))
        for i in spans
    )
    if not looks_like_labels or any(below[i] is None for i in spans):
        return {}
    return spans


def _unique(headers: list[str]) -> list[str]:
    seen: Counter[str] = Counter()
    result = []
    for header in headers:
        seen[header] += 1
        result.append(header if seen[header] == 1 else f"{header} ({seen[header]})")
    return result
