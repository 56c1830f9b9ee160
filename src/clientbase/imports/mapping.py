"""Which spreadsheet column is which field: suggested from synonyms and fuzzy matching, saved as TOML.

Headers are compared with the synonyms of every importable field in English, German, Russian, French and
Swedish (``Firma``, ``Компания``, ``Société`` -> ``name``) after folding case and punctuation; a header no
synonym matches exactly gets the closest one by rapidfuzz similarity if it is close enough (``E-Mail-Adresse``,
``Telefonnr``). Each field takes at most one column; the best-scoring header wins it.

A mapping file is a small TOML document, written by :func:`to_toml` and read by :func:`load`::

    # clientbase import mapping: "spreadsheet header" = "field" ("" ignores the column)
    sheet = "Kunden"

    [columns]
    "Firma" = "name"
    "Bemerkung" = ""
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from clientbase.errors import ConfigurationError
from clientbase.imports.synonyms import SYNONYMS
from clientbase.registry.fields import IMPORT_FIELDS

FUZZY_CUTOFF = 80
#: unit words a header may carry (``Zahlungsziel (Tage)``, ``Лимит, руб``); dropped when the whole header does not match
UNIT_WORDS = frozenset(
    [
        "tage",
        "tagen",
        "days",
        "day",
        "дней",
        "дни",
        "дн",
        "jours",
        "j",
        "dagar",
        "eur",
        "euro",
        "sek",
        "rub",
        "руб",
        "usd",
        "in",
        "percent",
        "prozent",
        "процент",
        "процентов",
    ]
)


@dataclass
class ColumnMapping:
    """``columns``: spreadsheet header -> field (``None``: ignored); ``scores``: how sure each suggestion is."""

    columns: dict[str, str | None]
    scores: dict[str, float] = field(default_factory=dict)
    sheet: str | None = None
    encoding: str | None = None

    def fields(self) -> dict[str, str]:
        """``{field: header}`` of the mapped columns."""
        return {f: header for header, f in self.columns.items() if f}


def normalise_header(header: str) -> str:
    """A header folded for comparison: lower case, punctuation as spaces, ``ё`` as ``е``.

    Example:
        >>> normalise_header("  E-Mail_Adresse: "), normalise_header("Отсрочка, дн.")
        ('e mail adresse', 'отсрочка дн')
    """
    text = header.casefold().replace("ё", "е").replace("ß", "ss")
    text = re.sub(r"[\W_]+", " ", text)
    return " ".join(text.split())


def _synonym_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for name in IMPORT_FIELDS:
        index.setdefault(normalise_header(name), name)
    for name, words in SYNONYMS.items():
        for word in words:
            index.setdefault(normalise_header(word), name)
    return index


def suggest(headers: list[str]) -> ColumnMapping:
    """Suggest a field for every header (``None`` where nothing fits).

    Example:
        >>> suggest(["Firma", "USt-IdNr.", "Телефон", "E-Mail-Adresse", "Bemerkung"]).columns
        {'Firma': 'name', 'USt-IdNr.': 'tax_id', 'Телефон': 'phone', 'E-Mail-Adresse': 'email', 'Bemerkung': None}
    """
    from rapidfuzz import fuzz, process

    index = _synonym_index()
    candidates: list[tuple[float, int, str, str]] = []
    for position, header in enumerate(headers):
        key = normalise_header(header)
        bare = " ".join(word for word in key.split() if word not in UNIT_WORDS)
        if not key:
            continue
        exact = index.get(key) or index.get(bare)
        if exact:
            candidates.append((100.0, position, header, exact))
            continue
        match = process.extractOne(key, list(index), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        if match is None and bare and bare != key:
            match = process.extractOne(bare, list(index), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        if match is not None:
            candidates.append((float(match[1]), position, header, index[match[0]]))
    columns: dict[str, str | None] = dict.fromkeys(headers)
    scores: dict[str, float] = {}
    taken: set[str] = set()
    for score, _position, header, name in sorted(candidates, key=lambda c: (-c[0], c[1])):
        if name in taken:
            continue
        taken.add(name)
        columns[header] = name
        scores[header] = round(score, 1)
    return ColumnMapping(columns=columns, scores=scores)


def check(mapping: ColumnMapping, headers: list[str]) -> list[str]:
    """What is wrong with using ``mapping`` on a file with ``headers`` (empty: nothing).

    Example:
        >>> for problem in check(ColumnMapping({"Firma": "name", "Ort": "town"}), ["Firma", "PLZ"]):
        ...     print(problem)
        'Ort' maps to unknown field 'town'
        'PLZ' is in the file but not in the mapping (map it or set it to "")
    """
    problems = []
    for header, name in mapping.columns.items():
        if name and name not in IMPORT_FIELDS:
            problems.append(f"{header!r} maps to unknown field {name!r}")
    for header in headers:
        if header not in mapping.columns:
            problems.append(f'{header!r} is in the file but not in the mapping (map it or set it to "")')
    seen: dict[str, str] = {}
    for header in headers:
        name = mapping.columns.get(header)
        if name and name in seen:
            problems.append(f"{name!r} is mapped from both {seen[name]!r} and {header!r}")
        elif name:
            seen[name] = header
    if headers and "name" not in seen and "counterparty_id" not in seen:
        problems.append("no column maps to name (or counterparty_id): which column holds the company name?")
    return problems


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(ch if ch >= " " or ch == "\t" else f"\\u{ord(ch):04x}" for ch in escaped)
    return f'"{escaped}"'


def to_toml(mapping: ColumnMapping) -> str:
    """The mapping as a TOML document (what ``--save-mapping`` writes).

    Example:
        >>> print(to_toml(ColumnMapping({"Firma": "name", 'Notiz "alt"': None}, sheet="Kunden")), end="")
        # clientbase import mapping: "spreadsheet header" = "field" ("" ignores the column)
        sheet = "Kunden"
        <BLANKLINE>
        [columns]
        "Firma" = "name"
        "Notiz \\"alt\\"" = ""
    """
    lines = ['# clientbase import mapping: "spreadsheet header" = "field" ("" ignores the column)']
    if mapping.sheet:
        lines.append(f"sheet = {_toml_string(mapping.sheet)}")
    if mapping.encoding:
        lines.append(f"encoding = {_toml_string(mapping.encoding)}")
    lines += ["", "[columns]"]
    lines += [
        f"{_toml_string(header)} = {_toml_string(name or '')}" for header, name in mapping.columns.items()
    ]
    return "\n".join(lines) + "\n"


def save(mapping: ColumnMapping, path: str | Path) -> Path:
    """Write the mapping to ``path`` as TOML; returns the path."""
    target = Path(path)
    target.write_text(to_toml(mapping), encoding="utf-8")
    return target


def load(path: str | Path) -> ColumnMapping:
    """Read a mapping file written by :func:`save` (or by hand).

    Raises:
        ConfigurationError: the file is missing, not TOML, or has no ``[columns]`` table of strings.
    """
    source = Path(path)
    try:
        document = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(f"Mapping file {source} not found; write one with --save-mapping.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"Mapping file {source} is not valid TOML: {exc}") from None
    columns = document.get("columns")
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise ConfigurationError(
            f'Mapping file {source} needs a [columns] table of "header" = "field" lines (strings).'
        )
    sheet, encoding = document.get("sheet"), document.get("encoding")
    return ColumnMapping(
        columns={str(header): (name or None) for header, name in columns.items()},
        sheet=str(sheet) if sheet else None,
        encoding=str(encoding) if encoding else None,
    )
