"""What a column's values look like: the role they suggest when the header does not say it.

Each test looks at a sample of the column's non-empty values and returns the share that fit a role:
e-mail addresses, domains, web sites, phone numbers, dates of birth, VAT numbers (python-stdnum), other
identifiers, postcodes, country codes, street addresses, and names: the share of values that are known given
names or family names (:func:`clientbase.dedupe.names.name_dictionary`, many languages), of person names
written whole (``Anna Berg``, ``Berg, Anna``) and of company names (a legal form such as GmbH, AB, Ltd).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence

from clientbase.dedupe.person_keys import BIRTH_DATE_FORMATS
from clientbase.dedupe.text import clean_text

#: a role is suggested by the values when at least this share of them fits it
MIN_SHARE = 0.8
#: values looked at per column
SAMPLE = 500

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.I)
_DOMAIN = re.compile(r"^@?(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}$", re.I)
_WEBSITE = re.compile(r"^(?:https?://|www\.)\S+$", re.I)
_PHONE = re.compile(r"^\+?[\d\s()./-]{6,22}$")
_POSTCODE = re.compile(
    r"^(?:[A-Z]{1,2}[- ]?)?\d{3,6}(?:[- ]?\d{2,4})?$|^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$", re.I
)
_COUNTRY = re.compile(r"^[A-Z]{2}$", re.I)
_IDENTIFIER = re.compile(r"^[A-Z]{0,3}[\d\s./-]{5,20}[A-Z]?$", re.I)
_ADDRESS = re.compile(r"(?=.*\d)(?=.*[^\W\d_]{3,})")


def sample(values: Sequence[object]) -> list[str]:
    """Up to :data:`SAMPLE` non-empty values as trimmed text, spread over the column."""
    texts = [str(v).strip() for v in values if v is not None and str(v).strip()]
    step = max(1, len(texts) // SAMPLE)
    return texts[::step][:SAMPLE]


def _share(values: list[str], test: Callable[[str], object]) -> float:
    if not values:
        return 0.0
    return sum(1 for v in values if test(v)) / len(values)


def _birth_date(value: str) -> bool:
    text = value.split(" ")[0].split("T")[0]
    for fmt in BIRTH_DATE_FORMATS:
        try:
            day = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return 1900 <= day.year <= dt.date.today().year
    return False


def _vat(value: str) -> bool:
    from stdnum.eu import vat

    compact = re.sub(r"[\s.-]", "", value).upper()
    return bool(re.match(r"^[A-Z]{2}", compact)) and vat.is_valid(compact)


def _words(value: str) -> list[str]:
    return clean_text(value).split()


def person_name_shares(values: list[str]) -> dict[str, float]:
    """Shares of values that are a known given name, a known family name, or a whole person's name.

    Example:
        >>> shares = person_name_shares(["Anna", "Johann", "Иван", "Ingrid"])
        >>> shares["given_name"], shares["full_name"]
        (1.0, 0.0)
    """
    from clientbase.dedupe.names import name_dictionary

    given, family = name_dictionary("given"), name_dictionary("family")

    def whole(value: str) -> bool:
        if "," in value:
            last, _, first = value.partition(",")
            return bool(_words(first)) and _words(first)[0] in given and " ".join(_words(last)) in family
        words = _words(value)
        return 2 <= len(words) <= 4 and (
            (words[0] in given and words[-1] in family) or (words[0] in family and words[1] in given)
        )

    return {
        "given_name": _share(
            values, lambda v: bool(_words(v)) and _words(v)[0] in given and len(_words(v)) <= 2
        ),
        "family_name": _share(values, lambda v: " ".join(_words(v)) in family),
        "full_name": _share(values, whole),
    }


def company_name_share(values: list[str]) -> float:
    """Share of values that begin or end with a legal form (GmbH, AB, S.A.R.L., ООО, Ltd ...).

    Example:
        >>> company_name_share(["Müller Bau GmbH", "ООО Ромашка", "Anna Berg"])
        0.6666666666666666
    """
    from clientbase.dedupe.legal_forms import legal_form_regexes

    prefix, suffix, _only = legal_form_regexes()
    starts, ends = re.compile(prefix), re.compile(suffix)
    return _share(values, lambda v: bool(starts.search(clean_text(v)) or ends.search(clean_text(v))))


def value_shares(values: Sequence[object]) -> dict[str, float]:
    """For each role the values can suggest, the share of the sampled values that fit it.

    Example:
        >>> value_shares(["info@acme.de", "anna@berg.se"])["email"]
        1.0
        >>> round(value_shares(["1987-03-05", "05.11.1990"])["birth_date"], 1)
        1.0
    """
    texts = sample(values)
    shares = {
        "email": _share(texts, _EMAIL.match),
        "domain": _share(texts, lambda v: bool(_DOMAIN.match(v)) and not _EMAIL.match(v)),
        "website": _share(texts, _WEBSITE.match),
        "birth_date": _share(texts, _birth_date),
        "phone": _share(
            texts, lambda v: bool(_PHONE.match(v)) and len(re.sub(r"\D", "", v)) >= 7 and not _birth_date(v)
        ),
        "tax_id": _share(texts, _vat),
        "postcode": _share(texts, _POSTCODE.match),
        "country": _share(texts, _COUNTRY.match),
        "national_id": _share(texts, _IDENTIFIER.match),
        "address": _share(texts, _ADDRESS.search),
        "name": company_name_share(texts) if texts else 0.0,
    }
    if texts:
        shares.update(person_name_shares(texts))
    return shares
