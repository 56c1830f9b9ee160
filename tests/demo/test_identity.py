"""Counterparty identities: valid tax identifiers, E.164 phones, plausible names; duplicates with variations."""

from __future__ import annotations

import numpy as np
import phonenumbers
import pytest
from email_validator import validate_email
from stdnum.de import handelsregisternummer
from stdnum.dk import cvr
from stdnum.es import cif
from stdnum.eu import vat
from stdnum.fi import ytunnus
from stdnum.fr import siren
from stdnum.gb import vat as gb_vat
from stdnum.pl import regon
from stdnum.ru import inn, ogrn
from stdnum.se import orgnr as se_orgnr

from clientbase import schema
from clientbase.demo.countries import COUNTRIES, tax_ids
from clientbase.demo.duplicates import swap_words, typo
from clientbase.demo.generate import DemoData
from clientbase.demo.identity import slug
from clientbase.registry import rules


@pytest.mark.parametrize("code", [c.code for c in COUNTRIES])
def test_tax_ids_have_valid_check_digits(code: str) -> None:
    taxes, registrations = tax_ids(code, 200, np.random.default_rng(1))
    if code == "RU":
        valid = [inn.is_valid(t) for t in taxes]
    elif code == "GB":
        valid = [gb_vat.is_valid(t) for t in taxes]
    else:
        valid = [vat.is_valid(t) for t in taxes]
    assert all(valid)
    assert len(set(taxes)) > 190
    assert all(registrations)
    company_number = {
        "SE": se_orgnr,
        "DE": handelsregisternummer,
        "FR": siren,
        "PL": regon,
        "FI": ytunnus,
        "DK": cvr,
        "ES": cif,
        "RU": ogrn,
    }.get(code)
    if company_number is not None:
        assert all(company_number.is_valid(r) for r in registrations), registrations[:3]


def test_worked_example_swedish_vat_number() -> None:
    # SE + 10-digit organisation number (Luhn) + 01
    tax, reg = tax_ids("SE", 1, np.random.default_rng(0))
    assert tax[0].startswith("SE556") and tax[0].endswith("01") and len(tax[0]) == 14
    assert reg[0] == tax[0][2:12]  # the org.nr as the registry stores it: compact, no hyphen


def test_identifiers_are_stored_in_the_registrys_canonical_form(small: DemoData) -> None:
    # what the registry would write, so that an exported list imported back changes nothing; the planted
    # duplicates keep the formatting variations they are planted with (a phone written nationally)
    duplicates = {t["counterparty_id"] for t in small.truth.to_pylist() if t["cause"] == "duplicate"}
    cps = {c["counterparty_id"]: c for c in small.tables["counterparties"].to_pylist()}
    fields = ("country", "tax_id", "registration_id", "phone", "email", "website", "postcode")
    checked = 0
    for key, c in cps.items():
        if key in duplicates:
            continue
        cleaned, failures = rules.clean_record(schema.counterparties, {f: c[f] for f in fields})
        assert not [f for f in failures if f.rule != "required"], failures
        assert {f: cleaned[f] for f in fields} == {f: c[f] for f in fields}
        checked += 1
    assert checked > 300
    for person in small.tables["contacts"].to_pylist():
        values = {f: person[f] for f in ("email", "phone")}
        country = cps[person["counterparty_id"]]["country"]
        cleaned, failures = rules.clean_record(schema.contacts, values, country=country)
        assert not [f for f in failures if f.rule != "required"], failures
        assert cleaned == values


def test_counterparties_look_real(small: DemoData) -> None:
    cps = small.tables["counterparties"].to_pylist()
    originals = [c for c in cps if c["phone"] and "+" in c["phone"] and " " not in c["phone"]]
    valid_phones = [phonenumbers.is_valid_number(phonenumbers.parse(c["phone"])) for c in originals]
    assert sum(valid_phones) / len(valid_phones) > 0.97
    countries = {c["country"] for c in cps}
    assert {"SE", "DE", "FR"} <= countries
    assert any("ООО" in c["name"] or "АО " in c["name"] for c in cps) or "RU" not in countries
    assert any(c["name"].endswith(" GmbH") for c in cps)
    for c in cps[:50]:
        if c["email"]:
            validate_email(c["email"], check_deliverability=False)
    names = [c["name"] for c in cps]
    assert len(set(names)) > 0.95 * len(names)


def test_duplicate_records_carry_their_variations(small: DemoData) -> None:
    cps = {c["counterparty_id"]: c for c in small.tables["counterparties"].to_pylist()}
    truth = small.truth.to_pylist()
    variations = {t["counterparty_id"]: t["detail"] for t in truth if t["cause"] == "duplicate_variations"}
    for t in truth:
        if t["cause"] != "duplicate":
            continue
        dup, original = cps[t["counterparty_id"]], cps[t["detail"]]
        applied = variations[t["counterparty_id"]].split(";")
        if "missing_ids" in applied:
            assert dup["tax_id"] is None
        elif dup["tax_id"] is not None and original["tax_id"] is not None:
            assert dup["tax_id"] == original["tax_id"]
        if {"typo", "legal_form", "transliteration", "word_order"} & set(applied):
            assert dup["name"] != original["name"]
        assert dup["country"] == original["country"]


def test_typo_changes_one_letter_and_keeps_the_first() -> None:
    rng = np.random.default_rng(3)
    for _ in range(50):
        changed = typo("Lindqvist Bygg", rng)
        assert changed[0] == "L"
        assert abs(len(changed) - len("Lindqvist Bygg")) <= 1


def test_swap_words_and_slug() -> None:
    assert swap_words("Müller Bau Nord") == "Bau Müller Nord"
    assert swap_words("«Стройснаб Иванов»") == "«Иванов Стройснаб»"
    assert slug("Outillage Lefèvre et Fils") == "outillagelefevreetfils"
