"""Fixtures of the registry tests: a store with five users, and the managers' spreadsheets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from clientbase import schema
from clientbase.registry.access import Actor
from clientbase.store import Store, connect

HEAD = Actor("M00", "head")
ANNA = Actor("M01", "manager")
IVAN = Actor("M02", "manager")
CLAIRE = Actor("M03", "manager")
OLA = Actor("M09", "analyst")

MANAGERS = [
    {
        "manager_id": "M00",
        "name": "Helga Hoffmann",
        "email": "helga@firma.example",
        "role": "head",
        "active": True,
    },
    {
        "manager_id": "M01",
        "name": "Anna Berg",
        "email": "anna@firma.example",
        "role": "manager",
        "active": True,
    },
    {
        "manager_id": "M02",
        "name": "Ivan Petrov",
        "email": "ivan@firma.example",
        "role": "manager",
        "active": True,
    },
    {
        "manager_id": "M03",
        "name": "Claire Dubois",
        "email": "claire@firma.example",
        "role": "manager",
        "active": True,
    },
    {
        "manager_id": "M09",
        "name": "Ola Nordmann",
        "email": "ola@firma.example",
        "role": "analyst",
        "active": True,
    },
]


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with connect(db_url) as opened:
        with opened.begin() as conn:
            conn.execute(sa.insert(schema.managers), MANAGERS)
        yield opened


def dump(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every registry table, sorted: two dumps are equal when nothing differs at all."""
    tables = ["counterparties", "contacts", "field_history", "field_verification", "owner_transfers"]
    result = {}
    with store.begin() as conn:
        for name in tables:
            rows = conn.execute(sa.select(schema.metadata.tables[name])).all()
            result[name] = sorted((tuple(r) for r in rows), key=repr)
    return result


# -- the managers' spreadsheets ------------------------------------------------------------------------------------

#: Anna Berg (Germany): cp1252, ';', decimal commas and thousands dots, a title line, an empty row, day-first dates
ANNA_CSV = (
    "Kundenliste Anna Berg, Stand März 2024\n"
    "\n"
    "Firma;USt-IdNr.;Land;Ort;Telefon;E-Mail;Zahlungsziel (Tage);Rabatt %;Kreditlimit;Kunde seit;Ansprechpartner\n"
    "Müller Werkzeuge GmbH ;DE136695976;Deutschland;München;089 1234567;info@mueller-werkzeuge.de;30;2,5;10.000,00;17.03.2021;Jürgen Weiß\n"
    ";;;;;;;;;;\n"
    "Bäckerei Öztürk KG;;Österreich;Wien;01 5334455;;14;0;5.000,50;05.11.2022;\n"
    "Schäfer Bau AG;DE811115368;DE;Köln;(0)30 1234567;einkauf@schaefer-bau.de;45 Tage;3,75;1.250.000;1.2.2020;Grete Schäfer\n"
)

#: Ivan Petrov (Russia): cp1251, ',' with quoted decimal commas, Russian headers and words
IVAN_CSV = (
    'Компания,ИНН,Страна,Город,Телефон,Эл. почта,"Отсрочка платежа, дней",Скидка %,Кредитный лимит,Дата создания,Статус\n'
    'ООО «Ромашка»,7707083893,Россия,Москва,+7 495 123-45-67,zakaz@romashka.ru,30,"1,5","1 500 000,00",25.12.2023,активный\n'
    'АО Вектор,7736207543,РФ,Санкт-Петербург,8 812 123-45-67,vektor@mail.ru,60,0,"250 000",01.02.2024,активный\n'
)

#: Claire Dubois (France): an XLSX with a title row and a merged "Contact" header over Nom / Téléphone
CLAIRE_ROWS = [
    (
        "Les Fromages Réunis SARL",
        "FR40303265045",
        "France",
        "Besançon",
        "contact@fromages-reunis.fr",
        30,
        2.5,
        20000,
        dt.date(2022, 6, 1),
        "Marie Curie",
        "06 12 34 56 78",
    ),
    (
        "Crème & Cie",
        "FR23334175221",
        "FRANCE",
        "Orléans",
        None,
        45,
        0,
        7500.5,
        dt.date(2023, 1, 15),
        "Paul Martin",
        "01 42 68 53 00",
    ),
]


def write_anna(folder: Path) -> Path:
    path = folder / "anna_kunden.csv"
    path.write_bytes(ANNA_CSV.encode("cp1252"))
    return path


def write_ivan(folder: Path) -> Path:
    path = folder / "ivan_клиенты.csv"
    path.write_bytes(IVAN_CSV.encode("cp1251"))
    return path


def write_claire(folder: Path) -> Path:
    import xlsxwriter

    path = folder / "claire_clients.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Clients")
    book.add_worksheet("Notes").write(0, 0, "nothing here")
    sheet.write(0, 0, "Mes clients (Claire Dubois)")
    headers = [
        "Société",
        "N° TVA",
        "Pays",
        "Ville",
        "Courriel",
        "Délai de paiement (jours)",
        "Remise %",
        "Plafond de crédit",
        "Client depuis",
    ]
    for col, header in enumerate(headers):
        sheet.write(1, col, header)
    sheet.merge_range(1, 9, 1, 10, "Contact")
    sheet.write(2, 9, "Nom")
    sheet.write(2, 10, "Téléphone")
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    for r, row in enumerate(CLAIRE_ROWS, start=3):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), dates)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, value + "  ")
    book.close()
    return path


#: Sven (Sweden): UTF-8 with BOM, ',' with US-style numbers, English and Swedish headers
SVEN_CSV = (
    "\ufeffCustomer Name,VAT No.,Country,Stad,Phone,Email Address,Payment Terms,Discount,Credit limit,Customer since\n"
    'Nordic Tools AB,SE556012579001,Sweden,Uppsala,018-12 34 56,info@nordictools.se,30,5,"50,000.00",2023-02-14\n'
    'Öresund Trä AB,SE556703748501,SE,Malmö,08-123 456 78,order@oresundtra.se,20,2.5,"1,234.50",2024-01-09\n'
)


def write_sven(folder: Path) -> Path:
    path = folder / "sven_customers.csv"
    path.write_bytes(SVEN_CSV.encode("utf-8"))
    return path
