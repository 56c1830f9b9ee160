"""The comparisons of the linkage model, one per kind of evidence, each a list of levels.

A level is a SQL condition on the normalised keys of a pair (``<key>_l`` / ``<key>_r``, :mod:`.normalise`),
tried in order; the first that holds is the pair's level. Each level carries a typical m (how often true
duplicates reach it) and u (how often two different records do): the model of a list too small to train,
and the starting point of training for larger ones. A comparison whose keys are missing on either side is
neutral (its null level weighs nothing).

Only the comparisons whose keys the list has are built (:func:`comparisons_for`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Level:
    """One level: its label, SQL condition, typical m and u, and the key whose frequency adjusts it."""

    label: str
    sql: str
    m: float
    u: float
    #: a key whose common values weigh less when they agree (``smith`` less than ``featherstonehaugh``)
    frequency_of: str | None = None
    #: m and u are typical values kept as they are (not trained)
    fixed: bool = False


def _null(*cols: str) -> str:
    return " AND ".join(f'("{c}_l" IS NULL OR "{c}_r" IS NULL)' for c in cols)


def _eq(col: str) -> str:
    return f'"{col}_l" = "{col}_r"'


def _jw(col: str, at_least: float) -> str:
    return f'jaro_winkler_similarity("{col}_l", "{col}_r") >= {at_least}'


def _edits(col: str, at_most: int) -> str:
    """Damerau-Levenshtein distance at most ``at_most``, behind cheap tests that DuckDB runs first (the edit
    distance itself is slow): the lengths differ by at most that much, and one edit leaves the first or
    the last half of a text as it was (two edits, nearly always a third)."""
    left, right = f'"{col}_l"', f'"{col}_r"'
    # a part short enough that a transposition across its end still leaves the other part whole
    size = f"((length({left}) - {at_most}) // {at_most + 1})"
    return (
        f"abs(length({left}) - length({right})) <= {at_most} "
        f"AND (left({left}, {size}) = left({right}, {size}) OR right({left}, {size}) = right({right}, {size})) "
        f"AND damerau_levenshtein({left}, {right}) <= {at_most}"
    )


def _within(col: str) -> str:
    """Every word of one side's list ``col`` is in the other's."""
    return f'(list_has_all("{col}_l", "{col}_r") OR list_has_all("{col}_r", "{col}_l"))'


def _comparison(
    name: str, description: str, null: str, levels: list[Level], *, fixed: bool = False
) -> dict[str, Any]:
    rest = 1.0 - sum(lv.m for lv in levels)
    out = [{"sql_condition": null, "label_for_charts": "missing", "is_null_level": True}]
    for lv in levels:
        level = {
            "sql_condition": lv.sql,
            "label_for_charts": lv.label,
            "m_probability": lv.m,
            "u_probability": lv.u,
        }
        if fixed:
            level |= {"fix_m_probability": True, "fix_u_probability": True}
        if lv.frequency_of:
            level |= {
                "tf_adjustment_column": lv.frequency_of,
                "tf_adjustment_weight": 1.0,
                "disable_tf_exact_match_detection": True,
            }
        out.append(level)
    other = {
        "sql_condition": "ELSE",
        "label_for_charts": "different",
        "m_probability": max(rest, 0.01),
        "u_probability": 1.0 - sum(lv.u for lv in levels)
        if fixed
        else max(1.0 - sum(lv.u for lv in levels), 0.5),
    }
    if fixed:
        other |= {"fix_m_probability": True, "fix_u_probability": True}
    out.append(other)
    return {"output_column_name": name, "comparison_description": description, "comparison_levels": out}


def company_name() -> dict[str, Any]:
    """Company names: legal forms, script, case and punctuation already removed."""
    # the numbers in two names agree: "Filiale 1" and "Filiale 2" are one letter apart, not the same
    digits = _eq("name_digits")
    return _comparison(
        "name",
        "company name",
        _null("name_sorted"),
        [
            Level("same name", _eq("name_base"), 0.55, 1e-4),
            Level("same words, other order", _eq("name_sorted"), 0.05, 1e-5),
            Level("same name, umlauts written out", _eq("name_fold"), 0.03, 1e-5),
            Level("one letter off", f"{_edits('name_sorted', 1)} AND {digits}", 0.12, 2e-5),
            Level("nearly the same name", f"{_jw('name_sorted', 0.94)} AND {digits}", 0.1, 1e-3),
            Level("one name within the other", f"{_within('name_words')} AND {digits}", 0.05, 1e-3),
            Level("similar name", f"{_jw('name_sorted', 0.84)} AND {digits}", 0.08, 1e-2),
        ],
    )


def legal_form() -> dict[str, Any]:
    """The legal forms removed from two company names: only forms of different kinds count, against.

    The same form, or another of the same kind (a GmbH and a SARL: both private limited companies, perhaps
    one firm written in two languages), weighs nothing, like a missing form: the firms of a country share a
    handful of forms and the pairs compared are mostly of one country. Forms of different kinds (a GmbH and
    its GmbH & Co. KG, a sole trader and an AG) are usually two firms: typical values, not trained (true
    duplicates with two kinds of form are too few to estimate), 1 in 20 duplicates against 6 in 10 others.
    """
    return _comparison(
        "legal_form",
        "legal form",
        f"{_null('legal_form')} OR {_eq('legal_form')} OR {_eq('legal_kind')}",
        [Level("legal forms of different kinds", "TRUE", 0.05, 0.6)],
        fixed=True,
    )


#: given and family name exchanged (exactly, or with a typo in either)
_SWAPPED = '("given_l" = "family_r" AND "family_l" = "given_r")'
#: (only the given-name comparison has this level: one swap is one piece of evidence, not two)
_SWAPPED_NEARLY = (
    'jaro_winkler_similarity("given_l", "family_r") >= 0.85 '
    'AND jaro_winkler_similarity("family_l", "given_r") >= 0.85'
)


def given_name() -> dict[str, Any]:
    """People's given names: the same, swapped with the family name, a nickname, an initial, a typo."""
    long = 'length("given1_l") > 2 AND length("given1_r") > 2'
    initial = (
        '(length("given1_l") = 1 OR length("given1_r") = 1) AND left("given1_l", 1) = left("given1_r", 1)'
    )
    return _comparison(
        "given_name",
        "given name",
        _null("given"),
        [
            Level("same given name", f"{_eq('given')} OR {_SWAPPED}", 0.6, 5e-3, "given"),
            Level("same first given name", _eq("given1"), 0.05, 1e-3),
            Level("nickname of the same name", 'list_has_any("given_canon_l", "given_canon_r")', 0.06, 2e-3),
            Level("initial of the same name", initial, 0.03, 2e-3),
            Level("one letter off", f"{_edits('given1', 1)} AND {long}", 0.1, 2e-3),
            Level("swapped with the family name, nearly the same", _SWAPPED_NEARLY, 0.02, 1e-5),
            Level("nearly the same", f"{_jw('given1', 0.9)} AND {long}", 0.04, 5e-3),
            Level("similar", f"{_jw('given1', 0.8)} AND {long}", 0.04, 3e-2),
        ],
    )


