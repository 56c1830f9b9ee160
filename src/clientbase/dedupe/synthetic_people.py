"""Seeded lists of people with planted duplicates, in the manner of the FEBRL benchmark data sets.

Like FEBRL's ``dsgen`` (used for the public febrl1-4 sets), each list has originals and duplicates of
them: 1 to 5 duplicates per original (Zipf-distributed), each with 1 to ``max_modifications`` corruptions,
at most two per field: keyboard, phonetic and OCR typos, nicknames and initials, given and family name
swapped, missing values, day and month of birth swapped, digit typos in dates, numbers, postcodes and
national ids, street types abbreviated or words run together. Unlike FEBRL it can also plant households
(another person at the same address with the same family name, a hard negative) and write lists in
German, French, Swedish or Russian (names, streets, dates, ids and headers of that country).

The columns are FEBRL's: ``rec_id, given_name, surname, street_number, address_1, address_2, suburb,
postcode, state, date_of_birth, soc_sec_id``; :data:`HEADERS` renames them for each language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from clientbase.dedupe import corrupt
from clientbase.dedupe.names import nickname_table, person_names
from clientbase.dedupe.normalise import clean_text

if TYPE_CHECKING:
    import pyarrow as pa

COLUMNS = (
    "rec_id",
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
)

#: the headers a list in each language has, by column
HEADERS: dict[str, dict[str, str]] = {
    "en": {c: c for c in COLUMNS},
    "de": {
        "rec_id": "Nr",
        "given_name": "Vorname",
        "surname": "Nachname",
        "street_number": "Hausnummer",
        "address_1": "Straße",
        "address_2": "Adresszusatz",
        "suburb": "Ort",
        "postcode": "PLZ",
        "state": "Bundesland",
        "date_of_birth": "Geburtsdatum",
        "soc_sec_id": "Steuer-ID",
    },
    "fr": {
        "rec_id": "N°",
        "given_name": "Prénom",
        "surname": "Nom de famille",
        "street_number": "Numéro",
        "address_1": "Rue",
        "address_2": "Complément d'adresse",
        "suburb": "Ville",
        "postcode": "Code postal",
        "state": "Département",
        "date_of_birth": "Date de naissance",
        "soc_sec_id": "Numéro de sécurité sociale",
    },
    "sv": {
        "rec_id": "Löpnr",
        "given_name": "Förnamn",
        "surname": "Efternamn",
        "street_number": "Gatunummer",
        "address_1": "Gatuadress",
        "address_2": "c/o",
        "suburb": "Postort",
        "postcode": "Postnummer",
        "state": "Län",
        "date_of_birth": "Födelsedatum",
        "soc_sec_id": "Personnummer",
    },
    "ru": {
        "rec_id": "№",
        "given_name": "Имя",
        "surname": "Фамилия",
        "street_number": "Дом",
        "address_1": "Улица",
        "address_2": "Квартира",
        "suburb": "Город",
        "postcode": "Почтовый индекс",
        "state": "Регион",
        "date_of_birth": "Дата рождения",
        "soc_sec_id": "СНИЛС",
    },
}


@dataclass(frozen=True)
class _Country:
    locales: tuple[str, ...]
    regions: tuple[str, ...]
    street_types: tuple[str, ...]
    #: street type written after the name as one word (Goethestraße, Storgatan)
    joined: bool
    postcode_digits: int
    date_format: str


_COUNTRIES = {
    "en": _Country(
        ("en_US", "en_GB"),
        ("nsw", "vic", "qld", "wa", "sa", "tas", "act", "nt"),
        ("street", "road", "avenue", "place", "crescent", "drive", "close", "court", "parade", "lane"),
        False,
        4,
        "%Y%m%d",
    ),
    "de": _Country(
        ("de_DE",),
        ("Bayern", "Berlin", "Hessen", "Hamburg", "Sachsen", "Nordrhein-Westfalen", "Baden-Württemberg"),
        ("straße", "weg", "allee", "platz", "gasse", "ring"),
        True,
        5,
        "%d.%m.%Y",
    ),
    "fr": _Country(
        ("fr_FR",),
        ("Paris", "Rhône", "Nord", "Gironde", "Bouches-du-Rhône", "Haute-Garonne", "Bas-Rhin"),
        ("rue", "avenue", "boulevard", "chemin", "place", "allée"),
        False,
        5,
        "%d/%m/%Y",
    ),
    "sv": _Country(
        ("sv_SE",),
        ("Stockholms län", "Skåne län", "Västra Götalands län", "Uppsala län", "Hallands län"),
        ("gatan", "vägen", "gränd", "backen", "torget"),
        True,
        5,
        "%Y-%m-%d",
    ),
    "ru": _Country(
        ("ru_RU",),
        ("Москва", "Санкт-Петербург", "Московская область", "Татарстан", "Свердловская область"),
        ("улица", "проспект", "переулок", "шоссе"),
        False,
        6,
        "%d.%m.%Y",
    ),
}

#: street types and their usual abbreviations
_ABBREVIATIONS = {
    "street": "st",
    "road": "rd",
    "avenue": "ave",
    "place": "pl",
    "crescent": "cres",
    "drive": "dr",
    "close": "cl",
    "court": "ct",
    "parade": "pde",
    "lane": "ln",
    "straße": "str.",
    "platz": "pl.",
    "boulevard": "bd",
    "avenue ": "av.",
    "gatan": "g.",
    "vägen": "v.",
    "улица": "ул.",
    "проспект": "пр-т",
    "переулок": "пер.",
}
_SYLLABLES = [c + v for c in "bdfgklmnprstvwy" for v in "aeiou"] + ["ton", "ham", "ley", "ford", "dale"]


def _draw(
    rng: np.random.Generator, names: tuple[str, ...], weights: tuple[float, ...], size: int
) -> list[str]:
    p = np.asarray(weights, dtype=float)
    return [names[i] for i in rng.choice(len(names), size=size, p=p / p.sum())]


def _names(locales: tuple[str, ...], kind: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    names: list[str] = []
    weights: list[float] = []
    for locale in locales:
        n, w = person_names(locale)[kind]
        names += n
        weights += w
    return tuple(names), tuple(weights)


def _place_words(rng: np.random.Generator, count: int) -> list[str]:
    """Invented place names (two or three syllables), distinct."""
    words: set[str] = set()
    while len(words) < count:
        parts = rng.choice(_SYLLABLES, size=int(rng.integers(2, 4)))
        words.add("".join(parts).capitalize())
    return sorted(words)


def _originals(
    rng: np.random.Generator, n: int, language: str, households: float
) -> list[dict[str, str | None]]:
    country = _COUNTRIES[language]
    given = _draw(rng, *_names(country.locales, "given"), n)
    family = _draw(rng, *_names(country.locales, "family"), n)
    street_names = _draw(rng, *_names(country.locales, "family"), n)
    localities = max(40, n // 5)
    suburbs = _place_words(rng, localities)
    postcodes = rng.choice(
        10**country.postcode_digits - 10 ** (country.postcode_digits - 1), localities, False
    )
    postcodes = postcodes + 10 ** (country.postcode_digits - 1)
    region_of = rng.integers(0, len(country.regions), size=localities)
    locality = rng.choice(localities, size=n, p=(w := 1.0 / np.arange(1, localities + 1) ** 0.6) / w.sum())
    buildings = _place_words(rng, max(20, n // 10))
    birth = dt.date(1920, 1, 1).toordinal() + rng.integers(0, 32_000, size=n)
    ids = rng.choice(9 * 10**6, size=n, replace=False) + 10**6
    rows = []
    for i in range(n):
        kind = country.street_types[int(rng.integers(0, len(country.street_types)))]
        street = f"{street_names[i]}{kind}" if country.joined else f"{street_names[i]} {kind}"
        street = f"{kind} {street_names[i]}" if language in ("fr", "ru") else street
        where = int(locality[i])
        rows.append(
            {
                "given_name": given[i],
                "surname": family[i],
                "street_number": str(
                    int(rng.integers(1, 60) if rng.random() < 0.7 else rng.integers(60, 400))
                ),
                "address_1": street.lower() if language == "en" else street,
                "address_2": buildings[int(rng.integers(0, len(buildings)))].lower()
                if rng.random() < 0.4
                else None,
                "suburb": suburbs[where].lower() if language == "en" else suburbs[where],
                "postcode": str(int(postcodes[where])),
                "state": country.regions[int(region_of[where])],
                "date_of_birth": dt.date.fromordinal(int(birth[i])).strftime(country.date_format),
                "soc_sec_id": str(int(ids[i])),
            }
        )
        if language == "en":
            rows[-1]["given_name"] = given[i].lower()
            rows[-1]["surname"] = family[i].lower()
    # households: another person (other given name, birth date, id) at the address of an earlier one
    for i in np.flatnonzero(rng.random(n) < households).tolist():
        j = int(rng.integers(0, n))
        same = nickname_table().get(
            clean_text(rows[i]["given_name"] or ""), frozenset()
        ) & nickname_table().get(clean_text(rows[j]["given_name"] or ""), frozenset())
        if (
            j != i
            and not same
            and clean_text(rows[i]["given_name"] or "")[:3] != clean_text(rows[j]["given_name"] or "")[:3]
        ):
            for column in (
                "surname",
                "street_number",
                "address_1",
                "address_2",
                "suburb",
                "postcode",
                "state",
            ):
                rows[i][column] = rows[j][column]
    return rows


def _nickname_or_initial(name: str, rng: np.random.Generator) -> str:
    key = clean_text(name)
    shorts = sorted(s for s, fulls in nickname_table().items() if key in fulls and s != key)
    if shorts and rng.random() < 0.8:
        short = shorts[int(rng.integers(0, len(shorts)))]
        return short if name.islower() else short.capitalize()
    return name[0]


def _shift_date(text: str, fmt: str, rng: np.random.Generator) -> str:
    try:
        day = dt.datetime.strptime(text, fmt).date()
    except ValueError:  # already mistyped
        return corrupt.digit_typo(text, rng)
    if rng.random() < 0.5:
        year, month, d = corrupt.swap_day_month(day.year, day.month, day.day)
        return dt.date(year, month, d).strftime(fmt)
    return corrupt.digit_typo(text, rng)


def _abbreviate(street: str, rng: np.random.Generator) -> str:
    for full, short in _ABBREVIATIONS.items():
        if full in street.lower():
            at = street.lower().index(full)
            return street[:at] + short + street[at + len(full) :]
    return street.replace(" ", "") if " " in street else corrupt.misspell(street, rng)


def _duplicate(
    original: dict[str, str | None],
    kinds: list[str],
    p: np.ndarray,
    most: int,
    fmt: str,
    rng: np.random.Generator,
) -> dict[str, str | None]:
    """A copy of ``original`` with 1 to ``most`` corruptions drawn by ``p``, at most two on one field."""
    dup = dict(original)
    per_field: dict[str, int] = {}
    for c in rng.choice(len(kinds), size=int(rng.integers(1, most + 1)), p=p / p.sum()):
        column = kinds[c].split(":")[0]
        if per_field.get(column, 0) < 2:
            per_field[column] = per_field.get(column, 0) + 1
            _modify(dup, kinds[c], fmt, rng)
    return dup


def _modify(row: dict[str, str | None], kind: str, fmt: str, rng: np.random.Generator) -> None:
    """Apply one corruption of ``kind`` (``field:how``) to a duplicate, in place."""
    column, how = kind.split(":")
    value = row.get(column)
    if how == "swap":
        row["given_name"], row["surname"] = row["surname"], row["given_name"]
    elif value is None:
        return
    elif how == "missing":
        row[column] = None
    elif how == "typo":
        row[column] = corrupt.misspell(value, rng)
    elif how == "digit":
        row[column] = corrupt.digit_typo(value, rng)
    elif how == "nickname":
        row[column] = _nickname_or_initial(value, rng)
    elif how == "date":
        row[column] = _shift_date(value, fmt, rng)
    elif how == "abbreviate":
        row[column] = _abbreviate(value, rng)


#: corruption -> relative frequency
_KINDS = {
    "given_name:typo": 3.0,
    "given_name:nickname": 1.2,
    "given_name:missing": 0.6,
    "surname:typo": 3.0,
    "surname:missing": 0.4,
    "given_name:swap": 0.8,
    "street_number:digit": 0.8,
    "street_number:missing": 0.6,
    "address_1:typo": 1.5,
    "address_1:abbreviate": 1.0,
    "address_1:missing": 0.4,
    "address_2:missing": 0.8,
    "address_2:typo": 0.5,
    "suburb:typo": 1.5,
    "suburb:missing": 0.5,
    "postcode:digit": 1.0,
    "postcode:missing": 0.5,
    "state:missing": 0.3,
    "date_of_birth:date": 2.0,
    "date_of_birth:missing": 0.6,
    "soc_sec_id:digit": 1.5,
    "soc_sec_id:missing": 0.6,
}


def planted_people(
    n: int = 5000,
    *,
    seed: int = 0,
    language: str = "en",
    originals_share: float = 0.4,
    max_duplicates: int = 5,
    max_modifications: int = 3,
    with_ids: bool = True,
    households: float = 0.0,
) -> tuple[pa.Table, pa.Table]:
    """``n`` person records, ``originals_share`` of them originals and the rest their duplicates, and the truth.

    Args:
        n: records in all.
        seed: the random seed: the same arguments give the same list.
        language: ``en`` (FEBRL-like, lower case), ``de``, ``fr``, ``sv`` or ``ru``.
        originals_share: share of the records that are originals (FEBRL's febrl3: 2,000 of 5,000).
        max_duplicates: most duplicates of one original (their number is Zipf-distributed from 1).
        max_modifications: most corruptions in one duplicate (at least one, at most two per field).
        with_ids: keep ``date_of_birth`` and ``soc_sec_id`` (False drops both columns).
        households: share of originals living at another original's address with the same family name.

    Returns:
        ``(records, truth)``: records with the :data:`COLUMNS` (all text, missing as null) in random order;
        truth with ``id`` (``rec_id``) and ``entity_id`` (the original's ``rec_id``).

    Example:
        >>> records, truth = planted_people(200, seed=1)
        >>> records.num_rows, len(set(truth.column("entity_id").to_pylist()))
        (200, 80)
    """
    import pyarrow as pa

    if language not in _COUNTRIES:
        raise ValueError(f"language must be one of {', '.join(_COUNTRIES)}, got {language!r}")
    rng = np.random.default_rng(seed)
    n_orig = max(1, round(n * originals_share))
    originals = _originals(rng, n_orig, language, households)
    sizes = np.arange(1, max_duplicates + 1)
    per_original = rng.choice(sizes, size=n_orig, p=(w := 1.0 / sizes) / w.sum())
    kinds = [k for k in _KINDS if with_ids or not k.startswith(("date_of_birth", "soc_sec_id"))]
    p = np.array([_KINDS[k] for k in kinds])
    fmt = _COUNTRIES[language].date_format
    rows, entity = [], []
    for i, row in enumerate(originals):
        rows.append({"rec_id": f"rec-{i}-org", **row})
        entity.append(f"rec-{i}-org")
    left = n - n_orig
    while left > 0:
        for i in rng.permutation(n_orig).tolist():
            for _ in range(min(int(per_original[i]), left)):
                rows.append(
                    {
                        "rec_id": f"rec-{i}-dup-{len(rows)}",
                        **_duplicate(originals[i], kinds, p, max_modifications, fmt, rng),
                    }
                )
                entity.append(f"rec-{i}-org")
            left -= min(int(per_original[i]), left)
            if not left:
                break
    columns = [c for c in COLUMNS if with_ids or c not in ("date_of_birth", "soc_sec_id")]
    order = rng.permutation(len(rows))
    table = pa.table({c: pa.array([rows[j].get(c) for j in order], pa.string()) for c in columns})
    truth = pa.table(
        {
            "id": pa.array([rows[j]["rec_id"] for j in order], pa.string()),
            "entity_id": pa.array([entity[j] for j in order], pa.string()),
        }
    )
    return table, truth
