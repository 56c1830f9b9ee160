"""Turn the messy cells of one spreadsheet column into values of the field it maps to.

Decided per column, from all its values at once:

- numbers: thousands separators (``1.234,56``, ``1,234.56``, ``1 234,56``, ``1'234.50``) and decimal commas;
  a column whose only separator is ambiguous (``1.500``) follows the rest of the file (``decimal_comma``);
- dates: ISO (``2024-05-17``), ``17.05.2024``, ``17/05/2024`` or ``05/17/2024``, two-digit years; a column is
  read day-first unless one of its values can only be month-first (``05/17/2024``);
- whole numbers with a unit (``30 Tage``, ``30 дней``, ``net 30``), percentages (``5 %``);
- country names in English, German, Russian, French and Swedish (``Deutschland``, ``Швеция``) -> ISO codes;
- enum values in those languages (``Kunde``, ``клиент``) -> the schema's words.

Each function returns one result per value: the parsed value, or a :class:`CellError` saying why not.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal

from clientbase import formats
from clientbase.imports.spreadsheet import Cell


@dataclass(frozen=True)
class CellError:
    """A cell that cannot be read as its field's type."""

    reason: str


_NUMBER_JUNK = re.compile(r"[\s\u00a0\u202f'’€$£₽%]|kr|sek|eur|usd|rub|руб\.?", re.IGNORECASE)
_THOUSANDS_ONLY = re.compile(r"^-?\d{1,3}([.,])\d{3}(\1\d{3})*$")


def _number_text(value: str) -> str:
    return _NUMBER_JUNK.sub("", value)


def detect_decimal_comma(values: list[Cell]) -> bool | None:
    """Whether a column writes decimals with a comma (``None``: the column alone cannot tell).

    Example:
        >>> detect_decimal_comma(["1.234,50", "12"]), detect_decimal_comma(["1,234.50"]), detect_decimal_comma(["1.500"])
        (True, False, None)
    """
    votes_comma = votes_point = 0
    for value in values:
        if not isinstance(value, str):
            continue
        text = _number_text(value)
        if "," in text and "." in text:
            if text.rfind(",") > text.rfind("."):
                votes_comma += 1
            else:
                votes_point += 1
        elif "," in text:
            if text.count(",") > 1 and _THOUSANDS_ONLY.match(text):
                votes_point += 1
            elif not _THOUSANDS_ONLY.match(text):
                votes_comma += 1
        elif "." in text:
            if text.count(".") > 1 and _THOUSANDS_ONLY.match(text):
                votes_comma += 1
            elif not _THOUSANDS_ONLY.match(text):
                votes_point += 1
    if votes_comma == votes_point:
        return None
    return votes_comma > votes_point


def parse_decimals(
    values: list[Cell], *, decimal_comma: bool | None = None
) -> list[Decimal | CellError | None]:
    """Parse a column of numbers; ``decimal_comma`` is the file's habit, used when the column cannot tell.

    Example:
        >>> parse_decimals(["1.234,50", " 12 ", None, "abc"])
        [Decimal('1234.50'), Decimal('12'), None, CellError(reason='not a number')]
    """
    own = detect_decimal_comma(values)
    comma = own if own is not None else bool(decimal_comma)
    result: list[Decimal | CellError | None] = []
    for value in values:
        if value is None:
            result.append(None)
        elif isinstance(value, bool):
            result.append(CellError("not a number"))
        elif isinstance(value, int):
            result.append(Decimal(value))
        elif isinstance(value, float):
            # a number cell: its own value (the field's range and decimals are checked by the rules)
            result.append(Decimal(repr(value)) if math.isfinite(value) else CellError("not a number"))
        elif isinstance(value, str):
            text = _number_text(value)
            text = text.replace(".", "").replace(",", ".") if comma else text.replace(",", "")
            if text.startswith("(") and text.endswith(")"):
                text = "-" + text[1:-1]
            # only plain digits: no NaN, Infinity, exponents (1e5) or underscores (1_000), which Decimal reads
            if re.fullmatch(formats.SPELLINGS["decimal"].pattern, text):
                result.append(Decimal(text))
            else:
                result.append(CellError("not a number"))
        else:
            result.append(CellError("not a number"))
    return result


_WHOLE_WITH_UNIT = re.compile(r"^\D{0,12}?(-?\d+)\s*[^\d\s.,]{0,12}\.?$")


