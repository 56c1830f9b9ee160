"""The quality and duplicates pages in Debian's chromium: the head reads the quality page and follows a
fix-first issue to the card's field, then merges a suggested duplicate taking one field from the other
record, checks the card, and undoes the merge from the history. Screenshots of each page; axe-core.

Screenshots go to ``$CLIENTBASE_SCREENSHOTS`` (default: a temporary folder printed by the test).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import HEAD, MANAGER, Base
from tests.web.live import serving
from tests.web.test_browser import (  # noqa: F401 (fixtures)
    CHROMIUM,
    Session,
    browser,
    shots,
)

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)"
)


@pytest.fixture(scope="module")
def live(duck_template: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Base]]:
    """The prepared base with three quality snapshots (audits as of 60, 30 and 0 days ago), served."""
    from clientbase.quality import audit, save_snapshot
    from clientbase.store import connect
    from tests.web.conftest import duck_base

    base = duck_base(duck_template, tmp_path_factory.mktemp("live-quality"))
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    with connect(base.url) as store:
        for days in (60, 30, 0):
            when = now - dt.timedelta(days=days)
            save_snapshot(store, audit(store, as_of=when.date()), at=when)
    with serving(base.url) as (url, _app):
        yield url, base


#: screenshots docs/web.md shows (CLIENTBASE_DOC_IMAGES=docs/img): name -> JPEG
DOC_IMAGES = {"q1-quality": "quality", "q3-duplicates": "duplicates", "q4-pair": "duplicate-pair"}


def shot(s: Session, name: str) -> None:
    s.shot(name)
    docs = os.environ.get("CLIENTBASE_DOC_IMAGES")
    if docs and name in DOC_IMAGES:
        s.page.screenshot(path=str(Path(docs) / f"{DOC_IMAGES[name]}.jpg"), type="jpeg", quality=55)


#: fields whose text the pair page and the card write alike
TEXT_FIELDS = ("name", "address", "city", "postcode", "phone", "email", "website")


def _field_text(page: Any, name: str) -> str:
    return str(page.locator(f"#field-{name} .value").inner_text()).strip()


def test_head_reads_quality_and_follows_an_issue_to_the_field(
    browser: Any,  # noqa: F811
    live: tuple[str, Base],
    shots: Path,  # noqa: F811
) -> None:
    url, _base = live
    s = Session(browser, url, shots).log_in(HEAD)
    page = s.page
    page.goto(f"{url}/quality")
    page.wait_for_selector("#managers")
    page.wait_for_selector("[data-vega-spec='quality_fields-spec'] svg")
    page.wait_for_selector("[data-vega-spec='quality_trend-spec'] svg")
    shot(s, "q1-quality")
    link = page.locator("#fix-first ul.issues a[href*='#field-']").first
    href = link.get_attribute("href")
    assert href and re.match(r"^/customers/\w+#field-\w+$", href)
    link.click()
    page.wait_for_url(f"{url}{href}")
    name = href.rsplit("#field-", 1)[1]
    assert page.locator(f"#field-{name}").is_visible()
    assert not s.errors, s.errors
    s.close()
    m = Session(browser, url, shots).log_in(MANAGER)
    m.page.goto(f"{url}/quality")
    m.page.wait_for_selector("[data-vega-spec='quality_managers-spec'] svg")
    assert m.page.locator("#managers tbody tr").count() == 1
    shot(m, "q2-quality-manager")
    assert not m.errors, m.errors
    m.close()


def test_head_merges_a_duplicate_taking_a_field_from_the_other_and_undoes(
    browser: Any,  # noqa: F811
    live: tuple[str, Base],
    shots: Path,  # noqa: F811
) -> None:
    url, _base = live
    s = Session(browser, url, shots).log_in(HEAD)
    page = s.page
    page.on("dialog", lambda dialog: dialog.accept())  # the undo button asks first
    page.goto(f"{url}/duplicates")
    shot(s, "q3-duplicates")
    page.locator("#queue a", has_text="Review").first.click()
    page.wait_for_url(re.compile(r".*/duplicates/\w+/\w+.*"))
    page.wait_for_selector("[data-vega-spec='pair_waterfall-spec'] svg")
    shot(s, "q4-pair")
    survivor = page.locator("input[name=survivor_id]").get_attribute("value")
    merged = page.locator("input[name=merged_id]").get_attribute("value")
    # a field the rules keep from the survivor: take the other record's value instead
    chosen = None
    for name in TEXT_FIELDS:
        other = page.locator(f"input[name=take_{name}][value={merged}]")
        if other.count() and not other.is_checked():
            chosen = name
            break
    assert chosen, "the pair has no differing text field to choose"
    value = str(page.locator(f"input[name=take_{chosen}][value={merged}]").locator("xpath=..").inner_text())
    value = value.strip()
    page.goto(f"{url}/customers/{survivor}")
    before = _field_text(page, chosen)
    page.go_back()
    page.locator(f"input[name=take_{chosen}][value={merged}]").check()
    page.click("#merge")
    page.wait_for_selector("#merged-notice")
    shot(s, "q5-merged")
    page.goto(f"{url}/customers/{survivor}")
    assert _field_text(page, chosen) == value != before
    shot(s, "q6-card-after-merge")
    page.goto(f"{url}/customers/{merged}")
    assert "archived" in page.locator("main").inner_text()
    page.goto(f"{url}/duplicates")
    row = page.locator("#history tr[data-merge]").first
    row.locator("button", has_text="Undo").click()
    page.wait_for_selector("#undone-notice")
    shot(s, "q7-undone")
    page.goto(f"{url}/customers/{survivor}")
    assert _field_text(page, chosen) == before
    page.goto(f"{url}/duplicates")
    assert (
        page.locator(f"#queue tr[data-pair='{min(survivor, merged)}~{max(survivor, merged)}']").count() == 1
    )
    assert not s.errors, s.errors
    s.close()


@pytest.mark.parametrize("where", ["quality", "duplicates", "pair"])
def test_no_serious_accessibility_violations(
    browser: Any,  # noqa: F811
    live: tuple[str, Base],
    shots: Path,  # noqa: F811
    where: str,
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    url, _base = live
    s = Session(browser, url, shots, bypass_csp=True).log_in(HEAD)  # axe-core evaluates with Function()
    s.page.goto(f"{url}/quality" if where == "quality" else f"{url}/duplicates")
    if where == "pair":
        s.page.locator("#queue a", has_text="Review").first.click()
        s.page.wait_for_selector("[data-vega-spec='pair_waterfall-spec'] svg")
    elif where == "quality":
        s.page.wait_for_selector("[data-vega-spec='quality_fields-spec'] svg")
    results = Axe().run(s.page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, "\n".join(
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: {v['nodes'][0]['target']})" for v in serious
    )
    s.close()
