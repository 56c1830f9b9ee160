"""`clientbase user` and the first start of `clientbase serve`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from clientbase import schema
from clientbase.accounts.passwords import verify_password
from clientbase.accounts.users import first_start_password
from clientbase.store import connect
from tests.web.conftest import MANAGER, Base, make_client

CLI = str(Path(sys.executable).with_name("clientbase"))


def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args], input=stdin, capture_output=True, text=True, env={**os.environ, "COLUMNS": "300"}
    )


def test_set_password_from_stdin_list_and_token(base: Base) -> None:
    done = _run(
        "user",
        "set-password",
        MANAGER,
        "--password-stdin",
        "--db",
        base.url,
        stdin="a brand new pass phrase\n",
    )
    assert done.returncode == 0, done.stderr
    short = _run("user", "set-password", MANAGER, "--password-stdin", "--db", base.url, stdin="short\n")
    assert short.returncode == 3 and "too short" in short.stderr
    listed = json.loads(_run("user", "list", "--json", "--db", base.url).stdout)
    assert {u["manager_id"]: u["has_password"] for u in listed}[MANAGER] is True
    token = _run("user", "token", MANAGER, "--name", "nightly", "--db", base.url)
    assert token.returncode == 0 and token.stdout.startswith("cb_")
    for client in make_client(base.url):
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.stdout.strip()}"})
        assert me.json()["manager_id"] == MANAGER
        assert (
            client.post(
                "/api/v1/auth/token", data={"username": MANAGER, "password": "a brand new pass phrase"}
            ).status_code
            == 200
        )
    assert _run("user", "token", "M99", "--db", base.url).returncode == 4


def test_first_start_gives_the_first_head_a_password_once(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path}/fresh.duckdb"
    with connect(url) as store:
        with store.begin() as conn:
            conn.execute(
                sa.insert(schema.managers),
                [
                    {"manager_id": "M02", "name": "Boss", "role": "head", "active": True},
                    {"manager_id": "M01", "name": "Gone", "role": "head", "active": False},
                    {"manager_id": "M03", "name": "Mia", "role": "manager", "active": True},
                ],
            )
        first = first_start_password(store)
        assert first is not None and first[0] == "M02" and len(first[1]) == 20
        assert first_start_password(store) is None  # printed once
        with store.begin() as conn:
            stored = conn.execute(sa.select(schema.user_credentials.c.password_hash)).scalar_one()
        assert first[1] not in stored and verify_password(first[1], stored)  # only the argon2 hash is kept
