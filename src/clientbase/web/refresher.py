"""Keeps the materialised analysis current while the server runs: a daemon thread that refreshes it at
start and then checks every ``refresh_every`` seconds whether the data moved on
(:func:`clientbase.decisions.customer_metrics.refresh_if_stale`); after each check it brings the actions of the
Decide pages up to date (:func:`clientbase.decisions.current.current`), then the pages' kept quality audit and
duplicate search (:func:`clientbase.web.reports.warm`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from clientbase.decisions import current, customer_metrics
from clientbase.store import Store

log = logging.getLogger(__name__)


class Refresher:
    """Start with :meth:`start`, stop with :meth:`stop` (the app's lifespan does both)."""

    def __init__(
        self, store: Store, every: float, *, at_start: bool = True, after: Callable[[], None] | None = None
    ) -> None:
        self.store = store
        #: run after each check (the pages' kept reports: :func:`clientbase.web.reports.warm`)
        self.after = after
        self.every = every
        self.at_start = at_start
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: set after each check, for tests and the status of the pages
        self.checked = threading.Event()

    def run_once(self) -> None:
        try:
            done = customer_metrics.refresh_if_stale(self.store)
            if done is not None:
                log.info("materialised the analysis of %s customers in %.1f s", done.customers, done.seconds)
            made = current.current(self.store)  # the Decide pages' actions, before the first view asks
            log.debug("the actions of the current data took %.1f s", made.seconds)
            if self.after is not None:
                self.after()
        except Exception:  # the server keeps serving; the next check tries again
            log.exception("refreshing the materialised analysis failed")
        finally:
            self.checked.set()

    def _loop(self) -> None:
        if self.at_start:
            self.run_once()
        while self.every > 0 and not self._stop.wait(self.every):
            self.run_once()

    def start(self) -> None:
        if not self.at_start and self.every <= 0:
            return
        self._thread = threading.Thread(target=self._loop, name="clientbase-refresh", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
