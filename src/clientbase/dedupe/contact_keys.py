"""Keys of contact details: the company domain of e-mails, web sites and domain columns; phones as E.164."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

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


def calling_codes_table(con: duckdb.DuckDBPyConnection, countries: list[str]) -> None:
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
PHONE_E164 = (
    "CASE WHEN length(phone_digits) < 6 THEN NULL "
    "WHEN phone_plus THEN '+' || phone_digits "
    "WHEN starts_with(phone_digits, '00') THEN '+' || substr(phone_digits, 3) "
    "WHEN cc.code IS NOT NULL AND cc.prefix IS NOT NULL AND starts_with(phone_digits, cc.prefix) "
    "THEN '+' || cc.code || substr(phone_digits, length(cc.prefix) + 1) "
    "WHEN cc.code IS NOT NULL THEN '+' || cc.code || phone_digits "
    "ELSE phone_digits END"
)


def domain_sql(roles: Mapping[str, Any]) -> str | None:
    """The company domain: from the e-mail, else the web site, else a domain column; never free mail."""
    free = ", ".join(f"'{d}'" for d in FREE_MAIL_DOMAINS)
    hosts = []
    if "email" in roles:
        hosts.append("regexp_extract(lower(r_email), '@(?:www\\.)?([^@\\s>]+)$', 1)")
    for role in ("website", "domain"):
        if role in roles:
            # a domain column may hold "acme.de", "@acme.de", "www.acme.de", "info@acme.de" or a URL
            hosts.append(
                f"regexp_extract(lower(r_{role}), '^(?:[a-z]+://)?(?:[^@/]*@)?(?:www\\.)?([^/:?#\\s@]+)', 1)"
            )
    if not hosts:
        return None
    valid = [f"CASE WHEN contains({h}, '.') AND {h} NOT IN ({free}) THEN {h} END" for h in hosts]
    return f"coalesce({', '.join(valid)})"
