"""Long computations (the forecast, the targeting models) run once per data fingerprint, in the background.

A page asks :meth:`Jobs.get` for a key (what to compute and for whom) and the data's fingerprint
(:func:`clientbase.decisions.customer_metrics.fingerprint`, about 10 ms on the demo): the first ask starts
the computation on the app's one worker thread and answers at once with a running job, which the page shows
as "computing" and polls with HTMX; later asks answer the finished result until the data move on. The API asks
with ``wait=True`` and shares the results. One worker, so a burst of different requests queues instead of
taking every core from the other users; at most ``most`` results are kept (the oldest dropped).

Example:
    >>> jobs = Jobs()
    >>> jobs.get(("square", 3), "fp1", lambda: 9, wait=True).value
    9
    >>> jobs.get(("square", 3), "fp1", lambda: 0, wait=True).value   # kept for the same fingerprint
    9
    >>> jobs.close()
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from clientbase.errors import ClientbaseError

log = logging.getLogger(__name__)


@dataclass
class Job:
    """One computation: running, done (``value``) or failed (``error``, a library error to show)."""

    key: Hashable
    fingerprint: str
    started: float
    future: Future[Any]
    seconds: float | None = None
    derived: dict[str, Any] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.future.done()

    @property
    def running_for(self) -> float:
        return time.monotonic() - self.started

    @property
    def error(self) -> ClientbaseError | None:
        if not self.future.done():
            return None
        exc = self.future.exception()
        return exc if isinstance(exc, ClientbaseError) else None

    @property
    def value(self) -> Any:
        """The result; re-raises the computation's error."""
        return self.future.result()

    def finished(self, _: Future[Any]) -> None:
        self.seconds = self.running_for

    def derive(self, name: str, make: Callable[[Any], Any]) -> Any:
        """``make(value)`` kept with the job (e.g. the JSON document of a forecast), made once."""
        if name not in self.derived:
            if len(self.derived) >= 64:  # views asked with any query text: keep the memory bounded
                self.derived = {k: v for k, v in self.derived.items() if k == "document"}
            self.derived[name] = make(self.value)
        return self.derived[name]


class Jobs:
    """Results by key, each kept while the data's fingerprint stays the same."""

    def __init__(self, *, workers: int = 1, most: int = 32) -> None:
        self.most = most
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="clientbase-job")
        self._jobs: OrderedDict[Hashable, Job] = OrderedDict()
        self._lock = threading.Lock()

    def get(
        self, key: Hashable, fingerprint: str, compute: Callable[[], Any], *, wait: bool | float = False
    ) -> Job:
        """The job of ``key`` on the data ``fingerprint``, started if there is none (or it failed
        unexpectedly); with ``wait=True`` it is finished when returned, with ``wait`` seconds it may still
        be running after them."""
        with self._lock:
            job = self._jobs.get(key)
            stale = job is None or job.fingerprint != fingerprint
            broken = job is not None and job.done and job.future.exception() is not None and job.error is None
            if stale or broken:
                job = Job(key, fingerprint, time.monotonic(), self._pool.submit(self._timed, compute))
                job.future.add_done_callback(job.finished)
                self._jobs[key] = job
                while len(self._jobs) > self.most:
                    self._jobs.popitem(last=False)
            else:
                self._jobs.move_to_end(key)
            assert job is not None
        if wait is not False:
            futures.wait([job.future], timeout=None if wait is True else float(wait))
        return job

    @staticmethod
    def _timed(compute: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        try:
            return compute()
        except ClientbaseError:
            raise
        except Exception:
            log.exception("a background computation failed")
            raise
        finally:
            log.info("background computation took %.1f s", time.perf_counter() - started)

    def of(self, store: Any, key: Hashable, compute: Callable[[], Any], *, wait: bool | float = False) -> Job:
        """:meth:`get` on the current fingerprint of ``store``'s data."""
        from clientbase.decisions.customer_metrics import fingerprint

        return self.get(key, fingerprint(store), compute, wait=wait)

    def clear(self) -> None:
        with self._lock:
            self._jobs.clear()

    def close(self) -> None:
        """Drop the queued computations and wait for the running one (it reads the store, closed next)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
