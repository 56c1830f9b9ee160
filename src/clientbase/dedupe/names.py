"""People's names: dictionaries of given and family names, and nicknames, in several languages.

- Given and family names come from Faker's person lists of the locales in :data:`NAME_LOCALES` (English,
  German, French, Swedish, Russian, Spanish, Italian, Dutch, Polish ...), cleaned the way the duplicate search
  cleans names (ASCII, lower case), with a weight per name: Faker's frequency where it has one, else a
  Zipf-like weight by rank. They tell a column of given names from one of family names by its values, and
  they are what :mod:`clientbase.dedupe.synthetic_people` draws people from.
- Nicknames: the curated English list of the ``nicknames`` package (``bill`` -> ``william``) plus the
  German, French, Swedish and Russian short forms in :data:`MORE_NICKNAMES`. Every name maps to the set of
  full names it can stand for; two given names are the same person's when those sets meet.

The lists are static package data, read once per process (``functools.cache``).
"""

from __future__ import annotations

import functools
import importlib

from clientbase.dedupe.normalise import clean_text

#: Faker locales whose person lists make the name dictionaries.
NAME_LOCALES = (
    "en_US",
    "en_GB",
    "en_IE",
    "de_DE",
    "de_AT",
    "de_CH",
    "fr_FR",
    "sv_SE",
    "da_DK",
    "no_NO",
    "fi_FI",
    "ru_RU",
    "uk_UA",
    "pl_PL",
    "cs_CZ",
    "nl_NL",
    "es_ES",
    "it_IT",
    "pt_PT",
)

#: Short forms of given names in German, French, Swedish and Russian (the English ones come from the
#: ``nicknames`` package): full name -> short forms. Cyrillic is transliterated like the data.
MORE_NICKNAMES: dict[str, tuple[str, ...]] = {
    # German
    "johannes": ("hans", "hannes", "jo", "johann"),
    "johann": ("hans", "hannes"),
    "josef": ("sepp", "seppl", "jupp", "joschi", "beppo"),
    "friedrich": ("fritz", "friedel", "fiete"),
    "wilhelm": ("willi", "willy", "wim", "helm"),
    "heinrich": ("heinz", "hein", "heini", "henning"),
    "katharina": ("kathi", "katja", "trina", "kati", "kathrin"),
    "margarete": ("grete", "gretel", "margit", "greta", "gretchen", "meta"),
    "elisabeth": ("lisa", "liesel", "elsa", "sissi", "ilse", "lies", "betty"),
    "christoph": ("chris", "stoffel"),
    "michael": ("michi", "micha"),
    "matthias": ("matze", "hias", "thias"),
    "andreas": ("andi", "anderl", "andy"),
    "wolfgang": ("wolf", "wolfi"),
    "barbara": ("babsi", "barbel", "babette"),
    "susanne": ("susi", "sanne"),
    "johanna": ("hanna", "hanne", "jo"),
    "maximilian": ("max", "maxi"),
    "sebastian": ("basti", "wastl"),
    "nikolaus": ("klaus", "niko", "nickel"),
    "franziska": ("franzi", "fanny"),
    "theodor": ("theo",),
    "gottfried": ("friedel", "gottfried"),
    "ludwig": ("lutz", "lu"),
    "dietrich": ("dieter",),
    # French
    "jean": ("jeannot",),
    "emmanuel": ("manu",),
    "nicolas": ("nico",),
    "catherine": ("cathy", "cathie", "kate"),
    "dominique": ("dom", "domi"),
    "guillaume": ("guigui",),
    "isabelle": ("isa", "babette"),
    "marguerite": ("margot", "maggy"),
    "jacques": ("jacquot", "jacky"),
    "louis": ("loulou",),
    "frederic": ("fred",),
    "philippe": ("phil",),
    "christophe": ("chris",),
    "alexandre": ("alex",),
    "francoise": ("fanfan", "francette"),
    "genevieve": ("ginette",),
    "stephanie": ("steph",),
    # Swedish
    "lars": ("lasse",),
    "karl": ("kalle", "kaj"),
    "per": ("pelle",),
    "johan": ("janne", "jocke"),
    "joakim": ("jocke",),
    "jan": ("janne",),
    "margareta": ("maggan", "greta", "meta"),
    "kristina": ("kicki", "stina", "kia"),
    "katarina": ("kajsa", "kattis", "kata"),
    "elisabet": ("lisa", "elsa", "betty", "lisbet"),
    "mikael": ("micke",),
    "fredrik": ("freddy", "fredde"),
    "gustav": ("gurra", "gosta", "gus"),
    "nils": ("nisse",),
    "ingrid": ("inga",),
    "birgitta": ("bittan", "britt", "gittan"),
    "kristoffer": ("krille", "stoffe"),
    "anders": ("ante",),
    # Russian (in Cyrillic and in the usual Latin spellings)
    "александр": ("саша", "шура", "саня"),
    "aleksandr": ("sasha", "shura", "sanya"),
    "alexander": ("sasha", "sascha"),
    "александра": ("саша", "шура"),
    "михаил": ("миша",),
    "mikhail": ("misha",),
    "дмитрий": ("дима", "митя"),
    "dmitry": ("dima", "mitya"),
    "владимир": ("володя", "вова"),
    "vladimir": ("volodya", "vova"),
    "николай": ("коля",),
    "nikolai": ("kolya",),
    "иван": ("ваня",),
    "ivan": ("vanya",),
    "сергей": ("серёжа", "сережа"),
    "sergei": ("seryozha", "serezha"),
    "алексей": ("лёша", "леша", "алёша", "алеша"),
    "alexei": ("lyosha", "alyosha", "lesha"),
    "евгений": ("женя",),
    "евгения": ("женя",),
    "павел": ("паша",),
    "андрей": ("андрюша",),
    "константин": ("костя",),
    "анатолий": ("толя",),
    "виктор": ("витя",),
    "юрий": ("юра",),
    "григорий": ("гриша",),
    "борис": ("боря",),
    "елена": ("лена",),
    "мария": ("маша", "маня"),
    "наталья": ("наташа",),
    "наталия": ("наташа",),
    "natalia": ("natasha",),
    "екатерина": ("катя",),
    "ekaterina": ("katya",),
    "анна": ("аня",),
    "ольга": ("оля",),
    "татьяна": ("таня",),
    "tatiana": ("tanya",),
    "светлана": ("света",),
    "ирина": ("ира",),
    "юлия": ("юля",),
    "анастасия": ("настя",),
    "людмила": ("люда", "мила"),
    "галина": ("галя",),
    "валентина": ("валя",),
    "надежда": ("надя",),
}


