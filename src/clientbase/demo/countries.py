"""Country data for realistic counterparties: name parts, legal forms, cities, phones, tax identifiers.

Tax identifiers get valid check digits (checked against python-stdnum by the tests), computed on whole
digit matrices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from stdnum.es import cif as es_cif


@dataclass(frozen=True)
class Country:
    code: str
    weight: float
    #: legal forms with their variants (the first is the usual spelling); ``prefix`` forms go first
    forms: tuple[tuple[str, ...], ...]
    prefix_form: bool
    #: name pattern: ``{s}`` surname, ``{t}`` trade word, ``{x}`` extra word
    pattern: str
    surnames: tuple[str, ...]
    trades: tuple[str, ...]
    extras: tuple[str, ...]
    #: (city, region, postcode prefix)
    cities: tuple[tuple[str, str, str], ...]
    postcode: str  # format with {p} prefix and {n} random digits
    street: str  # format with {w} word and {n} number
    street_words: tuple[str, ...]
    tld: str
    dial: str
    fixed: tuple[str, int]  # national prefix, total national length
    mobile: tuple[str, int]
    first_names: tuple[str, ...]
    titles: tuple[str, ...]


_EN_TITLES = ("Purchasing manager", "Managing director", "Accounts payable", "Site manager", "Buyer")

COUNTRIES: tuple[Country, ...] = (
    Country(
        "SE",
        0.2,
        (("AB", "Aktiebolag", "AB."), ("HB", "Handelsbolag")),
        False,
        "{s} {t}{x}",
        (
            "Lindqvist",
            "Andersson",
            "Johansson",
            "Karlsson",
            "Nilsson",
            "Eriksson",
            "Larsson",
            "Olsson",
            "Persson",
            "Svensson",
            "Gustafsson",
            "Pettersson",
            "Jonsson",
            "Berg",
            "Lundgren",
            "Sjöberg",
            "Holm",
            "Wikström",
            "Ekström",
            "Åberg",
        ),
        (
            "Bygg",
            "Verktyg",
            "Teknik",
            "El",
            "VVS",
            "Maskin",
            "Järn",
            "Industri",
            "Montage",
            "Trä",
            "Fastighetsservice",
            "Måleri",
            "Plåt",
            "Mark",
            "Snickeri",
        ),
        ("", " Nord", " Syd", " Väst", " & Söner", " Service", " Center", " Partner", " Grupp", " Öst"),
        (
            ("Stockholm", "Stockholm", "11"),
            ("Uppsala", "Uppsala", "75"),
            ("Göteborg", "Västra Götaland", "41"),
            ("Malmö", "Skåne", "21"),
            ("Västerås", "Västmanland", "72"),
            ("Umeå", "Västerbotten", "90"),
        ),
        "{p}{n1} {n2}",
        "{w} {n}",
        ("Kungsgatan", "Storgatan", "Industrivägen", "Verkstadsgatan", "Hamngatan"),
        "se",
        "46",
        ("812", 7),
        ("70", 9),
        ("Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Eva", "Per", "Sofia", "Anders"),
        ("Inköpschef", "VD", "Ekonomiansvarig", "Platschef", "Inköpare"),
    ),
    Country(
        "DE",
        0.2,
        (
            ("GmbH", "G.m.b.H.", "Gesellschaft mit beschränkter Haftung", "Gmbh"),
            ("AG", "Aktiengesellschaft"),
            ("GmbH & Co. KG", "GmbH & Co KG"),
            ("e.K.", "eK"),
        ),
        False,
        "{s} {t}{x}",
        (
            "Müller",
            "Schmidt",
            "Schneider",
            "Fischer",
            "Weber",
            "Meyer",
            "Wagner",
            "Becker",
            "Schulz",
            "Hoffmann",
            "Schäfer",
            "Koch",
            "Bauer",
            "Richter",
            "Klein",
            "Wolf",
            "Schröder",
            "Neumann",
            "Schwarz",
            "Zimmermann",
        ),
        (
            "Bau",
            "Werkzeuge",
            "Technik",
            "Elektro",
            "Haustechnik",
            "Maschinenbau",
            "Eisenwaren",
            "Industrie",
            "Montage",
            "Holz",
            "Sanitär",
            "Malerbetrieb",
            "Metallbau",
            "Tiefbau",
            "Schreinerei",
        ),
        ("", " Nord", " Süd", " & Söhne", " Service", " Zentrum", " Partner", " Gruppe", " West", " Handel"),
        (
            ("Berlin", "Berlin", "10"),
            ("Hamburg", "Hamburg", "20"),
            ("München", "Bayern", "80"),
            ("Köln", "Nordrhein-Westfalen", "50"),
            ("Stuttgart", "Baden-Württemberg", "70"),
            ("Leipzig", "Sachsen", "04"),
        ),
        "{p}{n3}",
        "{w} {n}",
        ("Hauptstraße", "Industriestraße", "Bahnhofstraße", "Gewerbering", "Am Hafen"),
        "de",
        "49",
        ("301", 8),
        ("151", 11),
        ("Thomas", "Sabine", "Michael", "Julia", "Stefan", "Andrea", "Markus", "Katrin", "Jürgen", "Petra"),
        ("Einkaufsleiter", "Geschäftsführer", "Buchhaltung", "Bauleiter", "Einkäufer"),
    ),
    Country(
        "FR",
        0.1,
        (("SARL", "S.A.R.L.", "Sarl"), ("SAS", "S.A.S.", "Sas"), ("S.A.", "SA", "S.A")),
        False,
        "{t} {s}{x}",
        (
            "Dubois",
            "Martin",
            "Bernard",
            "Durand",
            "Lefebvre",
            "Moreau",
            "Laurent",
            "Simon",
            "Michel",
            "Garcia",
            "David",
            "Bertrand",
            "Roux",
            "Vincent",
            "Fournier",
            "Morel",
            "Girard",
            "André",
            "Mercier",
            "Lefèvre",
        ),
        (
            "Outillage",
            "Bâtiment",
            "Électricité",
            "Plomberie",
            "Quincaillerie",
            "Menuiserie",
            "Industrie",
            "Maçonnerie",
            "Peinture",
            "Chauffage",
            "Métallerie",
            "Équipement",
            "Travaux",
            "Charpente",
            "Services",
        ),
        ("", " et Fils", " Nord", " Sud", " Distribution", " Ouest", " Est", " Pro", " Centre", " Frères"),
        (
            ("Paris", "Île-de-France", "75"),
            ("Lyon", "Auvergne-Rhône-Alpes", "69"),
            ("Marseille", "Provence-Alpes-Côte d'Azur", "13"),
            ("Lille", "Hauts-de-France", "59"),
            ("Toulouse", "Occitanie", "31"),
            ("Nantes", "Pays de la Loire", "44"),
        ),
        "{p}{n3}",
        "{n} {w}",
        (
            "rue de la République",
            "avenue Jean Jaurès",
            "rue Victor Hugo",
            "boulevard Pasteur",
            "rue de l'Industrie",
        ),
        "fr",
        "33",
        ("123", 9),
        ("612", 9),
        ("Marie", "Jean", "Nathalie", "Pierre", "Isabelle", "Philippe", "Sophie", "Nicolas", "Claire", "Luc"),
        ("Responsable achats", "Gérant", "Comptabilité", "Chef de chantier", "Acheteur"),
    ),
    Country(
        "GB",
        0.1,
        (("Ltd", "Limited", "Ltd."), ("PLC", "plc", "Public Limited Company")),
        False,
        "{s} {t}{x}",
        (
            "Smith",
            "Jones",
            "Taylor",
            "Brown",
            "Williams",
            "Wilson",
            "Johnson",
            "Davies",
            "Robinson",
            "Wright",
            "Thompson",
            "Evans",
            "Walker",
            "White",
            "Roberts",
            "Green",
            "Hall",
            "Wood",
            "Jackson",
            "Clarke",
        ),
        (
            "Building",
            "Tools",
            "Engineering",
            "Electrical",
            "Plumbing",
            "Supplies",
            "Hardware",
            "Industrial",
            "Fixings",
            "Joinery",
            "Heating",
            "Decorating",
            "Fabrication",
            "Groundworks",
            "Carpentry",
        ),
        ("", " North", " South", " & Sons", " Services", " Centre", " Partners", " Group", " West", " Trade"),
        (
            ("London", "London", "SW1"),
            ("Manchester", "North West", "M1"),
            ("Birmingham", "West Midlands", "B1"),
            ("Leeds", "Yorkshire", "LS1"),
            ("Glasgow", "Scotland", "G1"),
            ("Bristol", "South West", "BS1"),
        ),
        "{p} {n1}AB",
        "{n} {w}",
        ("High Street", "Station Road", "Mill Lane", "Church Street", "Park Road"),
        "co.uk",
        "44",
        ("207", 10),
        ("740", 10),
        ("James", "Sarah", "David", "Emma", "Paul", "Claire", "Mark", "Helen", "Andrew", "Lucy"),
        _EN_TITLES,
    ),
    Country(
        "NL",
        0.08,
        (("B.V.", "BV", "B.V"), ("N.V.", "NV")),
        False,
        "{s} {t}{x}",
        (
            "de Jong",
            "Jansen",
            "de Vries",
            "van den Berg",
            "Bakker",
            "Visser",
            "Smit",
            "Meijer",
            "de Boer",
            "Mulder",
            "de Groot",
            "Bos",
            "Vos",
            "Peters",
            "Hendriks",
            "van Leeuwen",
            "Dekker",
            "Brouwer",
            "de Wit",
            "Dijkstra",
        ),
        (
            "Bouw",
            "Gereedschap",
            "Techniek",
            "Elektro",
            "Installatie",
            "Machinebouw",
            "IJzerwaren",
            "Industrie",
            "Montage",
            "Hout",
            "Sanitair",
            "Schilders",
            "Metaal",
            "Grondwerk",
            "Timmerwerk",
        ),
        (
            "",
            " Noord",
            " Zuid",
            " & Zonen",
            " Service",
            " Centrum",
            " Partners",
            " Groep",
            " West",
            " Handel",
        ),
        (
            ("Amsterdam", "Noord-Holland", "10"),
            ("Rotterdam", "Zuid-Holland", "30"),
            ("Utrecht", "Utrecht", "35"),
            ("Eindhoven", "Noord-Brabant", "56"),
            ("Groningen", "Groningen", "97"),
            ("Zwolle", "Overijssel", "80"),
        ),
        "{p}{n1}{n1} AB",
        "{w} {n}",
        ("Hoofdstraat", "Industrieweg", "Kerkstraat", "Stationsweg", "Havenstraat"),
        "nl",
        "31",
        ("101", 9),
        ("612", 9),
        ("Jan", "Anne", "Pieter", "Sanne", "Bas", "Lotte", "Kees", "Femke", "Wim", "Eva"),
        ("Inkoper", "Directeur", "Administratie", "Uitvoerder", "Hoofd inkoop"),
    ),
    Country(
        "PL",
        0.08,
        (("Sp. z o.o.", "sp. z o.o.", "Spółka z o.o.", "Sp z oo"), ("S.A.", "SA")),
        False,
        "{t} {s}{x}",
        (
            "Nowak",
            "Kowalski",
            "Wiśniewski",
            "Wójcik",
            "Kowalczyk",
            "Kamiński",
            "Lewandowski",
            "Zieliński",
            "Szymański",
            "Woźniak",
            "Dąbrowski",
            "Kozłowski",
            "Jankowski",
            "Mazur",
            "Kwiatkowski",
            "Krawczyk",
            "Piotrowski",
            "Grabowski",
            "Nowakowski",
            "Pawłowski",
        ),
        (
            "Budownictwo",
            "Narzędzia",
            "Technika",
            "Elektro",
            "Instalacje",
            "Maszyny",
            "Hurtownia",
            "Przemysł",
            "Montaż",
            "Drewno",
            "Sanitarne",
            "Malarstwo",
            "Metal",
            "Roboty Ziemne",
            "Stolarka",
        ),
        (
            "",
            " Północ",
            " Południe",
            " i Synowie",
            " Serwis",
            " Centrum",
            " Partner",
            " Grupa",
            " Zachód",
            " Handel",
        ),
        (
            ("Warszawa", "mazowieckie", "00"),
            ("Kraków", "małopolskie", "30"),
            ("Łódź", "łódzkie", "90"),
            ("Wrocław", "dolnośląskie", "50"),
            ("Poznań", "wielkopolskie", "60"),
            ("Gdańsk", "pomorskie", "80"),
        ),
        "{p}-{n3}",
        "ul. {w} {n}",
        ("Marszałkowska", "Przemysłowa", "Kościuszki", "Mickiewicza", "Dworcowa"),
        "pl",
        "48",
        ("123", 9),
        ("512", 9),
        ("Anna", "Piotr", "Katarzyna", "Tomasz", "Magdalena", "Paweł", "Agnieszka", "Marcin", "Ewa", "Jakub"),
        ("Kierownik zakupów", "Prezes", "Księgowość", "Kierownik budowy", "Zaopatrzeniowiec"),
    ),
    Country(
        "FI",
        0.07,
        (("Oy", "OY", "Osakeyhtiö"), ("Oyj", "OYJ")),
        False,
        "{s} {t}{x}",
        (
            "Korhonen",
            "Virtanen",
            "Mäkinen",
            "Nieminen",
            "Mäkelä",
            "Hämäläinen",
            "Laine",
            "Heikkinen",
            "Koskinen",
            "Järvinen",
            "Lehtonen",
            "Lehtinen",
            "Saarinen",
            "Salminen",
            "Heinonen",
            "Niemi",
            "Heikkilä",
            "Kinnunen",
            "Salonen",
            "Turunen",
        ),
        (
            "Rakennus",
            "Työkalu",
            "Tekniikka",
            "Sähkö",
            "LVI",
            "Kone",
            "Rauta",
            "Teollisuus",
            "Asennus",
            "Puu",
            "Kiinteistöpalvelu",
            "Maalaus",
            "Pelti",
            "Maanrakennus",
            "Puusepät",
        ),
        (
            "",
            " Pohjoinen",
            " Etelä",
            " & Pojat",
            " Palvelu",
            " Keskus",
            " Partneri",
            " Yhtiöt",
            " Länsi",
            " Kauppa",
        ),
        (
            ("Helsinki", "Uusimaa", "00"),
            ("Tampere", "Pirkanmaa", "33"),
            ("Turku", "Varsinais-Suomi", "20"),
            ("Oulu", "Pohjois-Pohjanmaa", "90"),
            ("Espoo", "Uusimaa", "02"),
            ("Jyväskylä", "Keski-Suomi", "40"),
        ),
        "{p}{n3}",
        "{w} {n}",
        ("Mannerheimintie", "Teollisuuskatu", "Hämeenkatu", "Satamakatu", "Asemakatu"),
        "fi",
        "358",
        ("131", 9),
        ("412", 9),
        ("Mikko", "Anne", "Juha", "Tiina", "Jari", "Sari", "Timo", "Päivi", "Pekka", "Minna"),
        ("Ostopäällikkö", "Toimitusjohtaja", "Talous", "Työmaapäällikkö", "Ostaja"),
    ),
    Country(
        "DK",
        0.05,
        (("ApS", "Aps", "Anpartsselskab"), ("A/S", "AS", "Aktieselskab")),
        False,
        "{s} {t}{x}",
        (
            "Jensen",
            "Nielsen",
            "Hansen",
            "Pedersen",
            "Andersen",
            "Christensen",
            "Larsen",
            "Sørensen",
            "Rasmussen",
            "Jørgensen",
            "Petersen",
            "Madsen",
            "Kristensen",
            "Olsen",
            "Thomsen",
            "Christiansen",
            "Poulsen",
            "Johansen",
            "Møller",
            "Mortensen",
        ),
        (
            "Byg",
            "Værktøj",
            "Teknik",
            "El",
            "VVS",
            "Maskin",
            "Jern",
            "Industri",
            "Montage",
            "Træ",
            "Service",
            "Maler",
            "Smede",
            "Anlæg",
            "Tømrer",
        ),
        ("", " Nord", " Syd", " & Sønner", " Center", " Partner", " Gruppen", " Vest", " Øst", " Handel"),
        (
            ("København", "Hovedstaden", "1"),
            ("Aarhus", "Midtjylland", "8"),
            ("Odense", "Syddanmark", "5"),
            ("Aalborg", "Nordjylland", "9"),
            ("Esbjerg", "Syddanmark", "6"),
            ("Roskilde", "Sjælland", "4"),
        ),
        "{p}{n3}",
        "{w} {n}",
        ("Vestergade", "Industrivej", "Østergade", "Havnegade", "Nørregade"),
        "dk",
        "45",
        ("321", 8),
        ("201", 8),
        ("Mette", "Lars", "Hanne", "Søren", "Louise", "Henrik", "Camilla", "Jesper", "Lone", "Mads"),
        ("Indkøbschef", "Direktør", "Bogholderi", "Byggeleder", "Indkøber"),
    ),
    Country(
        "ES",
        0.07,
        (("S.L.", "SL", "S.L", "Sociedad Limitada"), ("S.A.", "SA", "S.A")),
        False,
        "{t} {s}{x}",
        (
            "García",
            "Fernández",
            "González",
            "Rodríguez",
            "López",
            "Martínez",
            "Sánchez",
            "Pérez",
            "Gómez",
            "Martín",
            "Jiménez",
            "Ruiz",
            "Hernández",
            "Díaz",
            "Moreno",
            "Muñoz",
            "Álvarez",
            "Romero",
            "Alonso",
            "Gutiérrez",
        ),
        (
            "Construcciones",
            "Herramientas",
            "Técnica",
            "Electricidad",
            "Fontanería",
            "Maquinaria",
            "Ferretería",
            "Industrias",
            "Montajes",
            "Maderas",
            "Saneamientos",
            "Pinturas",
            "Metálicas",
            "Excavaciones",
            "Carpintería",
        ),
        (
            "",
            " e Hijos",
            " Norte",
            " Sur",
            " Servicios",
            " Centro",
            " Levante",
            " Grupo",
            " Oeste",
            " Comercial",
        ),
        (
            ("Madrid", "Comunidad de Madrid", "28"),
            ("Barcelona", "Cataluña", "08"),
            ("Valencia", "Comunidad Valenciana", "46"),
            ("Sevilla", "Andalucía", "41"),
            ("Bilbao", "País Vasco", "48"),
            ("Zaragoza", "Aragón", "50"),
        ),
        "{p}{n3}",
        "{w} {n}",
        (
            "Calle Mayor",
            "Avenida de la Constitución",
            "Calle Real",
            "Polígono Industrial",
            "Calle del Puerto",
        ),
        "es",
        "34",
        ("810", 9),
        ("612", 9),
        ("Carmen", "Antonio", "Lucía", "José", "Elena", "Manuel", "Laura", "Javier", "Marta", "David"),
        ("Jefe de compras", "Gerente", "Contabilidad", "Jefe de obra", "Comprador"),
    ),
    Country(
        "RU",
        0.05,
        (("ООО", "OOO", "Общество с ограниченной ответственностью"), ("АО", "AO")),
        True,
        "«{t} {s}{x}»",
        (
            "Иванов",
            "Петров",
            "Смирнов",
            "Кузнецов",
            "Попов",
            "Соколов",
            "Лебедев",
            "Козлов",
            "Новиков",
            "Морозов",
            "Волков",
            "Соловьёв",
            "Васильев",
            "Зайцев",
            "Павлов",
            "Семёнов",
            "Голубев",
            "Виноградов",
            "Богданов",
            "Воробьёв",
        ),
        (
            "Стройснаб",
            "Инструмент",
            "Техника",
            "Электро",
            "Сантехкомплект",
            "Машстрой",
            "Металлторг",
            "Промснаб",
            "Монтаж",
            "Лесторг",
            "Теплосервис",
            "Краски",
            "Металлоконструкции",
            "Спецстрой",
            "Столярка",
        ),
        ("", " Север", " Юг", " и Сыновья", " Сервис", " Центр", " Партнёр", " Групп", " Запад", " Торг"),
        (
            ("Москва", "Москва", "101"),
            ("Санкт-Петербург", "Санкт-Петербург", "190"),
            ("Казань", "Татарстан", "420"),
            ("Екатеринбург", "Свердловская область", "620"),
            ("Новосибирск", "Новосибирская область", "630"),
            ("Калининград", "Калининградская область", "236"),
        ),
        "{p}{n3}",
        "ул. {w}, д. {n}",
        ("Ленина", "Промышленная", "Садовая", "Заводская", "Советская"),
        "ru",
        "7",
        ("301", 10),
        ("912", 10),
        ("Алексей", "Елена", "Сергей", "Ольга", "Дмитрий", "Наталья", "Андрей", "Татьяна", "Михаил", "Ирина"),
        ("Начальник отдела закупок", "Генеральный директор", "Бухгалтерия", "Прораб", "Закупщик"),
    ),
)


#: German registration courts (Amtsgerichte) as python-stdnum's Handelsregisternummer expects them
DE_COURTS = (
    "Charlottenburg",
    "Hamburg",
    "München",
    "Köln",
    "Stuttgart",
    "Leipzig",
    "Frankfurt am Main",
    "Düsseldorf",
)


def _digits(rng: np.random.Generator, n: int, width: int, first_nonzero: bool = True) -> np.ndarray:
    d = rng.integers(0, 10, size=(n, width))
    if first_nonzero and width:
        d[:, 0] = rng.integers(1, 10, size=n)
    return d


def _luhn_check(payload: np.ndarray) -> np.ndarray:
    """Luhn check digit of each row of digits (the check digit follows the payload)."""
    d = payload[:, ::-1].copy()
    doubled = d[:, 0::2] * 2
    d[:, 0::2] = np.where(doubled > 9, doubled - 9, doubled)
    return (10 - d.sum(axis=1) % 10) % 10


def _weighted_mod11(payload: np.ndarray, weights: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Append ``sum(w*d) % 11`` as check digit, redrawing the last payload digit where it would be 10."""
    w = np.array(weights)
    out = payload.copy()
    for _ in range(20):
        check = (out * w).sum(axis=1) % 11
        bad = check == 10
        if not bad.any():
            break
        out[bad, -1] = rng.integers(0, 10, size=int(bad.sum()))
    return np.column_stack([out, check])


