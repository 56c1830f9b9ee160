"""Role x route x own/other record, over every route of the app's route table (on DuckDB and PostgreSQL).

Each route has a rule below; a route without one fails the test, so a new route cannot escape the matrix.
A forbidden call must answer exactly 403 (a change the role may not make) or 404 (a record the user may not
see); an allowed call must not answer 401, 403 or 404. Bodies are chosen to change nothing when allowed
(a stale version gives 409, a missing name 422).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from clientbase import schema
from clientbase.decisions import current
from clientbase.decisions.scenario import parse_scenario
from clientbase.registry.access import Actor
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
    ("GET", "/api/v1/value"): anyone,
    ("GET", "/api/v1/dashboard"): anyone,
    ("GET", "/"): anyone,
    ("GET", "/dashboard/quality"): anyone,
    ("GET", "/dashboard/health"): sees_all,
    ("GET", "/analysis"): sees_all,
    ("GET", "/analysis/report.{fmt}"): sees_all,
    ("GET", "/value"): anyone,
    ("GET", "/health"): sees_all,
    ("GET", "/api/v1/health"): sees_all,
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
    ("GET", "/forecast"): anyone,
    ("GET", "/forecast/plan"): anyone,
    ("POST", "/forecast/plan"): head_only,
    ("POST", "/forecast/plan/import"): head_only,
    ("GET", "/acquisition"): anyone,
    ("GET", "/targets"): anyone,
    ("GET", "/targets/export.{fmt}"): anyone,
    ("GET", "/customers/{counterparty_id}/score"): read_record,
    ("GET", "/api/v1/forecast"): anyone,
    ("GET", "/api/v1/plan"): anyone,
    ("POST", "/api/v1/plan"): head_only,
    ("POST", "/api/v1/plan/import"): head_only,
    ("GET", "/api/v1/plan/vs-forecast"): anyone,
    ("GET", "/api/v1/acquisition"): anyone,
    ("GET", "/api/v1/targets"): anyone,
    ("GET", "/api/v1/targets/validation"): anyone,
    ("GET", "/api/v1/targets/profile"): anyone,
    ("GET", "/api/v1/targets/export.{fmt}"): anyone,
    ("GET", "/api/v1/counterparties/{counterparty_id}/score"): read_record,
    ("GET", "/quality"): anyone,
    ("GET", "/api/v1/quality"): anyone,
    ("GET", "/duplicates"): anyone,
    ("GET", "/duplicates/{counterparty_id}/{other_id}"): read_record,
    ("POST", "/duplicates/merge"): write_record,
    ("POST", "/duplicates/reject"): write_record,
    ("POST", "/duplicates/merges/{merge_id}/undo"): write_record,
    ("GET", "/api/v1/duplicates"): anyone,
    ("GET", "/api/v1/duplicates/merges"): anyone,
    ("GET", "/api/v1/duplicates/{counterparty_id}/{other_id}"): read_record,
    ("POST", "/api/v1/duplicates/merges"): write_record,
    ("POST", "/api/v1/duplicates/merges/{merge_id}/undo"): write_record,
    ("POST", "/api/v1/duplicates/decisions"): write_record,
    ("GET", "/actions"): anyone,
    ("POST", "/actions/publish"): edits,  # everything is published already: nothing changes
    ("POST", "/actions/tasks/{task_id}"): write_record,
    ("GET", "/by-manager"): anyone,
    ("GET", "/matrix"): anyone,
    ("GET", "/scenarios"): anyone,
    ("POST", "/scenarios"): anyone,  # no name: a field error, nothing run
    ("GET", "/scenarios/compare"): read_record,
    ("GET", "/scenarios/{scenario_id}"): read_record,
    ("GET", "/customers/{counterparty_id}/actions"): read_record,
    ("GET", "/api/v1/actions"): anyone,
    ("GET", "/api/v1/matrix"): anyone,
    ("GET", "/api/v1/tasks"): anyone,
    ("GET", "/api/v1/tasks/by-manager"): anyone,
    ("POST", "/api/v1/tasks/publish"): edits,  # everything is published already: nothing changes
    ("GET", "/api/v1/tasks/{task_id}"): read_record,
    ("POST", "/api/v1/tasks/{task_id}/accept"): write_record,
    ("POST", "/api/v1/tasks/{task_id}/reject"): write_record,
    ("POST", "/api/v1/tasks/{task_id}/done"): write_record,
    ("POST", "/api/v1/tasks/{task_id}/reopen"): write_record,
    ("POST", "/api/v1/scenarios/run"): anyone,
    ("POST", "/api/v1/scenarios"): anyone,
    ("GET", "/api/v1/scenarios"): anyone,
    ("GET", "/api/v1/scenarios/compare"): read_record,
    ("GET", "/api/v1/scenarios/{scenario_id}"): read_record,
}
#: a plan file the head's import refuses (a bad month): nothing is written
BAD_PLAN = ("plan.csv", b"owner_id,segment,month,target\n*,*,0000-00,1\n", "text/csv")
#: routes on a record are called for an own record and another manager's; the others once
RECORD_ROUTES = {key for key, rule in RULES.items() if rule in (read_record, write_record, transfer)}


#: base URL -> (merge of two of MANAGER's records, merge of two of OTHER's), both undone already
_UNDONE_MERGES: dict[str, tuple[str, str]] = {}


def undone_merges(client: TestClient, base: Base) -> tuple[str, str]:
    """Two merges made and undone by the head (so undoing them again changes nothing: 409): of two of
    MANAGER's records and of two of OTHER's, leaving out the records the other tests read and change."""
    if base.url not in _UNDONE_MERGES:
        from clientbase.dedupe.merge import merge_counterparties, undo_merge

        store = client.app.state.store  # type: ignore[attr-defined]
        cp = schema.counterparties
        used = (base.own, base.other, base.xss)
        with store.begin() as conn:
            spare = {
                owner: conn.execute(
                    sa.select(cp.c.counterparty_id)
                    .where(
                        cp.c.owner_id == owner, cp.c.counterparty_id.not_in(used), cp.c.status != "archived"
                    )
                    .order_by(cp.c.counterparty_id.desc())
                    .limit(2)
                )
                .scalars()
                .all()
                for owner in (MANAGER, OTHER)
            }
        ids = []
        for owner in (MANAGER, OTHER):
            survivor, merged = spare[owner]
            done = merge_counterparties(store, survivor_id=survivor, merged_id=merged, actor_id=HEAD)
            undo_merge(store, merge_id=done.merge_id, actor_id=HEAD)
            ids.append(done.merge_id)
        _UNDONE_MERGES[base.url] = (ids[0], ids[1])
    return _UNDONE_MERGES[base.url]


_DECIDE: dict[str, dict[bool, tuple[str, str]]] = {}


def decide_ids(url: str, store: object) -> dict[bool, tuple[str, str]]:
    """An open task and a saved scenario of MANAGER (True) and of OTHER (False) in the base at ``url``: the
    head publishes every action as tasks, each manager saves a scenario (once per base)."""
    if url in _DECIDE:
        return _DECIDE[url]
    current.publish(store, actor=Actor(HEAD, "head"))
    t = schema.action_tasks
    out = {}
    for own, owner in ((True, MANAGER), (False, OTHER)):
        with store.begin() as conn:  # type: ignore[attr-defined]
            task = conn.execute(
                sa.select(t.c.task_id).where(t.c.owner_id == owner, t.c.status == "open").limit(1)
            ).scalar_one()
        scenario = parse_scenario(f'name = "role matrix {owner}"\n[changes]\ndiscount_points = -1\n')
        _, saved = current.run(store, actor=Actor(owner, "manager"), scenario=scenario, save=True)
        assert saved is not None
        out[own] = (task, saved.scenario_id)
    _DECIDE[url] = out
    return out


def _path(path: str, base: Base, own: bool, store: object = None, merges: tuple[str, str] = ("", "")) -> str:
    cid = base.own if own else base.other
    contact = base.own_contact if own else base.other_contact
    if "{task_id}" in path or "{scenario_id}" in path or path.endswith("/compare"):
        task, scenario = decide_ids(base.url, store)[own]
        path = path.replace("{task_id}", task).replace("{scenario_id}", scenario)
        if path.endswith("/compare"):
            path += f"?ids={scenario}&ids={scenario}"
    return (
        path.replace("{counterparty_id}", cid)
        .replace("{other_id}", base.xss)
        .replace("{merge_id}", merges[0] if own else merges[1])
        .replace("{contact_id}", contact)
        .replace("{manager_id}", OTHER)
        .replace("{view_id}", "0" * 32)
        .replace("{name}", "email")
        .replace("{fmt}", "xlsx" if "/analysis/" in path else "csv")
        .replace("{upload_id}", "0" * 24)
        .replace("{job_id}", "0" * 32)
        .replace("{batch_id}", "B20000101T000000-0000")
    )


def _call(client: TestClient, method: str, path: str, csrf: str, base: Base, own: bool) -> int:
    merges = undone_merges(client, base) if "{merge_id}" in path else ("", "")
    cid = base.own if own else base.other
    url = _path(path, base, own, client.app.state.store, merges)  # type: ignore[attr-defined]
    if path.startswith("/api/"):
        body: dict[str, object] = {"version": -1}
        if path == "/api/v1/duplicates/merges":  # stale versions: 409 when allowed, nothing merged
            body = {"survivor_id": cid, "merged_id": base.xss, "survivor_version": -1, "merged_version": -1}
        if path == "/api/v1/duplicates/decisions":
            body = {"id_l": cid, "id_r": base.xss, "version_l": -1, "version_r": -1}
        if path.endswith("/undo"):
            body = {}
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
        if path.endswith("/plan"):
            body = {"month": "0000-00", "target": "1"}  # the head's line is refused: a bad month
        if path.endswith("/reject"):
            body["reason"] = "role matrix"
        if path.endswith("/publish"):
            body = {}
        if path.startswith("/api/v1/imports"):
            body = {}
        headers = {"X-CSRF-Token": csrf}
        kwargs: dict[str, object] = {} if method == "GET" else {"json": body}
        if path.endswith("/plan/import"):
            kwargs = {"files": {"file": BAD_PLAN}}
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
    if path == "/forecast/plan/import":
        return client.post(url, data=form, files={"file": BAD_PLAN}).status_code
    if path == "/duplicates/merge":  # stale versions: 409 when allowed, nothing merged
        form.update(
            survivor_id=cid, merged_id=base.xss, **{f"version_{cid}": "-1", f"version_{base.xss}": "-1"}
        )
    if path == "/duplicates/reject":
        form.update(a=cid, b=base.xss, **{f"version_{cid}": "-1", f"version_{base.xss}": "-1"})
    if path == "/actions/tasks/{task_id}":
        form["move"] = "accepted"  # from version -1: stale, 409
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
        store = any_client.app.state.store  # type: ignore[attr-defined]
        response = any_client.request(method, _path(path, any_base, True, store, ("X0", "X0")))
        if path.startswith("/api/"):
            assert response.status_code == 401, (method, path, response.status_code)
            assert response.headers["www-authenticate"] == "Bearer"
        elif method == "GET":
            assert response.status_code == 303 and response.headers["location"].startswith("/login?next="), (
                path
            )
        else:  # a post without a session: refused by the CSRF check or sent to log in
            assert response.status_code in (303, 401, 403), (method, path, response.status_code)
