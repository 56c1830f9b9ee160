"""The Decide pages and API: each page's numbers equal the CLI's --json on the same base (on DuckDB and
PostgreSQL), tasks worked from the page and the API with optimistic locking, field errors in the scenario
form and the task forms."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.web.conftest import HEAD, MANAGER, OTHER, Base, bearer, log_in, make_client

SCENARIO = 'name = "two points less"\n[changes]\ndiscount_points = -2\npayment_days = 30\n'


def cli_json(url: str, *args: str) -> Any:
    from clientbase.cli.main import app

    result = CliRunner().invoke(app, [*args, "--db", url, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def cents(value: Any) -> Decimal:
    """A number of a page or of the CLI's JSON to the cent."""
    return Decimal(str(value).replace(",", "")).quantize(Decimal("0.01"))


@pytest.fixture
def cli_then_client(any_base: Base, tmp_path: Path) -> Iterator[tuple[dict[str, Any], TestClient]]:
    """The CLI's documents first (a DuckDB file has one writer), then a client on the same base."""
    scenario = tmp_path / "what-if.toml"
    scenario.write_text(SCENARIO)
    docs = {
        "mine": cli_json(any_base.url, "actions", "--as", MANAGER),
        "all": cli_json(any_base.url, "actions", "--as", HEAD),
        "card": cli_json(any_base.url, "actions", "--as", HEAD, "--customer", any_base.own),
        "matrix": cli_json(any_base.url, "matrix", "--as", HEAD),
        "scenario": cli_json(any_base.url, "scenario", "run", str(scenario), "--as", MANAGER),
    }
    for client in make_client(any_base.url):
        yield docs, client


def test_pages_show_the_numbers_of_the_cli(
    cli_then_client: tuple[dict[str, Any], TestClient], any_base: Base
) -> None:
    docs, client = cli_then_client
    # my actions: the manager's count and expected effect
    log_in(client, MANAGER)
    page = client.get("/actions").text
    mine = docs["mine"]["actions"]
    assert mine, "the manager has actions on the test base"
    assert int(re.search(r'data-actions="(\d+)"', page).group(1)) == len(mine)  # type: ignore[union-attr]
    effect = re.search(r'data-effect="([-\d.]+)"', page).group(1)  # type: ignore[union-attr]
    assert cents(effect) == sum(cents(a["expected_effect"]) for a in mine)
    # the head's view by manager
    log_in(client, HEAD)
    page = client.get("/by-manager").text
    for row in docs["all"]["by_owner"]:
        found = re.search(
            rf'data-owner="{row["owner_id"] or ""}" data-actions="(\d+)" data-effect="([-\d.]+)"', page
        )
        assert found, row
        assert int(found.group(1)) == row["actions"]
        assert cents(found.group(2)) == cents(row["expected_effect"])
    # the matrix's quadrants
    page = client.get("/matrix").text
    for quadrant, d in docs["matrix"]["quadrants"].items():
        found = re.search(
            rf'data-quadrant="{quadrant}" data-customers="(\d+)" data-revenue="([-\d.]+)" '
            r'data-contribution="([-\d.]+)"',
            page,
        )
        assert found, quadrant
        assert int(found.group(1)) == d["customers"]
        assert cents(found.group(2)) == cents(d["net_revenue"])
        assert cents(found.group(3)) == cents(d["net_contribution"])
    assert '"customer":' in page and "data-vega-spec" in page  # the scatter's points
    # the card's actions
    page = client.get(f"/customers/{any_base.own}/actions", headers={"HX-Request": "true"}).text
    codes = re.findall(r'<li data-code="(\w+)">', page)
    assert codes == [a["code"] for a in docs["card"]["actions"]]
    # the scenario editor's result
    csrf = log_in(client, MANAGER)
    page = client.post(
        "/scenarios",
        data={"csrf_token": csrf, "name": "two points less", "discount_points": "-2", "payment_days": "30"},
    ).text
    totals = docs["scenario"]["totals"]
    row = re.search(r'<tr data-line="net_contribution">(.*?)</tr>', page, re.S).group(1)  # type: ignore[union-attr]
    shown = [cents(v) for v in re.findall(r">(-?[\d,]+\.\d\d)<", row)]
    expected = [cents(totals["before"]["net_contribution"])]
    expected += [cents(totals["after"][k]["net_contribution"]) for k in ("low", "base", "high")]
    assert shown == expected
    customers = re.findall(r'data-customer="(\w+)"', page)
    assert customers == [c["counterparty_id"] for c in docs["scenario"]["customers"]][: len(customers)]
    # the API gives the CLI's documents
    api = client.get("/api/v1/actions", headers=bearer(client, MANAGER)).json()
    assert [(a["counterparty_id"], a["code"], a["expected_effect"]) for a in api["actions"]] == [
        (a["counterparty_id"], a["code"], a["expected_effect"]) for a in mine
    ]
    api = client.post(
        "/api/v1/scenarios/run", json={"definition": SCENARIO}, headers=bearer(client, MANAGER)
    ).json()
    assert api["totals"] == docs["scenario"]["totals"]