def family_name() -> dict[str, Any]:
    """People's family names: the same (also without spaces), swapped, a typo, one part of a double name.

    A family name written in the other record's given-name column (one of the two names swapped, the other
    changed or missing) is one piece of evidence, counted here and not again in the given names.
    """
    parts = 'list_has_any("family_words_l", "family_words_r")'
    crossed = '("family_l" = "given_r" OR "family_r" = "given_l")'
    return _comparison(
        "family_name",
        "family name",
        f"{_null('family')} AND NOT coalesce({crossed}, false)",
        [
            Level("same family name", f"{_eq('family_key')} OR {_SWAPPED}", 0.65, 1e-3, "family_key"),
            Level("same name in the other column", crossed, 0.03, 1e-4),
            Level("same family name, umlauts written out", _eq("family_fold"), 0.02, 1e-4),
            Level("one letter off", _edits("family_key", 1), 0.12, 3e-4),
            Level("nearly the same", _jw("family_key", 0.92), 0.06, 1e-3),
            Level("one part of a double name", parts, 0.02, 1e-4),
            Level("similar", _jw("family_key", 0.8), 0.05, 2e-2),
        ],
    )


def birth_date() -> dict[str, Any]:
    """Dates of birth: the same, day and month swapped, one digit off, same month, within a year."""
    swapped = (
        'left("birth_digits_l", 4) = left("birth_digits_r", 4) '
        'AND substr("birth_digits_l", 5, 2) = substr("birth_digits_r", 7, 2) '
        'AND substr("birth_digits_l", 7, 2) = substr("birth_digits_r", 5, 2)'
    )
    within = 'abs(date_diff(\'day\', "birth_date_l", "birth_date_r")) <= 366'
    return _comparison(
        "birth_date",
        "date of birth",
        _null("birth_digits"),
        [
            Level("same date", _eq("birth_digits"), 0.8, 5e-5),
            Level("day and month swapped", swapped, 0.04, 2e-6),
            Level("one digit off", _edits("birth_digits", 1), 0.1, 1e-3),
            Level("same year and month", 'left("birth_digits_l", 6) = left("birth_digits_r", 6)', 0.02, 1e-3),
            Level("within a year", within, 0.02, 3e-2),
        ],
    )


