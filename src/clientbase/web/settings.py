"""The web app's settings, fixed when the app is built (``clientbase serve`` passes them)."""

from __future__ import annotations

from dataclasses import dataclass

from clientbase.imports.uploads import MAX_UPLOAD_BYTES
from clientbase.store import DEFAULT_URL


@dataclass(frozen=True)
class WebSettings:
    """How the app runs.

    ``secure_cookies``: mark cookies ``Secure`` (set when the app is served over https, or behind a proxy that
    terminates TLS; ``None`` decides per request from its scheme). ``refresh_every``: seconds between checks
    whether the materialised analysis is stale (0: never in the background). ``connections``: see below.
    """

    db_url: str = DEFAULT_URL
    secure_cookies: bool | None = None
    refresh_every: float = 60.0
    #: refresh the materialised analysis when the app starts (tests turn it off and refresh themselves)
    refresh_on_start: bool = True
    title: str = "clientbase"
    #: the most PostgreSQL connections this process holds (``None``: the store's default pool); ``clientbase
    #: serve --workers N`` gives each worker its share of the server's ``max_connections``
    connections: int | None = None
    #: the largest file the import pages and API accept (refused while it streams in)
    max_upload_bytes: int = MAX_UPLOAD_BYTES
