"""The app as ``clientbase serve`` hands it to uvicorn (a factory, so each worker process builds its own)."""

from __future__ import annotations

import os

from fastapi import FastAPI

from clientbase.store import DEFAULT_URL

#: the environment ``clientbase serve`` passes its options through to the workers
DB_ENV = "CLIENTBASE_DB"
SECURE_ENV = "CLIENTBASE_SECURE_COOKIES"
REFRESH_ENV = "CLIENTBASE_REFRESH_EVERY"


def create() -> FastAPI:
    """Build the app from the environment (``CLIENTBASE_DB``, ``CLIENTBASE_SECURE_COOKIES``,
    ``CLIENTBASE_REFRESH_EVERY``)."""
    from clientbase.web.app import create_app
    from clientbase.web.settings import WebSettings

    secure = os.environ.get(SECURE_ENV, "")
    return create_app(
        WebSettings(
            db_url=os.environ.get(DB_ENV) or DEFAULT_URL,
            secure_cookies=None if secure == "" else secure == "1",
            refresh_every=float(os.environ.get(REFRESH_ENV) or 60),
        )
    )
