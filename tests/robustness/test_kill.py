"""kill -9 of import-folder and of a spreadsheet apply at a random moment of their work: the base holds all of
it or none of it, and doing it again gives the same base as a run that was never interrupted.

The killed run is a process of its own that says when it starts writing; it is killed after a random part of
the time the same work takes uninterrupted (measured first, in this process)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from clientbase import schema
from clientbase.demo.build import load_demo
from clientbase.demo.generate import generate
from clientbase.exchange import export_folder, import_folder
from clientbase.imports import batch
from clientbase.imports.plan import plan_import
from clientbase.registry.access import Actor
from clientbase.store import connect
from tests.registry.conftest import MANAGERS
from tests.robustness.conftest import fingerprint, scale

ANNA = Actor("M01", "manager")

#: the work, in a process that prints "go" when everything before the write is done
IMPORT_FOLDER = """
import sys
from clientbase.exchange import import_folder
from clientbase.store import connect
with connect(sys.argv[1]) as store:
    print("go", flush=True)
    import_folder(store, sys.argv[2])
"""
APPLY = """
import sys
from clientbase.imports import batch
from clientbase.registry.access import Actor
from clientbase.imports.plan import plan_import
from clientbase.store import connect
with connect(sys.argv[1]) as store:
    plan = plan_import(store, path=sys.argv[2], actor=Actor("M01", "manager"))
    print("go", flush=True)
    batch.apply(store, plan)
"""


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The exchange folder of a small demo company (some 10,000 order lines)."""
    folder = tmp_path_factory.mktemp("kill")
    with connect(f"duckdb:///{folder}/demo.duckdb") as store:
        load_demo(store, generate(customers=80, years=2, seed=11))
        export_folder(store, folder / "x")
    yield folder / "x"


def killed_at_random(script: str, args: list[str], seconds: float, rng: random.Random) -> None:
    """Run ``script`` with ``args``; once it says "go", kill -9 it after a random part of ``seconds``."""
    process = subprocess.Popen(
        [sys.executable, "-c", script, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == b"go", process.communicate()
    time.sleep(rng.uniform(0.0, 1.2) * seconds)
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=60)


def state(url: str, *, volatile: bool = False) -> dict[str, list[tuple[object, ...]]]:
    with connect(url) as store:
        return fingerprint(store, volatile=volatile)


def test_import_folder_killed_then_run_again_equals_an_uninterrupted_run(
    export: Path, tmp_path: Path
) -> None:
    rng = random.Random(os.environ.get("CLIENTBASE_TEST_SEED", "11"))
    empty = f"duckdb:///{tmp_path}/empty.duckdb"
    nothing = state(empty)
    whole = f"duckdb:///{tmp_path}/whole.duckdb"
    with connect(whole) as store:
        started = time.monotonic()
        import_folder(store, export)
        seconds = time.monotonic() - started
        expected = fingerprint(store)
    interrupted = 0
    for attempt in range(scale(1, 8)):
        url = f"duckdb:///{tmp_path}/killed-{attempt}.duckdb"
        killed_at_random(IMPORT_FOLDER, [url, str(export)], seconds, rng)
        after_kill = state(url)
        assert after_kill in (nothing, expected)  # all or nothing
        interrupted += after_kill == nothing
        with connect(url) as store:
            import_folder(store, export)
        assert state(url) == expected
    assert interrupted or scale(1, 8) == 1  # the full suite kills some runs in the middle of their work


def test_a_spreadsheet_apply_killed_then_run_again_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    rng = random.Random(os.environ.get("CLIENTBASE_TEST_SEED", "7"))
    base = tmp_path / "base.duckdb"
    with connect(f"duckdb:///{base}") as store, store.begin() as conn:
        conn.execute(sa.insert(schema.managers), MANAGERS)
    sheet = tmp_path / "many.csv"
    rows = "".join(
        f"Firma {n} GmbH;DE;{30 + n % 3 * 15};Straße {n};+49 30 {2000000 + n}\n" for n in range(600)
    )
    sheet.write_text("Firma;Land;Zahlungsziel;Adresse;Telefon\n" + rows, encoding="utf-8")

    def copy(name: str) -> str:
        shutil.copy(base, tmp_path / name)
        return f"duckdb:///{tmp_path / name}"

    def apply(url: str) -> float:
        with connect(url) as store:
            plan = plan_import(store, path=sheet, actor=ANNA)
            started = time.monotonic()
            batch.apply(store, plan)
            return time.monotonic() - started

    whole = copy("whole.duckdb")
    seconds = apply(whole)
    expected = state(whole, volatile=True)
    nothing = state(f"duckdb:///{base}", volatile=True)
    interrupted = 0
    for attempt in range(scale(1, 8)):
        url = copy(f"killed-{attempt}.duckdb")
        killed_at_random(APPLY, [url, str(sheet)], seconds, rng)
        after_kill = state(url, volatile=True)
        assert after_kill in (nothing, expected)
        interrupted += after_kill == nothing
        apply(url)
        assert state(url, volatile=True) == expected
    assert interrupted or scale(1, 8) == 1
