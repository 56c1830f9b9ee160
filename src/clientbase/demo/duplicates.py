"""Planted duplicates: the same company entered a second time, with the variations real people make.

Variations (documented in ``docs/demo.md``): ``typo``, ``legal_form`` (another spelling of the same form),
``transliteration`` (to ASCII / Latin), ``word_order``, ``missing_ids``, ``phone_format``, ``email``,
``website``, ``address``.
"""

from __future__ import annotations

import numpy as np
import phonenumbers
from anyascii import anyascii

from clientbase.demo.countries import COUNTRIES
from clientbase.demo.identity import IDENTITY_FIELDS, Identities, full_name

NAME_VARIATIONS = ("typo", "legal_form", "transliteration", "word_order")
OTHER_VARIATIONS = ("missing_ids", "phone_format", "email", "website", "address")
_KEYBOARD = "qwertyuiopasdfghjklzxcvbnm"


def typo(text: str, rng: np.random.Generator) -> str:
    """One keyboard slip: swap two neighbours, drop, double or replace a letter (never the first).

    Example:
        >>> typo("Berg Bygg", np.random.default_rng(0)) != "Berg Bygg"
        True
    """
    positions = [i for i, ch in enumerate(text) if ch.isalpha() and i > 0]
    if not positions:
        return text + "s"
    i = positions[int(rng.integers(0, len(positions)))]
    op = int(rng.integers(0, 4))
    if op == 0 and i + 1 < len(text) and text[i + 1].isalpha() and text[i + 1] != text[i]:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if op == 1:
        return text[:i] + text[i + 1 :]
    if op == 2:
        return text[:i] + text[i] + text[i:]
    replacement = _KEYBOARD[int(rng.integers(0, len(_KEYBOARD)))]
    if replacement == text[i].lower():
        replacement = "e" if replacement != "e" else "a"
    return text[:i] + replacement + text[i + 1 :]


def swap_words(core: str) -> str:
    """The first two words in the other order, keeping quotes around a quoted name.

    Example:
        >>> swap_words("«Стройснаб Иванов»")
        '«Иванов Стройснаб»'
    """
    quoted = core.startswith("«") and core.endswith("»")
    inner = core[1:-1] if quoted else core
    words = inner.split(" ")
    if len(words) >= 2:
        words[0], words[1] = words[1], words[0]
    inner = " ".join(words)
    return f"«{inner}»" if quoted else inner


def _latin(text: str) -> str:
    return anyascii(text).replace("<<", '"').replace(">>", '"')


def vary(
    ids: Identities, originals: np.ndarray, rng: np.random.Generator
) -> tuple[dict[str, list[str | None]], list[str]]:
    """Identity fields of one duplicate per original, and the variations applied to each (``;``-joined)."""
    fields = IDENTITY_FIELDS
    out: dict[str, list[str | None]] = {f: [] for f in fields}
    applied: list[str] = []
    for o in originals.tolist():
        c = COUNTRIES[int(ids.country[o])]
        core, form_i = ids.core[o], int(ids.form[o])
        form = c.forms[form_i][0]
        rec: dict[str, str | None] = {f: getattr(ids, f)[o] for f in fields}
        chosen: list[str] = []
        name_pool = [v for v in NAME_VARIATIONS if v != "transliteration" or not ids.name[o].isascii()]
        if len(c.forms[form_i]) == 1:
            name_pool.remove("legal_form")
        n_name = int(rng.choice([0, 1, 2], p=[0.1, 0.6, 0.3]))
        chosen += [str(v) for v in rng.choice(name_pool, size=n_name, replace=False)]
        n_other = int(rng.choice([1, 2, 3], p=[0.4, 0.4, 0.2]))
        chosen += [str(v) for v in rng.choice(OTHER_VARIATIONS, size=n_other, replace=False)]
        if "word_order" in chosen:
            core = swap_words(core)
        if "typo" in chosen:
            core = typo(core, rng)
        if "legal_form" in chosen:
            variants = c.forms[form_i][1:]
            form = variants[int(rng.integers(0, len(variants)))]
        name = full_name(c, core, form)
        if "transliteration" in chosen:
            name = _latin(name)
        rec["name"] = name
        if "missing_ids" in chosen:
            rec["tax_id"] = None
            rec["registration_id"] = None
        if "phone_format" in chosen and rec["phone"]:
            style = phonenumbers.PhoneNumberFormat.INTERNATIONAL
            if rng.random() < 0.5:
                style = phonenumbers.PhoneNumberFormat.NATIONAL
            rec["phone"] = phonenumbers.format_number(phonenumbers.parse(rec["phone"]), style)
        if "email" in chosen:
            mailbox = ("post", "mail", "contact", "orders")[int(rng.integers(0, 4))]
            rec["email"] = f"{mailbox}@{ids.domain[o]}"
        if "website" in chosen:
            rec["website"] = None if rng.random() < 0.5 else f"www.{ids.domain[o]}"
        if "address" in chosen:
            rec["postcode"] = (rec["postcode"] or "").replace(" ", "").replace("-", "") or None
            rec["address"] = _latin(rec["address"] or "") if rng.random() < 0.5 else None
        for f in fields:
            out[f].append(rec[f])
        applied.append(";".join(chosen))
    return out, applied
