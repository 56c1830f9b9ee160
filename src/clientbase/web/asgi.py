"""The app as ``clientbase serve`` hands it to uvicorn (a factory, so each worker process builds its own)."""

from __future__ import annotations

import logging
import os

from fastapi import FastAPI

from clientbase.store import DEFAULT_URL

#: the environment ``clientbase serve`` passes its options through to the workers
DB_ENV = "CLIENTBASE_DB"
SECURE_ENV = "CLIENTBASE_SECURE_COOKIES"
REFRESH_ENV = "CLIENTBASE_REFRESH_EVERY"
CONNECTIONS_ENV = "CLIENTBASE_CONNECTIONS"


def create() -> FastAPI:
    """Build the app from the environment (``CLIENTBASE_DB``, ``CLIENTBASE_SECURE_COOKIES``,
    ``CLIENTBASE_REFRESH_EVERY``, ``CLIENTBASE_CONNECTIONS``); says on uvicorn's log when this worker migrated
    the schema (with several workers on PostgreSQL one at most does: the others find it current)."""
    from clientbase.web.app import create_app
    from clientbase.web.settings import WebSettings

    secure = os.environ.get(SECURE_ENV, "")
    connections = os.environ.get(CONNECTIONS_ENV, "")
    app = create_app(
        WebSettings(
            db_url=os.environ.get(DB_ENV) or DEFAULT_URL,
            secure_cookies=None if secure == "" else secure == "1",
            refresh_every=float(os.environ.get(REFRESH_ENV) or 60),
            connections=int(connections) if connections else None,
        )
    )
    if app.state.store.migrated:
        logging.getLogger("uvicorn.error").info(
            "worker %d migrated the schema: %s", os.getpid(), ", ".join(app.state.store.migrated)
        )
    return app
