"""The dashboard, the analysis and the customer-value pages show the CLI's numbers (``analyze --json``,
``value --json``) on the same base, on DuckDB and PostgreSQL; periods that cannot be are said at the field;
the roles hold (a manager's dashboard and value page hold their own customers only)."""

from __future__ import annotations

import functools
import json
import operator
import re
from collections.abc import Iterator
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.web.conftest import ANALYST, HEAD, MANAGER, Base, log_in, make_client


def chosen_periods(url: str) -> dict[str, str]:
    """Periods other than the materialised ones, inside the base's data (two years to its last order): nine
    months ending a month before the last order, against the same months a year earlier."""
    import datetime as dt

    from clientbase.decisions import customer_metrics
    from clientbase.store import connect

    with connect(url) as store:
        state = customer_metrics.state(store)
    assert state is not None
    end = state["period_end"] - dt.timedelta(days=30)
    start = end - dt.timedelta(days=270)
    year = dt.timedelta(days=365)
    days = (start, end, start - year, end - year)
    return dict(zip(("from", "to", "compare_from", "compare_to"), (d.isoformat() for d in days), strict=True))


class Tables(HTMLParser):
    """Every ``<table>`` of a page by its id (or ``data-rollup``): rows of (cell texts, first link)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, list[tuple[list[str], str | None]]] = {}
        self._stack: list[str] = []
        self._row: list[str] | None = None
        self._link: str | None = None
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self._stack.append(a.get("id") or a.get("data-rollup") or f"table{len(self.tables)}")
            self.tables.setdefault(self._stack[-1], [])
        elif tag == "tr" and self._stack:
            self._row, self._link = [], None
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "a" and self._row is not None and self._link is None:
            self._link = a.get("href")

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._stack:
            self.tables[self._stack[-1]].append((self._row, self._link))
            self._row = None
        elif tag == "table" and self._stack:
            self._stack.pop()


def amount(text: str) -> Decimal:
    """A shown amount ('-1,234.50', '12 %') as a Decimal."""
    return Decimal(text.replace(",", "").replace("%", "").strip())


def cents(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def cli_json(args: list[str]) -> Any:
    from clientbase.cli.main import app

    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def kpis(html: str) -> dict[str, str]:
    """The first key-figure tiles of the page (the head's dashboard repeats them per manager)."""
    shown: dict[str, str] = {}
    for name, value in re.findall(r'data-kpi="(\w+)">([^<]*)<', html):
        shown.setdefault(name, value)
    for name, value in re.findall(r'data-kpi-prev="(\w+)">([^<]*)<', html):
        shown.setdefault(f"{name}_prev", value)
    return shown


@pytest.fixture
def analysed(any_base: Base) -> Iterator[tuple[TestClient, dict[str, Any], dict[str, Any]]]:
    """The CLI's analysis of the default periods and of :func:`chosen_periods` (run before the app holds the
    file), and a client on the same base."""
    default = cli_json(["analyze", "--db", any_base.url, "--json"])
    periods = chosen_periods(any_base.url)
    chosen = cli_json(
        [
            "analyze",
            "--db",
            any_base.url,
            "--json",
            *functools.reduce(
                operator.iadd, ([f"--{k.replace('_', '-')}", v] for k, v in periods.items()), []
            ),
        ]
    )
    for client in make_client(any_base.url):
        client.periods = periods  # type: ignore[attr-defined]
        yield client, default, chosen


def check_figures(html: str, document: dict[str, Any]) -> None:
    shown = kpis(html)
    for suffix, totals, standing in (
        ("", document["totals"], document["by_standing"]),
        ("_prev", document["totals_previous"], document["by_standing_previous"]),
    ):
        assert amount(shown[f"net_revenue{suffix}"]) == cents(totals["net_revenue"])
        assert amount(shown[f"net_contribution{suffix}"]) == cents(totals["net_contribution"])
        margin = totals["net_margin_pct"]
        assert (
            shown[f"margin_pct{suffix}"] == "n/a"
            if margin is None
            else amount(shown[f"margin_pct{suffix}"]) == cents(margin)
        )
        assert int(amount(shown[f"customers{suffix}"])) == standing["customer"]["counterparties"]
    assert int(amount(shown["loss_makers"])) == document["whale"]["loss_makers"]


def test_dashboard_shows_the_clis_numbers(analysed: tuple[TestClient, Any, Any]) -> None:
    client, document, _ = analysed
    log_in(client, HEAD)
    page = client.get("/")
    assert page.status_code == 200
    html = page.text
    assert re.search(r'id="headline">([^<]*)<', html)[1] == document["headline"].replace("&", "&amp;")  # type: ignore[index]
    check_figures(html, document)
    loss_makers = sum(1 for c in document["customers"] if c["net_contribution"] < 0)
    assert int(amount(kpis(html)["loss_makers"])) == loss_makers
    bridge = {row[0]: amount(row[1]) for row, _ in Tables(html).tables["bridge-table"]}
    assert bridge["Net contribution before"] == cents(document["bridge"]["before"])
    assert bridge["Net contribution after"] == cents(document["bridge"]["after"])
    assert bridge["Price and discount"] == cents(document["bridge"]["components"]["price_discount"])
    assert sum(v for k, v in bridge.items() if not k.startswith("Net")) == cents(
        document["bridge"]["total_change"]
    )
    # the head's work, by manager; links lead to the cards
    assert f'id="work-{MANAGER}"' in html and 'href="/customers/C' in html
    api = client.get("/api/v1/dashboard").json()
    assert api["headline"] == document["headline"]
    assert api["key_figures"]["current"]["customers"] == document["by_standing"]["customer"]["counterparties"]


def test_a_managers_dashboard_holds_their_own_customers(analysed: tuple[TestClient, Any, Any]) -> None:
    client, document, _ = analysed
    log_in(client, MANAGER)
    board = client.get("/api/v1/dashboard").json()
    assert board["scope"] == "own" and board["headline"] is None
    assert [w["owner_id"] for w in board["work"]] == [MANAGER]
    own = {
        r["counterparty_id"]
        for r in client.get("/api/v1/counterparties", params={"limit": 500}).json()["items"]
    }
    work = board["work"][0]
    listed = [c["counterparty_id"] for c in work["loss_makers"] + work["overdue"]]
    listed += [p[k] for p in work["duplicates"] for k in ("id_l", "id_r") if p[k]]
    assert set(listed) <= own
    customers = {c["counterparty_id"]: c for c in document["customers"]}
    mine = [c for cid, c in customers.items() if cid in own]
    assert board["key_figures"]["current"]["customers"] == len(mine)
    assert board["key_figures"]["current"]["loss_makers"] == sum(c["net_contribution"] < 0 for c in mine)
    assert work["loss_makers_count"] == sum(c["net_contribution"] < 0 for c in mine)
    page = client.get("/")
    assert page.status_code == 200 and "Your customers" in page.text
    assert client.get("/analysis").status_code == 403


@pytest.mark.parametrize("chosen", [False, True], ids=["materialised", "chosen-periods"])
def test_analysis_page_shows_the_clis_numbers(analysed: tuple[TestClient, Any, Any], chosen: bool) -> None:
    client, default, other = analysed
    document = other if chosen else default
    log_in(client, ANALYST)
    periods = client.periods  # type: ignore[attr-defined]
    params = {**(periods if chosen else {}), "limit": "500", "sort": "-net_contribution"}
    page = client.get("/analysis", params=params)
    assert page.status_code == 200, page.text[:500]
    html = page.text
    assert document["headline"].replace("&", "&amp;") in html
    check_figures(html, document)
    tables = Tables(html).tables
    pnl = next(t for name, t in tables.items() if any(link and "/customers/" in link for _, link in t))
    rows = {link.rsplit("/", 1)[1]: cells for cells, link in pnl if link and link.startswith("/customers/")}
    expected = {c["counterparty_id"]: c for c in document["customers"]}
    assert set(rows) == set(expected)
    for cid, cells in rows.items():
        assert amount(cells[4]) == cents(expected[cid]["net_revenue"])  # the columns of PNL_COLUMNS
        assert amount(cells[8]) == cents(expected[cid]["net_contribution"])
    ranked = [link.rsplit("/", 1)[1] for _, link in pnl if link and link.startswith("/customers/")]
    assert ranked == [c["counterparty_id"] for c in document["customers"]]  # the whale's order
    for by, groups in document["rollups"].items():
        shown = [cells for cells, _ in tables[by][1:]]
        assert len(shown) == len(groups), by
        for cells, group in zip(shown, groups, strict=True):  # in the analysis' order
            name = "(none)" if group["value"] is None else str(group["value"])
            assert cells[0] == name or cells[0].endswith(f"({name})"), (by, cells, group)
            assert amount(cells[2]) == cents(group["net_revenue"]), (by, group)
            assert amount(cells[3]) == cents(group["net_contribution"]), (by, group)
    api = client.get("/api/v1/analysis", params=periods if chosen else {}).json()
    assert api["totals"] == document["totals"]


def test_analysis_filters_sort_and_page(analysed: tuple[TestClient, Any, Any]) -> None:
    client, document, _ = analysed
    log_in(client, HEAD)
    lossy = client.get("/analysis", params={"loss_making": "true", "limit": "500"})
    pnl = next(
        t for t in Tables(lossy.text).tables.values() if any(link and "/customers/" in link for _, link in t)
    )
    expected = {c["counterparty_id"] for c in document["customers"] if c["net_contribution"] < 0}
    assert {link.rsplit("/", 1)[1] for _, link in pnl if link and link.startswith("/customers/")} == expected
    mine = client.get("/analysis", params={"owner_id": MANAGER, "limit": "500", "sort": "name"})
    assert mine.status_code == 200
    second = client.get("/analysis", params={"limit": "5", "offset": "5"})
    assert "6–10 of" in second.text
    fragment = client.get(
        "/analysis", params={"sort": "-net_revenue"}, headers={"HX-Request": "true", "HX-Target": "pnl"}
    )
    assert fragment.text.lstrip().startswith('<div id="pnl">')


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"from": "2024-02-30"}, "from", "a date as YYYY-MM-DD"),
        ({"from": "2025-01-01", "to": "2024-01-01"}, "to", "ends before it starts"),
        ({"compare_from": "2023-01-01"}, "compare_to", "both ends"),
        ({"to": "2025-01-31", "as_of": "2025-01-01"}, "as_of", "on or after"),
        ({"sort": "nope"}, "sort", "sort by one of"),
    ],
)
def test_bad_periods_are_said_at_the_field(
    client: TestClient, params: dict[str, str], field: str, words: str
) -> None:
    log_in(client, HEAD)
    page = client.get("/analysis", params=params)
    assert page.status_code == 422
    assert words in page.text
    if field != "sort":
        assert f'id="f-{field}"' in page.text and f'aria-describedby="{field}-error"' in page.text
    api = client.get("/api/v1/analysis", params=params)
    assert api.status_code in (400, 422) if field != "sort" else True
    report = client.get("/analysis/report.xlsx", params=params)
    assert report.status_code == (200 if field == "sort" else 422)


