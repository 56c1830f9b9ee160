"""The slow computations the quality and duplicates pages share, kept per state of the data.

The quality audit and the duplicate search take seconds to minutes on a large base. Each is kept in
``app.state.reports`` under the library's key of what it depends on (:func:`clientbase.quality.service.
state_key`, :func:`clientbase.dedupe.service.state_key`), so it runs once per change of the data and every
view, user and API call in between reads the same result; what each user may see is cut from it by the
services per request, and the decisions and the merge history are read live.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from clientbase.dedupe import service as dedupe_service
from clientbase.quality import audit
from clientbase.quality import service as quality_service
from clientbase.quality.audit import QualityReport
from clientbase.store import Store
from clientbase.web.cache import TimedCache


def _audit(cache: TimedCache, store: Store) -> QualityReport:
    key = ("quality", quality_service.state_key(store))
    report: QualityReport = cache.get(key, lambda: audit(store))
    return report


def _search(cache: TimedCache, store: Store, low: float) -> Any:
    key = ("dedupe", low, dedupe_service.state_key(store))
    return cache.get(key, lambda: dedupe_service.search(store, low))


def quality_report(request: Request, store: Store) -> QualityReport:
    """The audit of today on the current data (computed once per state)."""
    return _audit(request.app.state.reports, store)


def duplicate_search(request: Request, store: Store, low: float = dedupe_service.CANDIDATE) -> Any:
    """The review's duplicate search on the current records (computed once per state)."""
    return _search(request.app.state.reports, store, low)


def warm(cache: TimedCache, store: Store) -> None:
    """Compute what the pages will ask for on the current data, unless it is kept already (the refresher
    calls this after each check, so the first person to open a page after a change does not wait)."""
    _search(cache, store, dedupe_service.CANDIDATE)
    _audit(cache, store)
