"""Names, legal forms, addresses, identifiers, e-mails, phones and web sites of counterparties and contacts.

Strings are built per counterparty with list comprehensions (cheap: thousands, not millions); every
random draw is made on whole arrays per country.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from anyascii import anyascii

from clientbase.demo.countries import COUNTRIES, Country, tax_ids


@dataclass
class Identities:
    """One entry per counterparty; ``core`` is the name without its legal form, ``form`` the form's index."""

    country: np.ndarray  # index into COUNTRIES
    core: list[str]
    form: np.ndarray
    name: list[str]
    region: list[str]
    city: list[str]
    postcode: list[str]
    address: list[str]
    tax_id: list[str]
    registration_id: list[str]
    email: list[str]
    phone: list[str]
    website: list[str]
    domain: list[str]


def full_name(country: Country, core: str, form: str) -> str:
    """The registered name: legal form before (RU) or after the core name.

    Example:
        >>> full_name(COUNTRIES[0], "Berg Bygg", "AB")
        'Berg Bygg AB'
    """
    return f"{form} {core}" if country.prefix_form else f"{core} {form}"


def slug(text: str) -> str:
    """A domain-name label from any name: ASCII, lower case, letters and digits only.

    Example:
        >>> slug("Müller Bau & Söhne")
        'mullerbausohne'
    """
    return re.sub(r"[^a-z0-9]", "", anyascii(text).lower())


def _numbers(rng: np.random.Generator, prefix: str, length: int, n: int) -> list[str]:
    rest = rng.integers(0, 10, size=(n, length - len(prefix)))
    return [prefix + "".join(map(str, row)) for row in rest.tolist()]


def phone_numbers(country: Country, n: int, rng: np.random.Generator, *, mobile: bool = False) -> list[str]:
    """``n`` phone numbers of ``country`` in E.164 (``+`` country code, national number)."""
    prefix, length = country.mobile if mobile else country.fixed
    return [f"+{country.dial}{x}" for x in _numbers(rng, prefix, length, n)]


#: the counterparty columns an identity fills (a duplicate varies them; the registry stores them)
IDENTITY_FIELDS = (
    "name",
    "region",
    "city",
    "postcode",
    "address",
    "tax_id",
    "registration_id",
    "email",
    "phone",
    "website",
)


def draw_identities(n: int, rng: np.random.Generator, *, taken: frozenset[str] = frozenset()) -> Identities:
    """``n`` distinct companies across the countries (weighted), with valid tax identifiers; none of them
    has a core name in ``taken`` (the companies of an earlier draw, so a later draw adds no look-alikes)."""
    country = rng.choice(len(COUNTRIES), size=n, p=[c.weight for c in COUNTRIES])
    out: dict[str, list[str]] = {k: [""] * n for k in ("core", *IDENTITY_FIELDS, "domain")}
    form = np.zeros(n, dtype=np.int64)
    for ci, c in enumerate(COUNTRIES):
        where = np.flatnonzero(country == ci)
        k = len(where)
        if k == 0:
            continue
        cores = _core_names(c, k, rng, taken)
        f_i = np.where(rng.random(k) < 0.85, 0, rng.integers(0, len(c.forms), size=k))
        names = [full_name(c, core, c.forms[f][0]) for core, f in zip(cores, f_i.tolist(), strict=True)]
        city_i = rng.integers(0, len(c.cities), size=k).tolist()
        digits = rng.integers(0, 10, size=(k, 3)).tolist()
        postcodes = [
            c.postcode.format(p=c.cities[ct][2], n1=d[0], n2=f"{d[1]}{d[2]}", n3=f"{d[0]}{d[1]}{d[2]}")
            for ct, d in zip(city_i, digits, strict=True)
        ]
        street_i = rng.integers(0, len(c.street_words), size=k).tolist()
        house = rng.integers(1, 180, size=k).tolist()
        domains = [f"{slug(core)}.{c.tld}" for core in cores]
        mailbox = rng.choice(np.array(["info", "order", "kontakt", "office", "sales"]), size=k).tolist()
        tax, reg = tax_ids(c.code, k, rng)
        phones = phone_numbers(c, k, rng)
        values = {
            "core": cores,
            "name": names,
            "region": [c.cities[ct][1] for ct in city_i],
            "city": [c.cities[ct][0] for ct in city_i],
            "postcode": postcodes,
            "address": [
                c.street.format(w=c.street_words[w], n=h) for w, h in zip(street_i, house, strict=True)
            ],
            "tax_id": tax,
            "registration_id": reg,
            "email": [f"{m}@{d}" for m, d in zip(mailbox, domains, strict=True)],
            "phone": phones,
            "website": [f"https://www.{d}" for d in domains],
            "domain": domains,
        }
        for key, vals in values.items():
            column = out[key]
            for pos, v in zip(where.tolist(), vals, strict=True):
                column[pos] = v
        form[where] = f_i
    return Identities(country=country, form=form, **out)


