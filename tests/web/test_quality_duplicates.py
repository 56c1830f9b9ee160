"""The quality and duplicates pages and their API twins (over the test client): the numbers equal the CLI's
JSON on the same base, roles, merge with a value chosen from the other record, undo, not a duplicate."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from clientbase.registry import service
from clientbase.registry.access import Actor
from clientbase.registry.compare import COMPARED
from clientbase.store import connect
from tests.web.conftest import ANALYST, HEAD, MANAGER, Base, bearer, log_in, make_client

CLI = str(Path(sys.executable).with_name("clientbase"))


def cli_json(*args: str) -> Any:
    done = subprocess.run(
        [CLI, *args], capture_output=True, text=True, env={**os.environ, "CLIENTBASE_USER": ""}
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _cells(page: str, attribute: str) -> dict[str, list[str]]:
    """Rows of a table by their ``data-<attribute>``: the text of each cell."""
    rows = {}
    for key, body in re.findall(rf'<tr {attribute}="([^"]*)">(.*?)</tr>', page, flags=re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", body, flags=re.S)
        rows[key] = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells]
    return rows


def _duplicate_of(base: Base) -> str:
    """A second record of MANAGER's customer ``base.own``: the same company typed again, with other terms."""
    with connect(base.url) as store:
        original = service.get_record(
            store, actor=Actor(HEAD, "head"), kind="counterparties", record_id=base.own
        )
        keep = (*COMPARED, "price_list", "credit_limit", "size_band")
        values = {k: original[k] for k in keep if original.get(k) and k not in ("created_at", "owner_id")}
        values.update(
            roles="customer",
            status="active",
            acquisition_channel=original.get("acquisition_channel") or "referral",
            acquisition_mode=original.get("acquisition_mode") or "targeted",
            payment_days=int(original["payment_days"]) + 15,
        )
        return str(
            service.create_counterparty(db=store, actor=Actor(MANAGER, "manager"), values=values)[
                "counterparty_id"
            ]
        )


def test_quality_page_and_api_equal_the_cli(any_base: Base) -> None:
    base = any_base  # DuckDB: the CLI runs before the app opens the file
    full = cli_json("quality", "--json", "--db", base.url)
    mine = cli_json("quality", "--json", "--as", MANAGER, "--db", base.url)
    for client in make_client(base.url):
        api = client.get("/api/v1/quality", headers=bearer(client, HEAD)).json()
        assert api == full
        assert client.get("/api/v1/quality", headers=bearer(client, MANAGER)).json() == mine
        log_in(client, HEAD)
        page = client.get("/quality").text
        assert re.search(r'id="overall-score">([\d.]+)<', page).group(1) == f"{full['overall_score']:.1f}"  # type: ignore[union-attr]
        managers = _cells(page, "data-manager")
        assert len(managers) == len(full["by_manager"])
        for m in full["by_manager"]:
            row = managers[m["manager_id"] or ""]
            assert row[1] == f"{m['score']:.1f}" and row[2] == f"{m['records']:,}"
            assert row[3:8] == [
                f"{m[p]:.1f}" for p in ("completeness", "validity", "freshness", "uniqueness", "consistency")
            ]
            assert row[8:] == [
                str(m[k]) for k in ("missing", "invalid", "stale", "duplicate", "inconsistent")
            ]
        fields = _cells(page, "data-field")
        assert set(fields) == {f["field"] for f in full["by_field"]}
        for f in full["by_field"]:
            assert fields[f["field"]][1] == f"{f['score']:.1f}"
        records = _cells(page, "data-record")
        listed = [item for items in full["work_lists"].values() for item in items]
        assert len(records) == len(listed) and listed
        for item in listed:
            assert records[item["counterparty_id"]][1] == f"{item['score']:.1f}"
            assert records[item["counterparty_id"]][3] == f"{item['priority']:,.1f}"
        # each issue links to the card's field
        first = listed[0]
        issue = first["issues"][0]
        if issue["kind"] != "duplicate":
            assert f'href="/customers/{first["counterparty_id"]}#field-{issue["field"]}"' in page
        assert page.count('data-vega-spec="quality_') >= 2

        log_in(client, MANAGER)
        own = client.get("/quality").text
        assert re.search(r'id="overall-score">([\d.]+)<', own).group(1) == f"{mine['overall_score']:.1f}"  # type: ignore[union-attr]
        assert set(_cells(own, "data-manager")) == {MANAGER}
        assert {r["owner_id"] for r in mine["records"]} == {MANAGER}
        assert set(mine["work_lists"]) <= {MANAGER}


