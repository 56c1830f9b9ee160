"""Reading any list: roles guessed from headers in several languages, or given."""

from __future__ import annotations

from pathlib import Path

import pytest

from clientbase.dedupe.files import guess_roles, parse_columns, read_records
from clientbase.errors import ConfigurationError


def test_roles_are_guessed_from_german_russian_and_english_headers() -> None:
    assert guess_roles(["Kundnr", "Firma", "USt-IdNr.", "Telefon", "PLZ", "Ort", "Bemerkung"]) == {
        "name": "Firma",
        "tax_id": "USt-IdNr.",
        "phone": "Telefon",
        "postcode": "PLZ",
        "city": "Ort",
    }
    assert guess_roles(["Company", "E-mail", "Website"]) == {
        "name": "Company",
        "email": "E-mail",
        "website": "Website",
    }
    assert guess_roles(["Телефон"]) == {"phone": "Телефон"}


def test_columns_option_is_parsed_and_checked() -> None:
    assert parse_columns("name=Firma, phone = Tel.") == {"name": "Firma", "phone": "Tel."}
    assert parse_columns(None) == {}
    with pytest.raises(ConfigurationError, match="not role=COLUMN"):
        parse_columns("name")
    with pytest.raises(ConfigurationError, match="unknown role 'vat'"):
        parse_columns("vat=USt")


def test_read_records_keys_rows_by_number_and_names_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "kunden.csv"
    path.write_text("Firma;Ort\nMüller GmbH;Berlin\n\nSchmidt AG;Hamburg\n", encoding="cp1252")
    records = read_records(path)
    assert records.id_col == "row"
    assert records.roles == {"name": "Firma", "city": "Ort"}
    # row numbers are the sheet's (header row 1) and count the empty line: the data rows are 2 and 4
    assert records.table.column("row").to_pylist() == ["2", "4"]
    assert records.table.column("Firma").to_pylist() == ["Müller GmbH", "Schmidt AG"]
    with pytest.raises(ConfigurationError, match="no column 'Nr'"):
        read_records(path, id_col="Nr")
    with pytest.raises(ConfigurationError, match="which column holds the name"):
        read_records(path, columns={}, id_col="Firma")