def identifier(col: str, description: str) -> dict[str, Any]:
    """An identifier (national id, VAT, registration number): the same, one or two characters off."""
    two = f'length("{col}_l") >= 6 AND {_edits(col, 2)}'
    return _comparison(
        col,
        description,
        _null(col),
        [
            Level("same", _eq(col), 0.85, 1e-5),
            Level("one character off", _edits(col, 1), 0.08, 1e-4),
            Level("two characters off", two, 0.02, 2e-3),
        ],
    )


def email(columns: set[str]) -> dict[str, Any]:
    """E-mail addresses and company domains (from the e-mail, a web site or a domain column)."""
    mail = [c for c in ("email", "domain") if c in columns]
    levels = []
    if "email" in mail:
        levels.append(Level("same e-mail", _eq("email"), 0.45, 1e-5))
    if "domain" in mail:
        levels += [
            Level("same company domain", _eq("domain"), 0.3, 1e-4),
            # (no "one letter off" level: a domain is copied, not typed, and similar names have similar domains)
            Level("same domain name, other ending", _eq("domain_stem"), 0.03, 2e-5),
        ]
    return _comparison("email", "e-mail and domain", _null(*mail), levels)


def phone() -> dict[str, Any]:
    return _comparison(
        "phone",
        "telephone number",
        _null("phone"),
        [
            Level("same number", _eq("phone"), 0.65, 1e-5),
            Level("same last 7 digits", _eq("phone7"), 0.05, 1e-4),
            Level("one digit off", f'length("phone_l") >= 8 AND {_edits("phone", 1)}', 0.04, 1e-4),
        ],
    )


def postcode() -> dict[str, Any]:
    """Postcodes of a list without street addresses: the same, one character off, different."""
    return _comparison(
        "postcode",
        "postcode",
        _null("postcode"),
        [
            Level("same postcode", _eq("postcode"), 0.8, 3e-3),
            Level("one character off", _edits("postcode", 1), 0.05, 2e-2),
        ],
    )


def area(columns: set[str]) -> dict[str, Any]:
    """City and region of a list without street addresses, beside :func:`postcode`.

    Where the postcodes agree the city says nothing more (it weighs nothing); where a postcode is missing
    or differs, the city is evidence of its own. Two comparisons rather than one, so that a missing
    postcode is neutral: in one comparison "same city, postcode missing" would be a level whose weight also
    counts how much more often duplicates lack a postcode, which says nothing about these two records.
    """
    found = [c for c in ("city", "region") if c in columns]
    implied = f" OR {_eq('postcode')}" if "postcode" in columns else ""
    levels = []
    if "city" in found:
        levels += [
            Level("same city", _eq("city"), 0.8, 1e-2),
            Level("similar city", _jw("city", 0.92), 0.05, 2e-3),
        ]
    if "region" in found:
        levels.append(Level("same region", _eq("region"), 0.1, 0.1))
    return _comparison("area", "city and region", f"({_null(*found)}){implied}", levels)


