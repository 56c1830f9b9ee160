"""The pages without a browser: list, card, inline edit and its conflicts, forms, bulk actions, export,
saved views, users, password (HTML over the test client)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from clientbase.imports.plan import plan_import
from clientbase.registry.access import Actor
from clientbase.web.formatting import money
from tests.web.conftest import HEAD, MANAGER, OTHER, PASSWORD, Base, bearer, log_in

HX = {"HX-Request": "true"}


def _version(client: TestClient, cid: str) -> int:
    return int(client.get(f"/api/v1/counterparties/{cid}", headers=bearer(client, HEAD)).json()["version"])


def test_list_search_filter_sort_and_page(client: TestClient, base: Base) -> None:
    log_in(client, HEAD)
    page = client.get("/customers", params={"limit": 10})
    assert page.status_code == 200 and "1–10 of" in page.text
    total = int(re.search(r"1–10 of ([\d,]+)", page.text).group(1).replace(",", ""))  # type: ignore[union-attr]
    second = client.get("/customers", params={"limit": 10, "offset": 10})
    assert "11–20 of" in second.text
    fragment = client.get("/customers", params={"status": "prospect"}, headers={**HX, "HX-Target": "results"})
    assert fragment.text.lstrip().startswith('<div id="results">') and "<html" not in fragment.text
    prospects = client.get(
        "/api/v1/counterparties", params={"status": "prospect"}, headers=bearer(client, HEAD)
    )
    assert f"of {prospects.json()['total']:,}" in fragment.text or prospects.json()["total"] == 0
    by_name = client.get("/customers", params={"sort": "-name", "limit": 500})
    assert 'aria-sort="descending"' in by_name.text
    mine = client.get("/customers", params={"owner_id": MANAGER})
    assert f"of {total:,}" not in mine.text


def test_card_shows_the_fields_rules_pnl_and_history(client: TestClient, base: Base) -> None:
    log_in(client, MANAGER)
    pnl = client.get(f"/api/v1/counterparties/{base.own}/pnl", headers=bearer(client, MANAGER)).json()
    card = client.get(f"/customers/{base.own}")
    assert card.status_code == 200
    for line in ("gross_sales_list", "net_revenue", "net_contribution"):
        assert money(pnl["current"][line]) in card.text, line
    for section in (
        "Identity",
        "Terms",
        "Contacts",
        "History",
        "Open invoices",
        "Recent orders",
        "Suspected duplicates",
    ):
        assert section in card.text
    assert 'data-vega-spec="pnl_cur-spec"' in card.text and 'type="application/json"' in card.text


def test_inline_edit_error_fix_and_history(client: TestClient, base: Base) -> None:
    log_in(client, MANAGER)
    form = client.get(f"/customers/{base.own}/edit", params={"field": "email"}, headers=HX)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    version = re.search(r'name="version" value="(\d+)"', form.text).group(1)  # type: ignore[union-attr]
    bad = client.post(
        f"/customers/{base.own}/edit",
        data={"csrf_token": csrf, "version": version, "email": "anna(at)example"},
        headers=HX,
    )
    assert bad.status_code == 422
    assert 'aria-invalid="true"' in bad.text and "field-error" in bad.text and "anna(at)example" in bad.text
    good = client.post(
        f"/customers/{base.own}/edit",
        data={"csrf_token": csrf, "version": version, "email": "anna@example.com"},
        headers=HX,
    )
    assert good.status_code == 200 and "anna@example.com" in good.text
    assert (
        'id="history" hx-swap-oob="true"' in good.text
        and "anna@example.com" in good.text.split('id="history"')[1]
    )
    stale = client.post(
        f"/customers/{base.own}/edit",
        data={"csrf_token": csrf, "version": version, "email": "late@example.com"},
        headers=HX,
    )
    assert stale.status_code == 409
    assert "Someone changed this record" in stale.text and "anna@example.com" in stale.text
    assert (
        client.get(f"/api/v1/counterparties/{base.own}", headers=bearer(client, MANAGER)).json()["email"]
        == "anna@example.com"
    )


def test_edit_all_fields_without_javascript(client: TestClient, base: Base) -> None:
    csrf = log_in(client, MANAGER)
    page = client.get(f"/customers/{base.own}/edit")
    assert page.status_code == 200 and 'name="payment_days"' in page.text
    version = _version(client, base.own)
    bad = client.post(
        f"/customers/{base.own}/edit", data={"csrf_token": csrf, "version": version, "payment_days": "soon"}
    )
    assert bad.status_code == 422 and "not a whole number" in bad.text
    ok = client.post(
        f"/customers/{base.own}/edit", data={"csrf_token": csrf, "version": version, "payment_days": "45"}
    )
    assert ok.status_code == 303 and ok.headers["location"] == f"/customers/{base.own}?saved=1"
    assert _version(client, base.own) == version + 1


def test_new_prospect_form(client: TestClient) -> None:
    csrf = log_in(client, MANAGER)
    assert "New prospect" in client.get("/customers/new", params={"role": "prospect"}).text
    missing = client.post(
        "/customers/new",
        data={"csrf_token": csrf, "name": "Fresh AB", "roles": "prospect", "status": "prospect"},
    )
    assert (
        missing.status_code == 422 and "acquisition_channel" in missing.text and "field-error" in missing.text
    )
    made = client.post(
        "/customers/new",
        data={
            "csrf_token": csrf,
            "name": "Fresh AB",
            "roles": "prospect",
            "status": "prospect",
            "acquisition_channel": "fair",
            "acquisition_mode": "targeted",
        },
    )
    assert made.status_code == 303
    card = client.get(made.headers["location"])
    assert "Fresh AB" in card.text and f"({MANAGER})" in card.text


def test_bulk_transfer_by_the_head_and_not_by_a_manager(client: TestClient, base: Base) -> None:
    csrf = log_in(client, HEAD)
    moved = client.post(
        "/customers/bulk",
        data={
            "csrf_token": csrf,
            "ids": [base.own, base.xss],
            "action": "transfer",
            "value": OTHER,
            "back": "/customers?status=active",
        },
    )
    assert moved.status_code == 303 and moved.headers["location"] == "/customers?status=active&done=2"
    owners = {
        client.get(f"/api/v1/counterparties/{c}", headers=bearer(client, HEAD)).json()["owner_id"]
        for c in (base.own, base.xss)
    }
    assert owners == {OTHER}
    csrf = log_in(client, OTHER)
    refused = client.post(
        "/customers/bulk",
        data={"csrf_token": csrf, "ids": [base.own], "action": "transfer", "value": MANAGER},
    )
    assert refused.status_code == 403 and "only the head" in refused.text


def test_export_is_read_back_by_the_importer(client: TestClient, base: Base, tmp_path: Path) -> None:
    log_in(client, MANAGER)
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/customers/export.{fmt}", params={"status": "active"})
        assert response.status_code == 200
        path = tmp_path / f"mine.{fmt}"
        path.write_bytes(response.content)
        plan = plan_import(client.app.state.store, path=path, actor=Actor(MANAGER, "manager"))  # type: ignore[attr-defined]
        assert (
            plan.count("unchanged") > 0
            and plan.count("new") == plan.count("updated") == plan.count("rejected") == 0
        )


def test_saved_views(client: TestClient) -> None:
    csrf = log_in(client, MANAGER)
    saved = client.post(
        "/customers/views",
        data={"csrf_token": csrf, "view_name": "my active", "query": "status=active&offset=50&cols=name"},
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/customers?status=active&cols=name"
    page = client.get("/customers")
    assert "my active" in page.text
    view_id = re.search(r"/customers/views/([0-9a-f]{32})/delete", page.text).group(1)  # type: ignore[union-attr]
    log_in(client, OTHER)
    assert "my active" not in client.get("/customers").text  # views are per user
    csrf = log_in(client, MANAGER)
    assert client.post(f"/customers/views/{view_id}/delete", data={"csrf_token": csrf}).status_code == 303
    assert "my active" not in client.get("/customers").text


def test_users_page_adds_and_deactivates(client: TestClient) -> None:
    csrf = log_in(client, HEAD)
    added = client.post(
        "/users",
        data={
            "csrf_token": csrf,
            "manager_id": "M77",
            "name": "New Colleague",
            "role": "manager",
            "password": "a long enough password",
        },
    )
    assert added.status_code == 303
    assert "New Colleague" in client.get("/users").text
    token = client.post("/api/v1/auth/token", data={"username": "M77", "password": "a long enough password"})
    assert token.status_code == 200
    client.post("/users/M77", data={"csrf_token": csrf, "active": "false"})
    assert (
        client.post(
            "/api/v1/auth/token", data={"username": "M77", "password": "a long enough password"}
        ).status_code
        == 401
    )
    log_in(client, MANAGER)
    assert client.get("/users").status_code == 403


def test_password_change(client: TestClient) -> None:
    csrf = log_in(client, MANAGER)
    wrong = client.post(
        "/account/password",
        data={"csrf_token": csrf, "current_password": "nope", "password": "x" * 12, "repeat": "x" * 12},
    )
    assert wrong.status_code == 422 and "current password is wrong" in wrong.text
    short = client.post(
        "/account/password",
        data={"csrf_token": csrf, "current_password": PASSWORD, "password": "short", "repeat": "short"},
    )
    assert short.status_code == 422 and "too short" in short.text
    done = client.post(
        "/account/password",
        data={"csrf_token": csrf, "current_password": PASSWORD, "password": "x" * 12, "repeat": "x" * 12},
    )
    assert done.status_code == 303
    assert client.get("/customers").status_code == 200  # this session stays
    assert (
        client.post("/api/v1/auth/token", data={"username": MANAGER, "password": "x" * 12}).status_code == 200
    )
