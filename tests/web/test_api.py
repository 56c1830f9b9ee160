"""The HTTP API: tokens, the list, read / create / change with optimistic locking, errors, analysis, P&L
(on DuckDB and PostgreSQL)."""

from __future__ import annotations

import json
from decimal import Decimal

from fastapi.testclient import TestClient

from clientbase.analytics.run import analyze
from tests.web.conftest import ANALYST, HEAD, MANAGER, OTHER, PASSWORD, Base, bearer


def test_token_from_the_password_form(any_client: TestClient) -> None:
    response = any_client.post("/api/v1/auth/token", data={"username": MANAGER, "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()
    assert token["token_type"] == "bearer" and token["access_token"].startswith("cb_")
    me = any_client.get("/api/v1/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.json()["manager_id"] == MANAGER and me.json()["role"] == "manager"
    wrong = any_client.post("/api/v1/auth/token", data={"username": MANAGER, "password": "not it at all"})
    assert wrong.status_code == 401 and "Wrong user name or password" in wrong.json()["detail"]


def test_list_filters_sorts_and_pages(any_client: TestClient) -> None:
    head = bearer(any_client, HEAD)
    everything = any_client.get("/api/v1/counterparties", params={"limit": 500}, headers=head).json()
    mine = any_client.get(
        "/api/v1/counterparties", params={"limit": 500}, headers=bearer(any_client, MANAGER)
    ).json()
    assert mine["total"] < everything["total"]
    assert {item["owner_id"] for item in mine["items"]} == {MANAGER}
    owned = any_client.get(
        "/api/v1/counterparties", params={"owner_id": MANAGER, "limit": 500}, headers=head
    ).json()
    assert owned["total"] == mine["total"]  # the head filtering by owner sees what the manager sees
    by_revenue = any_client.get(
        "/api/v1/counterparties", params={"sort": "-name", "limit": 5, "offset": 5}, headers=head
    ).json()
    names = [i["name"] for i in everything["items"]]
    assert [i["name"] for i in by_revenue["items"]] == sorted(names, reverse=True)[5:10]
    active = any_client.get(
        "/api/v1/counterparties", params={"status": "active", "role": "customer"}, headers=head
    )
    assert all(i["status"] == "active" and "customer" in i["roles"] for i in active.json()["items"])
    bad = any_client.get("/api/v1/counterparties", params={"sort": "nonsense"}, headers=head)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "sort"


def test_search_finds_a_part_of_the_name(any_client: TestClient, any_base: Base) -> None:
    head = bearer(any_client, HEAD)
    record = any_client.get(f"/api/v1/counterparties/{any_base.own}", headers=head).json()
    word = record["name"].split()[0][1:5].lower()
    found = any_client.get("/api/v1/counterparties", params={"q": word, "limit": 500}, headers=head).json()
    assert any_base.own in [i["counterparty_id"] for i in found["items"]]
    assert all(word in (" ".join(str(v) for v in i.values() if v)).lower() for i in found["items"])
    if record["phone"]:  # a phone as people write it, with spaces: found by its digits
        digits = record["phone"][3:]
        spaced = " ".join([digits[:3], digits[3:]])
        by_phone = any_client.get(
            "/api/v1/counterparties", params={"q": spaced, "limit": 500}, headers=head
        ).json()
        assert any_base.own in [i["counterparty_id"] for i in by_phone["items"]]
    odd = any_client.get("/api/v1/counterparties", params={"q": "a.b (c"}, headers=head)
    assert odd.status_code == 200  # regular-expression characters are searched as they are


def test_change_with_version_then_stale_then_invalid(any_client: TestClient, any_base: Base) -> None:
    mine = bearer(any_client, MANAGER)
    url = f"/api/v1/counterparties/{any_base.own}"
    before = any_client.get(url, headers=mine).json()
    changed = any_client.patch(url, json={"version": before["version"], "city": "Uppsala"}, headers=mine)
    assert changed.status_code == 200
    assert changed.json()["city"] == "Uppsala" and changed.json()["version"] == before["version"] + 1
    stale = any_client.patch(url, json={"version": before["version"], "city": "Malmö"}, headers=mine)
    assert stale.status_code == 409
    body = stale.json()
    assert body["current_version"] == before["version"] + 1
    assert [(m["field_name"], m["new_value"]) for m in body["missed"]] == [("city", "Uppsala")]
    assert any_client.get(url, headers=mine).json()["city"] == "Uppsala"  # nothing overwritten
    invalid = any_client.patch(
        url, json={"version": before["version"] + 1, "email": "not-an-email"}, headers=mine
    )
    assert invalid.status_code == 422
    [error] = invalid.json()["errors"]
    assert (
        error["field"] == "email"
        and error["value"] == "not-an-email"
        and error["reason"].startswith("format")
    )
    history = any_client.get(f"{url}/history", headers=mine).json()
    assert (
        history[-1]["field_name"] == "city"
        and history[-1]["new_value"] == "Uppsala"
        and history[-1]["source"] == "api"
    )


def test_create_and_roles(any_client: TestClient, any_base: Base) -> None:
    created = any_client.post(
        "/api/v1/counterparties",
        json={
            "name": "Fresh Prospect AB",
            "roles": "prospect",
            "status": "prospect",
            "acquisition_channel": "web",
            "acquisition_mode": "targeted",
            "country": "SE",
        },
        headers=bearer(any_client, MANAGER),
    )
    assert created.status_code == 201
    assert created.json()["owner_id"] == MANAGER and created.json()["version"] == 1
    refused = any_client.patch(
        f"/api/v1/counterparties/{any_base.own}",
        json={"version": 1, "city": "X"},
        headers=bearer(any_client, ANALYST),
    )
    assert refused.status_code == 403 and "analyst" in refused.json()["detail"]
    hidden = any_client.get(f"/api/v1/counterparties/{any_base.other}", headers=bearer(any_client, MANAGER))
    missing = any_client.get("/api/v1/counterparties/C999999", headers=bearer(any_client, MANAGER))
    assert hidden.status_code == missing.status_code == 404  # the same answer: nothing learned by guessing
    assert "C999999" in missing.json()["detail"]


def test_transfer_by_the_head(any_client: TestClient, any_base: Base) -> None:
    head = bearer(any_client, HEAD)
    record = any_client.get(f"/api/v1/counterparties/{any_base.own}", headers=head).json()
    moved = any_client.post(
        f"/api/v1/counterparties/{any_base.own}/transfer",
        json={"to_owner": OTHER, "version": record["version"]},
        headers=head,
    )
    assert moved.status_code == 200 and moved.json()["owner_id"] == OTHER
    assert (
        any_client.get(
            f"/api/v1/counterparties/{any_base.own}", headers=bearer(any_client, MANAGER)
        ).status_code
        == 404
    )
    back = any_client.post(
        f"/api/v1/counterparties/{any_base.own}/transfer",
        json={"to_owner": MANAGER, "version": moved.json()["version"]},
        headers=head,
    )
    assert back.status_code == 200


def _cli_json(document: object) -> object:
    from clientbase.cli.common import _json_default

    return json.loads(json.dumps(document, default=_json_default))


def test_analysis_is_the_cli_document(any_client: TestClient) -> None:
    store = any_client.app.state.store  # type: ignore[attr-defined]
    served = any_client.get("/api/v1/analysis", headers=bearer(any_client, ANALYST))
    assert served.status_code == 200
    assert served.json() == _cli_json(analyze(store).document())
    assert any_client.get("/api/v1/analysis", headers=bearer(any_client, MANAGER)).status_code == 403
    early = any_client.get(
        "/api/v1/analysis",
        params={"to": "2099-01-01", "as_of": "2000-01-01"},
        headers=bearer(any_client, HEAD),
    )
    assert early.status_code == 422  # said at the field, as the analysis page does
    assert [e["field"] for e in early.json()["errors"]] == ["as_of"]


def test_pnl_is_the_analysis_customer(any_client: TestClient, any_base: Base) -> None:
    store = any_client.app.state.store  # type: ignore[attr-defined]
    document = _cli_json(analyze(store).document())
    pnl = any_client.get(
        f"/api/v1/counterparties/{any_base.own}/pnl", headers=bearer(any_client, MANAGER)
    ).json()
    [entry] = [c for c in document["customers"] if c["counterparty_id"] == any_base.own]  # type: ignore[index]
    for line in (
        "gross_sales_list",
        "discount",
        "net_revenue",
        "cogs",
        "cost_to_serve",
        "credit_cost",
        "net_contribution",
    ):
        assert Decimal(str(pnl["current"][line])) == Decimal(str(entry[line])), line
    assert pnl["period"]["from"] == document["period"]["from"]  # type: ignore[index]


def test_contacts(any_client: TestClient, any_base: Base) -> None:
    mine = bearer(any_client, MANAGER)
    added = any_client.post(
        f"/api/v1/counterparties/{any_base.own}/contacts",
        json={"name": "Erik Lind", "email": "Erik.Lind@Example.COM"},
        headers=mine,
    )
    assert (
        added.status_code == 201 and added.json()["email"] == "Erik.Lind@example.com"
    )  # the domain is normalised
    listed = any_client.get(f"/api/v1/counterparties/{any_base.own}/contacts", headers=mine).json()
    assert added.json()["contact_id"] in [c["contact_id"] for c in listed]
    changed = any_client.patch(
        f"/api/v1/contacts/{added.json()['contact_id']}", json={"version": 1, "title": "Buyer"}, headers=mine
    )
    assert changed.status_code == 200 and changed.json()["title"] == "Buyer"
    other = any_client.patch(
        f"/api/v1/contacts/{any_base.other_contact}", json={"version": 1, "title": "x"}, headers=mine
    )
    assert other.status_code == 404


def test_errors_say_what_and_how(any_client: TestClient) -> None:
    head = bearer(any_client, HEAD)
    for response in (
        any_client.get("/api/v1/nothing-here", headers=head),
        any_client.get("/api/v1/counterparties", params={"limit": 0}, headers=head),
        any_client.patch("/api/v1/counterparties/C1", json={"city": "x"}, headers=head),
        any_client.get("/api/v1/counterparties"),
    ):
        assert 400 <= response.status_code < 500
        body = response.json()
        assert body["detail"] and "Traceback" not in response.text