def place(columns: set[str]) -> dict[str, Any]:
    """Where: street address, postcode, city, region, as one comparison (they go together)."""
    found = [c for c in ("address_key", "postcode", "city", "region") if c in columns]
    area = " OR ".join(_eq(c) for c in ("postcode", "city") if c in found)
    # an address agrees "in the area" when the postcode or city agree, nearly agree, or are unknown
    near = [
        f"{_edits('postcode', 1)}" if "postcode" in found else "",
        _jw("city", 0.92) if "city" in found else "",
    ]
    unknown = " AND ".join(
        f'("{c}_l" IS NULL OR "{c}_r" IS NULL)' for c in ("postcode", "city") if c in found
    )
    in_area = f" AND ({' OR '.join([area, *[n for n in near if n], unknown])})" if area else ""
    levels = []
    if "address_key" in found:
        same_number = '"address_number_l" = "address_number_r"'
        no_number = '("address_number_l" IS NULL OR "address_number_r" IS NULL)'
        # every word of one address in the other, both with a street name (not a bare house number)
        within = _within("address_words") + ' AND "street_key_l" IS NOT NULL AND "street_key_r" IS NOT NULL'
        levels += [
            # (typical u of a household: two or three people share an address)
            Level("same address", _eq("address_key") + in_area, 0.55, 1e-4),
            Level("similar address", f"{_jw('address_key', 0.9)} AND {same_number}{in_area}", 0.2, 1e-4),
            # (the number test first: implied by the words test, and cheap)
            Level(
                "one address within the other",
                f"({same_number} OR {no_number}) AND {within}{in_area}",
                0.03,
                1e-5,
            ),
            Level(
                "same street, other number", f"{_eq('street_key')} AND NOT {no_number}{in_area}", 0.03, 1e-3
            ),
            Level(
                "similar street, a number missing",
                f"{_jw('street_key', 0.9)} AND {no_number}{in_area}",
                0.03,
                1e-3,
            ),
        ]
        if area:
            levels += [
                Level("same address, other postcode and city", _eq("address_key"), 0.02, 1e-5),
                Level(
                    "similar address, other postcode and city",
                    f"{_jw('address_key', 0.92)} AND {same_number}",
                    0.02,
                    1e-5,
                ),
            ]
    # agreement on the area alone: weaker when both addresses are known and differ than when one is missing
    both = '"address_key_l" IS NOT NULL AND "address_key_r" IS NOT NULL' if "address_key" in found else None
    area_levels = []
    if "postcode" in found and "city" in found:
        area_levels.append(("same postcode and city", f"{_eq('postcode')} AND {_eq('city')}", 0.08, 2e-3))
        # both known and one differs: weaker than when it is missing on one side
        area_levels.append(
            ("same city, other postcode", f'{_eq("city")} AND "postcode_l" <> "postcode_r"', 0.03, 5e-3)
        )
        area_levels.append(
            ("same postcode, other city", f'{_eq("postcode")} AND "city_l" <> "city_r"', 0.02, 1e-4)
        )
    if area:
        area_levels.append(("same postcode or city", area, 0.06, 5e-3))
    for label, sql, m, u in area_levels:
        if both:
            levels.append(Level(f"{label}, other address", f"{sql} AND {both}", m / 4, u))
        levels.append(Level(label, sql, m, u))
    if "region" in found:
        levels.append(Level("same region", _eq("region"), 0.02, 0.1))
    return _comparison("place", "address and place", _null(*found), levels)


def comparisons_for(columns: set[str]) -> list[dict[str, Any]]:
    """The comparisons the normalised ``columns`` of a list allow, in a fixed order.

    Example:
        >>> [c["output_column_name"] for c in comparisons_for({"name_base", "name_sorted", "phone", "city"})]
        ['name', 'phone', 'place']
    """
    out = []
    if "name_sorted" in columns:
        out.append(company_name())
    if "legal_form" in columns:
        out.append(legal_form())
    if "given" in columns:
        out.append(given_name())
    if "family" in columns:
        out.append(family_name())
    if "birth_digits" in columns:
        out.append(birth_date())
    for col, description in (
        ("national_id", "national identity number"),
        ("tax_id", "tax or VAT number"),
        ("registration_id", "company registration number"),
    ):
        if col in columns:
            out.append(identifier(col, description))
    if columns & {"email", "domain"}:
        out.append(email(columns))
    if "phone" in columns:
        out.append(phone())
    if "address_key" in columns:
        out.append(place(columns))
    else:
        # no street addresses: postcode and area apart, so a missing postcode weighs nothing
        if "postcode" in columns:
            out.append(postcode())
        if columns & {"city", "region"}:
            out.append(area(columns))
    return out