def test_review_queue_page_and_api_equal_the_cli(any_base: Base) -> None:
    base = any_base  # DuckDB: the CLI runs before the app opens the file
    queue = cli_json("duplicate-review", "--json", "--as", HEAD, "--db", base.url)["pairs"]
    managers = cli_json("duplicate-review", "--json", "--as", MANAGER, "--db", base.url)["pairs"]
    assert queue, "the demo plants duplicates"
    for client in make_client(base.url):
        api = client.get("/api/v1/duplicates", headers=bearer(client, HEAD)).json()["pairs"]
        assert api == queue
        log_in(client, HEAD)
        page = client.get("/duplicates").text
        rows = _cells(page, "data-pair")
        assert list(rows) == [f"{p['id_l']}~{p['id_r']}" for p in queue]
        for p in queue:
            assert rows[f"{p['id_l']}~{p['id_r']}"][2] == f"{p['match_probability']:.3f}"
        p = queue[0]
        # the waterfall's numbers: prior + each comparison's weight (+ rare values) = the match weight
        total = p["prior_weight"] + sum(f["match_weight"] for f in p["fields"]) + p["other_weight"]
        assert abs(total - p["match_weight"]) < 0.05
        detail = client.get(f"/duplicates/{p['id_l']}/{p['id_r']}").text
        weights = _cells(detail, "data-comparison")
        for f in p["fields"]:
            assert weights[f["field"]][1:] == [f["level"], f"{f['match_weight']:+.2f}"]
        assert f"{p['match_probability']:.3f}" in detail and 'data-vega-spec="pair_waterfall-spec"' in detail
        log_in(client, MANAGER)
        mine = client.get("/api/v1/duplicates", headers=bearer(client, MANAGER)).json()["pairs"]
        assert all(q["left"]["owner_id"] == q["right"]["owner_id"] == MANAGER for q in mine)
        assert mine == managers


def test_quality_follows_a_change_of_the_data(base: Base) -> None:
    """The audit is kept per state of the data: a fixed field is seen at once, and undoing brings the same
    numbers back."""
    for client in make_client(base.url):
        auth = bearer(client, MANAGER)
        before = client.get("/api/v1/quality", headers=auth).json()
        fixes = {
            i["field"]
            for item in before["work_lists"][MANAGER]
            for i in item["issues"]
            if item["counterparty_id"] == base.own
        }
        assert "email" in fixes, fixes  # the prepared customer has no e-mail
        record = client.get(f"/api/v1/counterparties/{base.own}", headers=auth).json()
        changed = client.patch(
            f"/api/v1/counterparties/{base.own}",
            json={"version": record["version"], "email": "orders@example.com"},
            headers=auth,
        )
        assert changed.status_code == 200, changed.text
        after = client.get("/api/v1/quality", headers=auth).json()
        fixed = [item for item in after["work_lists"].get(MANAGER, []) if item["counterparty_id"] == base.own]
        assert not fixed or "email" not in {i["field"] for i in fixed[0]["issues"]}
        assert after["overall_score"] > before["overall_score"]


def _versions(client: TestClient, *ids: str) -> dict[str, int]:
    head = bearer(client, HEAD)
    return {i: client.get(f"/api/v1/counterparties/{i}", headers=head).json()["version"] for i in ids}


def test_manager_merges_their_duplicate_choosing_a_field_then_undoes(base: Base) -> None:
    copy = _duplicate_of(base)
    for client in make_client(base.url):
        auth = bearer(client, MANAGER)
        pairs = client.get("/api/v1/duplicates", headers=auth).json()["pairs"]
        mine = [p for p in pairs if {p["id_l"], p["id_r"]} == {base.own, copy}]
        assert mine and mine[0]["can_merge"], pairs
        detail = client.get(f"/api/v1/duplicates/{base.own}/{copy}", headers=auth).json()
        assert detail["scored"]["match_probability"] == mine[0]["match_probability"]
        before = {i: client.get(f"/api/v1/counterparties/{i}", headers=auth).json() for i in (base.own, copy)}
        versions = _versions(client, base.own, copy)
        body = {
            "survivor_id": base.own,
            "merged_id": copy,
            "survivor_version": versions[base.own],
            "merged_version": versions[copy],
            "take": {"payment_days": base.own},
        }
        assert (
            client.post("/api/v1/duplicates/merges", json=body, headers=bearer(client, ANALYST)).status_code
            == 403
        )
        stale = client.post("/api/v1/duplicates/merges", json={**body, "merged_version": 0}, headers=auth)
        assert stale.status_code == 409 and stale.json()["current_version"] == versions[copy]
        done = client.post("/api/v1/duplicates/merges", json=body, headers=auth)
        assert done.status_code == 201, done.text
        merged = done.json()
        # the copy's terms were set last (the rules would keep them); the person chose the original's
        assert merged["choices"]["payment_days"] == {"side": "survivor", "rule": "chosen"}
        assert (
            detail["fields"]
            and {"payment_days": copy}.items()
            <= {f["field"]: f["survives_from"] for f in detail["fields"]}.items()
        )
        survivor = client.get(f"/api/v1/counterparties/{base.own}", headers=auth).json()
        assert survivor["payment_days"] == before[base.own]["payment_days"] != before[copy]["payment_days"]
        assert client.get(f"/api/v1/counterparties/{copy}", headers=auth).json()["status"] == "archived"
        queue = client.get("/api/v1/duplicates", headers=auth).json()["pairs"]
        assert not any({p["id_l"], p["id_r"]} == {base.own, copy} for p in queue), "merged: out of the queue"
        history = client.get("/api/v1/duplicates/merges", headers=auth).json()["merges"]
        assert history[0]["merge_id"] == merged["merge_id"] and history[0]["can_undo"]
        undo = client.post(f"/api/v1/duplicates/merges/{merged['merge_id']}/undo", headers=auth)
        assert undo.status_code == 200 and undo.json()["status"] == "undone"
        after = {i: client.get(f"/api/v1/counterparties/{i}", headers=auth).json() for i in (base.own, copy)}
        for i in (base.own, copy):  # every value as before; the version moved on past the merge's
            assert {**after[i], "version": None} == {**before[i], "version": None}
        assert after[base.own]["version"] == merged["survivor"]["version"] + 1 > versions[base.own]
        assert after[copy]["version"] > versions[copy]
        assert (
            client.post(f"/api/v1/duplicates/merges/{merged['merge_id']}/undo", headers=auth).status_code
            == 409
        )
        again = client.get("/api/v1/duplicates", headers=auth).json()["pairs"]
        assert any({p["id_l"], p["id_r"]} == {base.own, copy} for p in again), "undone: reviewed again"


