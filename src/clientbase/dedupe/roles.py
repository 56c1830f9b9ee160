"""Which column of a list plays which role: guessed from the headers, then from the values.

1. **Headers**, folded like the registry's import headers (``E-Mail_Adresse:`` = ``e mail adresse``) and
   looked up in :data:`HEADER_SYNONYMS` (people's roles, in English, German, French, Swedish, Russian,
   Spanish, Italian, Dutch, Polish) and in the registry's synonyms of the company fields
   (:data:`clientbase.imports.synonyms.SYNONYMS`), exactly, else by fuzzy similarity (rapidfuzz, >= 85).
   Each role takes one column, except ``address``, which takes every address line (number, street,
   second line) in the order of the file.
2. **A bare "Name"** (``Name``, ``Nom``, ``Namn`` ...) beside a given-name column is the family name, as in
   German and French forms (``Vorname``, ``Name``).
3. **Values** (:mod:`.sniff`) for the columns whose header says nothing, and to tell what a name column
   holds: e-mails, domains, web sites, phones, dates of birth, VAT numbers, postcodes, countries, addresses,
   given names and family names (dictionaries of many languages), whole person names, company names.

A role a caller declares (``--columns role=COLUMN``) always wins over a guess.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from clientbase.dedupe.normalise import ROLES

#: Header words of the people's roles (and of the roles the registry has no field for), per role.
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "given_name": (
        "first name",
        "firstname",
        "given name",
        "given names",
        "forename",
        "forenames",
        "christian name",
        "first",
        "vorname",
        "vornamen",
        "rufname",
        "prenom",
        "prénom",
        "prénoms",
        "fornamn",
        "förnamn",
        "tilltalsnamn",
        "имя",
        "nombre de pila",
        "nome",
        "voornaam",
        "imię",
        "imie",
    ),
    "family_name": (
        "last name",
        "lastname",
        "surname",
        "family name",
        "last",
        "nachname",
        "familienname",
        "zuname",
        "nom de famille",
        "nom de naissance",
        "efternamn",
        "фамилия",
        "apellido",
        "apellidos",
        "cognome",
        "achternaam",
        "nazwisko",
    ),
    "full_name": (
        "full name",
        "fullname",
        "person",
        "contact",
        "contact name",
        "contact person",
        "name of person",
        "vollständiger name",
        "ansprechpartner",
        "kontaktperson",
        "nom complet",
        "nom et prénom",
        "fullständigt namn",
        "фио",
        "ф и о",
        "полное имя",
        "контактное лицо",
        "nombre completo",
        "nome completo",
    ),
    "birth_date": (
        "date of birth",
        "birth date",
        "birthdate",
        "dob",
        "d o b",
        "born",
        "birthday",
        "geburtsdatum",
        "geboren",
        "geburtstag",
        "geb datum",
        "date de naissance",
        "né le",
        "née le",
        "naissance",
        "födelsedatum",
        "född",
        "дата рождения",
        "fecha de nacimiento",
        "data di nascita",
        "geboortedatum",
        "data urodzenia",
    ),
    "national_id": (
        "national id",
        "national id number",
        "ssn",
        "social security number",
        "soc sec id",
        "social security id",
        "personal number",
        "personal id",
        "id number",
        "identity number",
        "passport",
        "passport number",
        "nino",
        "national insurance number",
        "sozialversicherungsnummer",
        "svnr",
        "steuer id",
        "steuerliche identifikationsnummer",
        "steueridentifikationsnummer",
        "personalausweisnummer",
        "ausweisnummer",
        "numéro de sécurité sociale",
        "numero de securite sociale",
        "nir",
        "insee",
        "personnummer",
        "samordningsnummer",
        "снилс",
        "паспорт",
        "номер паспорта",
        "dni",
        "nie",
        "codice fiscale",
        "bsn",
        "pesel",
    ),
    "address": (
        "address line 1",
        "address line 2",
        "address line 3",
        "address 1",
        "address 2",
        "address1",
        "address2",
        "street number",
        "house number",
        "street no",
        "building",
        "address line",
        "adresszeile",
        "hausnummer",
        "hausnr",
        "adresszusatz",
        "straße und hausnummer",
        "numéro",
        "numéro de rue",
        "complément d adresse",
        "gatunummer",
        "c o",
        "co adress",
        "дом",
        "номер дома",
        "квартира",
        "корпус",
        "строение",
    ),
    "city": (
        "suburb",
        "locality",
        "municipality",
        "place",
        "wohnort",
        "gemeinde",
        "commune",
        "localité",
        "postort",
        "kommun",
        "населённый пункт",
        "ciudad",
        "localidad",
        "città",
        "woonplaats",
        "miejscowość",
    ),
    "region": (
        "state",
        "province",
        "county",
        "region",
        "territory",
        "bundesland",
        "kanton",
        "département",
        "departement",
        "région",
        "län",
        "landskap",
        "регион",
        "область",
        "край",
        "республика",
        "provincia",
        "estado",
        "provincie",
        "województwo",
    ),
    "domain": (
        "domain",
        "email domain",
        "e mail domain",
        "mail domain",
        "web domain",
        "domain name",
        "domäne",
        "e mail domäne",
        "maildomäne",
        "webdomäne",
        "domaine",
        "domaine e mail",
        "domän",
        "e postdomän",
        "домен",
        "почтовый домен",
    ),
}

#: Headers that say "name" and nothing more: a company's name, or beside a given name the family name.
GENERIC_NAME_HEADERS = frozenset({"name", "nom", "namn", "navn", "naam", "nombre", "nazwa", "название"})
#: Roles a column may take from its values alone, with the share of values that must fit.
VALUE_ROLES = {
    "email": 0.8,
    "website": 0.8,
    "domain": 0.8,
    "birth_date": 0.8,
    "tax_id": 0.6,
    "phone": 0.8,
    "country": 0.9,
    "postcode": 0.9,
    "given_name": 0.6,
    "family_name": 0.6,
    "full_name": 0.5,
    "name": 0.3,
    "address": 0.7,
}
FUZZY_CUTOFF = 85


def _index() -> dict[str, str]:
    """Folded header -> role: this module's synonyms first, then the registry's for the company roles."""
    from clientbase.imports.mapping import normalise_header
    from clientbase.imports.synonyms import SYNONYMS

    index: dict[str, str] = {}
    for role, words in HEADER_SYNONYMS.items():
        for word in (role, *words):
            index.setdefault(normalise_header(word), role)
    for role, words in SYNONYMS.items():
        if role in ROLES:
            for word in (role, *words):
                index.setdefault(normalise_header(word), role)
    return index


def header_roles(headers: Sequence[str]) -> dict[str, str]:
    """The role each header names (``{header: role}``), by synonym or fuzzy similarity.

    Example:
        >>> header_roles(["Vorname", "Nachname", "Geburtsdatum", "PLZ", "Ort", "Bemerkung"])
        {'Vorname': 'given_name', 'Nachname': 'family_name', 'Geburtsdatum': 'birth_date', 'PLZ': 'postcode', 'Ort': 'city'}
    """
    from rapidfuzz import fuzz, process

    from clientbase.imports.mapping import normalise_header

    index = _index()
    out = {}
    for header in headers:
        key = normalise_header(header)
        if not key:
            continue
        role = index.get(key)
        if role is None:
            match = process.extractOne(key, list(index), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
            role = index[match[0]] if match else None
        if role is not None:
            out[header] = role
    return out


def _assign(found: dict[str, str], headers: Sequence[str]) -> dict[str, str | list[str]]:
    """One column per role (the first in the file), every address line for ``address``."""
    roles: dict[str, str | list[str]] = {}
    for header in headers:
        role = found.get(header)
        if role == "address":
            lines = roles.setdefault("address", [])
            assert isinstance(lines, list)
            lines.append(header)
        elif role is not None and role not in roles:
            roles[role] = header
    if isinstance(roles.get("address"), list) and len(roles["address"]) == 1:
        roles["address"] = roles["address"][0]
    return roles


def _from_values(
    roles: dict[str, str | list[str]], headers: Sequence[str], columns: Mapping[str, Sequence[object]]
) -> None:
    """Give the columns no header named a role their values fit, best fits first."""
    from clientbase.dedupe.sniff import value_shares

    used = {c for cols in roles.values() for c in ([cols] if isinstance(cols, str) else cols)}
    rank = {role: i for i, role in enumerate(VALUE_ROLES)}
    candidates: list[tuple[float, int, int, str, str]] = []
    for header in headers:
        if header in used or header not in columns:
            continue
        for role, share in value_shares(columns[header]).items():
            if role in VALUE_ROLES and share >= VALUE_ROLES[role]:
                candidates.append((share, -rank[role], -headers.index(header), header, role))
    # best fit first; on a tie the more specific role (the order of VALUE_ROLES), then the earlier column
    for _share, _rank, _order, header, role in sorted(candidates, reverse=True):
        if role not in roles and header not in used:
            roles[role] = header
            used.add(header)


def _settle_names(roles: dict[str, str | list[str]], columns: Mapping[str, Sequence[object]]) -> None:
    """A bare "Name" beside a given name is the family name; a name column of people's names is theirs."""
    from clientbase.dedupe.sniff import company_name_share, person_name_shares, sample
    from clientbase.imports.mapping import normalise_header

    name = roles.get("name")
    if not isinstance(name, str):
        return
    if (
        "given_name" in roles
        and "family_name" not in roles
        and normalise_header(name) in GENERIC_NAME_HEADERS
    ):
        roles["family_name"] = roles.pop("name")
        return
    if name not in columns or any(r in roles for r in ("given_name", "family_name", "full_name")):
        return
    values = sample(columns[name])
    people = person_name_shares(values)
    if company_name_share(values) < 0.2 and people["full_name"] >= 0.5:
        roles["full_name"] = roles.pop("name")