def _core_names(c: Country, k: int, rng: np.random.Generator, taken: frozenset[str]) -> list[str]:
    """``k`` distinct core names of country ``c``: surname x trade word x extra drawn without replacement,
    numbered from the second round on when ``k`` exceeds the combinations; none in ``taken``."""
    nt, nx = len(c.trades), len(c.extras)
    capacity = len(c.surnames) * nt * nx
    rounds_needed = (k + len(taken)) // capacity + 1 if taken else k // capacity + 1
    combo = np.concatenate([rng.permutation(capacity) for _ in range(rounds_needed)])
    rounds = np.arange(len(combo)) // capacity
    if not taken:
        combo, rounds = combo[:k], rounds[:k]
    s_i, t_i, x_i = combo // (nt * nx), (combo // nx) % nt, combo % nx
    cores = [
        c.pattern.format(s=c.surnames[s], t=c.trades[t], x=c.extras[x] + (f" {r + 1}" if r else ""))
        for s, t, x, r in zip(s_i.tolist(), t_i.tolist(), x_i.tolist(), rounds.tolist(), strict=True)
    ]
    return [core for core in cores if core not in taken][:k] if taken else cores


def draw_contacts(
    identities: Identities, owners: np.ndarray, counts: np.ndarray, rng: np.random.Generator
) -> dict[str, list[object]]:
    """``counts[i]`` contact persons at counterparty ``owners[i]`` (an index into ``identities``)."""
    who = np.repeat(owners, counts)
    first = np.zeros(len(who), dtype=bool)
    starts = np.cumsum(np.r_[0, counts[:-1]]) if len(counts) else np.zeros(0, dtype=np.int64)
    first[starts[counts > 0]] = True
    fn = rng.integers(0, 10, size=len(who)).tolist()
    sn = rng.integers(0, 20, size=len(who)).tolist()
    ti = rng.integers(0, 5, size=len(who)).tolist()
    names, titles, emails = [], [], []
    mailbox: dict[tuple[int, int, int], str] = {}  # e-mail local part per (country, first, surname)
    for w, f, s, t in zip(who.tolist(), fn, sn, ti, strict=True):
        ci = int(identities.country[w])
        c = COUNTRIES[ci]
        names.append(f"{c.first_names[f]} {c.surnames[s]}")
        titles.append(c.titles[t])
        local = mailbox.get((ci, f, s))
        if local is None:
            local = mailbox[(ci, f, s)] = f"{slug(c.first_names[f])}.{slug(c.surnames[s])}"
        emails.append(f"{local}@{identities.domain[w]}")
    phones = [""] * len(who)
    contact_country = identities.country[who] if len(who) else np.zeros(0, dtype=np.int64)
    for ci, c in enumerate(COUNTRIES):
        where = np.flatnonzero(contact_country == ci)
        for pos, number in zip(where.tolist(), phone_numbers(c, len(where), rng, mobile=True), strict=True):
            phones[pos] = number
    return {
        "counterparty": who.tolist(),
        "name": names,
        "title": titles,
        "email": emails,
        "phone": phones,
        "is_primary": first.tolist(),
    }