def test_not_a_duplicate_is_remembered_and_later_keeps_the_pair(base: Base) -> None:
    for client in make_client(base.url):
        csrf = log_in(client, HEAD)
        pairs = client.get("/api/v1/duplicates", headers=bearer(client, HEAD)).json()["pairs"]
        first, key = pairs[0], f"{pairs[0]['id_l']}~{pairs[0]['id_r']}"
        later = client.get("/duplicates", params={"later": key}).text
        assert list(_cells(later, "data-pair"))[-1] == key
        versions = _versions(client, first["id_l"], first["id_r"])
        form = {"csrf_token": csrf, "a": first["id_l"], "b": first["id_r"]}
        form.update({f"version_{k}": str(v) for k, v in versions.items()})
        assert (
            client.post("/duplicates/reject", data={**form, f"version_{first['id_l']}": "0"}).status_code
            == 409
        )
        done = client.post("/duplicates/reject", data=form)
        assert done.status_code == 303 and done.headers["location"] == f"/duplicates?rejected={key}"
        assert key not in _cells(client.get("/duplicates").text, "data-pair")
        log_in(client, ANALYST)
        assert (
            client.post(
                "/duplicates/reject", data={**form, "csrf_token": log_in(client, ANALYST)}
            ).status_code
            == 403
        )
    assert all(
        (p["id_l"], p["id_r"]) != (first["id_l"], first["id_r"])
        for p in cli_json("duplicate-review", "--json", "--db", base.url)["pairs"]
    )


def test_the_audit_and_the_search_run_once_per_state(base: Base, monkeypatch: Any) -> None:
    from clientbase.web import reports

    calls = {"audit": 0, "search": 0}
    audit, search = reports.audit, reports.dedupe_service.search

    def counted_audit(store: Any) -> Any:
        calls["audit"] += 1
        return audit(store)

    def counted_search(store: Any, low: float) -> Any:
        calls["search"] += 1
        return search(store, low)

    monkeypatch.setattr(reports, "audit", counted_audit)
    monkeypatch.setattr(reports.dedupe_service, "search", counted_search)
    for client in make_client(base.url):
        reports.warm(client.app.state.reports, client.app.state.store)  # type: ignore[attr-defined]
        assert calls == {"audit": 1, "search": 1}
        log_in(client, MANAGER)
        for path in ("/quality", "/duplicates", "/api/v1/quality", "/api/v1/duplicates"):
            assert client.get(path).status_code == 200
        log_in(client, HEAD)
        assert client.get("/quality").status_code == 200 and client.get("/duplicates").status_code == 200
        assert calls == {"audit": 1, "search": 1}, "every user and view reads the kept results"
        auth = bearer(client, MANAGER)
        record = client.get(f"/api/v1/counterparties/{base.own}", headers=auth).json()
        client.patch(
            f"/api/v1/counterparties/{base.own}",
            json={"version": record["version"], "city": "Uppsala"},
            headers=auth,
        )
        assert client.get("/quality").status_code == 200 and client.get("/duplicates").status_code == 200
        assert calls == {"audit": 2, "search": 2}, "a change of the data is seen at once"