def guess_roles(
    headers: Sequence[str], columns: Mapping[str, Sequence[object]] | None = None
) -> dict[str, str | list[str]]:
    """The role of each column that looks like one: ``{role: header}`` (``address``: one or several).

    Args:
        headers: the file's headers, in order.
        columns: header -> the column's values, to guess from the values where headers say nothing.

    Example:
        >>> guess_roles(["Kundnr", "Firma", "USt-IdNr.", "Telefon", "Ort", "Bemerkung"])
        {'name': 'Firma', 'tax_id': 'USt-IdNr.', 'phone': 'Telefon', 'city': 'Ort'}
        >>> guess_roles(["given_name", "surname", "street_number", "address_1", "suburb", "state"])
        {'given_name': 'given_name', 'family_name': 'surname', 'address': ['street_number', 'address_1'], 'city': 'suburb', 'region': 'state'}
        >>> guess_roles(["Prénom", "Nom", "Col3"], {"Col3": ["anna@berg.se", "info@acme.fr"]})
        {'given_name': 'Prénom', 'family_name': 'Nom', 'email': 'Col3'}
    """
    found = header_roles(headers)
    roles = _assign(found, headers)
    if columns:
        _settle_names(roles, columns)
        _from_values(roles, headers, columns)
    _settle_names(roles, {})
    order = {role: i for i, role in enumerate(ROLES)}
    return dict(sorted(roles.items(), key=lambda item: order[item[0]]))
