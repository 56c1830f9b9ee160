"""Issue 11.1 and 11.2: one set of rules on every writer. What the spreadsheet import and the service refuse,
import-folder and import-transactions refuse too, with the same rule; values are refused, never bent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clientbase.errors import Problem, ValidationError
from clientbase.exchange import import_folder
from clientbase.imports.plan import plan_import
from clientbase.imports.transactions import import_transactions
from clientbase.registry import service
from clientbase.registry.access import Actor
from clientbase.store import Store, connect
from tests.exchange.test_folder import FILES, snapshot, write_folder

HEAD = Actor("M1", "head")
CP_HEADER = "counterparty_id,name,roles,status,owner_id,country,created_at,payment_days,tax_id,email,phone,discount_pct\n"
GOOD_CP = "C1,Nordic Tools AB,customer,active,M1,SE,2023-01-10,30,,,,5\n"

#: a record value the registry's rules refuse: (column, value, the start of the rule every writer gives)
RECORD_VALUES = [
    ("tax_id", "DE000000000", "format: not a valid DE VAT/tax number"),
    ("email", "not-an-email", "format: An email address must have an @-sign."),
    ("phone", "call me maybe", "format: not a phone number"),
    ("country", "XX", "format: not an ISO 3166-1 alpha-2 country code"),
]


def record_row(key: str, column: str, value: str) -> str:
    values = {"country": "DE", "tax_id": "", "email": "", "phone": ""} | {column: value}
    return (
        f"{key},Probe GmbH,customer,active,M1,{values['country']},2024-01-01,30,{values['tax_id']},"
        f"{values['email']},{values['phone']},\n"
    )


def problems_of(
    error: pytest.ExceptionInfo[ValidationError],
) -> dict[tuple[str, int | None, str | None], Problem]:
    return {(p.file, p.row, p.column): p for p in error.value.problems}


def test_import_folder_refuses_what_the_registry_refuses_with_the_same_rule(
    db_url: str, tmp_path: Path
) -> None:
    rows = [
        record_row(f"C{n}", column, value) for n, (column, value, _) in enumerate(RECORD_VALUES, start=10)
    ]
    # keys " " and "C1 ": the first is empty once trimmed, the second is C1 (not a second record beside it)
    rows += [record_row(" ", "country", "DE"), record_row("C1 ", "country", "DE")]
    folder = write_folder(tmp_path / "in", **{"counterparties.csv": CP_HEADER + GOOD_CP + "".join(rows)})
    with connect(db_url) as store:
        import_folder(store, write_folder(tmp_path / "good"))
        before = snapshot(store)
        with pytest.raises(ValidationError) as caught:
            import_folder(store, folder)
        found = problems_of(caught)
        for row, (column, value, rule) in enumerate(RECORD_VALUES, start=3):
            problem = found[("counterparties.csv", row, column)]
            assert problem.value == value and problem.rule.startswith(rule), problem
            # the spreadsheet import and the service say the same
            assert _service_rule(store, column, value).startswith(rule)
        assert found[("counterparties.csv", 7, "counterparty_id")].rule == "required, but empty"
        assert found[("counterparties.csv", 8, "counterparty_id")].rule.startswith("duplicate key")
        assert snapshot(store) == before  # nothing written
        # --skip-invalid: the valid rows are loaded, the rest reported; nothing invalid is stored
        report = import_folder(store, folder, skip_invalid=True)
        assert report.tables["counterparties"].rejected == len(RECORD_VALUES) + 2 + 1  # C1 and "C1 " both
        assert {p.row for p in report.problems} >= {3, 4, 5, 6, 7}
        ids = set(store.table("counterparties").counterparty_id.to_pyarrow().to_pylist())
        assert ids == {"C1", "C2", "C3"} and not any(k != k.strip() for k in ids)


def test_a_lower_case_country_is_stored_as_every_writer_stores_it(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "managers.csv").write_text(FILES["managers.csv"], encoding="utf-8")
    (folder / "counterparties.csv").write_text(
        CP_HEADER + "C1,Nordic Tools AB,customer,active,M1,se,2023-01-10,30,,,018-12 34 56,5\n",
        encoding="utf-8",
    )
    with connect("duckdb:///:memory:") as store:
        import_folder(store, folder)
        row = store.table("counterparties").to_pyarrow().to_pylist()[0]
        assert (row["country"], row["phone"]) == ("SE", "+4618123456")


def _service_rule(store: Store, column: str, value: str) -> str:
    values = {
        "name": "Probe GmbH",
        "roles": "customer",
        "status": "active",
        "country": "DE",
        "payment_days": 30,
    }
    with pytest.raises(ValidationError) as caught:
        service.create_counterparty(db=store, actor=HEAD, values={**values, column: value})
    (problem,) = [p for p in caught.value.problems if p.column == column]
    return problem.rule


#: (file, header, a bad row, column, value, rule): one per spelling the loaders used to bend
BENT = [
    ("counterparties.csv", CP_HEADER, "C9,X AB,customer,active,M1,SE,2023-01-10,30.5,,,,", "payment_days", "30.5", "not a whole number"),
    ("counterparties.csv", CP_HEADER, "C9,X AB,customer,active,M1,SE,2023-01-10,30,,,,12.0000001", "discount_pct", "12.0000001", "more than 4 decimals"),
    ("counterparties.csv", CP_HEADER, "C9,X AB,customer,active,M1,SE,2023-01-10,1e5,,,,", "payment_days", "1e5", "not a whole number"),
    ("counterparties.csv", CP_HEADER, "C9,X AB,customer,active,M1,SE,2023-01-10,1_000,,,,", "payment_days", "1_000", "not a whole number"),
    ("counterparties.csv", CP_HEADER, "C9,X\x00AB,customer,active,M1,SE,2023-01-10,30,,,,", "name", "X\x00AB", "NUL byte"),
    ("managers.csv", "manager_id,name,active\n", "M9,Cy,yes", "active", "yes", "not true or false"),
    ("invoices.csv", "invoice_id,counterparty_id,issue_date,due_date,amount\n", "F9,C1,2024-01-15,2024-02-14,1e-3", "amount", "1e-3", "not a number"),
    ("invoices.csv", "invoice_id,counterparty_id,issue_date,due_date,amount\n", "F9,C1,2025-01-01 10:00:00,2025-02-01,10.00", "issue_date", "2025-01-01 10:00:00", "not a date"),
    ("invoices.csv", "invoice_id,counterparty_id,issue_date,due_date,amount\n", "F9,C1,2024-01-15,infinity,10.00", "due_date", "infinity", "not a date"),
    ("invoices.csv", "invoice_id,counterparty_id,issue_date,due_date,amount\n", "F9,C1,2024-01-15,99999-01-01,10.00", "due_date", "99999-01-01", "not a date"),
    ("invoices.csv", "invoice_id,counterparty_id,issue_date,due_date,amount\n", "F9,C1,0044-03-15 (BC),2024-01-15,10.00", "issue_date", "0044-03-15 (BC)", "not a date"),
    ("order_lines.csv", FILES["order_lines.csv"].splitlines()[0] + "\n", "O9,1.5,C1,2024-01-15,P1,3,100.00,95.00,60.00", "line_no", "1.5", "not a whole number"),
    ("order_lines.csv", FILES["order_lines.csv"].splitlines()[0] + "\n", "O9,1,C1,2024-01-15,P1,1e5,100.00,95.00,60.00", "quantity", "1e5", "not a number"),
]  # fmt: skip


@pytest.mark.parametrize("loader", ["import-folder", "import-transactions"])
def test_values_are_refused_never_bent_on_both_engines(db_url: str, tmp_path: Path, loader: str) -> None:
    with connect(db_url) as store:
        import_folder(store, write_folder(tmp_path / "good"))
        before = snapshot(store)
        cases = [
            case
            for case in BENT
            if loader == "import-folder" or case[0] in ("invoices.csv", "order_lines.csv")
        ]
        for file, header, row, column, value, rule in cases:
            bad = tmp_path / f"bad-{len(list(tmp_path.iterdir()))}"
            shutil.copytree(tmp_path / "good", bad)
            (bad / file).write_text(header + row + "\n", encoding="utf-8")
            with pytest.raises(ValidationError) as caught:
                if loader == "import-folder":
                    import_folder(store, bad)
                else:
                    import_transactions(store, bad / file, table=file.removesuffix(".csv"))
            found = problems_of(caught)
            problem = found.get((file, 2, column))
            assert problem is not None, (file, column, [str(p) for p in caught.value.problems])
            assert problem.value == value.replace("\x00", "\x00") and rule in problem.rule, str(problem)
            assert snapshot(store) == before, (file, column)


def test_the_spreadsheet_import_refuses_the_same_values(tmp_path: Path) -> None:
    with connect("duckdb:///:memory:") as store:
        import_folder(store, write_folder(tmp_path / "good"))
        path = tmp_path / "sheet.csv"
        path.write_text(
            "Firma;Land;USt-IdNr.;E-Mail;Telefon;Zahlungsziel;Rabatt\n"
            "Probe GmbH;DE;DE000000000;;;30;\n"
            "Probe2 GmbH;DE;;not-an-email;;30;\n"
            "Probe3 GmbH;DE;;;call me maybe;30;\n"
            "Probe4 GmbH;XX;;;;30;\n"
            "Probe5 GmbH;DE;;;;30,5;\n"
            "Probe6 GmbH;DE;;;;30;12,0000001\n"
            "Probe7 GmbH;DE;;;;1e5;\n",
            encoding="utf-8",
        )
        plan = plan_import(store, path=path, actor=HEAD)
        reasons = {(p.row, p.column): p.rule for p in plan.errors}
        assert reasons[(2, "USt-IdNr.")].startswith(RECORD_VALUES[0][2])
        assert reasons[(3, "E-Mail")].startswith(RECORD_VALUES[1][2])
        assert reasons[(4, "Telefon")].startswith(RECORD_VALUES[2][2])
        assert reasons[(5, "Land")].startswith(RECORD_VALUES[3][2])
        assert "not a whole number" in reasons[(6, "Zahlungsziel")]
        assert "more than 4 decimals" in reasons[(7, "Rabatt")]
        assert "not a whole number" in reasons[(8, "Zahlungsziel")]
        assert plan.count("rejected") == 7
