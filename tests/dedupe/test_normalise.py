"""Normalised keys: company names in several languages and scripts, phones, e-mails, IDs, postcodes."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientbase.dedupe.normalise import (
    clean_text,
    legal_form_terms,
    normalise_company_names,
    normalise_records,
)
from clientbase.errors import ConfigurationError


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Müller Bau GmbH", "muller bau"),  # German
        ("Siemens AG", "siemens"),
        ("Schmidt Logistik GmbH & Co. KG", "schmidt logistik"),
        ("Nordic Tools AB", "nordic tools"),  # Swedish, suffix
        ("AB Volvo", "volvo"),  # Swedish, prefix
        ("Dupont et Fils SARL", "dupont et fils"),  # French
        ("Dupont et Fils S.A.R.L.", "dupont et fils"),
        ("Société Générale S.A.", "societe generale"),
        ("ООО Ромашка", "romashka"),  # Russian, Cyrillic legal form in front
        ("OOO Romashka", "romashka"),  # the same firm written in Latin script
        ("Acme Widgets Ltd.", "acme widgets"),  # English
        ("Acme Widgets Limited", "acme widgets"),
        ("Apple Inc", "apple"),
        ("Compañía Ejemplo S.L.", "compania ejemplo"),  # Spanish
        ("Telefónica, S.A.", "telefonica"),
    ],
)
def test_company_names_lose_legal_form_script_case_and_punctuation(raw: str, expected: str) -> None:
    assert normalise_company_names([raw]) == [expected]


def test_a_name_that_is_only_a_legal_form_is_kept_and_missing_stays_missing() -> None:
    assert normalise_company_names(["GmbH", None, ""]) == ["gmbh", None, None]


def test_word_order_is_folded_in_name_sorted() -> None:
    table = pa.table({"id": ["1", "2"], "name": ["Tools Nordic AB", "NORDIC TOOLS"]})
    out = normalise_records(table, id_col="id", roles={"name": "name"})
    assert out.column("name_sorted").to_pylist() == ["nordic tools", "nordic tools"]
    assert out.column("name_base").to_pylist() == ["tools nordic", "nordic tools"]
    assert out.column("name_tok1").to_pylist() == ["nordic", "nordic"]
    assert out.column("name_tok2").to_pylist() == ["tools", "tools"]


def test_clean_text_twin_and_terms() -> None:
    assert clean_text("Müller & Söhne G.m.b.H.") == "muller sohne gmbh"
    terms = set(legal_form_terms())
    assert {"gmbh", "ag", "ab", "sarl", "sa", "ooo", "ltd", "inc", "sl"} <= terms


def _contacts() -> pa.Table:
    return pa.table(
        {
            "id": [1, 2, 3, 4, 5],
            "name": ["A", "B", "C", "D", "E"],
            "country": ["SE", "se", "DE", "ES", None],
            "tel": ["+46 8 123 45 67", "08-123 45 67", "030 123456", "912 345 678", "0046 8 1234567"],
            "mail": ["Info@Nordic.SE", "anna@gmail.com", None, "not an e-mail", "x@mail.ru"],
            "web": [None, "https://www.nordic.se/kontakt", None, "localhost", None],
            "vat": ["SE 5566-7788 9901", "556677889901", "DE 123 456 789", None, ""],
            "zip": ["753 20", "75320", "10-115", None, "  "],
        }
    )


def test_phones_to_e164_with_the_row_country() -> None:
    out = normalise_records(
        _contacts(), id_col="id", roles={"name": "name", "phone": "tel", "country": "country"}
    )
    # SE drops its trunk 0; Spain has no trunk prefix; 00 means +; no country and no + gives digits only
    assert out.column("phone").to_pylist() == [
        "+4681234567",
        "+4681234567",
        "+4930123456",
        "+34912345678",
        "+4681234567",
    ]
    assert out.column("phone7").to_pylist()[0] == "1234567"


def test_default_country_fills_rows_without_one() -> None:
    table = pa.table({"id": ["1"], "name": ["A"], "tel": ["08-123 45 67"]})
    out = normalise_records(table, id_col="id", roles={"name": "name", "phone": "tel"}, default_country="SE")
    assert out.column("phone").to_pylist() == ["+4681234567"]
    out = normalise_records(table, id_col="id", roles={"name": "name", "phone": "tel"})
    assert out.column("phone").to_pylist() == ["081234567"]


def test_email_domain_skips_free_mail_and_falls_back_to_website() -> None:
    out = normalise_records(
        _contacts(), id_col="id", roles={"name": "name", "email": "mail", "website": "web"}
    )
    assert out.column("email").to_pylist() == ["info@nordic.se", "anna@gmail.com", None, None, "x@mail.ru"]
    assert out.column("domain").to_pylist() == ["nordic.se", "nordic.se", None, None, None]


def test_ids_lose_spaces_punctuation_and_country_prefix_and_postcodes_are_compact() -> None:
    out = normalise_records(
        _contacts(), id_col="id", roles={"name": "name", "tax_id": "vat", "postcode": "zip"}
    )
    assert out.column("tax_id").to_pylist() == ["556677889901", "556677889901", "123456789", None, None]
    assert out.column("postcode").to_pylist() == ["75320", "75320", "10115", None, None]


def test_unknown_role_and_missing_column_say_how_to_fix() -> None:
    table = pa.table({"id": ["1"], "name": ["A"]})
    with pytest.raises(ConfigurationError, match="Unknown column role"):
        normalise_records(table, id_col="id", roles={"name": "name", "vat": "name"})
    with pytest.raises(ConfigurationError, match="'Firma' not in the data"):
        normalise_records(table, id_col="id", roles={"name": "Firma"})
    with pytest.raises(ConfigurationError, match="No name column"):
        normalise_records(table, id_col="id", roles={"city": "name"})
    with pytest.raises(ConfigurationError, match="alpha-2"):
        normalise_records(table, id_col="id", roles={"name": "name"}, default_country="Sweden")


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüßéñ", min_size=1, max_size=8), min_size=1, max_size=4
    ),
    st.sampled_from(["", " GmbH", " AB", " S.A.R.L.", " Ltd.", " S.L."]),
)
def test_word_order_case_and_legal_form_never_change_the_sorted_key(words: list[str], form: str) -> None:
    forward = " ".join(words) + form
    backward = " ".join(reversed(words)).upper() + form
    out = normalise_records(
        pa.table({"id": ["a", "b"], "name": [forward, backward]}), id_col="id", roles={"name": "name"}
    )
    first, second = out.column("name_sorted").to_pylist()
    assert first == second


def _keys(roles: dict, **columns: list) -> list[dict]:
    n = len(next(iter(columns.values())))
    table = pa.table(
        {"id": [str(i) for i in range(n)], **{k: pa.array(v, pa.string()) for k, v in columns.items()}}
    )
    return normalise_records(table, id_col="id", roles=roles).to_pylist()


def test_full_names_are_split_into_given_and_family_name() -> None:
    rows = _keys(
        {"full_name": "n", "city": "c"},
        n=["John Smith", "Smith, John", "Dr. Bill Smith", "Иванов Иван Иванович", "Anna Maria Berg", "Berg"],
        c=["x"] * 6,
    )
    assert [(r["given"], r["family"]) for r in rows] == [
        ("john", "smith"),
        ("john", "smith"),
        ("bill", "smith"),
        ("ivan", "ivanov"),  # Russian order: family, given, patronymic
        ("anna", "berg"),
        (None, "berg"),
    ]
    assert "william" in rows[2]["given_canon"]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1987-03-05", "1990-12-31"], ["19870305", "19901231"]),
        (["19870305", "19901231"], ["19870305", "19901231"]),
        (["05.03.1987", "31.12.1990"], ["19870305", "19901231"]),
        (["05/03/1987", "31/12/1990"], ["19870305", "19901231"]),  # day first
        (["03/05/1987", "12/31/1990"], ["19870305", "19901231"]),  # month first: 12/31 shows it
        (["1987-03-05 00:00:00", None], ["19870305", None]),
        (["31.02.1987", "05.03.1987"], ["19870231", "19870305"]),  # no such day: its digits still count
    ],
)
def test_birth_dates_in_the_column_s_format(values: list, expected: list) -> None:
    rows = _keys({"family_name": "f", "birth_date": "d"}, f=["x"] * len(values), d=values)
    assert [r["birth_digits"] for r in rows] == expected


def test_addresses_domains_and_national_ids() -> None:
    rows = _keys(
        {"name": "n", "address": ["no", "street"], "domain": "d", "national_id": "i"},
        n=["A", "B", "C"],
        no=["7", None, "12"],
        street=["Wallaby Place", "Goethestraße 5", "ул. Ленина"],
        d=["www.Acme.de", "@mueller-bau.de", "https://shop.example.co.uk/x"],
        i=["180-49 74", "AB 123456 C", None],
    )
    assert [r["address"] for r in rows] == ["7 wallaby pl", "gothe st 5", "12 ul lenina"]
    assert [r["address_number"] for r in rows] == ["7", "5", "12"]
    assert [r["domain"] for r in rows] == ["acme.de", "mueller-bau.de", "shop.example.co.uk"]
    assert [r["domain_stem"] for r in rows] == ["acme", "muellerbau", "example"]
    assert [r["national_id"] for r in rows] == ["1804974", "AB123456C", None]


def test_legal_forms_are_kept_with_their_kind() -> None:
    rows = _keys(
        {"name": "n"},
        n=[
            "Müller Bau GmbH & Co. KG",
            "ООО «Ромашка»",
            "Acme Gesellschaft mit beschränkter Haftung",
            "Nordic AB",
        ],
    )
    assert [(r["name_base"], r["legal_form"], r["legal_kind"]) for r in rows] == [
        ("muller bau", "gmbh co kg", "partnership"),
        ("romashka", "ooo", "limited"),
        ("acme", "gmbh", "limited"),
        ("nordic", "ab", "stock"),
    ]
