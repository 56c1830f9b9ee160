"""Each comparison on pairs a person can check: which level two records reach."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa
import pytest

from clientbase.dedupe.comparisons import comparisons_for
from clientbase.dedupe.normalise import normalise_records


def level(roles: dict[str, Any], left: dict[str, str | None], right: dict[str, str | None], name: str) -> str:
    """The label of the first level of comparison ``name`` that the pair (left, right) meets."""
    columns = sorted({c for cols in roles.values() for c in ([cols] if isinstance(cols, str) else cols)})
    table = pa.table(
        {"id": ["l", "r"], **{c: pa.array([left.get(c), right.get(c)], pa.string()) for c in columns}}
    )
    keys = normalise_records(table, id_col="id", roles=roles)
    con = duckdb.connect()
    con.register("k", keys)
    select = ", ".join(f'l."{c}" AS "{c}_l", r."{c}" AS "{c}_r"' for c in keys.column_names)
    con.execute(
        f"CREATE TABLE p AS SELECT {select} FROM k l, k r WHERE l.unique_id = 'l' AND r.unique_id = 'r'"
    )
    comparison = next(c for c in comparisons_for(set(keys.column_names)) if c["output_column_name"] == name)
    for lv in comparison["comparison_levels"]:
        if lv["sql_condition"] == "ELSE" or con.execute(f"SELECT {lv['sql_condition']} FROM p").fetchone()[0]:
            return str(lv["label_for_charts"])
    raise AssertionError("no level")


PERSON = {"given_name": "g", "family_name": "f", "city": "c"}


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        (("John", "Smith"), ("john", "SMITH"), "same given name"),
        (("John", "Smith"), ("Smith", "John"), "same given name"),  # the columns swapped
        (("Bill", "Smith"), ("William", "Smith"), "nickname of the same name"),
        (("Sasha", "Petrov"), ("Aleksandr", "Petrov"), "nickname of the same name"),
        (("Саша", "Петров"), ("Александр", "Петров"), "nickname of the same name"),
        (("Hans", "Müller"), ("Johannes", "Müller"), "nickname of the same name"),
        (("J.", "Smith"), ("John", "Smith"), "initial of the same name"),
        (("Jhon", "Smith"), ("John", "Smith"), "one letter off"),
        (("Klaus-Jürgen", "Weber"), ("Klaus", "Weber"), "same first given name"),
        (("Jon", "Smiht"), ("Smith", "John"), "swapped with the family name, nearly the same"),
        (("John", "Smith"), ("Mary", "Smith"), "different"),
        ((None, "Smith"), ("Mary", "Smith"), "missing"),
    ],
)
def test_given_names(left: tuple[str | None, str], right: tuple[str | None, str], expected: str) -> None:
    pair = ({"g": left[0], "f": left[1]}, {"g": right[0], "f": right[1]})
    assert level(PERSON, *pair, "given_name") == expected


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("Smith", "smith", "same family name"),
        ("van der Berg", "Vanderberg", "same family name"),
        ("Müller", "Mueller", "same family name, umlauts written out"),
        ("Smith", "Smiht", "one letter off"),
        ("Müller-Lüdenscheidt", "Müller", "one part of a double name"),
        ("Smith", "Jones", "different"),
    ],
)
def test_family_names(left: str, right: str, expected: str) -> None:
    assert level(PERSON, {"g": "Anna", "f": left}, {"g": "Anna", "f": right}, "family_name") == expected


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("19870305", "19870305", "same date"),
        ("19870305", "19870503", "day and month swapped"),
        ("19870305", "19870306", "one digit off"),
        ("19870305", "19870350", "one digit off"),  # transposed digits: not a date, still compared
        ("19870305", "19870322", "same year and month"),
        ("19870305", "19880101", "within a year"),
        ("19870305", "19500101", "different"),
    ],
)
def test_birth_dates(left: str, right: str, expected: str) -> None:
    roles = {"family_name": "f", "birth_date": "d"}
    assert level(roles, {"f": "Berg", "d": left}, {"f": "Berg", "d": right}, "birth_date") == expected


def test_birth_dates_in_other_formats() -> None:
    roles = {"family_name": "f", "birth_date": "d"}
    # a column of dd.mm.yyyy dates (German, Russian); a time stamp at midnight as a spreadsheet writes it
    assert level(roles, {"f": "B", "d": "05.03.1987"}, {"f": "B", "d": "03.05.1987"}, "birth_date") == (
        "day and month swapped"
    )
    assert level(
        roles, {"f": "B", "d": "1987-03-05 00:00:00"}, {"f": "B", "d": "1987-03-05"}, "birth_date"
    ) == ("same date")


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("1804974", "1804974", "same"),
        ("1804974", "1809474", "one character off"),  # transposed
        ("1804974", "1804975", "one character off"),
        ("1804974", "1800975", "two characters off"),
        ("1804974", "5551234", "different"),
    ],
)
def test_national_ids(left: str, right: str, expected: str) -> None:
    roles = {"family_name": "f", "national_id": "n"}
    assert level(roles, {"f": "B", "n": left}, {"f": "B", "n": right}, "national_id") == expected


COMPANY = {"name": "n", "city": "c"}


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("Müller Bau GmbH", "Müller Bau Gesellschaft mit beschränkter Haftung", "same name"),
        ("ООО «Ромашка»", "OOO Romashka", "same name"),
        ("Nordic Tools AB", "Tools Nordic Aktiebolag", "same words, other order"),
        ("Müller Bau GmbH", "Mueller Bau GmbH", "same name, umlauts written out"),
        ("Schmidt Logistik AG", "Schmidt Logistk AG", "one letter off"),
        ("Filiale 1 GmbH", "Filiale 2 GmbH", "different"),  # one letter apart, but another number
        ("Müller Bau GmbH", "Müller Bau Nord GmbH", "one name within the other"),
        ("Acme Widgets Ltd", "Zenith Tools Ltd", "different"),
    ],
)
def test_company_names(left: str, right: str, expected: str) -> None:
    assert level(COMPANY, {"n": left, "c": "X"}, {"n": right, "c": "X"}, "name") == expected


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("Müller Bau GmbH", "Müller Bau AG", "legal forms of different kinds"),
        ("Müller Bau GmbH", "Müller Bau GmbH & Co. KG", "legal forms of different kinds"),
        ("Müller SA", "Müller AG", "missing"),  # one kind (joint-stock): neutral
        ("Müller GmbH", "Müller G.m.b.H.", "missing"),
        ("Müller", "Müller GmbH", "missing"),
    ],
)
def test_legal_forms(left: str, right: str, expected: str) -> None:
    assert level(COMPANY, {"n": left, "c": "X"}, {"n": right, "c": "X"}, "legal_form") == expected


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ({"e": "info@acme.de"}, {"d": "www.acme.de"}, "same company domain"),
        ({"d": "@acme.de"}, {"d": "acme.com"}, "same domain name, other ending"),
        ({"d": "mueller-bau.de"}, {"d": "muellerbau.de"}, "same domain name, other ending"),
        ({"e": "anna@gmail.com"}, {"d": "gmail.com"}, "missing"),  # free mail is no company's domain
        ({"d": "acme.de"}, {"d": "zenith.de"}, "different"),
    ],
)
def test_email_and_domains(left: dict[str, str], right: dict[str, str], expected: str) -> None:
    roles = {"name": "n", "email": "e", "domain": "d"}
    assert level(roles, {"n": "A", **left}, {"n": "A", **right}, "email") == expected


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("DE 123 456 789", "123456789", "same"),
        ("DE123456789", "DE123456780", "one character off"),
        ("DE123456789", "DE987654321", "different"),
    ],
)
def test_vat_ids(left: str, right: str, expected: str) -> None:
    roles = {"name": "n", "tax_id": "t"}
    assert level(roles, {"n": "A", "t": left}, {"n": "A", "t": right}, "tax_id") == expected


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("+49 30 1234567", "030 1234567", "same number"),
        ("+49 30 1234567", "+49 40 1234567", "same last 7 digits"),
        ("+49 30 1234567", "+49 30 1234568", "one digit off"),
    ],
)
def test_phones(left: str, right: str, expected: str) -> None:
    roles = {"name": "n", "phone": "p", "country": "k"}
    assert (
        level(roles, {"n": "A", "p": left, "k": "DE"}, {"n": "A", "p": right, "k": "DE"}, "phone") == expected
    )


PLACE = {"family_name": "f", "address": ["no", "street"], "postcode": "z", "city": "c", "region": "s"}


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        (("7", "Wallaby Place", "2119", "Delmar"), ("7", "wallaby pl", "2119", "Delmar"), "same address"),
        (("7", "Wallaby Place", "2119", "Delmar"), ("7", "wallabyplace", "2119", None), "same address"),
        (("7", "Goethestraße", "10115", "Berlin"), ("7", "Goethestr.", "10115", "Berlin"), "same address"),
        (
            ("7", "Wallaby Place", "2119", "Delmar"),
            ("7", "Walaby Place", "2119", "Delmar"),
            "similar address",
        ),
        (
            ("7", "Wallaby Place", "2119", "Delmar"),
            ("9", "Wallaby Place", "2119", "Delmar"),
            "same street, other number",
        ),
        (
            ("7", "Wallaby Place", "2119", "Delmar"),
            ("7", "Wallaby Place", "3000", "Fitzroy"),
            "same address, other postcode and city",
        ),
        (
            ("7", "Wallaby Place", "2119", "Delmar"),
            ("3", "Kent Road", "2119", "Delmar"),
            "same postcode and city, other address",
        ),
        (("7", "Wallaby Place", "2119", "Delmar"), (None, None, "2119", "Delmar"), "same postcode and city"),
        (("7", "Wallaby Place", "2119", "Delmar"), ("3", "Kent Road", "3000", "Fitzroy"), "same region"),
    ],
)
def test_places(left: tuple[str | None, ...], right: tuple[str | None, ...], expected: str) -> None:
    def record(values: tuple[str | None, ...]) -> dict[str, str | None]:
        return {"f": "Berg", "no": values[0], "street": values[1], "z": values[2], "c": values[3], "s": "nsw"}

    assert level(PLACE, record(left), record(right), "place") == expected
