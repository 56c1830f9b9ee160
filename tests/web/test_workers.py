"""Many users on PostgreSQL (issue 17.6): several processes open one base at once and migrate it once, each
holding its share of the server's connections; `clientbase serve --workers 2` answers."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from clientbase.errors import ConfigurationError
from clientbase.store import connect
from clientbase.store.connection import connections_per_process, max_connections
from clientbase.store.migrate import current_revision, upgrade
from tests.web.live import free_port

pytestmark = pytest.mark.postgres

CLI = str(Path(sys.executable).with_name("clientbase"))


def _newest_two() -> tuple[str, str]:
    """The newest migration and the one before it, read from the migrations (so a new one needs no edit)."""
    from alembic.script import ScriptDirectory

    from clientbase.store.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config(None))  # type: ignore[arg-type]
    head = script.get_current_head()
    assert head is not None
    before = script.get_revision(head).down_revision
    assert isinstance(before, str)
    return head, before


HEAD, BEFORE = _newest_two()
PASSWORD = "many workers, one schema"


def at_older_revision(url: str, *, demo: bool = False) -> None:
    """Leave the base at the revision before the newest, so that the next opening migrates (with ``demo``: a
    small demo in it, the head ``M01`` with the password ``PASSWORD``)."""
    if demo:
        from alembic import command

        from clientbase.accounts import users
        from clientbase.demo.build import load_demo
        from clientbase.demo.generate import generate
        from clientbase.store.migrate import alembic_config

        with connect(url) as store:
            load_demo(store, generate(customers=20, years=1, seed=3))
            users.set_password(store, actor=None, manager_id="M01", password=PASSWORD)
            command.downgrade(alembic_config(store.engine), BEFORE)
    with connect(url, migrate=False) as store:
        upgrade(store.engine, BEFORE)
        assert current_revision(store.engine) == BEFORE


def test_processes_opening_a_base_at_once_migrate_it_once(pg_url: str) -> None:
    at_older_revision(pg_url)
    ready = threading.Barrier(4)
    ran: list[list[str]] = []
    errors: list[str] = []

    def open_base() -> None:
        try:
            ready.wait()
            with connect(pg_url) as store:
                ran.append(store.migrated)
        except Exception as exc:  # collected: a failing thread would otherwise pass silently
            errors.append(repr(exc))

    threads = [threading.Thread(target=open_base) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert sorted(ran) == [[], [], [], [HEAD]]
    with connect(pg_url) as store:
        assert current_revision(store.engine) == HEAD
        assert store.migrated == []


def test_each_store_holds_at_most_its_share_of_connections(pg_url: str) -> None:
    with connect(pg_url, connections=3) as store:
        assert store.engine.pool.size() + store.engine.pool._max_overflow == 2  # type: ignore[attr-defined]
        assert max_connections(store) == 200  # tests/pg_server.py
    assert connections_per_process(200, 4) == 16
    assert connections_per_process(100, 8) == 11
    with pytest.raises(ConfigurationError, match="fewer workers"):
        connections_per_process(20, 8)


def test_serve_with_two_workers_answers_and_migrates_once(pg_url: str, tmp_path: Path) -> None:
    at_older_revision(pg_url, demo=True)
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [CLI, "serve", "--db", pg_url, "--workers", "2", "--port", str(port), "--refresh-every", "0"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            text = log.read_text(errors="replace")
            if text.count("Application startup complete") >= 2:
                break
            assert server.poll() is None, text
            assert time.monotonic() < deadline, text
            time.sleep(0.5)
        with httpx.Client(base_url=base, timeout=30) as client:
            for _ in range(10):
                assert client.get("/login").status_code == 200
            assert client.get("/api/v1/counterparties").status_code == 401
            token = client.post("/api/v1/auth/token", data={"username": "M01", "password": PASSWORD})
            client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
            totals = {client.get("/api/v1/counterparties").json()["total"] for _ in range(10)}
            assert len(totals) == 1 and totals.pop() > 0
    finally:
        server.terminate()
        server.wait(timeout=60)
    text = log.read_text(errors="replace")
    assert len(re.findall(r"Started server process \[\d+\]", text)) >= 2, text
    assert text.count(f"Migrated the schema ({HEAD})") == 1, text
    assert not re.search(r"worker \d+ migrated the schema", text), text
    assert "each holding at most 16 PostgreSQL connections" in text, text
    assert "Traceback" not in text, text
    with connect(pg_url) as store:
        assert current_revision(store.engine) == HEAD
