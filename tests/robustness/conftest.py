"""The fuzz and fault suite (issue 11.13): a sample runs in `make test`, the full set in `make test-long`.

`make test-long` sets ``CLIENTBASE_TEST_LONG=1``: every hypothesis test draws many more examples, the kill
tests kill at many more moments and the races run more rounds (:func:`scale`); tests marked ``long`` run
only then.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings

from clientbase import schema
from clientbase.store import Store

LONG = os.environ.get("CLIENTBASE_TEST_LONG") == "1"

settings.register_profile(
    "clientbase-sample", max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "clientbase-long", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
FUZZ = settings.get_profile("clientbase-long" if LONG else "clientbase-sample")

#: columns whose values differ between two runs of the same work (generated keys, times, batch ids)
VOLATILE = {
    "history_id",
    "transfer_id",
    "batch_id",
    "changed_at",
    "verified_at",
    "transferred_at",
    "created_at",
    "source",
    "file_name",
    "undone_at",
}


def scale(sample: int, full: int) -> int:
    """``sample`` in `make test`, ``full`` in `make test-long`."""
    return full if LONG else sample


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if LONG:
        return
    skip = pytest.mark.skip(reason="part of the full fuzz and fault suite: make test-long")
    for item in items:
        if "long" in item.keywords:
            item.add_marker(skip)


def fingerprint(store: Store, *, volatile: bool = False) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every schema table, sorted; ``volatile`` masks what differs between equal runs."""
    result = {}
    with store.begin() as conn:
        for table in schema.metadata.sorted_tables:
            columns = [c for c in table.columns if not (volatile and c.name in VOLATILE)]
            rows = conn.execute(sa.select(*columns)).all()
            result[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return result


def clientbase(*args: str, **kwargs: object) -> subprocess.Popen[bytes]:
    """The ``clientbase`` command in a process of its own (so that it can be killed)."""
    command = [sys.executable, "-c", "from clientbase.cli.main import app; app()", *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)  # type: ignore[call-overload]


def finished(*args: str, timeout: float = 300) -> tuple[int, str]:
    process = clientbase(*args)
    out, err = process.communicate(timeout=timeout)
    return process.returncode, (out + err).decode(errors="replace")
