"""The health page: its numbers are the CLI's ``health --json`` on the same base, the API returns that
document, managers are refused, and in chromium the five steps stand side by side with their trend charts
(screenshot ``health.png`` in ``$CLIENTBASE_SCREENSHOTS``)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from clientbase.cli.main import app as cli
from tests.web.conftest import HEAD, MANAGER, Base, log_in, make_client
from tests.web.test_browser import CHROMIUM, Session

STEPS = ("form", "record", "work", "analyse", "decide")


def _cli_document(url: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["health", "--db", url, "--as", HEAD, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _page_values(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-indicator="([^"]+)" data-value="([^"]*)"', html))


def test_the_page_and_the_api_show_the_clis_numbers(base: Base) -> None:
    document = _cli_document(base.url)
    for client in make_client(base.url):
        log_in(client, HEAD)
        page = client.get("/health")
        assert page.status_code == 200
        api = client.get("/api/v1/health").json()
        log_in(client, MANAGER)
        assert client.get("/health").status_code == 403
        assert client.get("/api/v1/health").status_code == 403
    values = _page_values(page.text)
    expected = {i["code"]: i["value"] for s in document["steps"].values() for i in s["indicators"]}
    assert set(values) == set(expected)
    for code, value in expected.items():
        shown = values[code]
        assert (shown == "None") if value is None else float(shown) == pytest.approx(value, abs=1e-9), code
    assert f'data-overall="{document["overall"]}"' in page.text
    for step in STEPS:
        assert f'data-step="{step}"' in page.text
    # the API is the CLI's document, number for number (the trend periods and notes too)
    assert api == document
    for item in document["improve_first"]:
        assert item["change"].split(":")[0] in page.text.replace("&#39;", "'")


def test_the_heads_dashboard_carries_the_overall_score(base: Base) -> None:
    """Issue 18.4: the dashboard's part asks until the background check is done, then shows the CLI's
    overall score; a manager's dashboard has no such part and the part itself refuses them."""
    import time

    overall = _cli_document(base.url)["overall"]
    for client in make_client(base.url):
        log_in(client, HEAD)
        assert 'hx-get="/dashboard/health"' in client.get("/").text
        deadline = time.monotonic() + 300
        while 'id="health-overall"' not in (part := client.get("/dashboard/health").text):
            assert 'hx-get="/dashboard/health"' in part  # still computing: the part asks again
            assert time.monotonic() < deadline, part
            time.sleep(0.5)
        shown = re.search(r'id="health-overall">(\d+)<', part)
        assert shown is not None and int(shown.group(1)) == round(overall)
        log_in(client, MANAGER)
        assert "/dashboard/health" not in client.get("/").text
        assert client.get("/dashboard/health").status_code == 403


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
def test_the_five_steps_side_by_side_in_chromium(
    base: Base, tmp_path_factory: pytest.TempPathFactory
) -> None:
    import os

    from playwright.sync_api import sync_playwright

    from tests.web.live import serving
    from tests.web.test_browser import FLAGS

    shots = Path(os.environ.get("CLIENTBASE_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshot of the health page: {shots / 'health.png'}")
    with serving(base.url) as (url, _app), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            head = Session(browser, url, shots).log_in(HEAD)
            page = head.page
            assert page.locator("nav a[href='/health']").count() == 1
            page.goto(f"{url}/health")
            page.wait_for_selector(".health-step .chart svg, .health-step .chart canvas", timeout=15000)
            boxes = [page.locator(f"[data-step={s}]").bounding_box() for s in STEPS]
            assert all(b is not None for b in boxes)
            tops = {round(b["y"]) for b in boxes if b}
            assert len(tops) == 1, "the steps are side by side"
            assert [b["x"] for b in boxes if b] == sorted(b["x"] for b in boxes if b)
            head.shot("health")
            assert not head.errors, head.errors
            head.close()
            manager = Session(browser, url, shots).log_in(MANAGER)
            assert manager.page.locator("nav a[href='/health']").count() == 0
            manager.close()
        finally:
            browser.close()
