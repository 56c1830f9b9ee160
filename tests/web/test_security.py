"""Security: escaping, CSRF, session rotation, the Content-Security-Policy, guessing ids, log-in throttling."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from clientbase.accounts import login
from clientbase.web.security import ANON_CSRF_COOKIE, SESSION_COOKIE
from tests.web.conftest import HEAD, MANAGER, OTHER, PASSWORD, XSS, Base, bearer, log_in
from tests.web.routes import PUBLIC, app_routes

TEMPLATES = Path(__file__).parents[2] / "src" / "clientbase" / "web" / "templates"


def _login_form(client: TestClient) -> str:
    page = client.get("/login")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]


def test_a_script_name_is_escaped_on_every_page(client: TestClient, base: Base) -> None:
    log_in(client, HEAD)
    contact = client.get(f"/api/v1/counterparties/{base.xss}/contacts", headers=bearer(client, HEAD)).json()[
        0
    ]
    pages = [
        "/customers",
        f"/customers?q={XSS[:8]}",
        "/customers?cols=name&cols=acquisition_channel&cols=city",
        f"/customers/{base.xss}",
        f"/customers/{base.xss}/edit",
        f"/customers/{base.xss}/contacts/{contact['contact_id']}/edit",
        f"/customers/{base.own}",  # a page that only links to it? no: the other record's page stays clean
    ]
    seen = 0
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert XSS not in response.text, url
        seen += response.text.count("&lt;script&gt;alert(1)&lt;/script&gt;")
    assert seen >= 6
    fragment = client.get(f"/customers/{base.xss}/fields/city", headers={"HX-Request": "true"})
    assert XSS not in fragment.text and "&lt;script&gt;" in fragment.text
    export = client.get("/customers/export.csv", params={"q": "alert"})
    assert XSS in export.text  # the file keeps the value as it is (a spreadsheet shows text, runs nothing)


def test_no_template_has_inline_script_or_style() -> None:
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text), template
        assert not re.search(r"\sstyle=|<style", text), template
        assert not re.search(r"\son[a-z]+=", text), template  # no inline event handlers
        assert "|safe" not in text.replace(" ", "") or template.name == "_macros.html", template


def test_csp_without_unsafe_inline_on_every_route(client: TestClient, base: Base) -> None:
    log_in(client, HEAD)
    for method, path in app_routes(client.app):  # type: ignore[arg-type]
        if method != "GET":
            continue
        url = path.replace("{counterparty_id}", base.own).replace("{contact_id}", base.own_contact)
        url = url.replace("{fmt}", "csv").replace("{name}", "email")
        response = client.get(url)
        policy = response.headers["content-security-policy"]
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, url
        assert response.headers["x-content-type-options"] == "nosniff"


def test_forms_without_the_csrf_token_are_refused(client: TestClient, base: Base) -> None:
    log_in(client, MANAGER)
    refused = []
    for method, path in app_routes(client.app):  # type: ignore[arg-type]
        if method == "GET" or (method, path) in PUBLIC:
            continue
        url = path.replace("{counterparty_id}", base.own).replace("{contact_id}", base.own_contact)
        url = url.replace("{manager_id}", OTHER).replace("{view_id}", "x")
        if path.startswith("/api/"):
            response = client.request(method, url, json={"version": 1})
        else:
            response = client.post(url, data={"version": "1", "name": "x"})
        if response.status_code == 403 and "CSRF" in response.text:
            refused.append(path)
        else:
            pytest.fail(f"{method} {path} without a CSRF token answered {response.status_code}")
    assert len(refused) > 20
    wrong = client.post(
        f"/customers/{base.own}/edit", data={"version": "1", "city": "x", "csrf_token": "forged"}
    )
    assert wrong.status_code == 403
    # a bearer token carries no ambient credentials: no CSRF token needed
    with_token = client.patch(
        f"/api/v1/counterparties/{base.own}",
        json={"version": 999, "city": "x"},
        headers=bearer(client, MANAGER),
    )
    assert with_token.status_code == 409


def _session_of(response: object) -> str:
    cookie = response.headers["set-cookie"]  # type: ignore[attr-defined]
    return re.search(rf"{SESSION_COOKIE}=([^;]+)", cookie).group(1)  # type: ignore[union-attr]


def test_log_in_rotates_the_session_and_needs_the_form_token(client: TestClient) -> None:
    csrf = _login_form(client)
    assert client.cookies.get(ANON_CSRF_COOKIE) == csrf
    forged = client.post("/login", data={"username": MANAGER, "password": PASSWORD, "csrf_token": "forged"})
    assert forged.status_code == 403
    planted = {"Cookie": f"{ANON_CSRF_COOKIE}={csrf}; {SESSION_COOKIE}=planted-by-an-attacker"}
    first = client.post(
        "/login", data={"username": MANAGER, "password": PASSWORD, "csrf_token": csrf}, headers=planted
    )
    assert first.status_code == 303 and first.headers["location"] == "/customers"
    cookie = first.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    session = _session_of(first)
    assert session != "planted-by-an-attacker"
    second = client.post(
        "/login",
        data={"username": MANAGER, "password": PASSWORD, "csrf_token": csrf},
        headers={"Cookie": f"{ANON_CSRF_COOKIE}={csrf}; {SESSION_COOKIE}={session}"},
    )
    assert _session_of(second) != session  # a logged-in user logging in again gets a new session too
    page = client.get("/customers", headers={"Cookie": f"{SESSION_COOKIE}={session}"})
    assert page.status_code == 200
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    out = client.post(
        "/logout", data={"csrf_token": token}, headers={"Cookie": f"{SESSION_COOKIE}={session}"}
    )
    assert out.status_code == 303
    again = client.get("/customers", headers={"Cookie": f"{SESSION_COOKIE}={session}"})
    assert again.status_code == 303  # logged out: the session is gone


def test_next_goes_nowhere_else(client: TestClient) -> None:
    csrf = _login_form(client)
    response = client.post(
        "/login",
        data={"username": MANAGER, "password": PASSWORD, "csrf_token": csrf, "next": "//evil.example/x"},
    )
    assert response.headers["location"] == "/customers"


def test_guessing_ids_reaches_nothing(client: TestClient, base: Base) -> None:
    log_in(client, MANAGER)
    for url in (
        f"/customers/{base.other}",
        f"/customers/{base.other}/edit",
        f"/customers/{base.other}/contacts/{base.other_contact}/edit",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Contact of" not in response.text
    other = client.get(f"/api/v1/counterparties/{base.other}", headers=bearer(client, HEAD)).json()
    hidden = client.get(f"/customers/{base.other}")
    assert hidden.status_code == client.get("/customers/C999999").status_code == 404
    assert other["name"] not in hidden.text and (other["email"] or "@@") not in hidden.text
    listed = client.get("/customers", params={"q": base.other, "include_archived": "true"})
    assert f"/customers/{base.other}" not in listed.text and "No record matches" in listed.text
    export = client.get("/customers/export.csv", params={"owner_id": OTHER})
    assert export.text.count("\n") == 1  # only the header row


def test_throttling_after_repeated_failures(client: TestClient) -> None:
    for _ in range(login.FREE_FAILURES):
        assert (
            client.post("/api/v1/auth/token", data={"username": OTHER, "password": "guess guess"}).status_code
            == 401
        )
    locked = client.post("/api/v1/auth/token", data={"username": OTHER, "password": PASSWORD})
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    assert "try again in" in locked.json()["detail"]
    csrf = _login_form(client)
    page = client.post("/login", data={"username": OTHER.lower(), "password": PASSWORD, "csrf_token": csrf})
    assert page.status_code == 429 and "Too many failed log-ins" in page.text


def test_a_deactivated_user_cannot_log_in(client: TestClient) -> None:
    head = bearer(client, HEAD)
    token = bearer(client, OTHER)
    assert client.patch(f"/api/v1/users/{OTHER}", json={"active": False}, headers=head).status_code == 200
    assert (
        client.post("/api/v1/auth/token", data={"username": OTHER, "password": PASSWORD}).status_code == 401
    )
    assert client.get("/api/v1/me", headers=token).status_code == 401  # their tokens stop at once
    assert client.patch(f"/api/v1/users/{OTHER}", json={"active": True}, headers=head).status_code == 200
    assert (
        client.post("/api/v1/auth/token", data={"username": OTHER, "password": PASSWORD}).status_code == 200
    )