def parse_integers(values: list[Cell], *, decimal_comma: bool | None = None) -> list[int | CellError | None]:
    """Parse a column of whole numbers; a unit word around the number is allowed (``30 Tage``, ``net 30``).

    Example:
        >>> parse_integers(["30", "30 Tage", "net 45", "14 дней", 60.0, "2,5"])
        [30, 30, 45, 14, 60, CellError(reason='not a whole number')]
    """
    result: list[int | CellError | None] = []
    for value, number in zip(values, parse_decimals(values, decimal_comma=decimal_comma), strict=True):
        if isinstance(number, Decimal):
            if number == number.to_integral_value():
                result.append(int(number))
            else:
                result.append(CellError("not a whole number"))
            continue
        match = _WHOLE_WITH_UNIT.match(str(value).strip()) if isinstance(value, str) else None
        if match:
            result.append(int(match.group(1)))
        else:
            result.append(number if number is None else CellError("not a whole number"))
    return result


_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](.*))?$")
_OTHER_DATE = re.compile(r"^(\d{1,2})[./\-](\d{1,2})[./\-](\d{2}|\d{4})(?:\s(.*))?$")
#: a time after a date that says nothing (a spreadsheet's date cell written as text): anything else is refused
_MIDNIGHT = re.compile(r"^0?0:00(?::00(?:\.0+)?)?$")


def detect_day_first(values: list[Cell]) -> bool:
    """Whether ``dd/mm`` dates come day first: yes unless a value only makes sense month first.

    Example:
        >>> detect_day_first(["03/04/2024", "25/12/2024"]), detect_day_first(["03/04/2024", "12/25/2024"])
        (True, False)
    """
    month_first = False
    for value in values:
        match = _OTHER_DATE.match(value) if isinstance(value, str) else None
        if match:
            first, second = int(match.group(1)), int(match.group(2))
            if first > 12:
                return True
            if second > 12:
                month_first = True
    return not month_first


def parse_dates(values: list[Cell]) -> list[dt.date | CellError | None]:
    """Parse a column of dates written in one of the common ways, deciding day-first for the column.

    Example:
        >>> parse_dates(["2024-05-17", "17.05.2024", "3/4/24", dt.datetime(2024, 1, 2)])
        [datetime.date(2024, 5, 17), datetime.date(2024, 5, 17), datetime.date(2024, 4, 3), datetime.date(2024, 1, 2)]
    """
    day_first = detect_day_first(values)
    result: list[dt.date | CellError | None] = []
    for value in values:
        if value is None:
            result.append(None)
        elif isinstance(value, dt.datetime):
            if value.time() == dt.time():
                result.append(value.date())
            else:
                result.append(CellError("a date and a time of day: the field keeps the date only"))
        elif isinstance(value, dt.date):
            result.append(value)
        else:
            result.append(_parse_date(str(value), day_first))
    return result


def _parse_date(text: str, day_first: bool) -> dt.date | CellError:
    iso = _ISO_DATE.match(text)
    other = None if iso else _OTHER_DATE.match(text)
    found = iso or other
    if not found:
        return CellError("not a date; write it like 2024-05-17 or 17.05.2024")
    time = found.group(4)
    if time is not None and not _MIDNIGHT.match(time.strip()):
        return CellError("a date and a time of day: the field keeps the date only")
    if iso:
        year, month, day = (int(g) for g in iso.groups()[:3])
    else:
        assert other is not None
        first, second, year = (int(g) for g in other.groups()[:3])
        day, month = (first, second) if day_first else (second, first)
        if year < 100:
            year += 2000 if year < 70 else 1900
    try:
        return dt.date(year, month, day)
    except ValueError:
        return CellError("no such date")


def as_text(value: Cell) -> str | None:
    """A cell as text: whole numbers without ``.0``, dates in ISO form.

    Example:
        >>> as_text(46181234567.0), as_text(dt.date(2024, 5, 17)), as_text("  x ")
        ('46181234567', '2024-05-17', 'x')
    """
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


