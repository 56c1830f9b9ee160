"""The forecast and targeting pages in Debian's chromium (see test_browser.py): the forecast page with a
level, its charts drawn with both intervals; the head sets a plan line and sees it against the forecast;
the prospects page's "work this list" export; the prospect card's score; axe finds no serious violation.
Screenshots ``20-forecast.png`` ... in ``$CLIENTBASE_SCREENSHOTS``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import HEAD, OTHER, Base
from tests.web.test_browser import CHROMIUM, Session, browser, live, shots

__all__ = ["browser", "live", "shots"]  # the fixtures, shared with test_browser.py

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)"
)
WAIT = 120_000  # ms: the first view computes in the background and the page polls


def test_forecast_with_a_level_and_the_head_sets_a_plan(
    browser: Any, live: tuple[str, Base], shots: Path
) -> None:
    url, _ = live
    s = Session(browser, url, shots).log_in(HEAD)
    page = s.page
    page.goto(f"{url}/forecast")
    page.select_option("#f-level", "owner")
    page.click("form[aria-label='What to forecast'] button[type=submit]")
    page.wait_for_selector("#backtest", timeout=WAIT)
    page.wait_for_selector("[data-vega-spec='fc_total-spec'] svg")
    page.wait_for_selector("[data-vega-spec='fc_level-spec'] svg")
    assert page.locator("#backtest tbody tr").count() >= 2  # the total and the owners
    assert page.locator("[data-vega-spec='fc_total-spec'] svg path").count() >= 4  # two bands and two lines
    s.shot("20-forecast")
    month = page.locator("#backtest tbody tr").first.get_attribute("data-series")
    assert month == "total"
    period = page.evaluate(
        "JSON.parse(document.querySelector('[data-vega-spec=\"fc_total-spec\"]').getAttribute('data-vega-json'))"
        ".layer[0].data.values[0].period"
    )
    page.fill("#f-month", period)
    page.fill("#f-target", "not a number")
    page.click("form[action='/forecast/plan'] button[type=submit]")
    page.wait_for_selector("#target-error")
    s.shot("21-forecast-plan-error")
    page.fill("#f-target", "75000")
    page.fill("#f-owner_id", OTHER)
    page.click("form[action='/forecast/plan'] button[type=submit]")
    page.wait_for_selector(".notice.ok")
    page.wait_for_selector("#plan-lines", timeout=WAIT)
    assert OTHER in page.locator("#plan-lines").inner_text()
    assert "75,000.00" in page.locator("#plan-lines").inner_text()
    s.shot("22-forecast-plan")
    assert not s.errors, s.errors
    s.close()


def test_targets_export_acquisition_and_the_prospect_card(
    browser: Any, live: tuple[str, Base], shots: Path
) -> None:
    url, _ = live
    s = Session(browser, url, shots).log_in(HEAD)
    page = s.page
    page.goto(f"{url}/acquisition")
    page.wait_for_selector("#acquisition", timeout=WAIT)
    page.wait_for_selector("[data-vega-spec='acq-spec'] svg")
    s.shot("23-acquisition")
    page.goto(f"{url}/targets")
    page.wait_for_selector("#ranked", timeout=WAIT)
    s.shot("24-targets")
    with page.expect_download() as download:
        page.click("text=Work this list (XLSX)")
    saved = download.value.path()
    assert download.value.suggested_filename == "prospects-all.xlsx" and Path(saved).read_bytes()[:2] == b"PK"
    page.click("#ranked tbody tr th a")
    page.wait_for_selector("#score-factors", timeout=WAIT)
    s.shot("25-prospect-card")
    assert not s.errors, s.errors
    s.close()


@pytest.mark.parametrize("where", ["forecast", "targets", "acquisition"])
def test_no_serious_accessibility_violations_here(
    browser: Any, live: tuple[str, Base], shots: Path, where: str
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    url, _ = live
    s = Session(browser, url, shots, bypass_csp=True).log_in(HEAD)
    s.page.goto(f"{url}/{where}")
    s.page.wait_for_selector("#backtest, #ranked, #acquisition", timeout=WAIT)
    results = Axe().run(s.page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, "\n".join(
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: {v['nodes'][0]['target']})" for v in serious
    )
    s.close()
