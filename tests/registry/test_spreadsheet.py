"""Reading messy spreadsheets, parsing their cells, and suggesting / saving the column mapping (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from clientbase.errors import ConfigurationError, ValidationError
from clientbase.imports import cells, mapping
from clientbase.imports.spreadsheet import detect_encoding, list_sheets, read_table, sniff_delimiter
from tests.registry.conftest import write_anna, write_claire, write_ivan, write_sven

# -- files ----------------------------------------------------------------------------------------------------


def test_anna_cp1252_semicolons_title_line_and_empty_row(tmp_path: Path) -> None:
    table = read_table(write_anna(tmp_path))
    assert (table.encoding, table.delimiter) == ("cp1252", ";")
    assert table.headers[0] == "Firma" and table.headers[-1] == "Ansprechpartner"
    # rows as a spreadsheet shows them: title 1, empty 2, header 3, data 4, the empty row 5 skipped, data 6 and 7
    assert [number for number, _ in table.rows] == [4, 6, 7]
    assert table.rows[0][1][0] == "Müller Werkzeuge GmbH"


def test_ivan_cp1251_commas_and_quoted_decimal_commas(tmp_path: Path) -> None:
    table = read_table(write_ivan(tmp_path))
    assert (table.encoding, table.delimiter) == ("cp1251", ",")
    assert table.headers[6] == "Отсрочка платежа, дней"
    assert table.rows[0][1][8] == "1 500 000,00"


def test_sven_utf8_with_bom(tmp_path: Path) -> None:
    table = read_table(write_sven(tmp_path))
    assert table.encoding == "utf-8-sig"
    assert table.headers[0] == "Customer Name"  # no BOM left in the first header


def test_claire_xlsx_sheets_title_row_and_merged_header(tmp_path: Path) -> None:
    path = write_claire(tmp_path)
    assert list_sheets(path) == ["Clients", "Notes"]
    table = read_table(path)
    assert table.sheet == "Clients" and table.sheets == ["Clients", "Notes"]
    assert table.headers[-2:] == ["Contact Nom", "Contact Téléphone"]
    assert [number for number, _ in table.rows] == [4, 5]  # title 1, header 2, sub-headers 3
    assert table.rows[0][1][0] == "Les Fromages Réunis SARL"  # trailing spaces gone
    assert table.rows[0][1][8] == dt.date(2022, 6, 1)
    assert table.rows[1][1][7] == 7500.5
    assert read_table(path, sheet="Notes").headers == ["nothing here"]


def test_workbook_rows_count_the_empty_area_above_and_left(tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "offset.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Kunden")
    sheet.write_row(2, 1, ["Firma", "Land"])  # the header in B3
    sheet.write_row(3, 1, ["Nordic Tools AB", "SE"])
    sheet.write_row(5, 1, ["Öresund Trä AB", "SE"])  # row 5 left empty
    book.close()
    table = read_table(path)
    assert table.headers == ["Firma", "Land"]
    assert [number for number, _ in table.rows] == [4, 6]  # as the spreadsheet shows them


def write_ods(path: Path, sheet: str, rows: list[list[object]]) -> Path:
    """A minimal OpenDocument spreadsheet, written by hand (no ODS writer is installed)."""
    import zipfile

    def cell(value: object) -> str:
        if isinstance(value, str):
            return f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'
        return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'

    body = "".join("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows)
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2"><office:body>'
        f'<office:spreadsheet><table:table table:name="{sheet}">{body}</table:table></office:spreadsheet>'
        "</office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


def test_ods_workbook(tmp_path: Path) -> None:
    path = write_ods(
        tmp_path / "kunden.ods", "Kunden", [["Firma ", "Land", "Zahlungsziel"], ["Nordic Tools AB", "SE", 30]]
    )
    assert list_sheets(path) == ["Kunden"]
    table = read_table(path)
    assert (table.headers, table.rows) == (
        ["Firma", "Land", "Zahlungsziel"],
        [(2, ["Nordic Tools AB", "SE", 30])],  # the header is row 1
    )


def test_merged_header_in_a_csv_export(tmp_path: Path) -> None:
    path = tmp_path / "merged.csv"
    path.write_text("Firma;Kontakt;;Ort\n;Name;Telefon;\nACME GmbH;Eva;0301234567;Berlin\n", encoding="utf-8")
    table = read_table(path)
    assert table.headers == ["Firma", "Kontakt Name", "Kontakt Telefon", "Ort"]
    # header 1, sub-headers 2, data 3; CSV cells stay text
    assert table.rows == [(3, ["ACME GmbH", "Eva", "0301234567", "Berlin"])]


def test_encoding_can_be_overridden(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("Firma;Ort\nCafé Zürich;Zürich\n".encode("latin-1"))
    assert read_table(path, encoding="latin-1").rows[0][1] == ["Café Zürich", "Zürich"]
    # read as cp1251 the same bytes give Cyrillic letters: the user's choice is obeyed
    assert read_table(path, encoding="cp1251").rows[0][1][0] != "Café Zürich"


def test_detect_encoding_of_each_legacy_code_page() -> None:
    assert detect_encoding("Компания;Город\nООО Ромашка;Москва\n".encode("cp1251")) == "cp1251"
    assert detect_encoding("Société;Pays\nCrème & Cie;France\n".encode("cp1252")) == "cp1252"
    assert detect_encoding(b"plain ascii\n") == "utf-8"


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [("a,b\n1,2\n", ","), ("a;b\n1,5;2\n", ";"), ("a\tb\n1\t2\n", "\t"), ("a|b|c\n1|2|3\n", "|")],
)
def test_sniff_delimiter(text: str, delimiter: str) -> None:
    assert sniff_delimiter(text) == delimiter


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", None, "file not found"),
        ("empty.csv", b"", "no data"),
        ("blank.csv", b";;\n;;\n", "no data"),
        ("binary.csv", b"\x00\x01\x02abc", "not a text file"),
        ("broken.xlsx", b"not a zip", "not a readable workbook"),
    ],
)
def test_bad_files_are_clear_errors(tmp_path: Path, name: str, content: bytes | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ValidationError, match=message):
        read_table(path)


def test_wrong_sheet_and_bad_options(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="the sheets are: Clients, Notes"):
        read_table(write_claire(tmp_path), sheet="Kunden")
    with pytest.raises(ConfigurationError, match="no sheets"):
        read_table(write_anna(tmp_path), sheet="x")
    with pytest.raises(ConfigurationError, match="Unknown encoding"):
        read_table(write_anna(tmp_path), encoding="klingon")
    path = tmp_path / "utf16.csv"
    path.write_bytes("Firma\nÄ\n".encode("cp1252"))
    with pytest.raises(ValidationError, match="cannot be read as utf-8"):
        read_table(path, encoding="utf-8")


# -- cells ------------------------------------------------------------------------------------------------------


def test_numbers_with_thousands_separators_and_decimal_commas() -> None:
    assert cells.parse_decimals(["1.234,56", "10.000,00", "2,5"]) == [
        Decimal("1234.56"),
        Decimal("10000.00"),
        Decimal("2.5"),
    ]
    assert cells.parse_decimals(["1,234.56", "50,000.00", "2.5"]) == [
        Decimal("1234.56"),
        Decimal("50000.00"),
        Decimal("2.5"),
    ]
    assert cells.parse_decimals(["1 500 000,00", "€ 12", "(5)"]) == [
        Decimal("1500000.00"),
        Decimal("12"),
        Decimal("-5"),
    ]
    assert cells.parse_decimals(["1'234.50", "12 kr"]) == [Decimal("1234.50"), Decimal("12")]


def test_an_ambiguous_column_follows_the_file() -> None:
    assert cells.parse_decimals(["1.500"], decimal_comma=True) == [Decimal("1500")]
    assert cells.parse_decimals(["1.500"], decimal_comma=False) == [Decimal("1.500")]
    assert cells.parse_decimals(["1.250.000"]) == [Decimal("1250000")]


def test_dates_day_first_unless_a_value_says_otherwise() -> None:
    assert cells.parse_dates(["01.02.2024", "13.02.2024"]) == [dt.date(2024, 2, 1), dt.date(2024, 2, 13)]
    assert cells.parse_dates(["02/01/2024", "02/13/2024"]) == [dt.date(2024, 2, 1), dt.date(2024, 2, 13)]
    assert cells.parse_dates(["2024-02-01", "1.2.20", "31.12.99"]) == [
        dt.date(2024, 2, 1),
        dt.date(2020, 2, 1),
        dt.date(1999, 12, 31),
    ]
    assert cells.parse_dates(["31.02.2024", "yesterday"]) == [
        cells.CellError("no such date"),
        cells.CellError("not a date; write it like 2024-05-17 or 17.05.2024"),
    ]


def test_whole_numbers_with_units_and_words_in_other_languages() -> None:
    assert cells.parse_integers(["45 Tage", "30 дней", "net 60", "2,5"]) == [
        45,
        30,
        60,
        cells.CellError("not a whole number"),
    ]
    assert [cells.country_code(c) for c in ("Deutschland", "РФ", "Suède", "FRANCE", "xx")] == [
        "DE",
        "RU",
        "SE",
        "FR",
        "XX",
    ]
    assert cells.enum_word("status", "Активный") == "active"
    assert cells.enum_word("roles", "Kunde, Lieferant") == "customer;supplier"


# -- mapping ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            ["Firma", "USt-IdNr.", "Zahlungsziel (Tage)", "Ansprechpartner"],
            ["name", "tax_id", "payment_days", "contact_name"],
        ),
        (
            ["Компания", "ИНН", "Отсрочка платежа, дней", "Эл. почта"],
            ["name", "tax_id", "payment_days", "email"],
        ),
        (
            ["Société", "N° TVA", "Délai de paiement (jours)", "Courriel"],
            ["name", "tax_id", "payment_days", "email"],
        ),
        (
            ["Customer Name", "VAT No.", "Payment Terms", "Email Address"],
            ["name", "tax_id", "payment_days", "email"],
        ),
        (["Firmenname", "Telefonnummer", "E-Mail-Adresse", "Notiz"], ["name", "phone", "email", None]),
        (["Compnay", "Phnoe", "Emial"], ["name", "phone", "email"]),  # typos: fuzzy
    ],
)
def test_suggest_mapping_in_four_languages_and_with_typos(
    headers: list[str], expected: list[str | None]
) -> None:
    assert list(mapping.suggest(headers).columns.values()) == expected


def test_each_field_takes_one_column_the_best_one() -> None:
    suggested = mapping.suggest(["Tel", "Telefon"])
    assert list(suggested.columns.values()).count("phone") == 1


def test_mapping_round_trips_through_toml(tmp_path: Path) -> None:
    original = mapping.ColumnMapping(
        {"Firma": "name", 'Notiz "alt"\\x': None, "Ort": "city"}, sheet="Kunden", encoding="cp1252"
    )
    path = mapping.save(original, tmp_path / "map.toml")
    loaded = mapping.load(path)
    assert (loaded.columns, loaded.sheet, loaded.encoding) == (original.columns, "Kunden", "cp1252")


def test_bad_mapping_files_and_mappings(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not found"):
        mapping.load(tmp_path / "none.toml")
    (tmp_path / "bad.toml").write_text("columns = [", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        mapping.load(tmp_path / "bad.toml")
    (tmp_path / "shape.toml").write_text("[columns]\nFirma = 3\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="strings"):
        mapping.load(tmp_path / "shape.toml")
    problems = mapping.check(
        mapping.ColumnMapping({"A": "name", "B": "name", "C": "colour"}), ["A", "B", "C", "D"]
    )
    assert problems == [
        "'C' maps to unknown field 'colour'",
        "'D' is in the file but not in the mapping (map it or set it to \"\")",
        "'name' is mapped from both 'A' and 'B'",
    ]
    assert "no column maps to name" in mapping.check(mapping.ColumnMapping({"A": "city"}), ["A"])[0]
