"""Journeys in Debian's chromium driven by Playwright (flags: DEVELOPERS.md), screenshots of every page,
and an accessibility check with axe-core. One browser for all journeys; the server is a real uvicorn.

Screenshots go to ``$CLIENTBASE_SCREENSHOTS`` (default: a temporary folder printed by the test).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import ANALYST, HEAD, MANAGER, OTHER, PASSWORD, Base
from tests.web.live import serving

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

#: the pages docs/web.md shows (CLIENTBASE_DOC_IMAGES=docs/img pytest tests/web/test_browser.py)
DOC_IMAGES = ("02-customers", "04-card", "05-card-field-error", "11-card-conflict", "14-users")

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)"
)


@pytest.fixture(scope="module")
def live(duck_template: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Base]]:
    from tests.web.conftest import duck_base

    base = duck_base(duck_template, tmp_path_factory.mktemp("live"))
    with serving(base.url) as (url, _app):
        yield url, base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("CLIENTBASE_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots of every page: {folder}")
    return folder


class Session:
    """One browser context logged in as a user, collecting console errors and CSP violations."""

    def __init__(self, browser: Any, url: str, shots: Path, *, bypass_csp: bool = False) -> None:
        self.url = url
        self.shots = shots
        self.context = browser.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=bypass_csp)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _console(self, message: Any) -> None:
        # a response the journey expects (404 page, 409 conflict, 422 field error) is logged as a failed load
        if message.type == "error" and not re.search(r"status of (404|409|422)", message.text):
            self.errors.append(
                f"{message.text} at {message.location.get('url')}:{message.location.get('lineNumber')}"
            )

    def log_in(self, manager_id: str) -> Session:
        page = self.page
        page.goto(f"{self.url}/login")
        page.fill("#username", manager_id)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{self.url}/customers")
        return self

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)
        docs = os.environ.get("CLIENTBASE_DOC_IMAGES")  # small JPEGs of the first screen for docs/web.md
        if docs and name in DOC_IMAGES:
            self.page.screenshot(path=str(Path(docs) / f"{name[3:]}.jpg"), type="jpeg", quality=55)

    def close(self) -> None:
        self.context.close()


def _search(page: Any, text: str) -> None:
    with page.expect_response(
        lambda r: "/customers?" in r.url and r.request.headers.get("hx-request") == "true"
    ):
        page.fill("#q", text)
    page.wait_for_timeout(100)


def test_manager_finds_edits_sees_error_fixes_and_history(
    browser: Any, live: tuple[str, Base], shots: Path
) -> None:
    url, base = live
    s = Session(browser, url, shots)
    page = s.page
    page.goto(f"{url}/login")
    s.shot("01-login")
    s.log_in(MANAGER)
    s.shot("02-customers")
    name = page.request.get(f"{url}/api/v1/counterparties/{base.own}").json()["name"]
    part = name.split()[0][1:5]
    _search(page, part)
    link = page.locator(f'#results a[href="/customers/{base.own}"]')
    assert link.count() == 1, f"{name!r} not found by {part!r}"
    s.shot("03-customers-search")
    link.click()
    page.wait_for_url(f"{url}/customers/{base.own}")
    page.wait_for_selector("#pnl svg")  # the waterfall was drawn (vega-embed + interpreter under the CSP)
    s.shot("04-card")
    page.click("#field-email a.edit")
    page.fill("#edit-email", "anna(at)example")
    page.click("#field-email button[type=submit]")
    error = page.locator("#field-email .field-error")
    error.wait_for()
    assert "not a valid email" in error.inner_text().lower() or "@" in error.inner_text()
    assert page.locator("#edit-email").get_attribute("aria-invalid") == "true"
    s.shot("05-card-field-error")
    page.fill("#edit-email", "anna@example.com")
    page.click("#field-email button[type=submit]")
    page.locator("#field-email .value", has_text="anna@example.com").wait_for()
    assert page.locator("#history tbody tr").first.inner_text().count("anna@example.com") == 1
    page.goto(f"{url}/customers/{base.own}/edit")
    s.shot("06-edit")
    page.goto(f"{url}/customers/new?role=prospect")
    s.shot("07-new-prospect")
    page.goto(f"{url}/customers/{base.own}/contacts/{base.own_contact}/edit")
    s.shot("08-contact")
    page.goto(f"{url}/account/password")
    s.shot("09-password")
    page.goto(f"{url}/customers/C999999")
    s.shot("10-not-found")
    assert not s.errors, s.errors  # no CSP violation, no script error
    s.close()


def test_two_browsers_edit_the_same_record(browser: Any, live: tuple[str, Base], shots: Path) -> None:
    url, base = live
    first, second = Session(browser, url, shots).log_in(MANAGER), Session(browser, url, shots).log_in(MANAGER)
    for s in (first, second):
        s.page.goto(f"{url}/customers/{base.own}")
        s.page.click("#field-city a.edit")
        s.page.wait_for_selector("#edit-city")
    first.page.fill("#edit-city", "Uppsala")
    first.page.click("#field-city button[type=submit]")
    first.page.locator("#field-city .value", has_text="Uppsala").wait_for()
    second.page.fill("#edit-city", "Malmö")
    second.page.click("#field-city button[type=submit]")
    conflict = second.page.locator("#field-city .conflict")
    conflict.wait_for()
    assert "Someone changed this record" in conflict.inner_text() and "Uppsala" in conflict.inner_text()
    second.shot("11-card-conflict")
    second.page.reload()
    assert second.page.locator("#field-city .value").inner_text() == "Uppsala"  # nothing overwritten
    first.close()
    second.close()


def test_analyst_sees_no_edit_controls_and_the_api_refuses(
    browser: Any, live: tuple[str, Base], shots: Path
) -> None:
    url, base = live
    s = Session(browser, url, shots).log_in(ANALYST)
    s.page.goto(f"{url}/customers/{base.own}")
    assert s.page.locator("a.edit").count() == 0
    assert s.page.get_by_role("button", name="Archive").count() == 0
    assert s.page.get_by_role("link", name="Edit all fields").count() == 0
    s.shot("12-card-analyst")
    csrf = s.page.locator('meta[name="csrf-token"]').get_attribute("content")
    refused = s.page.request.patch(
        f"{url}/api/v1/counterparties/{base.own}",
        data={"version": 1, "city": "X"},
        headers={"X-CSRF-Token": csrf},
    )
    assert refused.status == 403 and "analyst" in refused.json()["detail"]
    s.close()


def test_head_transfers_an_owner_and_the_list_follows(
    browser: Any, live: tuple[str, Base], shots: Path
) -> None:
    url, base = live
    s = Session(browser, url, shots).log_in(HEAD)
    page = s.page
    page.goto(f"{url}/customers?owner_id={OTHER}&limit=500")
    assert page.locator(f'a[href="/customers/{base.own}"]').count() == 0
    page.goto(f"{url}/customers/{base.own}")
    page.select_option("#to_owner", OTHER)
    page.click("#transfer button[type=submit]")
    page.wait_for_url(re.compile(r".*saved=1"))
    assert f"({OTHER})" in page.locator("header.actions").inner_text()
    page.goto(f"{url}/customers?owner_id={OTHER}&limit=500")
    assert page.locator(f'a[href="/customers/{base.own}"]').count() == 1
    s.shot("13-customers-after-transfer")
    page.goto(f"{url}/users")
    s.shot("14-users")
    page.goto(f"{url}/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15000)  # Swagger UI from the vendored bundle
    s.shot("15-api-docs")
    assert not s.errors, s.errors
    s.close()


@pytest.mark.parametrize("where", ["list", "card"])
def test_no_serious_accessibility_violations(
    browser: Any, live: tuple[str, Base], shots: Path, where: str
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    url, base = live
    s = Session(browser, url, shots, bypass_csp=True).log_in(HEAD)  # axe-core evaluates with Function()
    s.page.goto(f"{url}/customers" if where == "list" else f"{url}/customers/{base.own}")
    if where == "card":
        s.page.wait_for_selector("#pnl svg")
    results = Axe().run(s.page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, "\n".join(
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: {v['nodes'][0]['target']})" for v in serious
    )
    s.close()
