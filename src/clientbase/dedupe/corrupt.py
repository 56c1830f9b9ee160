"""The errors people make when they type a record again, as small seeded functions for the test lists.

Modelled on the corruptions of the FEBRL data generator (Christen, *Probabilistic data generation for
deduplication and data linkage*, 2005): keyboard typos (insert, delete, substitute a neighbouring key,
transpose), OCR-like confusions, phonetic spellings, digit typos, day and month swapped, missing values.
Each function takes the value and a numpy ``Generator`` and returns the corrupted value.
"""

from __future__ import annotations

import numpy as np

#: keys next to each key on a QWERTY keyboard
_NEIGHBOURS = {
    "q": "wa",
    "w": "qes",
    "e": "wrd",
    "r": "etf",
    "t": "ryg",
    "y": "tuh",
    "u": "yij",
    "i": "uok",
    "o": "ipl",
    "p": "ol",
    "a": "qsz",
    "s": "awdz",
    "d": "sefx",
    "f": "drgc",
    "g": "fthv",
    "h": "gyjb",
    "j": "hukn",
    "k": "jilm",
    "l": "kop",
    "z": "asx",
    "x": "zsdc",
    "c": "xdfv",
    "v": "cfgb",
    "b": "vghn",
    "n": "bhjm",
    "m": "njk",
}
#: spellings that sound alike (FEBRL's phonetic rules, shortened)
_PHONETIC = (
    ("ph", "f"),
    ("ck", "k"),
    ("c", "k"),
    ("ie", "y"),
    ("ei", "ai"),
    ("ou", "u"),
    ("th", "t"),
    ("ss", "s"),
    ("mm", "m"),
    ("nn", "n"),
    ("ll", "l"),
    ("tt", "t"),
    ("ae", "e"),
    ("y", "i"),
    ("z", "s"),
    ("w", "v"),
    ("sch", "sh"),
)
#: characters an OCR or a hasty reader confuses
_OCR = (("m", "rn"), ("l", "1"), ("o", "0"), ("i", "l"), ("u", "v"), ("cl", "d"), ("h", "b"), ("e", "c"))


def _letters(text: str) -> list[int]:
    return [i for i, ch in enumerate(text) if ch.isalpha()]


def keyboard_typo(text: str, rng: np.random.Generator) -> str:
    """One keyboard slip inside the word (never its first letter): insert, delete, neighbour key, transpose.

    Example:
        >>> keyboard_typo("mitchell", np.random.default_rng(1)) != "mitchell"
        True
    """
    positions = [i for i in _letters(text) if i > 0]
    if not positions:
        return text
    i = positions[int(rng.integers(0, len(positions)))]
    op = int(rng.integers(0, 4))
    lower = text[i].lower()
    neighbour = _NEIGHBOURS.get(lower, "e")
    key = neighbour[int(rng.integers(0, len(neighbour)))]
    key = key.upper() if text[i].isupper() else key
    if op == 0:
        return text[:i] + key + text[i:]
    if op == 1 and len(positions) > 2:
        return text[:i] + text[i + 1 :]
    if op == 2 and text[i - 1].isalpha() and text[i - 1] != text[i]:
        return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]
    return text[:i] + key + text[i + 1 :]


def phonetic_variant(text: str, rng: np.random.Generator) -> str:
    """Spell one sound another way (``ph`` -> ``f``, ``ck`` -> ``k`` ...), else a keyboard typo.

    Example:
        >>> phonetic_variant("philips", np.random.default_rng(0))
        'filips'
    """
    lower = text.lower()
    found = [(a, b) for a, b in _PHONETIC if a in lower[1:]] + [
        (b, a) for a, b in _PHONETIC if b in lower[1:]
    ]
    found = [(a, b) for a, b in found if len(a) > 1 or a in lower[1:]]
    if not found:
        return keyboard_typo(text, rng)
    a, b = found[int(rng.integers(0, len(found)))]
    at = lower.index(a, 1)
    piece = b.upper() if text[at].isupper() else b
    return text[:at] + piece + text[at + len(a) :]


def ocr_variant(text: str, rng: np.random.Generator) -> str:
    """Misread one character or pair (``m`` <-> ``rn``, ``l`` <-> ``1`` ...), else a keyboard typo.

    Example:
        >>> ocr_variant("miller", np.random.default_rng(0)) != "miller"
        True
    """
    found = [(a, b) for a, b in _OCR if a in text[1:]] + [(b, a) for a, b in _OCR if b in text[1:]]
    if not found:
        return keyboard_typo(text, rng)
    a, b = found[int(rng.integers(0, len(found)))]
    at = text.index(a, 1)
    return text[:at] + b + text[at + len(a) :]


def misspell(text: str, rng: np.random.Generator) -> str:
    """One of the three kinds of slip, keyboard typos most often.

    Example:
        >>> misspell("johnson", np.random.default_rng(3)) != "johnson"
        True
    """
    draw = rng.random()
    if draw < 0.6:
        return keyboard_typo(text, rng)
    if draw < 0.85:
        return phonetic_variant(text, rng)
    return ocr_variant(text, rng)


def digit_typo(text: str, rng: np.random.Generator) -> str:
    """One digit replaced, or two neighbouring digits swapped.

    Example:
        >>> digit_typo("1804974", np.random.default_rng(0)) != "1804974"
        True
    """
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    if not digits:
        return text
    i = digits[int(rng.integers(0, len(digits)))]
    if rng.random() < 0.4 and i + 1 < len(text) and text[i + 1].isdigit() and text[i + 1] != text[i]:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    other = str((int(text[i]) + int(rng.integers(1, 10))) % 10)
    return text[:i] + other + text[i + 1 :]


def swap_day_month(year: int, month: int, day: int) -> tuple[int, int, int]:
    """Day and month exchanged, as when a US and a European form meet (unchanged if that is no date).

    Example:
        >>> swap_day_month(1987, 3, 5), swap_day_month(1987, 3, 25)
        ((1987, 5, 3), (1987, 3, 25))
    """
    return (year, day, month) if day <= 12 else (year, month, day)
