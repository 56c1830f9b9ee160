"""One writer per DuckDB file: the web server marks the file it serves, other processes are told to use it.

DuckDB lets one process open a database file for writing. ``clientbase serve`` holds the file for as long as
it runs and writes ``<file>.serve.json`` beside it (its pid, host and port); :func:`ensure_not_served`, called
by :func:`clientbase.store.connect` before it opens a DuckDB file, stops any other process with a message that
says which server holds it and what to do instead of DuckDB's lock traceback. A marker whose process is gone
(a server killed with SIGKILL) is ignored and replaced by the next server.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from clientbase.errors import StoreError


class DatabaseInUseError(StoreError):
    """The DuckDB file is held by a running ``clientbase serve``."""


def marker_path(database: str | Path) -> Path:
    """Where the server's marker of ``database`` lives: ``<file>.serve.json`` beside it."""
    path = Path(database).expanduser().resolve()
    return path.with_name(path.name + ".serve.json")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def server_of(database: str | Path) -> dict[str, object] | None:
    """The running server holding ``database`` (``pid``, ``host``, ``port``), or ``None``."""
    marker = marker_path(database)
    try:
        held = json.loads(marker.read_text(encoding="utf-8"))
        pid = int(held["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return held if _alive(pid) else None


def in_use_message(held: dict[str, object]) -> str:
    return (
        f"the database is in use by clientbase serve (pid {held['pid']}, port {held['port']}); "
        "use the web app or the API, or stop the server"
    )


def ensure_not_served(database: str | Path) -> None:
    """Raise :class:`DatabaseInUseError` if another process's ``clientbase serve`` holds ``database``.

    Example:
        >>> import tempfile
        >>> ensure_not_served(Path(tempfile.mkdtemp()) / "free.duckdb")  # nobody serves it: no error
    """
    held = server_of(database)
    if held is not None and int(str(held["pid"])) != os.getpid():
        raise DatabaseInUseError(in_use_message(held))


@contextlib.contextmanager
def serving(database: str | Path, *, host: str, port: int) -> Iterator[Path]:
    """Mark ``database`` as held by this process's server for the duration of the block.

    Raises:
        DatabaseInUseError: another live server holds it already.
    """
    ensure_not_served(database)
    marker = marker_path(database)
    marker.write_text(json.dumps({"pid": os.getpid(), "host": host, "port": port}), encoding="utf-8")
    try:
        yield marker
    finally:
        held = server_of(database)
        if held is None or int(str(held["pid"])) == os.getpid():
            marker.unlink(missing_ok=True)
