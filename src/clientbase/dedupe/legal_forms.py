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

    cleaned = {clean_text(term) for term in [*get_unique_terms(), *SPELLED_OUT]}
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
