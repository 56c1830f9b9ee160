"""A small per-app cache of values that may be a minute old (the list's filter choices), so each page view
does not recompute them. Kept on ``app.state.cache``; thread-safe; entries expire after ``seconds``.

Example:
    >>> cache = TimedCache(60)
    >>> cache.get("k", lambda: 1), cache.get("k", lambda: 2)
    (1, 1)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any


class TimedCache:
    """Values by key, each recomputed when older than ``seconds``."""

    def __init__(self, seconds: float, *, most: int = 1000) -> None:
        self.seconds = seconds
        self.most = most
        self._values: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self._lock:
            found = self._values.get(key)
        if found is not None and now - found[0] < self.seconds:
            return found[1]
        value = compute()
        with self._lock:
            if len(self._values) >= self.most:
                self._values.clear()
            self._values[key] = (now, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
