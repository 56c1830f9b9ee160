"""Build the FastAPI app: settings, the store, middleware, the one error handler, API and page routers.

Example:
    >>> from clientbase.web.app import create_app
    >>> from clientbase.web.settings import WebSettings
    >>> app = create_app(WebSettings(db_url="duckdb:///:memory:", refresh_on_start=False, refresh_every=0))
    >>> sorted({r.path for r in app.routes} & {"/customers", "/api/v1/counterparties"})
    ['/api/v1/counterparties', '/customers']
"""

from __future__ import annotations

import importlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import sqlalchemy as sa
from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from clientbase import __version__
from clientbase.imports.uploads import Limits
from clientbase.store import Store, connect
from clientbase.web import api, errors, pages, reports
from clientbase.web.cache import TimedCache
from clientbase.web.importing import Jobs as ImportJobs
from clientbase.web.importing import PlanCache
from clientbase.web.jobs import Jobs
from clientbase.web.navigation import NavItem
from clientbase.web.refresher import Refresher
from clientbase.web.security import SecurityHeaders
from clientbase.web.settings import WebSettings
from clientbase.web.uploads import UploadStore

STATIC = Path(__file__).with_name("static")

DESCRIPTION = """The clientbase HTTP API: the shared client base, its records and their analysis.

Authenticate with a bearer token: `POST /api/v1/auth/token` with `username` (your manager id) and `password`
as a form, then send `Authorization: Bearer <access_token>`. Roles are the registry's: the head sees and edits
every record, a manager their own (others' answer 404), an analyst reads all and edits none (403).
Every error has a `detail` saying what went wrong and how to fix it; 422 lists `errors` by field.
"""


def quiet(store: Store) -> Store:
    """No DuckDB progress bars on the server's console (the refresher's long queries would draw them)."""
    if store.duck is not None:
        store.duck.execute("SET enable_progress_bar = false")  # Ibis' connection
        store.engine.dispose()  # SQLAlchemy's cursors, each a connection of its own, as they are made anew
        sa.event.listen(
            store.engine, "connect", lambda conn, _: conn.execute("SET enable_progress_bar = false")
        )
    return store


def create_app(settings: WebSettings | None = None, *, store: Store | None = None) -> FastAPI:
    """The app for ``settings``; it opens (and on shutdown closes) its own store unless one is given."""
    settings = settings or WebSettings()
    owns_store = store is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.store is None:  # started again after a shutdown (test clients do that)
            app.state.store = quiet(connect(settings.db_url, connections=settings.connections))
        if app.state.jobs is None:
            app.state.jobs = Jobs()
        if app.state.import_jobs is None:
            app.state.import_jobs = ImportJobs()
        store = app.state.store
        refresher = Refresher(
            store,
            settings.refresh_every,
            at_start=settings.refresh_on_start,
            after=lambda: reports.warm(app.state.reports, store),
        )
        app.state.refresher = refresher
        refresher.start()
        try:
            yield
        finally:
            refresher.stop()
            app.state.jobs.close()
            app.state.jobs = None
            app.state.import_jobs.shutdown()
            app.state.import_jobs = None
            if owns_store:
                app.state.store.close()
                app.state.store = None

    app = FastAPI(
        title="clientbase",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.cache = TimedCache(60)
    app.state.jobs = Jobs()  # the forecast's and the targeting's results, kept per data fingerprint
    #: the quality audit and the duplicate search, by the state of the data they read (web/reports.py)
    app.state.reports = TimedCache(24 * 3600, most=32)
    app.state.store = quiet(
        store if store is not None else connect(settings.db_url, connections=settings.connections)
    )
    app.state.uploads = UploadStore(limits=Limits(upload_bytes=settings.max_upload_bytes))
    app.state.plans = PlanCache()
    app.state.import_jobs = ImportJobs()  # the import pages' dry runs and applies
    navigation: list[NavItem] = []
    for name in api.API_MODULES:
        module = importlib.import_module(f"clientbase.web.api.{name}")
        app.include_router(module.router, prefix=api.PREFIX)
    for name in pages.PAGE_MODULES:
        module = importlib.import_module(f"clientbase.web.pages.{name}")
        app.include_router(module.router)
        navigation.extend(module.NAV)
    app.state.navigation = sorted(navigation, key=lambda item: item.order)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    errors.install(app)
    app.add_middleware(SecurityHeaders)

    @app.middleware("http")
    async def server_timing(request: Request, call_next: object) -> Response:
        started = time.perf_counter()
        response: Response = await call_next(request)  # type: ignore[operator]
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        if request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "public, max-age=3600")
        else:
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app
