"""Fixtures of the web tests: a small demo base (DuckDB file or PostgreSQL) with passwords, the app on it,
and clients logged in as the head, the analyst and two managers."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from clientbase import schema
from clientbase.accounts import sessions, users
from clientbase.decisions import customer_metrics
from clientbase.registry import service
from clientbase.registry.access import Actor
from clientbase.store import Store, connect
from clientbase.web.app import create_app
from clientbase.web.security import SESSION_COOKIE
from clientbase.web.settings import WebSettings

PASSWORD = "correct horse battery staple"
XSS = "<script>alert(1)</script>"
#: the demo's users: M01 head, M02 analyst, M03 and M04 managers
HEAD, ANALYST, MANAGER, OTHER = "M01", "M02", "M03", "M04"


@dataclass(frozen=True)
class Base:
    """A prepared base: its URL and the records the tests use."""

    url: str
    own: str  # a customer of MANAGER
    other: str  # a customer of OTHER
    own_contact: str
    other_contact: str
    xss: str  # MANAGER's counterparty named XSS


def prepare(store: Store) -> dict[str, str]:
    """Load a small demo into ``store``, add the XSS record and contacts, set passwords, materialise."""
    from clientbase.demo.build import load_demo
    from clientbase.demo.generate import generate

    load_demo(store, generate(customers=60, years=2, seed=5))
    for manager_id in (HEAD, ANALYST, MANAGER, OTHER):
        users.set_password(store, actor=None, manager_id=manager_id, password=PASSWORD)
    cp = schema.counterparties
    with store.begin() as conn:
        own, other = (
            conn.execute(
                sa.select(cp.c.counterparty_id)
                .where(cp.c.owner_id == owner, cp.c.status == "active", cp.c.roles.contains("customer"))
                .order_by(cp.c.counterparty_id)
                .limit(1)
            ).scalar_one()
            for owner in (MANAGER, OTHER)
        )
    xss = service.create_counterparty(
        db=store,
        actor=Actor(MANAGER, "manager"),
        values={
            "name": XSS,
            "roles": "prospect",
            "status": "prospect",
            "acquisition_channel": XSS,
            "acquisition_mode": "targeted",
            "city": XSS,
        },
    )["counterparty_id"]
    contacts = {}
    for cid, owner in ((own, MANAGER), (other, OTHER)):
        contacts[cid] = service.create_contact(
            db=store,
            actor=Actor(owner, "manager"),
            values={"counterparty_id": cid, "name": f"Contact of {cid}"},
        )["contact_id"]
    service.create_contact(
        db=store, actor=Actor(MANAGER, "manager"), values={"counterparty_id": xss, "name": XSS}
    )
    customer_metrics.refresh(store)
    return {
        "own": own,
        "other": other,
        "own_contact": contacts[own],
        "other_contact": contacts[other],
        "xss": xss,
    }


@pytest.fixture(scope="session")
def duck_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    path = tmp_path_factory.mktemp("web") / "template.duckdb"
    with connect(f"duckdb:///{path}") as store:
        ids = prepare(store)
    return path, ids


@pytest.fixture(scope="session")
def pg_base(pg_server_url: str) -> Base:
    from tests import pg_server

    url = pg_server.create_database(pg_server_url)
    with connect(url) as store:
        ids = prepare(store)
    return Base(url=url, **ids)


def duck_base(template: tuple[Path, dict[str, str]], folder: Path) -> Base:
    path, ids = template
    copy = folder / "web.duckdb"
    shutil.copy(path, copy)
    return Base(url=f"duckdb:///{copy}", **ids)


@pytest.fixture
def base(duck_template: tuple[Path, dict[str, str]], tmp_path: Path) -> Base:
    """A fresh copy of the prepared DuckDB base."""
    return duck_base(duck_template, tmp_path)


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_base(
    request: pytest.FixtureRequest, duck_template: tuple[Path, dict[str, str]], tmp_path: Path
) -> Base:
    """The prepared base on each engine (PostgreSQL: one database shared by the session's tests)."""
    if request.param == "duckdb":
        return duck_base(duck_template, tmp_path)
    return request.getfixturevalue("pg_base")  # type: ignore[no-any-return]


def make_client(url: str) -> Iterator[TestClient]:
    app = create_app(WebSettings(db_url=url, refresh_on_start=False, refresh_every=0))
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        yield client


@pytest.fixture
def client(base: Base) -> Iterator[TestClient]:
    yield from make_client(base.url)


@pytest.fixture
def any_client(any_base: Base) -> Iterator[TestClient]:
    yield from make_client(any_base.url)


def log_in(client: TestClient, manager_id: str) -> str:
    """Give ``client`` a session of ``manager_id`` (made directly: no argon2 per test); returns its CSRF token."""
    store = client.app.state.store  # type: ignore[attr-defined]
    secret, csrf = sessions.create_session(store, manager_id=manager_id)
    client.cookies.set(SESSION_COOKIE, secret)
    return csrf


def bearer(client: TestClient, manager_id: str) -> dict[str, str]:
    store = client.app.state.store  # type: ignore[attr-defined]
    token = sessions.issue_token(store, manager_id=manager_id, kind="login")["access_token"]
    return {"Authorization": f"Bearer {token}"}