#: Country names people write, in English, German, Russian, French and Swedish -> ISO 3166-1 alpha-2.
COUNTRY_NAMES: dict[str, str] = {
    name: code
    for code, names in {
        "AT": ("austria", "österreich", "австрия", "autriche", "österrike"),
        "BE": ("belgium", "belgien", "бельгия", "belgique"),
        "BY": ("belarus", "weißrussland", "беларусь", "белоруссия", "biélorussie", "vitryssland"),
        "CH": ("switzerland", "schweiz", "швейцария", "suisse"),
        "CN": ("china", "китай", "chine", "kina"),
        "CZ": ("czech republic", "czechia", "tschechien", "чехия", "tchéquie", "tjeckien"),
        "DE": ("germany", "deutschland", "германия", "allemagne", "tyskland"),
        "DK": ("denmark", "dänemark", "дания", "danemark", "danmark"),
        "EE": ("estonia", "estland", "эстония", "estonie"),
        "ES": ("spain", "spanien", "испания", "espagne"),
        "FI": ("finland", "finnland", "финляндия", "finlande"),
        "FR": ("france", "frankreich", "франция", "frankrike"),
        "GB": (
            "united kingdom",
            "uk",
            "great britain",
            "england",
            "großbritannien",
            "великобритания",
            "royaume-uni",
            "storbritannien",
        ),
        "IT": ("italy", "italien", "италия", "italie"),
        "KZ": ("kazakhstan", "kasachstan", "казахстан"),
        "LT": ("lithuania", "litauen", "литва", "lituanie"),
        "LV": ("latvia", "lettland", "латвия", "lettonie"),
        "NL": (
            "netherlands",
            "the netherlands",
            "holland",
            "niederlande",
            "нидерланды",
            "голландия",
            "pays-bas",
            "nederländerna",
        ),
        "NO": ("norway", "norwegen", "норвегия", "norvège", "norge"),
        "PL": ("poland", "polen", "польша", "pologne"),
        "RU": ("russia", "russian federation", "russland", "россия", "рф", "russie", "ryssland"),
        "SE": ("sweden", "schweden", "швеция", "suède", "sverige"),
        "UA": ("ukraine", "украина", "ukraina"),
        "US": ("united states", "usa", "vereinigte staaten", "сша", "états-unis", "usa"),
    }.items()
    for name in names
}

#: Enum words in other languages -> the schema's enum values.
ENUM_WORDS: dict[str, dict[str, str]] = {
    "roles": {
        "kunde": "customer",
        "client": "customer",
        "клиент": "customer",
        "покупатель": "customer",
        "kund": "customer",
        "interessent": "prospect",
        "lead": "prospect",
        "потенциальный клиент": "prospect",
        "prospect": "prospect",
        "prospekt": "prospect",
        "lieferant": "supplier",
        "поставщик": "supplier",
        "fournisseur": "supplier",
        "leverantör": "supplier",
    },
    "status": {
        "aktiv": "active",
        "активный": "active",
        "действующий": "active",
        "actif": "active",
        "inaktiv": "lapsed",
        "ruhend": "lapsed",
        "неактивный": "lapsed",
        "спящий": "lapsed",
        "inactif": "lapsed",
        "verloren": "lost",
        "потерян": "lost",
        "потерянный": "lost",
        "perdu": "lost",
        "archiviert": "archived",
        "архив": "archived",
        "archivé": "archived",
        "interessent": "prospect",
        "потенциальный": "prospect",
    },
    "acquisition_mode": {
        "gezielt": "targeted",
        "целевой": "targeted",
        "ciblé": "targeted",
        "spontan": "spontaneous",
        "спонтанный": "spontaneous",
        "холодный": "spontaneous",
        "spontané": "spontaneous",
    },
}


def country_code(value: str) -> str:
    """An ISO code for a country name the table knows, else the value as written (upper-cased if 2 letters).

    Example:
        >>> country_code("Deutschland"), country_code("se"), country_code("Россия")
        ('DE', 'SE', 'RU')
    """
    text = value.strip()
    code = COUNTRY_NAMES.get(text.casefold())
    if code:
        return code
    return text.upper() if len(text) == 2 else text


def enum_word(field: str, value: str) -> str:
    """The schema's enum value for a word in another language (``;``-lists word by word).

    Example:
        >>> enum_word("roles", "Kunde; Lieferant"), enum_word("status", "aktiv")
        ('customer;supplier', 'active')
    """
    words = ENUM_WORDS.get(field, {})
    parts = (
        [p.strip() for p in re.split(r"[;,/]", value) if p.strip()] if field == "roles" else [value.strip()]
    )
    return ";".join(words.get(p.casefold(), p.casefold()) for p in parts)
