"""The import pages and API: upload, mapping, dry run, apply, undo, roles, limits; the CLI's numbers."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from clientbase.errors import ValidationError
from clientbase.web.app import create_app
from clientbase.web.settings import WebSettings
from tests.web.conftest import ANALYST, HEAD, MANAGER, Base, bearer, log_in
from tests.web.imports_data import MESSY_CSV, MESSY_NAMES, UNMAPPED, program_as_xlsx, zip_bomb

API = "/api/v1/imports"
CLI = str(Path(sys.executable).with_name("clientbase"))


def _upload(
    client: TestClient, headers: dict[str, str], name: str, data: bytes, kind: str = "counterparties"
) -> object:
    return client.post(API, headers=headers, files={"file": (name, data)}, data={"kind": kind})


def _mapping(described: dict[str, object]) -> dict[str, str | None]:
    mapping = dict(described["mapping"])  # type: ignore[call-overload]
    assert mapping[UNMAPPED] is None  # the suggestion leaves it: the user maps it
    mapping[UNMAPPED] = "credit_limit"
    return mapping


def test_api_journey_upload_map_dry_run_apply_undo(client: TestClient) -> None:
    auth = bearer(client, MANAGER)
    response = _upload(client, auth, "kunden.csv", MESSY_CSV)
    assert response.status_code == 201, response.text  # type: ignore[attr-defined]
    described = response.json()  # type: ignore[attr-defined]
    assert described["headers"][0] == "Firma" and described["sheets"] == []
    body = {"mapping": _mapping(described)}
    upload_id = described["upload_id"]

    report = client.post(f"{API}/{upload_id}/dry-run", headers=auth, json=body).json()
    assert (report["new"], report["updated"], report["unchanged"], report["rejected"]) == (2, 0, 0, 1)
    assert report["dry_run"] and report["batch_id"] is None
    (bad,) = report["errors"]
    assert (bad["row"], bad["column"], bad["value"]) == (6, "E-Mail", "kein-at-zeichen") and bad["reason"]

    refused = client.post(f"{API}/{upload_id}/apply", headers=auth, json=body)
    assert refused.status_code == 422  # all or nothing: one row is rejected, nothing is written
    assert client.get("/api/v1/counterparties", headers=auth, params={"q": "Blümel"}).json()["total"] == 0

    applied = client.post(
        f"{API}/{upload_id}/apply", headers=auth, json={**body, "skip_invalid": True}
    ).json()
    assert applied["new"] == 2 and applied["batch_id"]
    found = client.get("/api/v1/counterparties", headers=auth, params={"q": "Blümel"}).json()
    assert found["total"] == 1
    record = found["items"][0]
    assert record["owner_id"] == MANAGER and float(record["credit_limit"]) == 10000.5  # decimal comma read
    assert client.get(f"{API}/{upload_id}", headers=auth).status_code == 404  # the file is gone once written

    batches = client.get(f"{API}/batches", headers=auth).json()
    assert batches[0]["batch_id"] == applied["batch_id"] and batches[0]["created_by"] == MANAGER
    undone = client.post(f"{API}/batches/{applied['batch_id']}/undo", headers=auth).json()
    assert undone["removed"] == 2
    for name in MESSY_NAMES:
        assert client.get("/api/v1/counterparties", headers=auth, params={"q": name}).json()["total"] == 0
    assert client.get(f"{API}/batches", headers=auth).json()[0]["status"] == "undone"


def test_the_api_and_the_cli_report_the_same(
    client: TestClient, duck_template: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    auth = bearer(client, MANAGER)
    described = _upload(client, auth, "kunden.csv", MESSY_CSV).json()  # type: ignore[attr-defined]
    mapping = _mapping(described)
    report = client.post(
        f"{API}/{described['upload_id']}/dry-run", headers=auth, json={"mapping": mapping}
    ).json()
    source = tmp_path / "kunden.csv"
    source.write_bytes(MESSY_CSV)
    toml = tmp_path / "map.toml"
    toml.write_text(
        "[columns]\n" + "".join(f'"{h}" = "{f or ""}"\n' for h, f in mapping.items()), encoding="utf-8"
    )
    copy = tmp_path / "same.duckdb"  # the same data as the app's base (a copy of its template)
    shutil.copy(duck_template[0], copy)
    cli = subprocess.run(
        [
            CLI,
            "import",
            str(source),
            "--as",
            MANAGER,
            "--db",
            f"duckdb:///{copy}",
            "--mapping",
            str(toml),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert cli.returncode == 0, cli.stderr
    expected = json.loads(cli.stdout)
    for key in ("new", "updated", "unchanged", "rejected", "errors", "diffs"):
        assert report[key] == expected[key], key


def test_roles(client: TestClient) -> None:
    analyst = bearer(client, ANALYST)
    described = _upload(client, analyst, "kunden.csv", MESSY_CSV).json()  # type: ignore[attr-defined]
    assert client.post(f"{API}/{described['upload_id']}/dry-run", headers=analyst, json={}).status_code == 403
    manager = bearer(client, MANAGER)
    lines = b"order_line_id,order_id\n"
    sent = _upload(client, manager, "lines.csv", lines, kind="order_lines").json()  # type: ignore[attr-defined]
    assert client.post(f"{API}/{sent['upload_id']}/dry-run", headers=manager, json={}).status_code == 403
    # an upload belongs to the session that sent it
    assert client.get(f"{API}/{described['upload_id']}", headers=manager).status_code == 404


def test_transactions_by_upload_report_the_same_way(client: TestClient) -> None:
    head = bearer(client, HEAD)
    text = "activity_id,counterparty_id,activity_date,kind,quantity\nX1,NOPE,2026-13-01,call,1\n"
    sent = _upload(client, head, "activities.csv", text.encode(), kind="activities").json()  # type: ignore[attr-defined]
    report = client.post(f"{API}/{sent['upload_id']}/dry-run", headers=head, json={}).json()
    assert report["kind"] == "activities" and report["rejected"] >= 1
    assert {e["column"] for e in report["errors"]} & {"activity_date", "counterparty_id"}
    assert client.post(f"{API}/{sent['upload_id']}/apply", headers=head, json={}).status_code == 422


@pytest.fixture
def small_limit(base: Base) -> Iterator[TestClient]:
    settings = WebSettings(db_url=base.url, refresh_on_start=False, refresh_every=0, max_upload_bytes=50_000)
    with TestClient(create_app(settings), base_url="http://testserver", follow_redirects=False) as client:
        yield client


def test_files_refused_at_the_field(small_limit: TestClient) -> None:
    auth = bearer(small_limit, MANAGER)
    cases = {
        ("big.csv", b"a;b\n" + b"x;y\n" * 20_000): "too large",
        ("liste.xlsx", program_as_xlsx()): "Windows program",
        ("bomb.xlsx", zip_bomb()): "zip bomb",
        ("liste.docx", b"hello"): "send one of",
        ("leer.csv", b""): "empty",
    }
    for (name, data), words in cases.items():
        response = _upload(small_limit, auth, name, data)
        assert response.status_code == 422, (name, response.text)  # type: ignore[attr-defined]
        (error,) = response.json()["errors"]  # type: ignore[attr-defined]
        assert error["field"] == "file" and words in error["reason"], (name, error)
    garbage = small_limit.post(
        API, headers={**auth, "Content-Type": "multipart/form-data; boundary=zz"}, content=b"--zz\r\nnonsense"
    )
    assert garbage.status_code == 422
    uploads = small_limit.app.state.uploads.root  # type: ignore[attr-defined]
    assert not any(p.name == "bomb.xlsx" for p in uploads.rglob("*"))  # refused files are not kept


def test_the_size_limit_stops_the_stream_early(tmp_path: Path) -> None:
    """A body of 2 GB is refused as soon as the file passes the limit: the receiver reads ~the limit, not 2 GB."""
    import asyncio

    from starlette.requests import Request

    from clientbase.accounts.sessions import Identity
    from clientbase.imports.uploads import Limits
    from clientbase.registry.access import Actor
    from clientbase.web.uploads import UploadStore

    read = 0
    head = b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\n\r\n'

    async def receive() -> dict[str, object]:
        nonlocal read
        chunk = head if read == 0 else b"a" * 2**20
        read += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": read < 2 * 2**30}

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/v1/imports",
        "headers": [(b"content-type", b"multipart/form-data; boundary=b")],
    }
    uploads = UploadStore(tmp_path, Limits(upload_bytes=5 * 2**20))
    user = Identity(Actor(MANAGER, "manager"), "M", "token")
    with pytest.raises(ValidationError, match="too large"):
        asyncio.run(uploads.receive(Request(scope, receive), user, kinds=("counterparties",)))
    assert read < 8 * 2**20
    assert not any(tmp_path.rglob("receiving")) and not any(tmp_path.rglob("x.csv"))


def test_page_journey(client: TestClient) -> None:
    csrf = log_in(client, MANAGER)
    assert "Upload a file" in client.get("/imports").text
    sent = client.post(
        "/imports",
        headers={"X-CSRF-Token": csrf, "HX-Request": "true"},
        files={"file": ("kunden.csv", MESSY_CSV)},
        data={"kind": "counterparties"},
    )
    assert sent.status_code == 204, sent.text
    target = sent.headers["HX-Redirect"]
    page = client.get(target).text
    index = re.search(r'<label for="map-(\d+)">Bonität €</label>', page)
    assert index, page
    form = {"csrf_token": csrf, f"map-{index.group(1)}": "credit_limit"}
    for i, header in enumerate(["Firma", "Land", "Ort", "E-Mail", "Zahlungsziel (Tage)", "Rabatt %"]):
        assert f'<label for="map-{i}">{header}</label>' in page
    fields = {
        "map-0": "name",
        "map-1": "country",
        "map-2": "city",
        "map-3": "email",
        "map-4": "payment_days",
        "map-5": "discount_pct",
    }
    form.update(fields)
    toml = client.get(f"{target}/mapping.toml", params=form).text
    assert '"Bonität €" = "credit_limit"' in toml
    fragment = client.post(f"{target}/dry-run", data=form, headers={"HX-Request": "true"}).text
    fragment = _finished(client, fragment)
    assert 'data-count="new">2<' in fragment and 'data-count="rejected">1<' in fragment
    rejected = client.get(f"{target}/rejected.csv").text
    assert "kein-at-zeichen" in rejected and rejected.lstrip("\ufeff").startswith(
        "file,row,column,value,reason"
    )
    done = _finished(
        client,
        client.post(f"{target}/apply", data={**form, "mode": "valid"}, headers={"HX-Request": "true"}).text,
    )
    batch = re.search(r"Applied as batch (\S+)</h2>", done)
    assert batch, done
    assert MESSY_NAMES[0] in client.get("/customers", params={"q": "Blümel"}).text
    listing = client.get("/imports").text
    assert batch.group(1) in listing
    undone = client.post(f"/imports/batches/{batch.group(1)}/undo", data={"csrf_token": csrf})
    assert undone.status_code == 303
    assert MESSY_NAMES[0] not in client.get("/customers", params={"q": "Blümel"}).text


def _finished(client: TestClient, fragment: str) -> str:
    """Poll the step's fragment until it shows its report."""
    for _ in range(200):
        poll = re.search(r'hx-get="([^"]+/jobs/[^"]+)"', fragment)
        if not poll:
            return fragment
        time.sleep(0.1)
        fragment = client.get(poll.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"}).text
    raise AssertionError("the step did not finish")


def test_a_workbook_sheet_is_chosen(client: TestClient, tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "liste.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Notizen").write_row(0, 0, ["nur Notizen"])
    sheet = book.add_worksheet("Kunden")
    sheet.write_row(0, 0, ["Firma", "Land", "E-Mail", "Zahlungsziel"])
    sheet.write_row(1, 0, ["Zweites Blatt Handel GmbH", "DE", "info@zweites-blatt.example.de", 30])
    book.close()
    auth = bearer(client, MANAGER)
    described = _upload(client, auth, path.name, path.read_bytes()).json()  # type: ignore[attr-defined]
    assert described["sheets"] == ["Notizen", "Kunden"] and described["sheet"] == "Notizen"
    chosen = client.get(f"{API}/{described['upload_id']}", headers=auth, params={"sheet": "Kunden"}).json()
    assert (
        chosen["headers"] == ["Firma", "Land", "E-Mail", "Zahlungsziel"]
        and chosen["mapping"]["Firma"] == "name"
    )
    report = client.post(
        f"{API}/{described['upload_id']}/dry-run", headers=auth, json={"sheet": "Kunden"}
    ).json()
    assert (report["new"], report["rejected"]) == (1, 0), report["errors"]


def test_a_saved_mapping_sent_with_the_upload_is_used(client: TestClient) -> None:
    auth = bearer(client, MANAGER)
    first = _upload(client, auth, "kunden.csv", MESSY_CSV).json()  # type: ignore[attr-defined]
    toml = "[columns]\n" + "".join(f'"{h}" = "{f or ""}"\n' for h, f in _mapping(first).items())
    sent = client.post(
        API, headers=auth, files={"file": ("kunden.csv", MESSY_CSV), "mapping": ("map.toml", toml.encode())}
    )
    described = sent.json()
    assert described["mapping"][UNMAPPED] == "credit_limit"
    report = client.post(f"{API}/{described['upload_id']}/dry-run", headers=auth, json={}).json()
    assert (report["new"], report["rejected"]) == (2, 1)
    bad = client.post(API, headers=auth, files={"file": ("k.csv", MESSY_CSV), "mapping": ("m.toml", b"[x")})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "mapping"


def test_a_plain_form_upload_without_javascript(client: TestClient) -> None:
    """Without htmx the form posts the CSRF token as a field (Starlette parses the form first)."""
    csrf = log_in(client, MANAGER)
    sent = client.post(
        "/imports",
        data={"csrf_token": csrf, "kind": "counterparties"},
        files={"file": ("kunden.csv", MESSY_CSV), "mapping": ("m.toml", b'[columns]\n"Firma" = "name"\n')},
    )
    assert sent.status_code == 303 and sent.headers["location"].startswith("/imports/")
    page = client.get(sent.headers["location"]).text
    assert '<option value="name" selected>name</option>' in page
    refused = client.post("/imports", data={"csrf_token": csrf}, files={"file": ("x.xlsx", b"MZ\x90\x00")})
    assert refused.status_code == 422 and "Windows program" in refused.text
