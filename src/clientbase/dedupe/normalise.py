"""Comparable keys from raw columns, computed in DuckDB SQL so a million rows take seconds.

Each *role* of the input (:data:`ROLES`) is held by one column or several (address lines, joined with a
space in the order given) and turned into normalised columns:

========================  =================================================================================
role                      normalised columns
========================  =================================================================================
``name`` (a company)      ``name_base`` (cleaned as in :mod:`.text`, legal forms such as GmbH, AB,
                          S.A.R.L., ООО, Ltd, *Aktiebolag* removed at either end: :mod:`.legal_forms`),
                          ``name_sorted`` (its words sorted), ``name_tok1`` / ``name_tok2`` (first and
                          last sorted word, for blocking), ``name_fold`` (sorted, ``ae``/``oe``/``ue``
                          folded: Mueller = Müller), ``legal_form`` (the form removed, one spelling for
                          all: ``Gesellschaft mbH`` = ``GmbH``) and ``legal_kind`` (limited, stock,
                          partnership, sole trader: :data:`clientbase.dedupe.legal_forms.FORMS`)
``given_name``,           ``given``, ``given1`` (first given name), ``given_canon`` (the full names a
``family_name``,          nickname stands for), ``family``, ``family_key`` (without spaces),
``full_name``             ``person_sorted`` (all name words sorted): :mod:`.person_keys`
``birth_date``            ``birth_date`` (DATE) and ``birth_digits`` (``YYYYMMDD``), format read off the values
``national_id``,          upper case, only letters and digits; for tax and registration IDs a leading
``tax_id``,               two-letter country prefix is dropped (``SE 5566-7788 9901`` = ``5566778899 01``)
``registration_id``
``email``                 ``email`` (lower case) and ``domain`` (its domain, unless a free-mail domain)
``website``, ``domain``   ``domain`` (host without ``www.``) where the e-mail gives none; ``domain_stem``
                          (without ending and hyphens: ``mueller-bau.de`` -> ``muellerbau``)
``phone``                 ``phone``: E.164 (``+46812345678``) using the row's country (or
                          ``default_country``) for numbers written nationally; ``phone7``: last 7 digits
``postcode``              upper case, letters and digits only
``address``               ``address`` (cleaned, street types shortened alike: street/st, straße/str,
                          gatan/g, улица/ul ...), ``address_key`` (the same without spaces),
                          ``address_number`` (its first number), ``street_key`` (without numbers)
``city``, ``region``      cleaned, spelled-out umlauts folded (Muenchen = München); so is ``address``
``country``               ISO alpha-2 upper case (anything else is dropped)
========================  =================================================================================

Only two steps leave SQL, and both run on DISTINCT values: anyascii on the non-ASCII strings, and the
legal-form terms, read once and compiled into one regular expression.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from clientbase.dedupe.contact_keys import FREE_MAIL_DOMAINS, PHONE_E164, calling_codes_table, domain_sql
from clientbase.dedupe.legal_forms import legal_form_regexes, legal_form_table, legal_form_terms
from clientbase.dedupe.person_keys import (
    birth_date_format,
    birth_date_sql,
    name_part_sql,
    person_key_sql,
    register_nicknames,
)
from clientbase.dedupe.text import clean_sql, clean_text, fold_sql, quote, transliteration_table
from clientbase.errors import ConfigurationError

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

__all__ = ["FREE_MAIL_DOMAINS", "ROLES", "clean_text", "legal_form_terms", "normalise_into"]

#: What a column of the input can be used as, and what it holds.
ROLES: dict[str, str] = {
    "name": "company (or organisation) name",
    "given_name": "a person's given (first) name or names",
    "family_name": "a person's family (last) name",
    "full_name": "a person's whole name in one column (Smith, John / John Smith)",
    "birth_date": "date of birth, in any common format",
    "national_id": "personal identity number: social security, personnummer, SNILS, passport ...",
    "tax_id": "VAT or tax number",
    "registration_id": "company registration number",
    "email": "e-mail address",
    "website": "web site",
    "domain": "e-mail or web domain (acme.de)",
    "phone": "telephone number",
    "address": "street address; several columns (number, street, second line) are joined",
    "postcode": "postal code",
    "city": "city, town, suburb or locality",
    "region": "state, county, province or region",
    "country": "ISO country code (SE, DE ...)",
}
#: The keys made from a company's name, from its legal form, and from a person's name.
COMPANY_NAME_KEYS = (
    "name_base",
    "name_sorted",
    "name_tok1",
    "name_tok2",
    "name_fold",
    "name_words",
    "name_digits",
)
LEGAL_FORM_KEYS = ("legal_form", "legal_kind")
PERSON_NAME_KEYS = (
    "given",
    "given1",
    "given_canon",
    "family",
    "family_key",
    "family_fold",
    "family_words",
    "person_sorted",
)
#: The roles that name a record: at least one of them is needed.
NAME_ROLES = ("name", "given_name", "family_name", "full_name")
#: The roles whose text is transliterated and cleaned.
TEXT_ROLES = ("name", "given_name", "family_name", "full_name", "address", "city", "region")

#: street types and their abbreviations, folded to one form (after cleaning: ``strasse`` is ``straße``)
STREET_TYPES = (
    ("street|str|st", "st"),
    ("road|rd", "rd"),
    ("avenu|avenue|ave|av", "av"),
    ("place|pl|platz", "pl"),
    ("crescent|cres|cr", "cr"),
    ("drive|dr", "dr"),
    ("court|ct", "ct"),
    ("close|cl", "cl"),
    ("parade|pde", "pde"),
    ("lane|ln", "ln"),
    ("terrace|tce", "tce"),
    ("boulevard|blvd|bd", "bd"),
    ("strasse", "st"),
    ("gatan|g", "g"),
    ("vagen|v", "v"),
    ("ulitsa|ul", "ul"),
    ("prospekt|pr", "pr"),
    ("pereulok|per", "per"),
)
#: street types written as the end of one word (Goethestraße, Storgatan, pridhamstreet: FEBRL's lists run
#: words together); split off the same way on both sides of a pair, so a name that merely ends so is harmless
JOINED_STREET_TYPES = (
    ("strasse", "st"),
    ("street", "st"),
    ("str", "st"),
    ("gatan", "g"),
    ("vagen", "v"),
    ("place", "pl"),
    ("avenue", "av"),
    ("crescent", "cr"),
    ("drive", "dr"),
    ("road", "rd"),
    ("parade", "pde"),
    ("terrace", "tce"),
)


def role_columns(roles: Mapping[str, str | Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """Each role with its column or columns, as a tuple.

    Example:
        >>> role_columns({"name": "Firma", "address": ["Straße", "Hausnummer"]})
        {'name': ('Firma',), 'address': ('Straße', 'Hausnummer')}
    """
    return {role: (cols,) if isinstance(cols, str) else tuple(cols) for role, cols in roles.items()}


def _empty_to_null(expr: str) -> str:
    return f"nullif({expr}, '')"


def _id_sql(expr: str, *, country_prefix: bool = True) -> str:
    plain = f"regexp_replace(upper({expr}), '[^A-Z0-9]', '', 'g')"
    if not country_prefix:
        return _empty_to_null(plain)
    return _empty_to_null(f"regexp_replace({plain}, '^[A-Z]{{2}}([0-9])', '\\1')")


def _check_roles(columns: Sequence[str], id_col: str, roles: Mapping[str, tuple[str, ...]]) -> None:
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise ConfigurationError(
            f"Unknown column role(s) {', '.join(unknown)}: use one of {', '.join(ROLES)} "
            "(for example name=Company,email=E-mail)."
        )
    missing = [c for c in [id_col, *(c for cols in roles.values() for c in cols)] if c not in columns]
    if missing:
        raise ConfigurationError(
            f"Column(s) {', '.join(repr(c) for c in missing)} not in the data; the columns are: "
            f"{', '.join(columns)}."
        )
    if not any(r in roles for r in NAME_ROLES):
        raise ConfigurationError(
            "No name column: say which column holds the name, e.g. --columns name=Company for companies or "
            "--columns given_name=First,family_name=Last for people."
        )


def _legal_matches() -> str:
    """Select-list items: the run of legal-form terms that begins ``name_clean`` (``name_prefix``, with its
    space), the run that ends it (``name_suffix``), and whether it is made of terms only (``name_only``)."""
    prefix_re, suffix_re, only_re = legal_form_regexes()
    return (
        f"regexp_extract(name_clean, '{prefix_re}', 0) AS name_prefix, "
        f"regexp_extract(name_clean, '{suffix_re}', 0) AS name_suffix, "
        f"coalesce(regexp_full_match(name_clean, '{only_re}'), false) AS name_only"
    )


def _legal_forms_table(con: duckdb.DuckDBPyConnection) -> None:
    """``_legal_forms(term, form, kind)``: each spelling of a legal form, its canonical form and kind."""
    import pyarrow as pa

    rows = legal_form_table()
    table = pa.table(
        {name: pa.array([r[i] for r in rows], pa.string()) for i, name in enumerate(("term", "form", "kind"))}
    )
    con.register("_legal_forms_arrow", table)
    con.execute("CREATE OR REPLACE TEMP TABLE _legal_forms AS SELECT * FROM _legal_forms_arrow")
    con.unregister("_legal_forms_arrow")


def _address_sql(expr: str) -> str:
    """Street types folded to one spelling, in a cleaned address: one regular expression splits a street
    type written as the end of a word (``goethestrasse``), then a CASE shortens each word (a CASE over the
    words is ten times faster than a regular expression per street type, and a MAP literal slower still)."""
    joined = "|".join(word for word, _short in JOINED_STREET_TYPES)
    split = f"regexp_replace({expr}, '([a-z])({joined})\\b', '\\1 \\2', 'g')"
    pairs = {word: short for words, short in STREET_TYPES for word in words.split("|")}
    pairs.update({word: short for word, short in JOINED_STREET_TYPES})
    case = " ".join(f"WHEN '{word}' THEN '{short}'" for word, short in sorted(pairs.items()))
    return f"array_to_string(list_transform(string_split({split}, ' '), w -> CASE w {case} ELSE w END), ' ')"


def _raw_stage(
    con: duckdb.DuckDBPyConnection, source: str, id_col: str, roles: Mapping[str, tuple[str, ...]]
) -> None:
    """``_raw``: ``unique_id`` and one trimmed text ``r_<role>`` per role (several columns joined)."""
    items = [f"CAST(src.{quote(id_col)} AS VARCHAR) AS unique_id"]
    for role, cols in roles.items():
        joined = ", ".join(f"CAST(src.{quote(c)} AS VARCHAR)" for c in cols)
        items.append(f"nullif(trim(concat_ws(' ', {joined})), '') AS r_{role}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _raw AS SELECT {', '.join(items)} FROM {quote(source)} AS src")


def _country_sql(roles: Mapping[str, Any], default_country: str | None) -> str:
    country = "NULL"
    if "country" in roles:
        country = "CASE WHEN regexp_matches(upper(r_country), '^[A-Z]{2}$') THEN upper(r_country) END"
    if default_country is not None:
        country = f"coalesce({country}, '{default_country.upper()}')"
    return country


def _key_items(
    con: duckdb.DuckDBPyConnection, roles: Mapping[str, Any], default_country: str | None
) -> tuple[list[str], list[str], str]:
    """Select-list items of the key stage over ``_ascii``, the columns they create, and the joins."""
    items, created, joins = ["unique_id"], [], ""
    if "name" in roles:
        # name_prefix / name_suffix / name_only: the legal-form matches, computed once (:func:`_legal_matches`)
        rest = "length(name_clean) - length(name_prefix) - length(name_suffix)"
        items += [
            f"nullif(CASE WHEN name_only THEN name_clean ELSE substr(name_clean, length(name_prefix) + 1, {rest}) END, '') "
            "AS name_base",
            "CASE WHEN NOT name_only THEN nullif(trim(name_prefix || name_suffix), '') END AS legal_raw",
        ]
    persons = [r for r in ("given_name", "family_name", "full_name") if r in roles]
    if persons:
        given, family = name_part_sql(
            "a_full_name" if "full_name" in roles else None,
            "a_given_name" if "given_name" in roles else None,
            "a_family_name" if "family_name" in roles else None,
        )
        items += [f"{given} AS given", f"{family} AS family"]
    if "birth_date" in roles:
        date_sql, digits_sql = birth_date_sql("r_birth_date", birth_date_format(con, "_raw", "r_birth_date"))
        items += [f"{date_sql} AS birth_date", f"{digits_sql} AS birth_digits"]
        created += ["birth_date", "birth_digits"]
    for role in ("tax_id", "registration_id", "national_id"):
        if role in roles:
            items.append(f"{_id_sql(f'r_{role}', country_prefix=role != 'national_id')} AS {role}")
            created.append(role)
    country = _country_sql(roles, default_country)
    if "country" in roles:
        items.append(f"{country} AS country")
        created.append("country")
    if "email" in roles:
        items.append("CASE WHEN contains(r_email, '@') THEN lower(r_email) END AS email")
        created.append("email")
    domain = domain_sql(roles)
    if domain is not None:
        items.append(f"{domain} AS domain")
        created.append("domain")
    if "phone" in roles:
        countries = [default_country.upper()] if default_country else []
        if "country" in roles:
            countries += [
                r[0] for r in con.execute("SELECT DISTINCT upper(r_country) FROM _raw").fetchall() if r[0]
            ]
        calling_codes_table(con, countries)
        joins = f"LEFT JOIN _calling_codes AS cc ON cc.country = {country}"
        items.append(f"{PHONE_E164} AS phone")
        created += ["phone", "phone7"]
    if "postcode" in roles:
        items.append("nullif(regexp_replace(upper(r_postcode), '[^A-Z0-9]', '', 'g'), '') AS postcode")
        created.append("postcode")
    if "address" in roles:
        items.append(f"nullif({fold_sql(_address_sql('address_clean'))}, '') AS address")
        created += ["address", "address_key", "address_number", "street_key"]
    for role in ("city", "region"):
        if role in roles:
            items.append(f"nullif({fold_sql(f'{role}_clean')}, '') AS {role}")
            created.append(role)
    return items, created, joins


def normalise_into(
    con: duckdb.DuckDBPyConnection,
    source: str,
    *,
    id_col: str,
    roles: Mapping[str, str | Sequence[str]],
    default_country: str | None = None,
    target: str = "dedupe_input",
) -> list[str]:
    """Create table ``target`` with ``unique_id`` and the normalised columns of ``source``'s roles.

    Args:
        con: the DuckDB connection holding ``source``.
        source: table or view with the raw records.
        id_col: column with each record's unique key (any type; compared as text).
        roles: role -> column (or columns) of ``source``, e.g. ``{"name": "Company", "phone": "Tel"}``.
        default_country: ISO alpha-2 country for phones written nationally when a row has no country.
        target: name of the table created (replaced if it exists).

    Returns:
        The normalised columns created, besides ``unique_id``.

    Example:
        >>> import duckdb
        >>> con = duckdb.connect()
        >>> _ = con.execute("CREATE TABLE raw AS SELECT 1 AS id, 'Nordic Tools AB' AS company")
        >>> normalise_into(con, "raw", id_col="id", roles={"name": "company"})
        ['name_base', 'name_sorted', 'name_tok1', 'name_tok2']
        >>> con.execute("SELECT unique_id, name_sorted FROM dedupe_input").fetchall()
        [('1', 'nordic tools')]
    """
    columns = [r[0] for r in con.execute(f"SELECT * FROM {quote(source)} LIMIT 0").description]
    by_role = role_columns(roles)
    _check_roles(columns, id_col, by_role)
    if default_country is not None and not re.fullmatch("[A-Za-z]{2}", default_country):
        raise ConfigurationError(
            f"default_country {default_country!r} is not an ISO 3166-1 alpha-2 code such as SE or DE."
        )
    _raw_stage(con, source, id_col, by_role)
    text_roles = [r for r in TEXT_ROLES if r in by_role]
    transliteration_table(con, "_raw", [f"r_{r}" for r in text_roles])
    ascii_items = ["*"]
    joins = []
    for role in text_roles:
        joins.append(f"LEFT JOIN _translit AS tl_{role} ON tl_{role}.raw = r_{role}")
        ascii_items.append(f"coalesce(tl_{role}.ascii, r_{role}) AS a_{role}")
        ascii_items.append(f"{clean_sql(f'coalesce(tl_{role}.ascii, r_{role})')} AS {role}_clean")
    if "phone" in by_role:
        ascii_items += [
            "starts_with(r_phone, '+') AS phone_plus",
            "regexp_replace(r_phone, '[^0-9]', '', 'g') AS phone_digits",
        ]
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _ascii AS SELECT {', '.join(ascii_items)} FROM _raw {' '.join(joins)}"
    )
    items, created, key_joins = _key_items(con, by_role, default_country)
    source = f"(SELECT *, {_legal_matches()} FROM _ascii)" if "name" in by_role else "_ascii"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _keys AS SELECT {', '.join(items)} FROM {source} {key_joins}")
    persons = any(r in by_role for r in ("given_name", "family_name", "full_name"))
    final = ["k.* EXCLUDE (given, family, given1)" if persons else "k.*"]
    front: list[str] = []
    if "name" in by_role:
        words = "list_sort(string_split(name_base, ' '))"
        final += [
            f"array_to_string({words}, ' ') AS name_sorted",
            f"{words}[1] AS name_tok1",
            f"{words}[-1] AS name_tok2",
            f"{fold_sql(f'array_to_string({words}, chr(32))')} AS name_fold",
            f"CASE WHEN name_base IS NOT NULL THEN {words} END AS name_words",
            "regexp_replace(name_base, '[^0-9]', '', 'g') AS name_digits",
        ]
        front = list(COMPANY_NAME_KEYS)
    source_keys, person_joins = "_keys", ""
    if "name" in by_role:
        _legal_forms_table(con)
        final[0] = (
            final[0].replace("k.*", "k.* EXCLUDE (legal_raw)")
            if final[0] == "k.*"
            else final[0][:-1] + ", legal_raw)"
        )
        final += ["coalesce(lf.form, k.legal_raw) AS legal_form", "lf.kind AS legal_kind"]
        front += list(LEGAL_FORM_KEYS)
        person_joins = "LEFT JOIN _legal_forms AS lf ON lf.term = k.legal_raw"
    if persons:
        register_nicknames(con)
        final += person_key_sql()
        source_keys = "(SELECT *, nullif(split_part(given, ' ', 1), '') AS given1 FROM _keys)"
        person_joins += " LEFT JOIN _nicknames AS nk ON nk.name = k.given1"
        front += list(PERSON_NAME_KEYS)
    if "phone" in by_role:
        final.append("right(phone, 7) AS phone7")
    if "address" in by_role:
        final += [
            "nullif(replace(address, ' ', ''), '') AS address_key",
            "nullif(regexp_extract(address, '[0-9]+', 0), '') AS address_number",
            "nullif(regexp_replace(replace(address, ' ', ''), '[0-9]+', '', 'g'), '') AS street_key",
            "string_split(address, ' ') AS address_words",
        ]
        created.append("address_words")
    if "domain" in created:
        # the domain's name without its ending and hyphens (mueller-bau.de, muellerbau.com: muellerbau)
        stem = "regexp_extract(domain, '([^.]+)\\.(?:(?:co|com|org|net|ac|gov)\\.)?[a-z]+$', 1)"
        final.append(f"nullif(replace({stem}, '-', ''), '') AS domain_stem")
        created.append("domain_stem")
    con.execute(
        f"CREATE OR REPLACE TABLE {quote(target)} AS SELECT {', '.join(final)} "
        f"FROM {source_keys} AS k {person_joins}"
    )
    return front + created


def normalise_records(
    records: Any,
    *,
    id_col: str,
    roles: Mapping[str, str | Sequence[str]],
    default_country: str | None = None,
) -> pa.Table:
    """Normalised keys of ``records`` (a pyarrow Table or pandas DataFrame) as a pyarrow Table, in order.

    Example:
        >>> import pyarrow as pa
        >>> t = pa.table({"id": ["a", "b"], "name": ["ООО Ромашка", "Müller Bau GmbH"]})
        >>> normalise_records(t, id_col="id", roles={"name": "name"}).column("name_base").to_pylist()
        ['romashka', 'muller bau']
    """
    import duckdb

    with duckdb.connect() as con:
        con.register("raw_records", records)
        normalise_into(con, "raw_records", id_col=id_col, roles=roles, default_country=default_country)
        order = (
            f"SELECT CAST({quote(id_col)} AS VARCHAR) AS uid, row_number() OVER () AS ord FROM raw_records"
        )
        return con.execute(
            f"SELECT d.* FROM dedupe_input AS d JOIN ({order}) AS o ON o.uid = d.unique_id ORDER BY o.ord"
        ).to_arrow_table()


def normalise_company_names(names: Sequence[str | None]) -> list[str | None]:
    """The ``name_base`` key of each name (legal form removed, ASCII, lower case), in order.

    Example:
        >>> normalise_company_names(["Nordic Tools AB", "SARL Dupont & Fils", "Acme Ltd."])
        ['nordic tools', 'dupont fils', 'acme']
    """
    import pyarrow as pa

    table = pa.table({"i": list(range(len(names))), "name": pa.array(list(names), pa.string())})
    out = normalise_records(table, id_col="i", roles={"name": "name"})
    result: list[str | None] = out.column("name_base").to_pylist()
    return result