def test_tasks_from_the_page_accept_reject_done_and_stale(client: TestClient, base: Base) -> None:
    csrf = log_in(client, MANAGER)
    assert client.post("/actions/publish", data={"csrf_token": csrf}).status_code == 303
    page = client.get("/actions").text
    ids = re.findall(r'data-task="(T\w+)"', page)
    assert len(ids) >= 2
    first, second = ids[0], ids[1]
    moved = client.post(
        f"/actions/tasks/{first}", data={"csrf_token": csrf, "move": "accepted", "version": "1"}
    )
    assert moved.status_code == 303
    again = client.post(  # done from the version before the acceptance: stale
        f"/actions/tasks/{first}", data={"csrf_token": csrf, "move": "done", "version": "1"}
    )
    assert again.status_code == 409 and "changed since you read it" in again.text
    blank = client.post(
        f"/actions/tasks/{second}",
        data={"csrf_token": csrf, "move": "rejected", "version": "1", "reason": " "},
    )
    assert blank.status_code == 422
    assert re.search(r'id="reason-error">say why the action is rejected<', blank.text)
    rejected = client.post(
        f"/actions/tasks/{second}",
        data={"csrf_token": csrf, "move": "rejected", "version": "1", "reason": "the customer agreed it"},
    )
    assert rejected.status_code == 303
    done = client.post(f"/actions/tasks/{first}", data={"csrf_token": csrf, "move": "done", "version": "2"})
    assert done.status_code == 303
    no_csrf = client.post(f"/actions/tasks/{second}", data={"move": "open", "version": "2"})
    assert no_csrf.status_code == 403
    api = client.get(f"/api/v1/tasks/{second}", headers=bearer(client, MANAGER)).json()
    assert api["status"] == "rejected" and api["reject_reason"] == "the customer agreed it"
    assert [e["status"] for e in api["events"]] == ["open", "rejected"]
    # the head sees them by manager; another manager cannot touch them
    log_in(client, HEAD)
    row = re.search(rf'<tr data-owner="{MANAGER}".*?</tr>', client.get("/by-manager").text, re.S)
    assert row and re.search(r'data-status="rejected"><a [^>]*>1<', row.group(0))
    other = client.post(f"/api/v1/tasks/{second}/reopen", json={"version": 2}, headers=bearer(client, OTHER))
    assert other.status_code == 404


def test_tasks_through_the_api(client: TestClient) -> None:
    manager = bearer(client, MANAGER)
    made = client.post("/api/v1/tasks/publish", json={}, headers=manager).json()["created"]
    assert made and all(t["owner_id"] == MANAGER for t in made)
    again = client.post("/api/v1/tasks/publish", json={}, headers=manager).json()
    assert again["created"] == [] and again["skipped"] == len(made)
    task = made[0]["task_id"]
    ok = client.post(f"/api/v1/tasks/{task}/accept", json={"version": 1}, headers=manager)
    assert ok.status_code == 200 and ok.json()["status"] == "accepted" and ok.json()["version"] == 2
    stale = client.post(f"/api/v1/tasks/{task}/done", json={"version": 1}, headers=manager)
    assert stale.status_code == 409
    future = client.post(
        f"/api/v1/tasks/{task}/done", json={"version": 2, "done_on": "2999-01-01"}, headers=manager
    )
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "done_on"
    analyst = client.post(f"/api/v1/tasks/{task}/done", json={"version": 2}, headers=bearer(client, "M02"))
    assert analyst.status_code == 403
    listed = client.get("/api/v1/tasks", params={"status": "accepted"}, headers=manager).json()["tasks"]
    assert [t["task_id"] for t in listed] == [task]


def test_a_base_without_sales_is_worded_for_each_front_end(tmp_path: Path) -> None:
    """The same refusal (no order lines: no default period) in the CLI's terms and in the web's: the CLI
    names its options, the Decide API (which takes no period) says to import sales first."""
    import sqlalchemy as sa

    from clientbase import schema
    from clientbase.cli.main import app
    from clientbase.store import connect

    url = f"duckdb:///{tmp_path}/empty.duckdb"
    with connect(url, create=True) as store, store.begin() as conn:
        conn.execute(
            sa.insert(schema.managers), [{"manager_id": HEAD, "name": "Head", "role": "head", "active": True}]
        )
    cli = CliRunner().invoke(app, ["actions", "--as", HEAD, "--db", url])
    assert cli.exit_code == 1
    assert "no default period; give --from and --to." in " ".join(cli.output.split())
    for client in make_client(url):
        auth = bearer(client, HEAD)
        for path in ("/api/v1/actions", "/api/v1/matrix", "/api/v1/tasks/by-manager"):
            answer = client.get(path, headers=auth)
            assert answer.status_code == 400, answer.text
            detail = answer.json()["detail"]
            assert "no order lines in the base yet" in detail and "import sales first" in detail
            assert "--from" not in detail and "--to" not in detail, detail
        scenario = client.post("/api/v1/scenarios/run", json={"definition": SCENARIO}, headers=auth)
        assert scenario.status_code == 400 and "import sales first" in scenario.json()["detail"]