def _zipf(count: int) -> list[float]:
    return [1.0 / (rank + 1) for rank in range(count)]


def _weighted(values: object) -> list[tuple[str, float]]:
    """Faker keeps names as a tuple (by rank) or an OrderedDict name -> frequency."""
    if isinstance(values, dict):
        return [(str(k), float(v)) for k, v in values.items()]
    names = [str(v) for v in values]  # type: ignore[attr-defined]
    return list(zip(names, _zipf(len(names)), strict=True))


def _person_lists(locale: str) -> dict[str, list[tuple[str, float]]]:
    """``{"given": [...], "family": [...]}`` of one Faker locale: every list it has, each ranked on its own."""
    try:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    except ImportError:
        return {"given": [], "family": []}
    attributes = {
        "given": ("first_names", "first_names_female", "first_names_male"),
        "family": ("last_names", "last_names_female", "last_names_male"),
    }
    out: dict[str, list[tuple[str, float]]] = {}
    for kind, names in attributes.items():
        out[kind] = []
        for attribute in names:
            values = getattr(provider, attribute, None)
            if isinstance(values, dict | tuple | list):
                out[kind].extend(_weighted(values))
    return out


@functools.cache
def person_names(locale: str) -> dict[str, tuple[tuple[str, ...], tuple[float, ...]]]:
    """The given and family names of one Faker locale as written (``"given"``, ``"family"``) with weights.

    Example:
        >>> names, weights = person_names("de_DE")["family"]
        >>> "Müller" in names and len(names) == len(weights)
        True
    """
    lists = _person_lists(locale)
    out = {}
    for kind, pairs in lists.items():
        merged: dict[str, float] = {}
        for name, weight in pairs:
            merged[name] = merged.get(name, 0.0) + weight
        out[kind] = (tuple(merged), tuple(merged.values()))
    return out


@functools.cache
def name_dictionary(kind: str) -> frozenset[str]:
    """Every cleaned given (``kind="given"``) or family (``"family"``) name of :data:`NAME_LOCALES`.

    Example:
        >>> {"anna", "johann", "ivan", "ingrid"} <= name_dictionary("given")
        True
        >>> {"muller", "smith", "ivanov"} <= name_dictionary("family")
        True
    """
    names: set[str] = set()
    for locale in NAME_LOCALES:
        names.update(clean_text(n) for n in person_names(locale)[kind][0])
    if kind == "given":
        names.update(nickname_table())
    names.discard("")
    return frozenset(names)


@functools.cache
def nickname_table() -> dict[str, frozenset[str]]:
    """Cleaned given name -> the full names it can stand for (itself included).

    Example:
        >>> table = nickname_table()
        >>> "william" in table["bill"], "aleksandr" in table["sasha"], "johannes" in table["hans"]
        (True, True, True)
    """
    from importlib.resources import files

    pairs: list[tuple[str, str]] = []
    text = files("nicknames").joinpath("names.csv").read_text(encoding="utf-8")
    for line in text.splitlines()[1:]:
        full, _relation, short = (part.strip() for part in line.split(","))
        pairs.append((full, short))
    for full, shorts in MORE_NICKNAMES.items():
        pairs.extend((full, short) for short in shorts)
    table: dict[str, set[str]] = {}
    for full, short in pairs:
        full_key, short_key = clean_text(full), clean_text(short)
        table.setdefault(full_key, {full_key})
        table.setdefault(short_key, {short_key}).add(full_key)
    return {name: frozenset(fulls) for name, fulls in table.items()}
