"""Browser journeys of the dashboard, the analysis and customer value (Debian's chromium, Playwright): an
analyst changes the periods and downloads both reports, and the workbook holds the totals of
``clientbase analyze --json`` for those periods; the dashboards of the head and a manager; screenshots of every
page; axe-core finds no serious violation on them."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from tests.web.conftest import ANALYST, HEAD, MANAGER, Base
from tests.web.live import serving
from tests.web.test_analysis_pages import chosen_periods
from tests.web.test_browser import CHROMIUM, Session, browser, shots  # noqa: F401 - fixtures

#: the pages docs/web.md shows (CLIENTBASE_DOC_IMAGES=docs/img)
DOC_IMAGES = {"20-dashboard-head": "dashboard", "23-analysis-periods": "analysis", "25-value": "value"}

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)"
)


@pytest.fixture(scope="module")
def live(duck_template: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Base, Any]]:
    """The server on a copy of the base, the analyst's periods and the CLI's analysis of them on it (run
    first: one process holds a DuckDB file at a time)."""
    from clientbase.cli.main import app
    from tests.web.conftest import duck_base

    base = duck_base(duck_template, tmp_path_factory.mktemp("live-analysis"))
    periods = chosen_periods(base.url)
    args = ["analyze", "--db", base.url, "--json"]
    for name, value in periods.items():
        args += [f"--{name.replace('_', '-')}", value]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    with serving(base.url) as (url, _app):
        yield url, base, {**json.loads(result.stdout), "asked": periods}


def _shot(s: Session, name: str) -> None:
    s.shot(name)
    docs = os.environ.get("CLIENTBASE_DOC_IMAGES")
    if docs and name in DOC_IMAGES:
        s.page.screenshot(path=str(Path(docs) / f"{DOC_IMAGES[name]}.jpg"), type="jpeg", quality=55)


def _enter(s: Session, manager_id: str) -> Session:
    """Log in and land on the dashboard (the log-in goes to the list; the brand link to the dashboard)."""
    s.log_in(manager_id)
    s.page.click("a.brand")
    s.page.wait_for_url(f"{s.url}/")
    return s


def test_analyst_changes_the_periods_and_downloads_both_reports(
    browser: Any,  # noqa: F811
    live: tuple[str, Base, Any],
    shots: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    url, _base, document = live
    s = _enter(Session(browser, url, shots), ANALYST)
    page = s.page
    page.wait_for_selector("#headline")
    page.click('nav a[href="/analysis"]')
    page.wait_for_url(f"{url}/analysis")
    page.wait_for_selector("figure .chart svg")  # whale and bridge drawn under the CSP
    _shot(s, "22-analysis")
    periods = document["asked"]
    for name, value in periods.items():
        page.fill(f"#f-{name}", value)
    page.click("#periods button[type=submit]")
    page.wait_for_url(lambda u: f"compare_to={periods['compare_to']}" in u)
    page.wait_for_selector("figure .chart svg")
    assert page.locator("#headline").inner_text() == document["headline"]
    assert (
        page.locator('[data-kpi="net_contribution"]').inner_text()
        == f"{document['totals']['net_contribution']:,.2f}"
    )
    _shot(s, "23-analysis-periods")
    page.click('#pnl th a:has-text("Net revenue")')  # sort in place (HTMX)
    page.wait_for_url(lambda u: "sort=net_revenue" in u)
    page.select_option("#loss_making", "true")
    page.wait_for_url(lambda u: "loss_making=true" in u)
    page.locator("#pnl tbody tr").first.wait_for()
    lossy = page.locator("#pnl tbody tr td.num.neg").count()
    assert lossy > 0
    with page.expect_download() as html_download:
        page.click("#report-html")
    html_path = tmp_path / "report.html"
    html_download.value.save_as(html_path)
    report = html_path.read_text(encoding="utf-8")
    assert periods["from"] in report and periods["to"] in report and "<script" in report
    with page.expect_download() as xlsx_download:
        page.click("#report-xlsx")
    xlsx_path = tmp_path / "report.xlsx"
    xlsx_download.value.save_as(xlsx_path)
    book = CalamineWorkbook.from_path(str(xlsx_path))
    rows = book.get_sheet_by_name("Summary").to_python()
    header = next(i for i, r in enumerate(rows) if r[0] == "Line")
    lines = {r[0]: r[1:] for r in rows[header + 1 :] if r[0]}
    p = periods
    assert lines["Period"][:2] == [f"{p['compare_from']} to {p['compare_to']}", f"{p['from']} to {p['to']}"]
    for line, label in (("net_revenue", "Net revenue"), ("net_contribution", "Net contribution")):
        assert lines[label][0] == pytest.approx(document["totals_previous"][line], abs=0.005)
        assert lines[label][1] == pytest.approx(document["totals"][line], abs=0.005)
    customers = book.get_sheet_by_name("Customers").to_python()
    assert len(customers) - 1 == len(document["customers"])
    page.goto(f"{url}/analysis?from=2025-13-01")  # a wrong date: said at the field, the defaults shown
    assert page.locator("#from-error").inner_text() == "type: a date as YYYY-MM-DD"
    _shot(s, "24-analysis-bad-period")
    page.goto(f"{url}/value")
    page.wait_for_selector("#abc_xyz")
    _shot(s, "25-value")
    assert not s.errors, s.errors
    s.close()


def test_head_and_manager_dashboards(
    browser: Any,  # noqa: F811
    live: tuple[str, Base, Any],
    shots: Path,  # noqa: F811
) -> None:
    url, _base, _document = live
    head = _enter(Session(browser, url, shots), HEAD)
    page = head.page
    page.wait_for_selector("figure .chart svg")
    page.locator("#quality-work article").first.wait_for(
        timeout=60_000
    )  # the fix-first list loads on its own
    assert page.locator(f"#work-{MANAGER}").count() == 1
    _shot(head, "20-dashboard-head")
    assert not head.errors, head.errors
    head.close()
    manager = _enter(Session(browser, url, shots), MANAGER)
    page = manager.page
    assert "Your customers" in page.locator("h1").inner_text()
    assert page.locator("#headline").count() == 0  # the company's headline is for the head and analysts
    assert page.locator('nav a[href="/analysis"]').count() == 0
    page.locator("#quality-work article").first.wait_for(timeout=60_000)
    _shot(manager, "21-dashboard-manager")
    links = page.locator('main a[href^="/customers/C"]')
    assert links.count() > 0
    first = links.first.get_attribute("href")
    links.first.click()
    page.wait_for_url(f"{url}{first}")  # a work item leads to its card, which the manager may see
    assert page.locator("h1").count() == 1 and "not found" not in page.content().lower()
    assert not manager.errors, manager.errors
    manager.close()


@pytest.mark.parametrize("where", ["/", "/analysis", "/value"])
def test_no_serious_accessibility_violations(
    browser: Any,  # noqa: F811
    live: tuple[str, Base, Any],
    shots: Path,  # noqa: F811
    where: str,
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    url, _base, _document = live
    s = Session(browser, url, shots, bypass_csp=True).log_in(HEAD)  # axe-core evaluates with Function()
    s.page.goto(f"{url}{where}")
    if where != "/value":
        s.page.wait_for_selector("figure .chart svg")
    results = Axe().run(s.page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, "\n".join(
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: {v['nodes'][0]['target']})" for v in serious
    )
    s.close()
