"""The import journey in Debian's chromium: a manager uploads a messy spreadsheet (title row, decimal commas,
cp1252), fixes one mapping, sees the dry run, applies the valid rows, finds the new records in the list, undoes
the batch, and they are gone. Screenshots to ``$CLIENTBASE_SCREENSHOTS``; axe-core on the import pages."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import Base
from tests.web.imports_data import MESSY_CSV, MESSY_NAMES, UNMAPPED
from tests.web.test_browser import CHROMIUM, MANAGER, Session, browser, live, shots

__all__ = ["browser", "live", "shots"]  # the fixtures of test_browser.py, shared

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)"
)

#: the screenshots docs/web.md shows (CLIENTBASE_DOC_IMAGES=docs/img)
DOC_IMAGES = ("imports-mapping", "imports-dry-run")


def _shot(s: Session, name: str) -> None:
    s.shot(name)
    docs = os.environ.get("CLIENTBASE_DOC_IMAGES")
    if docs and name in DOC_IMAGES:
        s.page.screenshot(path=str(Path(docs) / f"{name}.jpg"), type="jpeg", quality=55, full_page=True)


def _search(page: Any, url: str, text: str) -> None:
    page.goto(f"{url}/customers?q={text}")


def test_manager_imports_a_messy_spreadsheet_and_undoes_it(
    browser: Any, live: tuple[str, Base], shots: Path, tmp_path: Path
) -> None:
    url, _base = live
    source = tmp_path / "kunden_märz.csv"
    source.write_bytes(MESSY_CSV)
    s = Session(browser, url, shots).log_in(MANAGER)
    page = s.page
    page.click("nav >> text=Import")
    page.wait_for_url(f"{url}/imports")
    _shot(s, "imports-01-upload")
    page.set_input_files("#f-file", str(source))
    page.click("#upload button[type=submit]")
    page.wait_for_selector("#mapping")
    row = page.locator("#mapping tr", has_text=UNMAPPED)
    select = row.locator("select")
    assert select.input_value() == ""  # the suggestion left it: the manager maps it
    select.select_option("credit_limit")
    assert page.locator("#mapping tr", has_text="Firma").locator("select").input_value() == "name"
    _shot(s, "imports-mapping")

    page.click("#step-form button[type=submit]")
    page.wait_for_selector("#counts")
    counts = {
        k: page.text_content(f'[data-count="{k}"]') for k in ("new", "updated", "unchanged", "rejected")
    }
    assert counts == {"new": "2", "updated": "0", "unchanged": "0", "rejected": "1"}
    assert "kein-at-zeichen" in page.text_content("#rejected")
    with page.expect_download() as download:
        page.click("text=Download the rejected rows (CSV)")
    assert "kein-at-zeichen" in Path(download.value.path()).read_text(encoding="utf-8-sig")
    _shot(s, "imports-dry-run")

    page.check('input[name="mode"][value="valid"]')
    page.click("#apply-form button[type=submit]")
    page.wait_for_selector("text=Applied as batch")
    _shot(s, "imports-applied")

    _search(page, url, "Blümel")
    assert MESSY_NAMES[0] in page.text_content("main")
    _shot(s, "imports-in-the-list")

    page.goto(f"{url}/imports")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#batches tr", has_text="kunden_märz.csv").locator("button", has_text="Undo").click()
    page.wait_for_selector("text=Undid")
    assert "undone" in page.text_content("#batches")
    _shot(s, "imports-undone")
    for name in MESSY_NAMES:
        _search(page, url, name.split()[0])
        assert name not in page.text_content("main")
    assert not s.errors, s.errors
    s.close()


def test_a_refused_file_is_explained_at_the_field(
    browser: Any, live: tuple[str, Base], shots: Path, tmp_path: Path
) -> None:
    url, _base = live
    fake = tmp_path / "liste.xlsx"
    fake.write_bytes(b"MZ\x90\x00" + b"\x00" * 100)
    s = Session(browser, url, shots).log_in(MANAGER)
    s.page.goto(f"{url}/imports")
    s.page.set_input_files("#f-file", str(fake))
    s.page.click("#upload button[type=submit]")
    s.page.wait_for_selector("#file-error")
    assert "Windows program" in s.page.text_content("#file-error")
    _shot(s, "imports-refused")
    s.close()


def test_no_serious_accessibility_violations_on_the_import_page(
    browser: Any, live: tuple[str, Base], shots: Path
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    url, _base = live
    s = Session(browser, url, shots, bypass_csp=True).log_in(MANAGER)
    s.page.goto(f"{url}/imports")
    results = Axe().run(s.page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, "\n".join(f"{v['id']}: {v['help']} ({v['nodes'][0]['target']})" for v in serious)
    s.close()
