"""Column roles guessed from headers in each language, and from values where headers say nothing."""

from __future__ import annotations

import pytest

from clientbase.dedupe.files import parse_columns
from clientbase.dedupe.roles import guess_roles, header_roles
from clientbase.dedupe.sniff import company_name_share, person_name_shares, value_shares

PEOPLE = {
    "en": [
        "given_name",
        "surname",
        "date_of_birth",
        "soc_sec_id",
        "street_number",
        "address_1",
        "suburb",
        "postcode",
        "state",
    ],
    "de": [
        "Vorname",
        "Nachname",
        "Geburtsdatum",
        "Steuer-ID",
        "Hausnummer",
        "Straße",
        "Ort",
        "PLZ",
        "Bundesland",
    ],
    "fr": [
        "Prénom",
        "Nom de famille",
        "Date de naissance",
        "Numéro de sécurité sociale",
        "Numéro",
        "Rue",
        "Ville",
        "Code postal",
        "Département",
    ],
    "sv": [
        "Förnamn",
        "Efternamn",
        "Födelsedatum",
        "Personnummer",
        "Gatunummer",
        "Gatuadress",
        "Postort",
        "Postnummer",
        "Län",
    ],
    "ru": ["Имя", "Фамилия", "Дата рождения", "СНИЛС", "Дом", "Улица", "Город", "Почтовый индекс", "Регион"],
}
ROLES_IN_ORDER = [
    "given_name",
    "family_name",
    "birth_date",
    "national_id",
    "address",
    "address",
    "city",
    "postcode",
    "region",
]


@pytest.mark.parametrize("language", sorted(PEOPLE))
def test_people_headers_in_five_languages(language: str) -> None:
    headers = PEOPLE[language]
    roles = guess_roles(headers)
    expected: dict[str, str | list[str]] = {}
    for role, header in zip(ROLES_IN_ORDER, headers, strict=True):
        if role == "address":
            expected.setdefault("address", []).append(header)  # type: ignore[union-attr]
        else:
            expected[role] = header
    assert roles == expected


def test_company_headers_with_a_domain_column() -> None:
    assert guess_roles(["Firma", "USt-IdNr.", "E-Mail-Domain", "Telefon", "PLZ", "Ort"]) == {
        "name": "Firma",
        "tax_id": "USt-IdNr.",
        "domain": "E-Mail-Domain",
        "phone": "Telefon",
        "postcode": "PLZ",
        "city": "Ort",
    }
    assert guess_roles(["name", "vat_id", "email_domain"]) == {
        "name": "name",
        "tax_id": "vat_id",
        "domain": "email_domain",
    }
    assert guess_roles(["Компания", "ИНН", "Домен", "Телефон"])["domain"] == "Домен"


def test_a_bare_name_beside_a_given_name_is_the_family_name() -> None:
    assert guess_roles(["Vorname", "Name", "Ort"]) == {
        "given_name": "Vorname",
        "family_name": "Name",
        "city": "Ort",
    }
    assert guess_roles(["Prénom", "Nom"]) == {"given_name": "Prénom", "family_name": "Nom"}
    # without a given name, "Name" is a company's name
    assert guess_roles(["Name", "Ort"]) == {"name": "Name", "city": "Ort"}


def test_fuzzy_headers() -> None:
    assert header_roles(["Geburtsdatum:", "Vor-Name", "E-Mail Domäne"]) == {
        "Geburtsdatum:": "birth_date",
        "Vor-Name": "given_name",
        "E-Mail Domäne": "domain",
    }


def test_roles_from_values_where_headers_say_nothing() -> None:
    columns = {
        "A": ["Anna", "Johann", "Ingrid", "Pierre", "Иван"],
        "B": ["Berg", "Müller", "Lindqvist", "Dupont", "Иванов"],
        "C": ["1987-03-05", "05.11.1990", "1975-12-01", "2001-01-31", "1960-06-06"],
        "D": ["anna@berg.se", "jm@example.de", "i.l@mail.se", "p@dupont.fr", "ivan@mail.ru"],
        "E": ["+46 8 123 45 67", "030 1234567", "08-765 43 21", "+33 1 23 45 67 89", "+7 495 123-45-67"],
    }
    assert guess_roles(list(columns), columns) == {
        "given_name": "A",
        "family_name": "B",
        "birth_date": "C",
        "email": "D",
        "phone": "E",
    }


def test_a_name_column_of_people_is_a_full_name_and_of_firms_a_company_name() -> None:
    people = {"Name": ["Anna Berg", "Berg, Anna", "John Smith", "Marie Dupont", "Hans Müller"]}
    assert guess_roles(["Name", "Ort"], people) == {"full_name": "Name", "city": "Ort"}
    firms = {"Name": ["Müller Bau GmbH", "Nordic Tools AB", "Acme Ltd", "Dupont SARL", "ООО Ромашка"]}
    assert guess_roles(["Name", "Ort"], firms) == {"name": "Name", "city": "Ort"}


def test_value_shares_by_hand() -> None:
    shares = value_shares(["acme.de", "www.nordic.se", "@dupont.fr", "info@acme.de"])
    assert shares["domain"] == 0.75  # three domains; the e-mail address is not one
    assert shares["email"] == 0.25
    assert value_shares(["DE136695976", "DE136695977", "nonsense"])["tax_id"] == pytest.approx(
        1 / 3
    )  # check digit
    assert person_name_shares(["Anna", "Smith, John"])["full_name"] == 0.5
    assert company_name_share(["Acme GmbH", "Anna Berg"]) == 0.5


def test_columns_option_takes_several_address_lines() -> None:
    assert parse_columns("given_name=Vorname,address=Hausnummer,address=Straße") == {
        "given_name": "Vorname",
        "address": ["Hausnummer", "Straße"],
    }


@pytest.mark.parametrize(
    ("given", "family"),
    [
        (["James", "Mary", "Robert", "Linda", "David"], ["Smith", "Johnson", "Brown", "Taylor", "Wilson"]),
        (
            ["Jürgen", "Ursula", "Klaus", "Monika", "Stefan"],
            ["Müller", "Schmidt", "Schneider", "Fischer", "Weber"],
        ),
        (
            ["Jean", "Marie", "Pierre", "Nathalie", "Philippe"],
            ["Martin", "Bernard", "Dubois", "Lefebvre", "Moreau"],
        ),
        (
            ["Lars", "Karin", "Anders", "Ingrid", "Erik"],
            ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson"],
        ),
        (
            ["Иван", "Ольга", "Сергей", "Татьяна", "Дмитрий"],
            ["Иванов", "Смирнов", "Кузнецов", "Попов", "Соколов"],
        ),
    ],
    ids=["en", "de", "fr", "sv", "ru"],
)
def test_given_and_family_names_told_apart_by_their_values(given: list[str], family: list[str]) -> None:
    columns = {"c1": family, "c2": given}
    assert guess_roles(["c1", "c2"], columns) == {"given_name": "c2", "family_name": "c1"}
