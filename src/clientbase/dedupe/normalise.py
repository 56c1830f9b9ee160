"""Comparable keys from raw counterparty columns, computed in DuckDB SQL so a million rows take seconds.

Each *role* (``name``, ``tax_id``, ``email`` ...) of the input is turned into one or more normalised columns:

========================  =================================================================================
role                      normalised columns
========================  =================================================================================
``name``                  ``name_base`` (transliterated to ASCII with anyascii, lower case, punctuation
                          removed, legal forms such as GmbH, AB, S.A.R.L., ООО, Ltd, S.L. removed at either
                          end), ``name_sorted`` (its tokens sorted, so word order does not matter),
                          ``name_tok1`` / ``name_tok2`` (first and last sorted token, for blocking)
``tax_id``,               upper case, only letters and digits, a leading two-letter country prefix dropped
``registration_id``       (``SE 5566-7788 9901`` and ``5566778899 01`` give the same key)
``email``                 ``email`` (lower case) and ``domain`` (its domain, unless a free-mail domain)
``website``               ``domain`` (host without ``www.``) where the e-mail gives none
``phone``                 ``phone``: E.164 (``+46812345678``) using the row's country (or
                          ``default_country``) for numbers written nationally, digits only when no country
                          is known; ``phone7``: its last 7 digits
``postcode``              upper case, letters and digits only
``address``, ``city``     transliterated, lower case, punctuation removed
``country``               ISO alpha-2 upper case (anything else is dropped)
========================  =================================================================================

Only two steps leave SQL, and both run on DISTINCT values: anyascii on the non-ASCII strings, and the
legal-form term list of cleanco, which is read once and compiled into one regular expression (cleanco's own
``basename`` costs ~85 µs a row, too slow for a million rows).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from anyascii import anyascii

from clientbase.errors import ConfigurationError

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

#: What a column of the input can be used as.
ROLES = (
    "name",
    "tax_id",
    "registration_id",
    "email",
    "website",
    "phone",
    "address",
    "postcode",
    "city",
    "country",
)

#: Domains of free e-mail services: the same domain says nothing about being the same company.
FREE_MAIL_DOMAINS = (
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "yahoo.co.uk",
    "yahoo.fr",
    "yahoo.de",
    "yahoo.es",
    "hotmail.com",
    "hotmail.co.uk",
    "hotmail.fr",
    "hotmail.de",
    "outlook.com",
    "live.com",
    "msn.com",
    "aol.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "proton.me",
    "protonmail.com",
    "gmx.de",
    "gmx.net",
    "gmx.at",
    "web.de",
    "t-online.de",
    "freenet.de",
    "orange.fr",
    "free.fr",
    "laposte.net",
    "wanadoo.fr",
    "sfr.fr",
    "libero.it",
    "virgilio.it",
    "telia.com",
    "spray.se",
    "bredband.net",
    "mail.ru",
    "yandex.ru",
    "ya.ru",
    "rambler.ru",
    "bk.ru",
    "list.ru",
    "inbox.ru",
    "wp.pl",
    "o2.pl",
    "onet.pl",
    "interia.pl",
    "seznam.cz",
    "terra.es",
    "telefonica.net",
    "qq.com",
    "163.com",
    "126.com",
    "zoho.com",
    "mail.com",
    "yahoo.co.jp",
)

#: The characters dropped without a trace (so ``S.A.`` becomes ``sa`` and ``O'Neil`` ``oneil``).
_DROPPED = "[.,'`´’]"


def clean_text(value: str) -> str:
    """The Python twin of the SQL text cleaning: ASCII, lower case, punctuation gone, single spaces.

    Used for the legal-form terms and for tests; the tables are cleaned in SQL by the same rules.

    Example:
        >>> clean_text("Müller & Söhne G.m.b.H.")
        'muller sohne gmbh'
    """
    text = re.sub(_DROPPED, "", anyascii(value).lower())
    return re.sub("[^a-z0-9]+", " ", text).strip()


def legal_form_terms() -> list[str]:
    """cleanco's legal-form terms, cleaned like names (``s.a.r.l.`` -> ``sarl``, ``ООО`` -> ``ooo``).

    Example:
        >>> {"gmbh", "ab", "sarl", "ooo", "ltd", "sl"} <= set(legal_form_terms())
        True
    """
    from cleanco.clean import get_unique_terms

    cleaned = {clean_text(term) for term in get_unique_terms()}
    cleaned.discard("")
    # longest first, so "gmbh co kg" is tried before "gmbh"
    return sorted(cleaned, key=lambda t: (-len(t), t))


def legal_form_regexes() -> tuple[str, str, str]:
    """RE2/Python regexes: a run of legal-form terms at the start, one at the end, and a name of terms only.

    A name made only of legal-form words (``AB SA``) is kept whole: stripping it from either end would make
    the result depend on the word order.

    Example:
        >>> import re
        >>> prefix, suffix, only = legal_form_regexes()
        >>> re.sub(suffix, "", "nordic tools ab"), bool(re.fullmatch(only, "sa ab"))
        ('nordic tools', True)
    """
    alternation = "|".join(re.escape(t).replace("\\ ", " ") for t in legal_form_terms())
    return (
        f"^(?:(?:{alternation}) )+",
        f"(?: (?:{alternation}))+$",
        f"^(?:{alternation})(?: (?:{alternation}))*$",
    )


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _clean_sql(expr: str) -> str:
    """SQL of :func:`clean_text` for an expression that is already ASCII."""
    dropped = _DROPPED.strip("[]").replace("'", "''")
    return f"trim(regexp_replace(translate(lower({expr}), '{dropped}', ''), '[^a-z0-9]+', ' ', 'g'))"


def _empty_to_null(expr: str) -> str:
    return f"nullif({expr}, '')"


def _id_sql(expr: str) -> str:
    plain = f"regexp_replace(upper(CAST({expr} AS VARCHAR)), '[^A-Z0-9]', '', 'g')"
    return _empty_to_null(f"regexp_replace({plain}, '^[A-Z]{{2}}([0-9])', '\\1')")


def _check_roles(columns: Sequence[str], id_col: str, roles: Mapping[str, str]) -> None:
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise ConfigurationError(
            f"Unknown column role(s) {', '.join(unknown)}: use one of {', '.join(ROLES)} "
            "(for example name=Company,email=E-mail)."
        )
    missing = [c for c in [id_col, *roles.values()] if c not in columns]
    if missing:
        raise ConfigurationError(
            f"Column(s) {', '.join(repr(c) for c in missing)} not in the data; the columns are: "
            f"{', '.join(columns)}."
        )
    if "name" not in roles:
        raise ConfigurationError(
            "No name column: say which column holds the name, e.g. --columns name=Company."
        )


def _transliteration_table(con: duckdb.DuckDBPyConnection, source: str, columns: list[str]) -> None:
    """``_translit(raw, ascii)`` for the distinct non-ASCII values of ``columns``."""
    import pyarrow as pa

    if columns:
        union = " UNION ".join(
            f"SELECT CAST({_quote(c)} AS VARCHAR) AS raw FROM {_quote(source)} "
            f"WHERE regexp_matches(CAST({_quote(c)} AS VARCHAR), '[^\\x00-\\x7F]')"
            for c in columns
        )
        raw = con.execute(union).to_arrow_table().column("raw").to_pylist()
    else:
        raw = []
    mapping = pa.table(
        {"raw": pa.array(raw, pa.string()), "ascii": pa.array([anyascii(v) for v in raw], pa.string())}
    )
    con.register("_translit_arrow", mapping)
    con.execute("CREATE OR REPLACE TEMP TABLE _translit AS SELECT * FROM _translit_arrow")
    con.unregister("_translit_arrow")


def _calling_codes_table(con: duckdb.DuckDBPyConnection, countries: list[str]) -> None:
    """``_calling_codes(country, code, prefix)`` from phonenumbers' metadata, for ``countries`` only.

    (Loading the metadata of every region costs more than a second; a list has few countries.)
    """
    import phonenumbers
    import pyarrow as pa

    regions = sorted(set(countries) & phonenumbers.SUPPORTED_REGIONS)
    prefixes = []
    for region in regions:
        meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
        prefixes.append(meta.national_prefix if meta is not None else None)
    table = pa.table(
        {
            "country": pa.array(regions, pa.string()),
            "code": pa.array([str(phonenumbers.country_code_for_region(r)) for r in regions], pa.string()),
            "prefix": pa.array(prefixes, pa.string()),
        }
    )
    con.register("_calling_codes_arrow", table)
    con.execute("CREATE OR REPLACE TEMP TABLE _calling_codes AS SELECT * FROM _calling_codes_arrow")
    con.unregister("_calling_codes_arrow")


#: E.164 from stage-0 ``phone_plus``/``phone_digits`` and the country's calling code ``cc``.
_PHONE_E164 = (
    "CASE WHEN length(phone_digits) < 6 THEN NULL "
    "WHEN phone_plus THEN '+' || phone_digits "
    "WHEN starts_with(phone_digits, '00') THEN '+' || substr(phone_digits, 3) "
    "WHEN cc.code IS NOT NULL AND cc.prefix IS NOT NULL AND starts_with(phone_digits, cc.prefix) "
    "THEN '+' || cc.code || substr(phone_digits, length(cc.prefix) + 1) "
    "WHEN cc.code IS NOT NULL THEN '+' || cc.code || phone_digits "
    "ELSE phone_digits END"
)


def normalise_into(
    con: duckdb.DuckDBPyConnection,
    source: str,
    *,
    id_col: str,
    roles: Mapping[str, str],
    default_country: str | None = None,
    target: str = "dedupe_input",
) -> list[str]:
    """Create table ``target`` with ``unique_id`` and the normalised columns of ``source``'s roles.

    Args:
        con: the DuckDB connection holding ``source``.
        source: table or view with the raw records.
        id_col: column with each record's unique key (any type; compared as text).
        roles: role -> column of ``source``, e.g. ``{"name": "Company", "phone": "Tel"}``.
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
    columns = [r[0] for r in con.execute(f"SELECT * FROM {_quote(source)} LIMIT 0").description]
    _check_roles(columns, id_col, roles)
    if default_country is not None and not re.fullmatch("[A-Za-z]{2}", default_country):
        raise ConfigurationError(
            f"default_country {default_country!r} is not an ISO 3166-1 alpha-2 code such as SE or DE."
        )
    text_roles = [r for r in ("name", "address", "city") if r in roles]
    _transliteration_table(con, source, sorted({roles[r] for r in text_roles}))

    def raw(role: str) -> str:
        return f"CAST(src.{_quote(roles[role])} AS VARCHAR)"

    # stage 0: one cast/trim/transliteration per input value, reused below
    s0 = [f"CAST(src.{_quote(id_col)} AS VARCHAR) AS unique_id"]
    joins = []
    for role in text_roles:
        joins.append(f"LEFT JOIN _translit AS tl_{role} ON tl_{role}.raw = {raw(role)}")
        s0.append(f"{_clean_sql(f'coalesce(tl_{role}.ascii, {raw(role)})')} AS {role}_clean")
    for role in ("tax_id", "registration_id"):
        if role in roles:
            s0.append(f"{_id_sql(raw(role))} AS {role}")
    country = "NULL"
    if "country" in roles:
        s0.append(f"upper(trim({raw('country')})) AS country_raw")
        country = "CASE WHEN regexp_matches(country_raw, '^[A-Z]{2}$') THEN country_raw END"
    if default_country is not None:
        country = f"coalesce({country}, '{default_country.upper()}')"
    if "email" in roles:
        s0.append(f"nullif(lower(trim({raw('email')})), '') AS email_raw")
    if "website" in roles:
        s0.append(f"lower(trim({raw('website')})) AS website_raw")
    if "phone" in roles:
        s0.append(f"starts_with(trim({raw('phone')}), '+') AS phone_plus")
        s0.append(f"regexp_replace({raw('phone')}, '[^0-9]', '', 'g') AS phone_digits")
    if "postcode" in roles:
        s0.append(f"nullif(regexp_replace(upper({raw('postcode')}), '[^A-Z0-9]', '', 'g'), '') AS postcode")

    # stage 1: the keys
    prefix_re, suffix_re, only_re = legal_form_regexes()
    stripped = f"regexp_replace(regexp_replace(name_clean, '{prefix_re}', ''), '{suffix_re}', '')"
    s1 = [
        "unique_id",
        f"nullif(CASE WHEN regexp_full_match(name_clean, '{only_re}') THEN name_clean ELSE {stripped} END, '') "
        "AS name_base",
    ]
    created: list[str] = []
    s1_joins = ""
    for role in ("tax_id", "registration_id"):
        if role in roles:
            s1.append(role)
            created.append(role)
    if "country" in roles:
        s1.append(f"{country} AS country")
        created.append("country")
    if "email" in roles:
        s1.append("CASE WHEN contains(email_raw, '@') THEN email_raw END AS email")
        created.append("email")
    domains = []
    if "email" in roles:
        free = ", ".join(f"'{d}'" for d in FREE_MAIL_DOMAINS)
        domain = "regexp_extract(email_raw, '@(?:www\\.)?([^@\\s>]+)$', 1)"
        domains.append(f"CASE WHEN {domain} NOT IN ({free}) THEN nullif({domain}, '') END")
    if "website" in roles:
        host = "regexp_extract(website_raw, '^(?:[a-z]+://)?(?:www\\.)?([^/:?#\\s]+)', 1)"
        domains.append(f"CASE WHEN contains({host}, '.') THEN {host} END")
    if domains:
        s1.append(f"coalesce({', '.join(domains)}) AS domain")
        created.append("domain")
    if "phone" in roles:
        countries = [default_country.upper()] if default_country else []
        if "country" in roles:
            countries += [
                r[0]
                for r in con.execute(
                    f"SELECT DISTINCT upper(trim({raw('country')})) FROM {_quote(source)} AS src"
                ).fetchall()
                if r[0]
            ]
        _calling_codes_table(con, countries)
        s1_joins = f"LEFT JOIN _calling_codes AS cc ON cc.country = {country}"
        s1.append(f"{_PHONE_E164} AS phone")
        created.extend(["phone", "phone7"])
    if "postcode" in roles:
        s1.append("postcode")
        created.append("postcode")
    for role in ("address", "city"):
        if role in roles:
            s1.append(f"nullif({role}_clean, '') AS {role}")
            created.append(role)
    phone7 = ", right(phone, 7) AS phone7" if "phone" in roles else ""
    con.execute(
        f"CREATE OR REPLACE TABLE {_quote(target)} AS "
        f"WITH s0 AS MATERIALIZED (SELECT {', '.join(s0)} FROM {_quote(source)} AS src {' '.join(joins)}), "
        f"s1 AS MATERIALIZED (SELECT {', '.join(s1)} FROM s0 {s1_joins}), "
        "s2 AS MATERIALIZED (SELECT *, list_sort(string_split(name_base, ' ')) AS name_tokens FROM s1) "
        "SELECT * EXCLUDE (name_tokens), array_to_string(name_tokens, ' ') AS name_sorted, "
        f"name_tokens[1] AS name_tok1, name_tokens[-1] AS name_tok2{phone7} FROM s2"
    )
    return ["name_base", "name_sorted", "name_tok1", "name_tok2", *created]


def normalise_records(
    records: Any,
    *,
    id_col: str,
    roles: Mapping[str, str],
    default_country: str | None = None,
) -> pa.Table:
    """Normalised keys of ``records`` (a pyarrow Table or pandas DataFrame) as a pyarrow Table.

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
            f"SELECT CAST({_quote(id_col)} AS VARCHAR) AS uid, row_number() OVER () AS ord FROM raw_records"
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
