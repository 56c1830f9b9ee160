"""Validation rules of counterparties and contacts, declared once beside the schema.

A rule either cleans a value into its stored form (a phone into E.164, a VAT number into its compact form
with country prefix, an e-mail into its normalised form) or reports a :class:`Failure` naming the field,
the value and the rule. :func:`clean_record` runs every rule over one record and returns both.

Required fields come from two places: the schema (``Field.required``) and
:data:`REQUIRED_BY_ROLE_AND_STATUS`, which says what a record needs given its roles and status.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import ModuleType
from typing import Any

import sqlalchemy as sa

from clientbase import formats, schema
from clientbase.errors import Problem

# -- the declared rules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequiredWhen:
    """Fields a record must have when it has one of ``roles`` and one of ``statuses`` (``None``: any)."""

    roles: tuple[str, ...] | None
    statuses: tuple[str, ...] | None
    fields: tuple[str, ...]
    who: str


REQUIRED_BY_ROLE_AND_STATUS: tuple[RequiredWhen, ...] = (
    RequiredWhen(("customer",), ("active",), ("owner_id", "country", "payment_days"), "an active customer"),
    RequiredWhen(("customer",), ("lapsed", "lost"), ("owner_id",), "a customer"),
    RequiredWhen(("prospect",), None, ("owner_id", "acquisition_channel", "acquisition_mode"), "a prospect"),
    RequiredWhen(
        None,
        ("prospect",),
        ("owner_id", "acquisition_channel", "acquisition_mode"),
        "a record in status prospect",
    ),
    RequiredWhen(("supplier",), ("active",), ("country",), "an active supplier"),
)

#: stdnum modules of company registration numbers, by country (VAT / tax numbers use stdnum's own lookup).
COMPANY_NUMBER_MODULES: dict[str, str] = {
    "AT": "at.businessid",
    "CH": "ch.uid",
    "DE": "de.handelsregisternummer",
    "DK": "dk.cvr",
    "EE": "ee.registrikood",
    "ES": "es.cif",
    "FI": "fi.ytunnus",
    "FR": "fr.siren",
    "HR": "hr.oib",
    "HU": "hu.anum",
    "IS": "is_.kennitala",
    "NO": "no.orgnr",
    "PL": "pl.regon",
    "RO": "ro.onrc",
    "RU": "ru.ogrn",
    "SE": "se.orgnr",
    "SI": "si.maticna",
    "UA": "ua.edrpou",
    "US": "us.ein",
}

#: Countries whose VAT numbers are stored with their prefix (the EU's, plus these), e.g. ``SE556012579001``.
VAT_PREFIXED = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
        "GB",
        "NO",
        "CH",
    ]
)
#: ISO 3166-1 alpha-2 codes phonenumbers does not know as regions (uninhabited territories).
_ISO_WITHOUT_PHONE_REGION = ("AQ", "BV", "GS", "HM", "PN", "TF", "UM")
#: phonenumbers regions that are not ISO 3166-1 codes.
_PHONE_REGIONS_NOT_ISO = ("AC", "TA", "XK")

#: Columns a record's owner / the store manages; never checked as user input.
_BOOKKEEPING = ("version",)


def iso_countries() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 country code.

    Example:
        >>> "SE" in iso_countries(), "XK" in iso_countries()
        (True, False)
    """
    import phonenumbers

    regions = set(phonenumbers.SUPPORTED_REGIONS) - set(_PHONE_REGIONS_NOT_ISO)
    return frozenset(regions | set(_ISO_WITHOUT_PHONE_REGION))


# -- one failure ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """One value that breaks one rule."""

    field: str
    value: object
    rule: str
    message: str

    def problem(self, file: str, row: int | None = None, column: str | None = None) -> Problem:
        """This failure as a :class:`~clientbase.errors.Problem` (``column`` defaults to the field)."""
        shown = None if self.value is None else str(self.value)
        return Problem(file, row, column or self.field, shown, f"{self.rule}: {self.message}")


# -- single-value rules -------------------------------------------------------------------------------------