def test_period_errors_name_the_web_parameters() -> None:
    """Any other period the data refuses is said with the query parameters' names, not the CLI's options."""
    import datetime as dt

    from clientbase.analytics.period import PeriodError, resolve_periods
    from clientbase.decisions.overview import PERIOD_FIELDS
    from clientbase.web.errors import PERIOD_PARAMETERS, body_of

    assert tuple(PERIOD_PARAMETERS.values()) == PERIOD_FIELDS
    with pytest.raises(PeriodError) as late:
        resolve_periods(latest_order_date=dt.date(2024, 6, 30), latest_date=None, as_of=dt.date(2000, 1, 1))
    assert str(late.value).startswith("--as-of 2000-01-01")  # the CLI's words
    detail = body_of(late.value)["detail"]
    assert detail.startswith("`as_of` 2000-01-01 is before the period ends (2024-06-30)")
    assert detail.endswith("give `as_of` on or after `to`.") and "--" not in detail


def test_scenario_form_errors_at_the_field_save_list_compare(client: TestClient) -> None:
    csrf = log_in(client, MANAGER)
    bad = client.post(
        "/scenarios",
        data={"csrf_token": csrf, "name": "", "discount_points": "two", "elasticity": "1, 2"},
    )
    assert bad.status_code == 422
    for field in ("name", "discount_points", "elasticity"):
        assert f'id="{field}-error"' in bad.text, field
    assert 'value="two"' in bad.text  # the typed value stays
    wrong = client.post(
        "/scenarios",
        data={"csrf_token": csrf, "name": "x", "quadrant": "nowhere", "loss_per_point": "2, 1, 1"},
    )
    assert wrong.status_code == 422 and 'id="quadrant-error"' in wrong.text
    ids = []
    for name, points in (("less discount", "-2"), ("more discount", "1")):
        saved = client.post(
            "/scenarios", data={"csrf_token": csrf, "name": name, "discount_points": points, "do": "save"}
        )
        assert saved.status_code == 303
        ids.append(saved.headers["location"].split("/")[-1].split("?")[0])
        assert client.get(saved.headers["location"]).status_code == 200
    listing = client.get("/scenarios").text
    assert all(i in listing for i in ids)
    side = client.get("/scenarios/compare", params={"ids": ids})
    assert side.status_code == 200 and "less discount" in side.text and "more discount" in side.text
    api = client.get("/api/v1/scenarios/compare", params={"ids": ids}, headers=bearer(client, MANAGER)).json()
    changes = [row["change_base"] for row in api["scenarios"]]
    assert changes[0] > 0 > changes[1]
    assert client.get(f"/scenarios/{ids[0]}", headers={}).status_code == 200
    log_in(client, OTHER)
    assert client.get(f"/scenarios/{ids[0]}").status_code == 404
    api_bad = client.post(
        "/api/v1/scenarios/run", json={"definition": "name = 3"}, headers=bearer(client, MANAGER)
    )
    assert api_bad.status_code == 422 and api_bad.json()["errors"][0]["field"] == "name"


def test_a_base_without_sales_says_so_on_every_page(tmp_path: Path) -> None:
    import sqlalchemy as sa

    from clientbase import schema
    from clientbase.store import connect

    url = f"duckdb:///{tmp_path}/empty.duckdb"
    with connect(url) as store, store.begin() as conn:
        conn.execute(
            sa.insert(schema.managers).values(manager_id=HEAD, name="Head", role="head", active=True)
        )
    for client in make_client(url):
        csrf = log_in(client, HEAD)
        for path in ("/actions", "/by-manager", "/matrix"):
            page = client.get(path)
            assert page.status_code == 200 and "nothing to decide on yet" in page.text, path
            assert "import sales first" in page.text and "--from" not in page.text, path  # the web's words
        run = client.post("/scenarios", data={"csrf_token": csrf, "name": "x", "discount_points": "-2"})
        assert run.status_code == 422 and "no order lines" in run.text
        assert client.get("/api/v1/actions", headers=bearer(client, HEAD)).status_code == 400
