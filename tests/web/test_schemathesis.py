"""Schemathesis against the OpenAPI document, authenticated as the head: no server errors, and every
response conforms to the schema (status codes, content types, bodies). Examples are bounded per operation
so this stays within a few seconds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from clientbase.accounts import sessions
from clientbase.web.app import create_app
from clientbase.web.settings import WebSettings
from tests.web.conftest import HEAD, Base, duck_base


@pytest.fixture(scope="module")
def fuzzed_app(duck_template: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    base: Base = duck_base(duck_template, tmp_path_factory.mktemp("fuzz"))  # type: ignore[arg-type]
    app = create_app(WebSettings(db_url=base.url, refresh_on_start=False, refresh_every=0))
    yield app
    if app.state.store is not None:
        app.state.store.close()


@pytest.fixture(scope="module")
def head_headers(fuzzed_app: FastAPI) -> dict[str, str]:
    token = sessions.issue_token(fuzzed_app.state.store, manager_id=HEAD, kind="script")["access_token"]
    return {"Authorization": f"Bearer {token}"}


# The schema is read at collection from an app on an empty in-memory base (the document does not depend on
# data); the requests go to the fixture's app (``app=``). Schemathesis' lazy ``from_fixture`` loader does not
# work with pytest 9.2 (it sets a private attribute pytest renamed).
_document_app = create_app(WebSettings(db_url="duckdb:///:memory:", refresh_on_start=False, refresh_every=0))
schema = schemathesis.openapi.from_asgi("/openapi.json", _document_app)


@schema.parametrize()
@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_conforms_to_its_schema(
    case: schemathesis.Case, fuzzed_app: FastAPI, head_headers: dict[str, str]
) -> None:
    case.call_and_validate(
        app=fuzzed_app,
        headers=head_headers,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
