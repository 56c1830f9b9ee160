"""Legal forms of companies (GmbH, AB, S.A.R.L., ООО, Ltd ...), to be removed from names before comparing.

cleanco's term list (abbreviations in many countries) plus the spelled-out forms it lacks
(:data:`SPELLED_OUT`: *Gesellschaft mit beschränkter Haftung*, *Aktiebolag*, *Société à responsabilité
limitée*, *Общество с ограниченной ответственностью* ...), cleaned like names and compiled into one regular
expression: cleanco's own ``basename`` costs ~85 µs a row, too slow for a million rows.
"""

from __future__ import annotations

import re

from clientbase.dedupe.text import clean_text

#: Legal forms written out or abbreviated in ways cleanco does not list.
SPELLED_OUT = (
    "gesellschaft mit beschränkter haftung",
    "gesellschaft mbh",
    "ges m b h",
    "gesmbh",
    "g m b h",
    "gmbh und co kg",
    "gmbh & co",
    "ag & co kg",
    "und co kg",
    "& co kg",
    "co kg",
    "aktiengesellschaft",
    "kommanditgesellschaft",
    "offene handelsgesellschaft",
    "eingetragene genossenschaft",
    "eingetragener verein",
    "eingetragener kaufmann",
    "aktiebolag",
    "aktiebolaget",
    "handelsbolag",
    "kommanditbolag",
    "ekonomisk förening",
    "société à responsabilité limitée",
    "société anonyme",
    "société par actions simplifiée",
    "société en nom collectif",
    "sa r l",
    "s à r l",
    "общество с ограниченной ответственностью",
    "акционерное общество",
    "публичное акционерное общество",
    "закрытое акционерное общество",
    "открытое акционерное общество",
    "индивидуальный предприниматель",
    "limited liability company",
    "public limited company",
    "private limited company",
    "limited partnership",
    "incorporated",
    "corporation",
    "sociedad limitada",
    "sociedad anónima",
    "società a responsabilità limitata",
    "società per azioni",
)


def legal_form_terms() -> list[str]:
    """cleanco's legal-form terms and :data:`SPELLED_OUT`, cleaned like names, longest first.

    Example:
        >>> {"gmbh", "ab", "sarl", "ooo", "ltd", "sl", "aktiebolag"} <= set(legal_form_terms())
        True
        >>> "gesellschaft mit beschrankter haftung" in legal_form_terms()
        True
    """
    from cleanco.clean import get_unique_terms

    spellings = [s for forms in FORMS.values() for group in forms.values() for s in group]
    cleaned = {clean_text(term) for term in [*get_unique_terms(), *SPELLED_OUT, *spellings]}
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


#: Legal forms by kind: canonical form -> its spellings. Two names with forms of one kind (a German GmbH, a
#: French SARL and a British Ltd are all private limited companies) may still be one firm written in two
#: languages; forms of different kinds (a GmbH and its GmbH & Co. KG) are usually two firms.
FORMS: dict[str, dict[str, tuple[str, ...]]] = {
    "limited": {
        "gmbh": (
            "gmbh",
            "gesellschaft mit beschränkter haftung",
            "gesellschaft mbh",
            "ges m b h",
            "gesmbh",
            "g m b h",
            "mbh",
        ),
        "sarl": ("sarl", "s a r l", "sa r l", "s à r l", "sàrl", "société à responsabilité limitée", "eurl"),
        "ltd": ("ltd", "limited", "private limited company", "pty ltd"),
        "ooo": ("ooo", "o o o", "ооо", "общество с ограниченной ответственностью"),
        "sl": ("sl", "s l", "sociedad limitada", "srl", "s r l", "società a responsabilità limitata"),
        "llc": ("llc", "limited liability company"),
        "bv": ("bv", "b v"),
        "sro": ("sro", "s r o", "spol s r o"),
        "sp z oo": ("sp z oo", "spolka z oo", "sp zoo"),
        "aps": ("aps",),
        "oy": ("oy",),
    },
    "stock": {
        "ag": ("ag", "a g", "aktiengesellschaft"),
        "ab": ("ab", "aktiebolag", "aktiebolaget", "ab publ", "publ"),
        "sa": ("sa", "s a", "société anonyme", "sociedad anónima"),
        "sas": ("sas", "s a s", "société par actions simplifiée"),
        "plc": ("plc", "public limited company"),
        "ao": ("ao", "ао", "акционерное общество", "oao", "оао", "открытое акционерное общество"),
        "pao": ("pao", "пао", "публичное акционерное общество"),
        "zao": ("zao", "зао", "закрытое акционерное общество"),
        "inc": ("inc", "incorporated", "corp", "corporation"),
        "spa": ("spa", "s p a", "società per azioni"),
        "nv": ("nv", "n v"),
        "asa": ("asa", "as"),
    },
    "partnership": {
        "gmbh co kg": (
            "gmbh co kg",
            "gmbh und co kg",
            "gmbh u co kg",
            "gmbh co",
            "mbh co kg",
            "co kg",
            "und co kg",
        ),
        "ag co kg": ("ag co kg", "ag und co kg"),
        "kg": ("kg", "kommanditgesellschaft"),
        "ohg": ("ohg", "offene handelsgesellschaft"),
        "hb": ("hb", "handelsbolag"),
        "kb": ("kb", "kommanditbolag"),
        "llp": ("llp", "l l p", "limited liability partnership", "lp", "limited partnership"),
        "snc": ("snc", "société en nom collectif"),
        "gbr": ("gbr",),
    },
    "sole trader": {
        "ek": ("ek", "e k", "eingetragener kaufmann", "eingetragene kauffrau"),
        "ip": ("ip", "ип", "индивидуальный предприниматель"),
    },
}


def legal_form_table() -> list[tuple[str, str, str]]:
    """``(term, form, kind)`` for every spelling of :data:`FORMS`, cleaned like names.

    Example:
        >>> ("gesellschaft mit beschrankter haftung", "gmbh", "limited") in legal_form_table()
        True
        >>> ("obshchestvo s ogranichennoy otvetstvennostyu", "ooo", "limited") in legal_form_table()
        True
    """
    rows: dict[str, tuple[str, str]] = {}
    for kind, forms in FORMS.items():
        for form, spellings in forms.items():
            for spelling in spellings:
                rows.setdefault(clean_text(spelling), (form, kind))
    return [(term, form, kind) for term, (form, kind) in sorted(rows.items())]