def test_value_page_shows_the_clis_numbers(any_base: Base) -> None:
    from clientbase.decisions import customer_metrics
    from clientbase.store import connect

    with connect(any_base.url) as store:
        as_of = customer_metrics.state(store)["as_of"]  # type: ignore[index]
    document = cli_json(["value", "--db", any_base.url, "--json", "--as-of", as_of.isoformat()])
    for client in make_client(any_base.url):
        log_in(client, ANALYST)
        page = client.get("/value", params={"limit": "500"})
        assert page.status_code == 200
        tables = Tables(page.text).tables
        segments = {cells[0]: int(amount(cells[1])) for cells, _ in tables["segments"][1:]}
        assert segments == document["segments"]
        for key in ("abc_xyz", "abc_xyz_profit"):
            grid = {
                cells[0] + x: int(amount(v))
                for cells, _ in tables[key][1:]
                for x, v in zip("XYZ", cells[1:], strict=True)
            }
            assert grid == document[key]
        listed = next(t for t in tables.values() if any(link and "/customers/" in link for _, link in t))
        rows = {
            link.rsplit("/", 1)[1]: cells for cells, link in listed if link and link.startswith("/customers/")
        }
        expected = {c["counterparty_id"]: c for c in document["customers"]}
        assert set(rows) == set(expected)
        for cid, cells in rows.items():
            assert amount(cells[6]) == cents(expected[cid]["clv"]), cid
            assert cells[2] == expected[cid]["rfm_segment"]
            assert int(amount(cells[7])) == round(expected[cid]["p_alive"] * 100), cid
        api = client.get("/api/v1/value").json()
        assert api["segments"] == document["segments"] and api["abc_xyz"] == document["abc_xyz"]
        log_in(client, MANAGER)
        own = client.get("/api/v1/value").json()
        assert own["scope"] == "own" and 0 < len(own["customers"]) < len(api["customers"])
        assert {c["owner_id"] for c in own["customers"]} == {MANAGER}


def test_an_empty_base_asks_for_the_periods_at_the_field(tmp_path: Any) -> None:
    import sqlalchemy as sa

    from clientbase import schema
    from clientbase.store import connect

    url = f"duckdb:///{tmp_path}/empty.duckdb"
    with connect(url, create=True) as store, store.begin() as conn:
        conn.execute(
            sa.insert(schema.managers).values(manager_id=HEAD, name="Head", role="head", active=True)
        )
    for client in make_client(url):
        log_in(client, HEAD)
        board = client.get("/")
        assert board.status_code == 200 and "has not been computed yet" in board.text
        page = client.get("/analysis")
        assert page.status_code == 422
        assert 'aria-describedby="to-error"' in page.text and "no order lines" in page.text
        assert "--from" not in page.text  # the fields' names, not the CLI's options
        assert client.get("/value").status_code == 200
