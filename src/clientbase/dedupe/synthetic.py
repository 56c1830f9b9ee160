"""Synthetic company records with planted duplicates, for the accuracy tests and the benchmarks.

The originals are drawn column by column with numpy (names from a pseudo-word vocabulary, six countries with their
legal forms, cities, postcodes, addresses, tax and registration numbers, e-mails, phones). A share of them get
one or two duplicates, each with at least two realistic variations: a typo in the name, another spelling of
the legal form or none, swapped word order, upper case, Cyrillic <-> Latin script (Russian companies),
missing tax/registration ID, the phone written nationally or missing, a free-mail or missing e-mail, a typo
in the street, a missing postcode.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa

#: country -> (legal-form spellings (the first is the usual one; a leading ``^`` means "before the name"),
#: street word, calling code, national trunk prefix)
COUNTRIES: dict[str, tuple[tuple[str, ...], str, str, str]] = {
    "SE": (("AB", "Aktiebolag", "AB."), "gatan", "46", "0"),
    "DE": (("GmbH", "G.m.b.H.", "AG", "GmbH & Co. KG"), "strasse", "49", "0"),
    "FR": (("SARL", "S.A.R.L.", "S.A.", "SAS"), "rue", "33", "0"),
    "GB": (("Ltd", "Limited", "Ltd.", "PLC"), "road", "44", "0"),
    "ES": (("S.L.", "SL", "S.A.", "Sociedad Limitada"), "calle", "34", ""),
    "RU": (("^ООО", "^OOO", "^АО", "^ZAO"), "ulitsa", "7", "8"),
}

_LATIN_TO_CYRILLIC = str.maketrans("abvgdezijklmnoprstuf", "абвгдезийклмнопрстуф")
_CONSONANTS = list("bdfgklmnprstvz")
_VOWELS = list("aeiou")
_FREE_MAIL = ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "web.de", "mail.ru")


def _vocabulary(rng: np.random.Generator, size: int) -> np.ndarray:
    syllables = np.array([c + v for c in _CONSONANTS for v in _VOWELS])
    n_syll = rng.integers(2, 4, size=size * 2)
    parts = rng.choice(syllables, size=(size * 2, 3))
    words = np.where(
        n_syll == 2,
        np.char.add(parts[:, 0], parts[:, 1]),
        np.char.add(np.char.add(parts[:, 0], parts[:, 1]), parts[:, 2]),
    )
    unique = np.unique(words)
    return np.asarray(rng.permutation(unique)[:size])


def _typo(text: str, rng: np.random.Generator) -> str:
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(letters) < 4:
        return text
    i = letters[int(rng.integers(1, len(letters) - 1))]
    kind = int(rng.integers(0, 3))
    if kind == 0:  # delete
        return text[:i] + text[i + 1 :]
    if kind == 1:  # substitute
        return text[:i] + str(rng.choice(_VOWELS if text[i] in "aeiou" else _CONSONANTS)) + text[i + 1 :]
    return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]  # transpose


def _with_form(base: str, form: str) -> str:
    return f"{form[1:]} {base}" if form.startswith("^") else f"{base} {form}"


def planted_companies(n: int, *, seed: int = 0, duplicate_share: float = 0.1) -> tuple[pa.Table, pa.Table]:
    """``n`` company records of which about ``duplicate_share`` are planted duplicates, and the truth.

    Returns:
        ``(records, truth)``: records with ``id, name, country, city, postcode, address, tax_id,
        registration_id, email, phone``; truth with ``id, entity_id`` for every record (a duplicate has its
        original's id as ``entity_id``).

    Example:
        >>> records, truth = planted_companies(1000, seed=1)
        >>> records.num_rows, truth.num_rows
        (1000, 1000)
        >>> len(truth.column("entity_id").unique()) < 1000
        True
    """
    import pyarrow as pa

    if n < 10:
        raise ValueError(f"n must be at least 10, got {n}")
    rng = np.random.default_rng(seed)
    n_dup = int(n * duplicate_share)
    n_orig = n - n_dup
    columns = _originals(rng, n_orig)
    records: dict[str, list[object]] = {k: v.tolist() for k, v in columns.items() if not k.startswith("_")}
    for k, mask in (("email", columns["_has_email"]),):
        records[k] = [v if keep else None for v, keep in zip(records[k], mask.tolist(), strict=True)]
    entity: list[str] = list(records["id"])  # type: ignore[arg-type]
    # the duplicates: a copy of a random original with at least two variations each
    originals = rng.choice(n_orig, size=n_dup, replace=n_dup > n_orig)
    for j, i in enumerate(originals.tolist()):
        row = {k: v[i] for k, v in records.items()}
        row["id"] = f"C{n_orig + j:07d}"
        _vary(row, str(columns["country"][i]), str(columns["_base"][i]), rng)
        for k, v in row.items():
            records[k].append(v)
        entity.append(f"C{i:07d}")

    order = pa.array(rng.permutation(n))
    table = pa.table({k: pa.array(v, pa.string()) for k, v in records.items()}).take(order)
    truth = pa.table({"id": pa.array(records["id"], pa.string()), "entity_id": pa.array(entity)}).take(order)
    return table, truth


def _join(*parts: np.ndarray | str) -> np.ndarray:
    """Element-wise concatenation of string arrays and constants."""
    out = np.asarray(parts[0])
    for part in parts[1:]:
        out = np.char.add(out, part)
    return out


def _originals(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """The original records, column by column with numpy (no per-row Python)."""
    words = _vocabulary(rng, 6000)
    capital = np.char.capitalize(words)
    cyrillic = np.array([w.translate(_LATIN_TO_CYRILLIC).capitalize() for w in words.tolist()])
    codes = list(COUNTRIES)
    cities = np.array([np.char.capitalize(_vocabulary(rng, 60)) for _ in codes])
    country_idx = rng.choice(len(codes), size=n, p=[0.3, 0.25, 0.15, 0.15, 0.1, 0.05])
    country = np.array(codes)[country_idx]
    w = rng.integers(0, len(words), size=(n, 3))
    three = rng.random(n) < 0.5

    def name_of(vocab: np.ndarray) -> np.ndarray:
        two = _join(vocab[w[:, 0]], " ", vocab[w[:, 1]])
        return np.where(three, _join(two, " ", vocab[w[:, 2]]), two)

    base = name_of(capital)
    form_choice = rng.random(n)
    forms = np.array([[COUNTRIES[c][0][0], COUNTRIES[c][0][2]] for c in codes])
    form = forms[country_idx, (form_choice >= 0.7).astype(int)]
    suffixed = _join(base, " ", form)
    # Russian companies: mostly written in Cyrillic with ООО in front, else in Latin with OOO
    russian = country == "RU"
    in_cyrillic = russian & (form_choice < 0.8)
    name = np.where(
        russian, np.where(in_cyrillic, _join("ООО ", name_of(cyrillic)), _join("OOO ", base)), suffixed
    )
    postcode = rng.integers(10000, 99999, size=n)
    postcode_text = np.where(
        country == "SE",
        _join(np.char.mod("%03d", postcode // 100), " ", np.char.mod("%02d", postcode % 100)),
        np.char.mod("%d", postcode),
    )
    street = capital[rng.integers(0, len(words), size=n)]
    street_word = np.array([COUNTRIES[c][1] for c in codes])[country_idx]
    house = np.char.mod("%d", rng.integers(1, 200, size=n))
    address = np.where(
        np.isin(country, ["FR", "GB"]),
        _join(house, " ", street, " ", street_word),
        _join(street, street_word, " ", house),
    )
    # distinct numbers with well-spread digits: i -> i * prime mod 10^k is one-to-one
    serial = rng.permutation(n).astype(np.int64)
    tax_num = serial * 982_451_653 % 900_000_000 + 100_000_000
    reg_num = serial * 15_485_863 % 9_000_000 + 1_000_000
    nsn = serial * 694_847_539 % 800_000_000 + 200_000_000
    tld = np.array([c.lower().replace("gb", "co.uk") for c in codes])[country_idx]
    calling = np.array([COUNTRIES[c][2] for c in codes])[country_idx]
    return {
        "id": np.char.mod("C%07d", np.arange(n)),
        "name": name,
        "country": country,
        "city": cities[country_idx, rng.integers(0, 60, size=n)],
        "postcode": postcode_text,
        "address": address,
        "tax_id": _join(country, np.char.mod("%d", tax_num)),
        "registration_id": _join(
            np.char.mod("%d", reg_num // 1000), "-", np.char.mod("%03d", reg_num % 1000)
        ),
        "email": _join("info@", words[w[:, 0]], words[w[:, 1]], ".", tld),
        "phone": _join(
            "+",
            calling,
            " ",
            np.char.mod("%02d", nsn // 10_000_000),
            " ",
            np.char.mod("%03d", nsn // 10_000 % 1000),
            " ",
            np.char.mod("%04d", nsn % 10_000),
        ),
        "_base": base,
        "_has_email": rng.random(n) < 0.8,
    }


def _vary(row: dict[str, object], country: str, base: str, rng: np.random.Generator) -> None:
    """Apply at least two random variations to a copy of an original record, in place."""
    forms, _street_word, code, prefix = COUNTRIES[country]
    chosen: set[str] = set()
    kinds = ["typo", "form", "order", "upper", "script", "tax", "reg", "phone", "email", "street", "postcode"]
    while len(chosen) < 2:
        chosen = {k for k in kinds if rng.random() < 0.3}
    name = base
    if "typo" in chosen:
        name = _typo(name, rng)
    if "order" in chosen:
        tokens = name.split()
        name = " ".join(tokens[1:] + tokens[:1])
    usual = _form_of(str(row["name"]), forms)
    if country == "RU":
        # the duplicate keeps the original's script, or switches it (Cyrillic <-> Latin)
        cyrillic = _is_cyrillic(str(row["name"])) != ("script" in chosen)
        forms = ("^ООО", "^АО") if cyrillic else ("^OOO", "^ZAO")
        usual = forms[0]
        if cyrillic:
            name = name.lower().translate(_LATIN_TO_CYRILLIC).title()
    form = str(rng.choice(forms)) if "form" in chosen else usual
    name = name if "form" in chosen and rng.random() < 0.3 else _with_form(name, form)
    if "upper" in chosen:
        name = name.upper()
    row["name"] = name
    if "tax" in chosen:
        row["tax_id"] = None if rng.random() < 0.7 else str(row["tax_id"])[2:]
    if "reg" in chosen:
        row["registration_id"] = None if rng.random() < 0.7 else str(row["registration_id"]).replace("-", "")
    if "phone" in chosen:  # missing, written nationally, or another line of the company
        digits = str(row["phone"]).split(" ", 1)[1].replace(" ", "")
        draw = rng.random()
        if draw < 0.3:
            row["phone"] = None
        elif draw < 0.65:
            row["phone"] = f"{prefix}{digits[:2]}-{digits[2:]}"
        else:
            row["phone"] = f"+{code} {rng.integers(100_000_000, 999_999_999)}"
    if "email" in chosen:  # missing, a free-mail address, or another mailbox at the company's domain
        local = str(rng.choice(["sales", "kontakt", "office", "ivan", "anna"]))
        draw = rng.random()
        domain = str(row["email"]).split("@")[-1] if row["email"] else None
        if draw < 0.4:
            row["email"] = None
        elif draw < 0.7 or domain is None:
            row["email"] = f"{local}@{rng.choice(_FREE_MAIL)}"
        else:
            row["email"] = f"{local}@{domain}"
    if "street" in chosen:  # a typo, or the company moved within its city
        if rng.random() < 0.5:
            row["address"] = _typo(str(row["address"]), rng)
        else:
            row["address"] = f"{rng.choice(['Nya', 'Alte', 'Grand', 'High'])} {rng.integers(1, 99)}"
            row["postcode"] = str(rng.integers(10000, 99999))
    if "postcode" in chosen:
        row["postcode"] = None


def _is_cyrillic(text: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in text)


def _form_of(name: str, forms: tuple[str, ...]) -> str:
    for form in sorted(forms, key=len, reverse=True):
        bare = form.lstrip("^")
        if name.endswith(" " + bare) or name.startswith(bare + " "):
            return form
    return forms[0]
