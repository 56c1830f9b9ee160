"""Role x route x own/other record, over every route of the app's route table (on DuckDB and PostgreSQL).

Each route has a rule below; a route without one fails the test, so a new route cannot escape the matrix.
A forbidden call must answer exactly 403 (a change the role may not make) or 404 (a record the user may not
see); an allowed call must not answer 401, 403 or 404. Bodies are chosen to change nothing when allowed
(a stale version gives 409, a missing name 422).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import ANALYST, HEAD, MANAGER, OTHER, Base, log_in
from tests.web.routes import PUBLIC, app_routes

ROLES = {"head": HEAD, "analyst": ANALYST, "manager": MANAGER}
OK = "ok"


def read_record(role: str, own: bool) -> int | str:
    return 404 if role == "manager" and not own else OK


def write_record(role: str, own: bool) -> int | str:
    if role == "analyst":
        return 403
    return 404 if role == "manager" and not own else OK


def head_only(role: str, own: bool) -> int | str:
    return OK if role == "head" else 403


def sees_all(role: str, own: bool) -> int | str:
    return 403 if role == "manager" else OK


def anyone(role: str, own: bool) -> int | str:
    return OK


def edits(role: str, own: bool) -> int | str:
    return 403 if role == "analyst" else OK


def transfer(role: str, own: bool) -> int | str:
    return OK if role == "head" else 403  # refused for the role before the record is looked up: no leak


def foreign_upload(role: str, own: bool) -> int | str:
    return 404  # the matrix's upload id is no upload of the caller's session: not found, for every role


def undo_batch(role: str, own: bool) -> int | str:
    return 403 if role == "analyst" else 404  # analysts undo nothing; the matrix's batch id does not exist


RULES = {
    ("GET", "/imports"): anyone,
    ("POST", "/imports"): anyone,
    ("GET", "/imports/{upload_id}"): foreign_upload,
    ("GET", "/imports/{upload_id}/mapping.toml"): foreign_upload,
    ("POST", "/imports/{upload_id}/dry-run"): foreign_upload,
    ("POST", "/imports/{upload_id}/apply"): foreign_upload,
    ("GET", "/imports/{upload_id}/jobs/{job_id}"): foreign_upload,
    ("GET", "/imports/{upload_id}/rejected.csv"): foreign_upload,
    ("POST", "/imports/{upload_id}/discard"): foreign_upload,
    ("POST", "/imports/batches/{batch_id}/undo"): undo_batch,
    ("POST", "/api/v1/imports"): anyone,
    ("GET", "/api/v1/imports/batches"): anyone,
    ("POST", "/api/v1/imports/batches/{batch_id}/undo"): undo_batch,
    ("GET", "/api/v1/imports/{upload_id}"): foreign_upload,
    ("DELETE", "/api/v1/imports/{upload_id}"): foreign_upload,
    ("POST", "/api/v1/imports/{upload_id}/dry-run"): foreign_upload,
    ("POST", "/api/v1/imports/{upload_id}/apply"): foreign_upload,
    ("GET", "/customers"): anyone,
    ("GET", "/customers/export.{fmt}"): anyone,
    ("GET", "/customers/new"): anyone,
    ("POST", "/customers/new"): edits,
    ("POST", "/customers/bulk"): write_record,
    ("POST", "/customers/views"): anyone,
    ("POST", "/customers/views/{view_id}/delete"): anyone,
    ("GET", "/customers/{counterparty_id}"): read_record,
    ("GET", "/customers/{counterparty_id}/edit"): read_record,
    ("GET", "/customers/{counterparty_id}/fields/{name}"): read_record,
    ("POST", "/customers/{counterparty_id}/edit"): write_record,
    ("POST", "/customers/{counterparty_id}/transfer"): transfer,
    ("POST", "/customers/{counterparty_id}/archive"): write_record,
    ("POST", "/customers/{counterparty_id}/restore"): write_record,
    ("POST", "/customers/{counterparty_id}/verify"): write_record,
    ("POST", "/customers/{counterparty_id}/contacts"): write_record,
    ("GET", "/customers/{counterparty_id}/contacts/{contact_id}/edit"): read_record,
    ("POST", "/customers/{counterparty_id}/contacts/{contact_id}/edit"): write_record,
    ("GET", "/users"): head_only,
    ("POST", "/users"): head_only,
    ("POST", "/users/{manager_id}"): head_only,
    ("POST", "/users/{manager_id}/password"): head_only,
    ("GET", "/account/password"): anyone,
    ("POST", "/account/password"): anyone,
    ("POST", "/logout"): anyone,
    ("GET", "/api/v1/me"): anyone,
    ("GET", "/api/v1/users"): anyone,
    ("POST", "/api/v1/users"): head_only,
    ("PATCH", "/api/v1/users/{manager_id}"): head_only,
    ("POST", "/api/v1/users/{manager_id}/password"): head_only,
    ("GET", "/api/v1/analysis"): sees_all,
    ("GET", "/api/v1/counterparties"): anyone,
    ("POST", "/api/v1/counterparties"): edits,
    ("GET", "/api/v1/counterparties/{counterparty_id}"): read_record,
    ("PATCH", "/api/v1/counterparties/{counterparty_id}"): write_record,
    ("POST", "/api/v1/counterparties/{counterparty_id}/archive"): write_record,
    ("POST", "/api/v1/counterparties/{counterparty_id}/restore"): write_record,
    ("POST", "/api/v1/counterparties/{counterparty_id}/transfer"): transfer,
    ("GET", "/api/v1/counterparties/{counterparty_id}/history"): read_record,
    ("GET", "/api/v1/counterparties/{counterparty_id}/pnl"): read_record,
    ("GET", "/api/v1/counterparties/{counterparty_id}/contacts"): read_record,
    ("POST", "/api/v1/counterparties/{counterparty_id}/contacts"): write_record,
    ("PATCH", "/api/v1/contacts/{contact_id}"): write_record,
}
#: routes on a record are called for an own record and another manager's; the others once
RECORD_ROUTES = {key for key, rule in RULES.items() if rule in (read_record, write_record, transfer)}


def _path(path: str, base: Base, own: bool) -> str:
    cid = base.own if own else base.other
    contact = base.own_contact if own else base.other_contact
    return (
        path.replace("{counterparty_id}", cid)
        .replace("{contact_id}", contact)
        .replace("{manager_id}", OTHER)
        .replace("{view_id}", "0" * 32)
        .replace("{name}", "email")
        .replace("{fmt}", "csv")
        .replace("{upload_id}", "0" * 24)
        .replace("{job_id}", "0" * 32)
        .replace("{batch_id}", "B20000101T000000-0000")
    )


def _call(client: TestClient, method: str, path: str, csrf: str, base: Base, own: bool) -> int:
    url = _path(path, base, own)
    if path.startswith("/api/"):
        body: dict[str, object] = {"version": -1}
        if path.endswith("/transfer"):
            body["to_owner"] = OTHER
        if method == "POST" and path.endswith(("/counterparties", "/contacts")):
            body = {}
        if path.endswith("/users"):
            body = {"manager_id": "", "name": ""}
        if path == "/api/v1/users/{manager_id}":
            body = {}
        if path.endswith("/password"):
            body = {"password": ""}
        if path.startswith("/api/v1/imports"):
            body = {}
        headers = {"X-CSRF-Token": csrf}
        kwargs = {} if method == "GET" else {"json": body}
        return client.request(method, url, headers=headers, **kwargs).status_code  # type: ignore[arg-type]
    if method == "GET":
        return client.get(url, headers={"HX-Request": "true"} if "/fields/" in url else {}).status_code
    form: dict[str, object] = {"csrf_token": csrf, "version": "-1"}
    if path == "/customers/bulk":
        form.update(ids=base.own if own else base.other, action="status", value="active")
    if path.endswith("/transfer"):
        form["to_owner"] = OTHER
    if path == "/customers/views":
        form.update(view_name="matrix", query="status=active")
    return client.post(url, data=form).status_code


def test_every_route_has_a_rule(any_client: TestClient) -> None:
    routes = set(app_routes(any_client.app)) - PUBLIC  # type: ignore[arg-type]
    missing = sorted(routes - set(RULES))
    assert not missing, f"add these routes to RULES in {__file__}: {missing}"
    assert not sorted(set(RULES) - routes), "RULES names routes the app no longer has"


@pytest.mark.parametrize("role", list(ROLES))
def test_role_matrix(any_client: TestClient, any_base: Base, role: str) -> None:
    wrong = []
    for method, path in sorted(set(app_routes(any_client.app)) - PUBLIC):  # type: ignore[arg-type]
        rule = RULES[(method, path)]
        for own in (True, False) if (method, path) in RECORD_ROUTES else (True,):
            csrf = log_in(any_client, ROLES[role])  # a fresh session: /logout ends one
            status = _call(any_client, method, path, csrf, any_base, own)
            expected = rule(role, own)
            if (
                expected == OK
                and status in (401, 403, 404)
                and not (path.endswith("/delete") and status == 404)
            ):
                wrong.append(
                    f"{role} {method} {path} ({'own' if own else 'other'}): {status}, expected allowed"
                )
            elif expected != OK and status != expected:
                wrong.append(
                    f"{role} {method} {path} ({'own' if own else 'other'}): {status}, expected {expected}"
                )
    assert not wrong, "\n".join(wrong)


def test_anonymous_is_refused_everywhere(any_client: TestClient, any_base: Base) -> None:
    any_client.cookies.clear()
    for method, path in sorted(set(app_routes(any_client.app)) - PUBLIC):  # type: ignore[arg-type]
        response = any_client.request(method, _path(path, any_base, True))
        if path.startswith("/api/"):
            assert response.status_code == 401, (method, path, response.status_code)
            assert response.headers["www-authenticate"] == "Bearer"
        elif method == "GET":
            assert response.status_code == 303 and response.headers["location"].startswith("/login?next="), (
                path
            )
        else:  # a post without a session: refused by the CSRF check or sent to log in
            assert response.status_code in (303, 401, 403), (method, path, response.status_code)
