"""Find the existing record an imported row is about.

Rules, in order; the first that finds exactly one record decides:

1. the record's own key (``counterparty_id``), when the file has one (an exported list coming back);
2. the tax / VAT number, compared without spaces, punctuation and country prefix;
3. the e-mail address, then the e-mail domain (also the web site's domain) unless it is a free-mail domain
   (gmail.com, mail.ru, web.de, ...), which says nothing about the company;
4. the normalised name (legal form dropped with cleanco, transliterated with anyascii, case and punctuation
   folded: ``Müller GmbH`` = ``muller``, ``ООО «Ромашка»`` = ``romashka``) plus the country.

A rule that finds several records makes the row ambiguous: it is rejected, naming the candidates.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

FREE_MAIL_DOMAINS = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.de",
        "yahoo.fr",
        "yahoo.co.uk",
        "ymail.com",
        "hotmail.com",
        "hotmail.de",
        "hotmail.fr",
        "hotmail.co.uk",
        "outlook.com",
        "outlook.de",
        "live.com",
        "live.de",
        "live.fr",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "aol.de",
        "gmx.de",
        "gmx.net",
        "gmx.at",
        "gmx.ch",
        "gmx.com",
        "web.de",
        "t-online.de",
        "freenet.de",
        "posteo.de",
        "mail.de",
        "arcor.de",
        "mail.ru",
        "inbox.ru",
        "list.ru",
        "bk.ru",
        "internet.ru",
        "yandex.ru",
        "yandex.com",
        "ya.ru",
        "rambler.ru",
        "orange.fr",
        "wanadoo.fr",
        "free.fr",
        "laposte.net",
        "sfr.fr",
        "proton.me",
        "protonmail.com",
        "zoho.com",
        "mail.com",
        "seznam.cz",
        "wp.pl",
        "o2.pl",
        "interia.pl",
        "onet.pl",
        "libero.it",
        "virgilio.it",
        "telia.com",
        "bredband.net",
        "spray.se",
        "hotmail.se",
        "live.se",
        "yahoo.se",
    ]
)

#: Russian legal forms cleanco does not know, dropped before comparing names.
_EXTRA_LEGAL_FORMS = re.compile(r"\b(ооо|оао|зао|пао|ао|ип|нко|ooo|oao|zao|pao)\b", re.IGNORECASE)


class LegalForms:
    """cleanco's list of legal forms (GmbH, AB, S.A., LLC, GmbH & Co. KG, ...), looked up by token tuple.

    Built once per index: stripping a name is then a few set look-ups instead of a scan of 300 terms.
    """

    def __init__(self) -> None:
        from cleanco.clean import prepare_default_terms

        self.terms: dict[int, set[tuple[str, ...]]] = {}
        for size, parts in prepare_default_terms():
            self.terms.setdefault(size, set()).add(tuple(parts))
        self.longest = max(self.terms)

    def strip(self, tokens: list[str]) -> list[str]:
        """``tokens`` without legal forms at the end (several, as in ``Foo Holding GmbH & Co. KG``)."""
        changed = True
        while changed:
            changed = False
            for size in range(min(self.longest, len(tokens) - 1), 0, -1):
                if tuple(tokens[-size:]) in self.terms.get(size, ()):
                    del tokens[-size:]
                    changed = True
                    break
        return tokens


def normalise_name(name: str, forms: LegalForms | None = None) -> str:
    """A company name folded for matching: legal form dropped, transliterated, lower case, no punctuation.

    Example:
        >>> normalise_name("Müller GmbH"), normalise_name('ООО «Ромашка»'), normalise_name("Nordic Tools AB.")
        ('muller', 'romashka', 'nordic tools')
        >>> normalise_name("Schäfer Bau GmbH & Co. KG")
        'schafer bau'
    """
    from anyascii import anyascii

    text = _EXTRA_LEGAL_FORMS.sub(" ", name)
    text = re.sub(r"[«»\"'“”„]", " ", text)
    text = anyascii(text).casefold()
    tokens = [re.sub(r"[.,\-]", "", token) for token in text.split()]
    tokens = (forms or LegalForms()).strip([t for t in tokens if t])
    return " ".join(re.sub(r"[^a-z0-9]+", " ", " ".join(tokens)).split())


def normalise_person(name: str) -> str:
    """A person's name folded for matching: transliterated, lower case, no punctuation.

    Example:
        >>> normalise_person("Jürgen  Weiß"), normalise_person("Пётр Сидоров")
        ('jurgen weiss', 'petr sidorov')
    """
    from anyascii import anyascii

    return " ".join(re.sub(r"[^a-z0-9]+", " ", anyascii(name).casefold()).split())


def compact_tax_id(value: str | None) -> str | None:
    """A tax / VAT number without spaces, punctuation and leading country prefix.

    Example:
        >>> compact_tax_id("SE 5560-1257 9001"), compact_tax_id("556012579001")
        ('556012579001', '556012579001')
    """
    if not value:
        return None
    text = re.sub(r"[^0-9A-Za-z]", "", value).upper()
    text = re.sub(r"^[A-Z]{2}(?=\d)", "", text)
    return text or None


def email_domain(value: str | None) -> str | None:
    """The company domain of an e-mail address or web site, ``None`` for free-mail domains.

    Example:
        >>> email_domain("erik@Nordic-Tools.se"), email_domain("anna@gmail.com"), email_domain("https://www.acme.de/x")
        ('nordic-tools.se', None, 'acme.de')
    """
    if not value:
        return None
    text = value.strip().lower()
    if "@" in text:
        domain = text.rsplit("@", 1)[1]
    else:
        domain = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    domain = domain.removeprefix("www.").strip(".")
    if not domain or "." not in domain or domain in FREE_MAIL_DOMAINS:
        return None
    return domain


@dataclass(frozen=True)
class Match:
    """The outcome for one row: ``record_id`` (``None``: new), the rule that decided, or the ambiguous ids."""

    record_id: str | None
    rule: str | None = None
    candidates: tuple[str, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1


@dataclass
class MatchIndex:
    """Lookup tables over the existing records (and the rows already planned as new)."""

    ids: set[str] = field(default_factory=set)
    by_tax: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_email: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_domain: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_name: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    forms: LegalForms = field(default_factory=LegalForms)

    @classmethod
    def build(cls, records: Iterable[Mapping[str, object]]) -> MatchIndex:
        """An index of ``records`` (counterparty rows)."""
        index = cls()
        for record in records:
            index.add(str(record["counterparty_id"]), record)
        return index

    def add(self, record_id: str, record: Mapping[str, object]) -> None:
        """Make ``record`` findable as ``record_id``."""
        self.ids.add(record_id)
        tax = compact_tax_id(_text(record.get("tax_id")))
        if tax:
            self.by_tax[tax].add(record_id)
        email = _text(record.get("email"))
        if email:
            self.by_email[email.lower()].add(record_id)
        for source in (email, _text(record.get("website"))):
            domain = email_domain(source)
            if domain:
                self.by_domain[domain].add(record_id)
        name = _text(record.get("name"))
        if name:
            self.by_name[(normalise_name(name, self.forms), str(record.get("country") or ""))].add(record_id)

    def find(self, row: Mapping[str, object]) -> Match:
        """The record ``row`` is about, by the rules of this module in order."""
        key = _text(row.get("counterparty_id"))
        if key and key in self.ids:
            return Match(key, "counterparty_id")
        email = _text(row.get("email"))
        name = _text(row.get("name"))
        lookups: list[tuple[str, set[str] | None]] = [
            ("tax_id", self._get(self.by_tax, compact_tax_id(_text(row.get("tax_id"))))),
            ("email", self._get(self.by_email, email.lower() if email else None)),
            ("email domain", self._get(self.by_domain, email_domain(email))),
            (
                "name and country",
                self._get(
                    self.by_name,
                    (normalise_name(name, self.forms), str(row.get("country") or "")) if name else None,
                ),
            ),
        ]
        for rule, found in lookups:
            if not found:
                continue
            if len(found) == 1:
                return Match(next(iter(found)), rule)
            if rule == "email domain":
                continue  # several records share a company domain: let the name decide
            return Match(None, rule, tuple(sorted(found)))
        return Match(None)

    @staticmethod
    def _get(table: Mapping[Any, set[str]], key: object) -> set[str] | None:
        return table.get(key) if key else None


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
