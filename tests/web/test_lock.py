"""One writer per DuckDB file: while `clientbase serve` holds a file, other commands are told so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from clientbase.errors import StoreError
from clientbase.store import connect, lock

CLI = str(Path(sys.executable).with_name("clientbase"))


def _held_by(path: Path, pid: int, port: int = 8123) -> None:
    lock.marker_path(path).write_text(
        json.dumps({"pid": pid, "host": "127.0.0.1", "port": port}), encoding="utf-8"
    )


def test_a_served_file_is_refused_with_the_server_named(tmp_path: Path) -> None:
    path = tmp_path / "served.duckdb"
    connect(f"duckdb:///{path}").close()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        _held_by(path, sleeper.pid)
        with pytest.raises(lock.DatabaseInUseError) as caught:
            connect(f"duckdb:///{path}")
        assert str(caught.value) == (
            f"the database is in use by clientbase serve (pid {sleeper.pid}, port 8123); "
            "use the web app or the API, or stop the server"
        )
        assert isinstance(caught.value, StoreError)
        cli = subprocess.run(
            [CLI, "summary", "--db", f"duckdb:///{path}"],
            capture_output=True,
            text=True,
            env={**os.environ, "COLUMNS": "300"},
        )
        assert cli.returncode == 1
        assert f"in use by clientbase serve (pid {sleeper.pid}, port 8123)" in cli.stderr
        assert "Traceback" not in cli.stderr
    finally:
        sleeper.kill()
        sleeper.wait()
    connect(f"duckdb:///{path}").close()  # the server is gone: its marker no longer counts


def test_the_server_itself_may_open_it_and_removes_its_marker(tmp_path: Path) -> None:
    path = tmp_path / "own.duckdb"
    with lock.serving(path, host="127.0.0.1", port=8124) as marker:
        assert json.loads(marker.read_text())["pid"] == os.getpid()
        connect(f"duckdb:///{path}").close()  # this process is the server
    assert not lock.marker_path(path).exists()


def test_a_second_server_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "two.duckdb"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        _held_by(path, sleeper.pid, 9000)
        with (
            pytest.raises(lock.DatabaseInUseError, match="port 9000"),
            lock.serving(path, host="127.0.0.1", port=9001),
        ):
            pass
    finally:
        sleeper.kill()
        sleeper.wait()


def test_serve_refuses_workers_on_duckdb(tmp_path: Path) -> None:
    cli = subprocess.run(
        [CLI, "serve", "--db", f"duckdb:///{tmp_path}/x.duckdb", "--workers", "2"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "300"},
    )
    assert cli.returncode == 2 and "one writing process" in cli.stderr
