"""The Decide pages in Debian's chromium: a manager publishes their actions, accepts one task and rejects
another with a reason; the head sees it by manager and drills to the list; a scenario is run, saved and
compared; the matrix draws its scatter; the card loads its actions. No console error under the CSP, and axe
finds no serious violation on the pages. Screenshots: CLIENTBASE_SCREENSHOTS=/tmp/shots."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import HEAD, MANAGER, Base
from tests.web.test_browser import (  # noqa: F401 (the fixtures: a live server of this module's own)
    Session,
    browser,
    live,
    pytestmark,
    shots,
)


def test_manager_works_tasks_head_sees_them_and_a_scenario_is_saved(
    browser: Any,  # noqa: F811
    live: tuple[str, Base],  # noqa: F811
    shots: Path,  # noqa: F811
) -> None:
    url, base = live
    s = Session(browser, url, shots).log_in(MANAGER)
    page = s.page
    page.goto(f"{url}/actions")
    s.shot("30-actions-unpublished")
    page.get_by_role("button", name="Publish my actions as tasks").click()
    page.wait_for_url(re.compile(r".*/actions\?done=published.*"))
    rows = page.locator("#tasks tbody tr")
    assert rows.count() >= 2
    first, second = (rows.nth(k).get_attribute("data-task") for k in (0, 1))
    page.locator(f"#t-{first}").get_by_role("button", name="Accept").click()
    page.wait_for_url(re.compile(rf".*done=accepted.*{first}.*"))
    assert "accepted" in page.locator(f"#t-{first}").inner_text()
    page.locator(f"#t-{second}").get_by_role("button", name="Reject").click()  # without a reason
    error = page.locator(f"#t-{second} .field-error")
    error.wait_for()
    assert "say why" in error.inner_text()
    s.shot("31-actions-reject-needs-a-reason")
    page.fill(f"#reason-{second}", "agreed with the customer in the annual review")
    page.locator(f"#t-{second}").get_by_role("button", name="Reject").click()
    page.wait_for_url(re.compile(rf".*done=rejected.*{second}.*"))
    assert "agreed with the customer" in page.locator(f"#t-{second}").inner_text()
    s.shot("32-actions-worked")

    page.goto(f"{url}/customers/{base.own}")
    page.wait_for_selector("#decide")  # the card's actions, loaded after the card
    page.wait_for_selector("#pnl svg")
    s.shot("33-card-actions")

    page.goto(f"{url}/scenarios")
    page.fill("#f-name", "Two points less discount")
    page.fill("#f-discount_points", "minus two")
    page.get_by_role("button", name="Run", exact=True).click()
    page.locator("#discount_points-error").wait_for()
    assert page.locator("#f-discount_points").get_attribute("aria-invalid") == "true"
    s.shot("34-scenario-field-error")
    page.fill("#f-discount_points", "-2")
    page.get_by_role("button", name="Run", exact=True).click()
    page.locator("#totals").wait_for()
    s.shot("35-scenario-result")
    page.get_by_role("button", name="Run and save").click()
    page.wait_for_url(re.compile(r".*/scenarios/S\w+\?saved=1"))
    assert "Saved as" in page.locator(".notice.ok").inner_text()
    page.goto(f"{url}/scenarios")
    page.fill("#f-name", "30 payment days")
    page.fill("#f-payment_days", "30")
    page.get_by_role("button", name="Run and save").click()
    page.wait_for_url(re.compile(r".*/scenarios/S\w+\?saved=1"))
    page.goto(f"{url}/scenarios")
    page.locator("#saved input[name=ids]").nth(0).check()
    page.locator("#saved input[name=ids]").nth(1).check()
    page.get_by_role("button", name="Compare side by side").click()
    page.locator("#compare").wait_for()
    assert "30 payment days" in page.locator("#compare").inner_text()
    s.shot("36-scenarios-compared")
    assert not s.errors, s.errors
    s.close()

    h = Session(browser, url, shots).log_in(HEAD)
    page = h.page
    page.goto(f"{url}/by-manager")
    row = page.locator(f'#by-manager tr[data-owner="{MANAGER}"]')
    assert row.locator('td[data-status="accepted"]').inner_text() == "1"
    assert row.locator('td[data-status="rejected"]').inner_text() == "1"
    h.shot("37-by-manager")
    row.locator('td[data-status="rejected"] a').click()
    page.wait_for_url(re.compile(rf".*/actions\?owner={MANAGER}&status=rejected"))
    assert page.locator("#tasks tbody tr").count() == 1
    assert "agreed with the customer" in page.locator("#tasks tbody").inner_text()
    page.goto(f"{url}/matrix")
    page.wait_for_selector("#quadrants")
    page.wait_for_selector(".chart svg")  # the scatter, drawn under the CSP
    h.shot("38-matrix")
    assert not h.errors, h.errors
    h.close()


@pytest.mark.parametrize("where", ["/actions", "/by-manager", "/matrix", "/scenarios"])
def test_no_serious_accessibility_violations(
    browser: Any,  # noqa: F811
    live: tuple[str, Base],  # noqa: F811
    shots: Path,  # noqa: F811
    where: str,
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    url, _ = live
    s = Session(browser, url, shots, bypass_csp=True).log_in(HEAD)
    s.page.goto(f"{url}{where}")
    if where == "/matrix":
        s.page.wait_for_selector(".chart svg")
    results = Axe().run(s.page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, "\n".join(
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: {v['nodes'][0]['target']})" for v in serious
    )
    s.close()