def _join(d: np.ndarray) -> list[str]:
    return ["".join(map(str, row)) for row in d.tolist()]


def tax_ids(code: str, n: int, rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """``n`` (tax_id, registration_id) pairs valid for country ``code`` (check digits included).

    Both come in the form the registry stores (:func:`clientbase.registry.rules.clean_tax_id` and
    :func:`~clientbase.registry.rules.clean_registration_id`), so that an exported list of demo records
    imported back changes nothing: org.nr ``5560125790``, SIREN ``732829320``, ``Charlottenburg HRB 58897``.

    Example:
        >>> from stdnum.eu import vat
        >>> tax, reg = tax_ids("DE", 2, np.random.default_rng(1))
        >>> all(vat.is_valid(t) for t in tax)
        True
        >>> tax_ids("SE", 1, np.random.default_rng(0))[1][0].isdigit()
        True
    """
    from clientbase.registry.rules import clean_registration_id, clean_tax_id

    tax, reg = _written_ids(code, n, rng)
    return [clean_tax_id(t, code) for t in tax], [clean_registration_id(r, code) for r in reg]


def _written_ids(code: str, n: int, rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """``n`` (tax_id, registration_id) pairs of ``code`` as people write them (``556012-5790``)."""
    if code == "SE":
        d = np.column_stack([np.full((n, 3), [5, 5, 6]), _digits(rng, n, 6, False)])
        num = _join(np.column_stack([d, _luhn_check(d)]))
        return [f"SE{x}01" for x in num], [f"{x[:6]}-{x[6:]}" for x in num]
    if code == "DE":
        d = _digits(rng, n, 8)
        p = np.full(n, 10)
        for i in range(8):
            s = (d[:, i] + p) % 10
            s = np.where(s == 0, 10, s)
            p = (2 * s) % 11
        num = _join(np.column_stack([d, (11 - p) % 10]))
        hrb = rng.integers(10000, 99999, size=n).tolist()
        court = rng.integers(0, len(DE_COURTS), size=n).tolist()
        return [f"DE{x}" for x in num], [f"{DE_COURTS[c]} HRB {h}" for c, h in zip(court, hrb, strict=True)]
    if code == "FR":
        d = _digits(rng, n, 8)
        siren = np.column_stack([d, _luhn_check(d)])
        value = (siren * (10 ** np.arange(8, -1, -1))).sum(axis=1)
        key = (12 + 3 * (value % 97)) % 97
        s = _join(siren)
        return [f"FR{k:02d}{x}" for k, x in zip(key.tolist(), s, strict=True)], [
            f"{x[:3]} {x[3:6]} {x[6:]}" for x in s
        ]
    if code == "GB":
        d = _digits(rng, n, 7)
        check = (-(d * np.array([8, 7, 6, 5, 4, 3, 2])).sum(axis=1)) % 97
        num = _join(np.column_stack([d, check // 10, check % 10]))
        reg = rng.integers(1_000_000, 9_999_999, size=n).tolist()
        return [f"GB{x}" for x in num], [f"0{r}" for r in reg]
    if code == "NL":
        full = _weighted_mod11(_digits(rng, n, 8), (9, 8, 7, 6, 5, 4, 3, 2), rng)
        kvk = rng.integers(10_000_000, 99_999_999, size=n).tolist()
        return [f"NL{x}B01" for x in _join(full)], [str(k) for k in kvk]
    if code == "PL":
        full = _weighted_mod11(_digits(rng, n, 9), (6, 5, 7, 2, 3, 4, 5, 6, 7), rng)
        regon = _digits(rng, n, 8)
        regon_check = (regon * np.array([8, 9, 2, 3, 4, 5, 6, 7])).sum(axis=1) % 11 % 10
        return [f"PL{x}" for x in _join(full)], _join(np.column_stack([regon, regon_check]))
    if code in ("FI", "DK"):
        weights = (7, 9, 10, 5, 8, 4, 2) if code == "FI" else (2, 7, 6, 5, 4, 3, 2)
        d = _digits(rng, n, 7)
        for _ in range(20):
            check = (-(d * np.array(weights)).sum(axis=1)) % 11
            bad = check == 10
            if not bad.any():
                break
            d[bad, -1] = rng.integers(0, 10, size=int(bad.sum()))
        num = _join(np.column_stack([d, check]))
        reg = [f"{x[:7]}-{x[7]}" for x in num] if code == "FI" else list(num)
        return [f"{code}{x}" for x in num], reg
    if code == "ES":
        letters = rng.choice(np.array(["A", "B"]), size=n).tolist()
        bodies = [f"{letter}{x}" for letter, x in zip(letters, _join(_digits(rng, n, 7, False)), strict=True)]
        cifs = [b + es_cif.calc_check_digits(b)[0] for b in bodies]
        return [f"ES{c}" for c in cifs], cifs
    if code == "RU":
        d = _digits(rng, n, 9)
        check = (d * np.array([2, 4, 10, 3, 5, 9, 4, 6, 8])).sum(axis=1) % 11 % 10
        inn = _join(np.column_stack([d, check]))
        ogrn12 = rng.integers(10**11, 10**12, size=n)
        ogrn_check = ogrn12 % 11 % 10
        return inn, [f"{a}{b}" for a, b in zip(ogrn12.tolist(), ogrn_check.tolist(), strict=True)]
    raise ValueError(f"no tax identifier rule for country {code!r}")