def clean_email(value: str) -> str:
    """The normalised e-mail address; raises ``ValueError`` saying why when it is not one (no DNS look-up).

    Example:
        >>> clean_email(" Info@Nordic-Tools.SE ")
        'info@nordic-tools.se'
    """
    from email_validator import EmailNotValidError, validate_email

    try:
        return str(validate_email(value.strip(), check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from None


def clean_phone(value: str, country: str | None) -> str:
    """The phone number in E.164; a number without ``+`` is read as a number of ``country``.

    Example:
        >>> clean_phone("018-12 34 56", "SE")
        '+4618123456'
    """
    import phonenumbers

    try:
        number = phonenumbers.parse(value, country or None)
    except phonenumbers.NumberParseException as exc:
        hint = "" if country else " (no country on the record: write it with +<country code>)"
        raise ValueError(f"not a phone number: {exc}{hint}") from None
    if not phonenumbers.is_valid_number(number):
        where = f" for {country}" if country else ""
        raise ValueError(f"not a valid phone number{where}; write it as +<country code><number>")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def _stdnum_module(name: str) -> ModuleType:
    return importlib.import_module(f"stdnum.{name}")


def tax_module(country: str) -> ModuleType | None:
    """The python-stdnum module checking VAT / tax numbers of ``country`` (``None`` if stdnum has none)."""
    from stdnum import get_cc_module

    code = country.lower()
    for kind in ("vat", "tin"):
        module = get_cc_module(code, kind)
        if module is not None:
            return module  # type: ignore[return-value]
    return None


def clean_tax_id(value: str, country: str | None) -> str:
    """The VAT / tax number of a ``country`` company, checked and compacted; EU-style numbers keep the prefix.

    Example:
        >>> clean_tax_id("de 136 695 976", "DE")
        'DE136695976'
    """
    from stdnum.exceptions import ValidationError as StdnumError

    text = value.strip()
    module = tax_module(country) if country else None
    if module is None:
        return re.sub(r"[\s.\-/]", "", text).upper()
    try:
        number = str(module.validate(text))
    except StdnumError as exc:
        raise ValueError(f"not a valid {country} VAT/tax number ({module.__name__}): {exc}") from None
    assert country is not None
    prefix = "EL" if country == "GR" else country
    if country in VAT_PREFIXED and not number.upper().startswith(prefix):
        number = prefix + number
    return number.upper()


#: Registration courts whose name as python-stdnum writes it (``Berlin (Charlottenburg)``) would not leave room
#: for the register and number in the 32 characters of ``registration_id``: the short name stored instead.
#: Every stored German court name is at most 17 characters, so ``<court> GnR 123456 ABC`` always fits.
DE_COURT_SHORT_NAMES: dict[str, str] = {
    "Arnstadt Zweigstelle Ilmenau": "Ilmenau",
    "Bad Homburg v.d.H.": "Bad Homburg",
    "Berlin (Charlottenburg)": "Charlottenburg",
    "Heilbad Heiligenstadt": "Heiligenstadt",
    "Ludwigshafen a.Rhein (Ludwigshafen)": "Ludwigshafen",
    "Oldenburg (Oldenburg)": "Oldenburg",
    "Pößneck Zweigstelle Bad Lobenstein": "Bad Lobenstein",
    "Rudolstadt Zweigstelle Saalfeld": "Saalfeld",
    "St. Ingbert (St Ingbert)": "St. Ingbert",
    "St. Wendel (St Wendel)": "St. Wendel",
}


def _court_key(court: str) -> str:
    """A court name folded as stdnum compares them: lower-case ASCII letters only."""
    return "".join(ch for ch in unicodedata.normalize("NFD", court.lower()) if "a" <= ch <= "z")


_DE_COURT_BY_SHORT_NAME = {_court_key(short): full for full, short in DE_COURT_SHORT_NAMES.items()}


def _clean_handelsregisternummer(text: str) -> str:
    """A German register number as ``<court> <register> <number>`` with the court's stored name."""
    from stdnum.de import handelsregisternummer

    compact = str(handelsregisternummer.compact(text))  # court first, as written
    registers = "|".join(handelsregisternummer.REGISTRY_TYPES)
    parts = re.match(rf"^(?P<court>.*?)\s+(?P<rest>(?:{registers})\s.*)$", compact, flags=re.IGNORECASE)
    if parts is not None:
        court = _DE_COURT_BY_SHORT_NAME.get(_court_key(parts["court"]), parts["court"])
        compact = f"{court} {parts['rest']}"
    number = str(handelsregisternummer.validate(compact))
    for full, short in DE_COURT_SHORT_NAMES.items():
        if number.startswith(full + " "):
            return short + number[len(full) :]
    return number


def clean_registration_id(value: str, country: str | None) -> str:
    """The company registration number of a ``country`` company, checked where stdnum knows the country.

    The stored (canonical) form is stdnum's compact one (``5560125790``, not ``556012-5790``); a German
    Handelsregister number is ``<court> <register> <number>`` with stdnum's court name, shortened where that
    would not fit the column (:data:`DE_COURT_SHORT_NAMES`). Cleaning a stored value gives it back unchanged.

    Example:
        >>> clean_registration_id("556012-5790", "SE")
        '5560125790'
        >>> clean_registration_id("HRB 58897 Berlin (Charlottenburg)", "DE")
        'Charlottenburg HRB 58897'
    """
    from stdnum.exceptions import ValidationError as StdnumError

    text = value.strip()
    name = COMPANY_NUMBER_MODULES.get(country or "")
    if name is None:
        return text
    try:
        if country == "DE":
            return _clean_handelsregisternummer(text)
        return str(_stdnum_module(name).validate(text))
    except StdnumError as exc:
        raise ValueError(f"not a valid {country} company number (stdnum.{name}): {exc}") from None


def coerce(column: sa.Column[Any], value: object) -> object:
    """``value`` as the Python type of ``column``, read by the spellings every writer accepts
    (:mod:`clientbase.formats`); text has its whitespace folded. ``ValueError`` saying why if it cannot be.

    Example:
        >>> coerce(schema.counterparties.c.payment_days, " 30 "), coerce(schema.counterparties.c.name, " Nordic  Tools ")
        (30, 'Nordic Tools')
        >>> coerce(schema.counterparties.c.payment_days, "30.5")
        Traceback (most recent call last):
        ...
        ValueError: not a whole number: write digits only, like 30 or -5
    """
    if formats.kind(column) == "text" and value is not None:
        # the length is checked on the stored form, after the rules below have cleaned the value
        return " ".join(formats.check_text(None, str(value)).split()) or None
    return formats.parse(column, value)


# -- the whole record ----------------------------------------------------------------------------------------


def _members(value: object) -> list[str]:
    return [part.strip().lower() for part in str(value or "").split(";") if part.strip()]


def _check_column(
    table: sa.Table,
    name: str,
    value: object,
    record: Mapping[str, object],
    failures: list[Failure],
    default_country: str | None,
) -> object:
    """Clean one value of ``table.name``; appends failures and returns the cleaned value (or the input)."""
    rule = schema.field(table, name)
    col = table.c[name]
    try:
        value = coerce(col, value)
    except ValueError as exc:
        failures.append(Failure(name, value, "type", str(exc)))
        return value
    if value is None:
        return None
    if rule.enum is not None:
        members = _members(value) if rule.multi else [str(value).strip().lower()]
        bad = [m for m in members if m not in rule.enum]
        if bad or not members:
            failures.append(
                Failure(
                    name, value, "enum", f"{', '.join(bad) or 'empty'} is not one of {', '.join(rule.enum)}"
                )
            )
        else:
            value = ";".join(dict.fromkeys(members)) if rule.multi else members[0]
    if rule.minimum is not None and isinstance(value, int | Decimal) and value < rule.minimum:
        failures.append(Failure(name, value, "minimum", f"must be {rule.minimum:g} or more"))
    country = record.get("country") or default_country
    country_code = country if isinstance(country, str) and len(country) == 2 else None
    try:
        if name == "country":
            value = str(value).strip().upper()
            if value not in iso_countries():
                raise ValueError("not an ISO 3166-1 alpha-2 country code; write it like SE, DE, RU")
        elif name == "email":
            value = clean_email(str(value))
        elif name == "phone":
            value = clean_phone(str(value), country_code)
        elif name == "tax_id":
            value = clean_tax_id(str(value), country_code)
        elif name == "registration_id":
            value = clean_registration_id(str(value), country_code)
    except ValueError as exc:
        failures.append(Failure(name, value, "format", str(exc)))
    # the stored form must fit (a German court name is shortened by the rule above, so check after it)
    length = getattr(col.type, "length", None)
    if isinstance(value, str) and length is not None and len(value) > length:
        failures.append(Failure(name, value, "length", f"longer than {length} characters"))
    return value


def canonical(table: sa.Table, name: str, value: object, country: str | None = None) -> object:
    """``value`` of ``table.name`` in the form the registry stores (the rules of :func:`clean_record`).

    A value the rules cannot clean is returned as it is. Two values with the same canonical form differ only
    in how they are written (``556012-5790`` and ``5560125790``), so an import leaves such a field alone.

    Example:
        >>> canonical(schema.counterparties, "registration_id", "556012-5790", "SE")
        '5560125790'
        >>> canonical(schema.counterparties, "phone", "018-12 34 56", "SE")
        '+4618123456'
    """
    if value is None or name not in table.c or name in _BOOKKEEPING:
        return value
    failures: list[Failure] = []
    cleaned = _check_column(table, name, value, {}, failures, country)
    return value if failures else cleaned


def required_fields(record: Mapping[str, object]) -> list[tuple[str, str]]:
    """``(field, who needs it)`` for every field :data:`REQUIRED_BY_ROLE_AND_STATUS` asks of ``record``.

    Example:
        >>> required_fields({"roles": "prospect", "status": "prospect"})[0]
        ('owner_id', 'a prospect')
    """
    roles = set(_members(record.get("roles")))
    status = str(record.get("status") or "").lower()
    needed: dict[str, str] = {}
    for rule in REQUIRED_BY_ROLE_AND_STATUS:
        if rule.roles is not None and not roles & set(rule.roles):
            continue
        if rule.statuses is not None and status not in rule.statuses:
            continue
        for name in rule.fields:
            needed.setdefault(name, rule.who)
    return list(needed.items())


def clean_record(
    table: sa.Table,
    values: Mapping[str, object],
    *,
    managers: Iterable[str] | None = None,
    country: str | None = None,
) -> tuple[dict[str, object], list[Failure]]:
    """Check and clean a whole record of ``table`` (counterparties or contacts).

    Returns the cleaned record and every failure. ``managers`` are the known manager ids the owner must be
    one of (``None``: not checked); ``country`` reads phones and numbers of a record that has no country
    of its own (a contact: its counterparty's).

    Example:
        >>> record, failures = clean_record(
        ...     schema.counterparties,
        ...     {"counterparty_id": "C1", "name": "Nordic Tools AB", "roles": "customer", "status": "active",
        ...      "created_at": "2024-01-02", "owner_id": "M01", "country": "se", "payment_days": "30",
        ...      "phone": "018 12 34 56"},
        ... )
        >>> record["country"], record["phone"], failures
        ('SE', '+4618123456', [])
    """
    failures: list[Failure] = []
    unknown = [name for name in values if name not in table.c]
    for name in unknown:
        failures.append(Failure(name, values[name], "unknown_field", f"{table.name} has no field {name!r}"))
    record: dict[str, object] = {}
    # the country first: phones and tax numbers are read by it
    order = sorted((n for n in values if n in table.c), key=lambda n: n != "country")
    for name in order:
        if name in _BOOKKEEPING:
            record[name] = values[name]
            continue
        record[name] = _check_column(table, name, values[name], record, failures, country)
    failed = {f.field for f in failures}
    for col in table.columns:
        rule = col.info["field"]
        if rule.required and not rule.internal and record.get(col.name) is None and col.name not in failed:
            failures.append(Failure(col.name, None, "required", f"{table.name} need a {col.name}"))
    if table is schema.counterparties:
        for name, who in required_fields(record):
            if record.get(name) is None and name not in failed:
                failures.append(Failure(name, None, "required", f"{who} needs a {name}"))
    owner = record.get("owner_id")
    if managers is not None and owner is not None and owner not in set(managers):
        failures.append(
            Failure("owner_id", owner, "reference", f"no manager {owner!r}; add the manager first")
        )
    return record, failures
