"""A seeded company master list with planted duplicates, varied otherwise than the demo and :mod:`.synthetic`.

Companies in Germany, Austria, Switzerland, Sweden, France, the United Kingdom and Russia, named after
people and trades as firms are (``Müller & Schäfer Kältetechnik GmbH & Co. KG``, ``Lindqvist Bygg AB``,
``ООО «Волков Строй»``), with a city, postcode, phone, an e-mail *domain* column and a VAT id. Many
different firms share a family name and a trade (hard negatives). Duplicates (1 to 3 per original) each
carry 2 to 5 of these variations:

- legal form spelled out, abbreviated otherwise or left off (``Gesellschaft mit beschränkter Haftung``,
  ``G.m.b.H.``, ``Aktiebolag``, ``S.à r.l.``, ``Limited``, ``Общество с ограниченной ответственностью``);
- umlauts written out or dropped (``Müller`` -> ``Mueller`` / ``Muller``, ``Straße`` -> ``Strasse``), in the
  name and the city; Cyrillic written in Latin letters;
- one or two typos in the name; ``&`` as ``und`` / ``and`` / ``+``; upper case; quotes around the name;
- the phone written nationally, with ``(0)``, with an extension, or missing;
- the domain with ``www.`` or ``@``, another ending (``.com``), without its hyphen, or missing;
- the VAT id without its country prefix, with spaces, with one digit wrong, or missing;
- the postcode or city missing or mistyped; the firm moved (another postcode, often another phone).

The originals lack values too, as a list gathered from several systems does: no VAT id for 30 %, no domain
for 25 %, no phone for 15 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from anyascii import anyascii

from clientbase.dedupe import corrupt
from clientbase.dedupe.names import person_names

if TYPE_CHECKING:
    import pyarrow as pa

COLUMNS = ("id", "name", "city", "postcode", "phone", "email_domain", "vat_id")


@dataclass(frozen=True)
class _Country:
    code: str
    locale: str
    share: float
    trades: tuple[str, ...]
    #: legal forms: (usual spelling, other spellings ...); a leading ``^`` puts the form before the name
    forms: tuple[tuple[str, ...], ...]
    calling: str
    tld: str
    postcode_digits: int
    vat_digits: int


_COUNTRIES = (
    _Country(
        "DE",
        "de_DE",
        0.35,
        (
            "Bau",
            "Logistik",
            "Kältetechnik",
            "Elektro",
            "Metallbau",
            "Immobilien",
            "Maschinenbau",
            "Software",
            "Gebäudereinigung",
            "Sanitär",
            "Straßenbau",
            "Spedition",
            "Druckerei",
            "Möbelwerkstätten",
            "Bäckerei",
            "Holzbau",
            "Dachdeckerei",
            "Steuerberatung",
            "Gartenbau",
            "Autohaus",
        ),
        (
            ("GmbH", "Gesellschaft mit beschränkter Haftung", "G.m.b.H.", "Gmbh", "GMBH"),
            ("GmbH & Co. KG", "GmbH & Co KG", "GmbH u. Co. KG", "GmbH und Co. KG"),
            ("AG", "Aktiengesellschaft", "A.G."),
            ("KG", "Kommanditgesellschaft"),
            ("e.K.", "e. K.", "eingetragener Kaufmann"),
        ),
        "49",
        "de",
        5,
        9,
    ),
    _Country(
        "AT",
        "de_AT",
        0.08,
        ("Bau", "Installationen", "Tischlerei", "Handel", "Transporte", "Gastronomie"),
        (("GmbH", "Ges.m.b.H.", "Gesellschaft m.b.H.", "GesmbH"), ("AG", "Aktiengesellschaft")),
        "43",
        "at",
        4,
        8,
    ),
    _Country(
        "CH",
        "de_CH",
        0.07,
        ("Treuhand", "Bau", "Uhren", "Informatik", "Reinigungen", "Käserei"),
        (("AG", "Aktiengesellschaft", "SA"), ("GmbH", "Sàrl", "G.m.b.H.")),
        "41",
        "ch",
        4,
        9,
    ),
    _Country(
        "SE",
        "sv_SE",
        0.15,
        ("Bygg", "Åkeri", "Måleri", "Fastigheter", "Konsult", "El", "Städ", "Rör", "Trädgård"),
        (("AB", "Aktiebolag", "Aktiebolaget", "AB (publ)"), ("HB", "Handelsbolag")),
        "46",
        "se",
        5,
        12,
    ),
    _Country(
        "FR",
        "fr_FR",
        0.15,
        (
            "Bâtiment",
            "Transports",
            "Conseil",
            "Électricité",
            "Menuiserie",
            "Boulangerie",
            "Plomberie",
            "Immobilier",
        ),
        (
            ("SARL", "S.A.R.L.", "Société à responsabilité limitée", "Sàrl"),
            ("SAS", "S.A.S."),
            ("SA", "S.A.", "Société anonyme"),
        ),
        "33",
        "fr",
        5,
        11,
    ),
    _Country(
        "GB",
        "en_GB",
        0.12,
        ("Building", "Logistics", "Engineering", "Consulting", "Holdings", "Services", "Plumbing", "Joinery"),
        (("Ltd", "Limited", "Ltd.", "LTD"), ("PLC", "plc", "Public Limited Company"), ("LLP", "L.L.P.")),
        "44",
        "co.uk",
        0,
        9,
    ),
    _Country(
        "RU",
        "ru_RU",
        0.08,
        ("Строй", "Транс", "Логистик", "Техно", "Снаб", "Инвест", "Торг"),
        (
            ("^ООО", "^Общество с ограниченной ответственностью", "^OOO", "^О.О.О."),
            ("^АО", "^Акционерное общество", "^AO"),
            ("^ПАО", "^Публичное акционерное общество", "^PAO"),
        ),
        "7",
        "ru",
        6,
        10,
    ),
)

_UMLAUTS_OUT = str.maketrans(
    {
        "ä": "ae",
        "ö": "oe",
        "ü": "ue",
        "Ä": "Ae",
        "Ö": "Oe",
        "Ü": "Ue",
        "ß": "ss",
        "å": "aa",
        "Å": "Aa",
        "é": "e",
        "è": "e",
        "ê": "e",
        "â": "a",
        "à": "a",
    }
)
_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]


def _places(rng: np.random.Generator, country: _Country, count: int) -> list[str]:
    import importlib

    provider = importlib.import_module(f"faker.providers.address.{country.locale}").Provider
    known = list(getattr(provider, "cities", ()) or getattr(provider, "city_names", ()))
    while len(known) < count:
        known.append("".join(rng.choice(_SYLLABLES, size=int(rng.integers(2, 4)))).capitalize() + "ton")
    return [known[i] for i in rng.permutation(len(known))[:count]]


def _plain(name: str) -> str:
    """A name as a register compares it for confusion: its words, letters and digits only, in any order."""
    words = "".join(ch if ch.isalnum() else " " for ch in anyascii(name).lower()).split()
    return " ".join(sorted(words))


def _with_form(base: str, form: str) -> str:
    return f"{form[1:]} {base}" if form.startswith("^") else f"{base} {form}"


def _name(rng: np.random.Generator, country: _Country, family: list[str], weights: np.ndarray) -> str:
    def surname() -> str:
        return family[int(rng.choice(len(family), p=weights))]

    trade = country.trades[int(rng.integers(0, len(country.trades)))]
    pattern = int(rng.integers(0, 5))
    if country.code == "RU":
        core = [f"{surname()} {trade}", f"{trade}{surname().lower()}", f"{surname()}"][pattern % 3]
        core = f"«{core}»"
    elif pattern == 0:
        core = f"{surname()} {trade}"
    elif pattern == 1:
        core = f"{surname()} & {surname()} {trade}"
    elif pattern == 2:
        core = f"{surname()}-{trade}"
    elif pattern == 3:
        core = f"{trade} {surname()}"
    else:
        core = f"{surname()} {surname()} {trade}"
    return core


@dataclass
class _Company:
    country: _Country
    core: str
    form: int
    city: str
    postcode: str
    phone: str
    domain: str
    vat: str


def _originals(rng: np.random.Generator, n: int) -> list[_Company]:
    shares = np.array([c.share for c in _COUNTRIES])
    which = rng.choice(len(_COUNTRIES), size=n, p=shares / shares.sum())
    out = []
    serial = rng.permutation(10**6 * 9)[:n] + 10**6
    taken: set[tuple[str, int]] = set()
    domains: set[str] = set()
    for index, country in enumerate(_COUNTRIES):
        rows = np.flatnonzero(which == index)
        if not len(rows):
            continue
        names, raw_weights = person_names(country.locale)["family"]
        family = list(names[:300])  # firms share the common names: hard negatives
        weights = np.asarray(raw_weights[:300], dtype=float)
        weights = weights / weights.sum()
        cities = _places(rng, country, max(20, len(rows) // 40))
        city_weights = 1.0 / np.arange(1, len(cities) + 1)
        for row in rows.tolist():
            # one firm name per city (as commercial registers require); the same name elsewhere is common
            city_index = int(rng.choice(len(cities), p=city_weights / city_weights.sum()))
            core = _name(rng, country, family, weights)
            while (_plain(core), city_index) in taken:
                core = _name(rng, country, family, weights)
            taken.add((_plain(core), city_index))
            postcode = (
                ""
                if not country.postcode_digits
                else str(
                    10 ** (country.postcode_digits - 1)
                    + (city_index * 97 + int(rng.integers(0, 90))) % (9 * 10 ** (country.postcode_digits - 1))
                )
            )
            if country.code == "GB":
                postcode = f"{chr(65 + city_index % 26)}{chr(65 + city_index // 26 % 26)}{city_index % 9 + 1} {int(rng.integers(1, 9))}{chr(65 + int(rng.integers(0, 26)))}{chr(65 + int(rng.integers(0, 26)))}"
            number = int(serial[row])
            slug = anyascii(core.translate(_UMLAUTS_OUT)).lower()
            slug = "-".join(w for w in "".join(ch if ch.isalnum() else " " for ch in slug).split()[:2])
            if rng.random() < 0.3 or slug in domains:  # a domain belongs to one firm
                slug = f"{slug}-{anyascii(cities[city_index]).lower().replace(' ', '')[:12]}"
            while slug in domains:
                slug = f"{slug}{int(rng.integers(0, 10))}"
            domains.add(slug)
            out.append(
                _Company(
                    country=country,
                    core=core,
                    form=int(rng.integers(0, len(country.forms))),
                    city=cities[city_index],
                    postcode=postcode,
                    # a master list gathered from several systems lacks values: no VAT id for 30 %, ...
                    phone=f"+{country.calling} {20 + city_index % 70} {number:07d}"
                    if rng.random() < 0.85
                    else "",
                    domain=f"{slug}.{country.tld}" if rng.random() < 0.75 else "",
                    vat=f"{country.code}{number * 7919 % 10**country.vat_digits:0{country.vat_digits}d}"
                    if rng.random() < 0.7
                    else "",
                )
            )
    order = rng.permutation(len(out))
    return [out[i] for i in order]


def _record(company: _Company) -> dict[str, str | None]:
    form = company.country.forms[company.form][0]
    return {
        "name": _with_form(company.core, form),
        "city": company.city,
        "postcode": company.postcode or None,
        "phone": company.phone or None,
        "email_domain": company.domain or None,
        "vat_id": company.vat or None,
    }


def _vary_name(company: _Company, chosen: set[str], rng: np.random.Generator) -> str:
    forms = company.country.forms[company.form]
    core = company.core
    if "typo" in chosen:
        for _ in range(int(rng.integers(1, 3))):
            core = corrupt.keyboard_typo(core, rng)
    if "umlauts" in chosen:
        core = core.translate(_UMLAUTS_OUT) if rng.random() < 0.6 else anyascii(core)
    if "script" in chosen and company.country.code == "RU":
        core = anyascii(core).replace("<<", '"').replace(">>", '"')
        forms = tuple(f for f in forms if f.isascii()) or forms
    if "and" in chosen and "&" in core:
        core = core.replace("&", str(rng.choice(["und", "and", "+", "u."])))
    if "quotes" in chosen:
        core = core.strip("«»") if core.startswith("«") else f'"{core}"'
    form = forms[int(rng.integers(0, len(forms)))] if "form" in chosen else forms[0]
    name = core if "form" in chosen and rng.random() < 0.25 else _with_form(core, form)
    return name.upper() if "upper" in chosen else name


def _vary(company: _Company, rng: np.random.Generator) -> dict[str, str | None]:
    """A duplicate of ``company`` with 2 to 4 variations."""
    kinds = ["form", "umlauts", "typo", "and", "upper", "quotes", "script", "phone", "domain", "vat", "place"]
    p = np.array([3.0, 2.0, 2.5, 1.0, 0.5, 0.5, 1.0, 2.0, 2.0, 2.0, 1.5])
    chosen = {
        kinds[i] for i in rng.choice(len(kinds), size=int(rng.integers(2, 5)), replace=False, p=p / p.sum())
    }
    row = _record(company)
    row["name"] = _vary_name(company, chosen, rng)
    country = company.country
    if "umlauts" in chosen and rng.random() < 0.5:
        row["city"] = company.city.translate(_UMLAUTS_OUT)
    if "phone" in chosen and company.phone:
        _area, _, local = company.phone.split(" ", 1)[1].partition(" ")
        draw = rng.random()
        national = f"0{_area} {local}" if country.code != "RU" else f"8 {_area} {local}"
        row["phone"] = (
            None
            if draw < 0.25
            else national
            if draw < 0.55
            else f"+{country.calling} (0){_area} {local}"
            if draw < 0.75
            else f"{national}-{rng.integers(0, 99)}"
        )
    if "domain" in chosen and company.domain:
        draw = rng.random()
        domain = company.domain
        row["email_domain"] = (
            None
            if draw < 0.3
            else f"www.{domain}"
            if draw < 0.5
            else f"@{domain}"
            if draw < 0.65
            else domain.rsplit(".", 1)[0] + ".com"
            if draw < 0.85
            else domain.replace("-", "")
        )
    if "vat" in chosen and company.vat:
        draw = rng.random()
        vat = company.vat
        row["vat_id"] = (
            None
            if draw < 0.35
            else vat[2:]
            if draw < 0.6
            else f"{vat[:2]} {' '.join(vat[i : i + 3] for i in range(2, len(vat), 3))}"
            if draw < 0.8
            else corrupt.digit_typo(vat, rng)
        )
    if "place" in chosen:
        draw = rng.random()
        if draw < 0.3:
            row["postcode"] = None
        elif draw < 0.55 and row["postcode"]:
            row["postcode"] = corrupt.digit_typo(str(row["postcode"]), rng)
        elif draw < 0.8:
            row["city"] = corrupt.keyboard_typo(str(row["city"]), rng)
        else:
            row["city"] = None
    if "moved" in chosen:  # another address of the firm: new postcode, often a new phone
        row["postcode"] = corrupt.digit_typo(corrupt.digit_typo(str(row["postcode"] or "10000"), rng), rng)
        row["phone"] = (
            None
            if rng.random() < 0.5
            else f"+{country.calling} {rng.integers(20, 90)} {rng.integers(10**6, 10**7)}"
        )
    return row


def planted_master_list(
    n: int = 20_000, *, seed: int = 0, duplicate_share: float = 0.2
) -> tuple[pa.Table, pa.Table]:
    """``n`` company records, about ``duplicate_share`` of them duplicates, and the truth.

    Returns:
        ``(records, truth)``: records with :data:`COLUMNS` (text, missing as null) in random order; truth with
        ``id`` and ``entity_id`` (the original's id) for every record.

    Example:
        >>> records, truth = planted_master_list(500, seed=1)
        >>> records.num_rows, records.column_names[:3]
        (500, ['id', 'name', 'city'])
        >>> 350 < len(set(truth.column("entity_id").to_pylist())) < 450
        True
    """
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    n_orig = max(1, round(n * (1 - duplicate_share)))
    companies = _originals(rng, n_orig)
    rows = [{"id": f"M{i:06d}", **_record(c)} for i, c in enumerate(companies)]
    entity = [r["id"] for r in rows]
    sizes = np.array([1, 2, 3])
    while len(rows) < n:
        i = int(rng.integers(0, n_orig))
        for _ in range(int(rng.choice(sizes, p=[0.7, 0.2, 0.1]))):
            if len(rows) < n:
                rows.append({"id": f"M{len(rows):06d}", **_vary(companies[i], rng)})
                entity.append(f"M{i:06d}")
    order = rng.permutation(n)
    table = pa.table({c: pa.array([rows[j][c] for j in order], pa.string()) for c in COLUMNS})
    truth = pa.table(
        {"id": pa.array([rows[j]["id"] for j in order]), "entity_id": pa.array([entity[j] for j in order])}
    )
    return table, truth
