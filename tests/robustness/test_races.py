"""Racing writers (issue 11.5), on DuckDB and on a real PostgreSQL: creators never collide, editors of one
record get one success and clean conflicts, and two bulk loads of the same records end deterministically."""

from __future__ import annotations

import shutil
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from clientbase import schema
from clientbase.errors import ConflictError
from clientbase.registry import service
from clientbase.registry.access import Actor
from clientbase.store import connect
from tests.exchange.test_folder import write_folder
from tests.registry.conftest import MANAGERS
from tests.robustness.conftest import finished, scale

ANNA = Actor("M01", "manager")
VALUES = {"roles": "customer", "status": "active", "country": "SE", "payment_days": 30}


def prepared(url: str) -> None:
    with connect(url) as store, store.begin() as conn:
        conn.execute(sa.insert(schema.managers), MANAGERS)


def race(workers: int, work: object) -> list[object]:
    """Run ``work(n)`` in ``workers`` threads released at the same moment; each outcome, or its error."""
    start = threading.Barrier(workers)
    outcomes: list[object] = [None] * workers

    def run(n: int) -> None:
        start.wait()
        try:
            outcomes[n] = work(n)  # type: ignore[operator]
        except Exception as exc:
            outcomes[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_racing_creators_never_collide(db_url: str) -> None:
    prepared(db_url)
    workers, each = scale(4, 8), scale(3, 20)
    with connect(db_url) as store:

        def create(n: int) -> list[str]:
            made = []
            for k in range(each):
                values = {**VALUES, "name": f"Racer {n}-{k} AB"}
                made.append(
                    str(service.create_counterparty(db=store, actor=ANNA, values=values)["counterparty_id"])
                )
            return made

        outcomes = race(workers, create)
        assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
        made = [key for keys in outcomes for key in keys]  # type: ignore[union-attr]
        assert len(made) == len(set(made)) == workers * each
        assert store.table("counterparties").count().execute() == workers * each


def test_racing_editors_one_wins_the_others_get_a_clean_conflict(db_url: str) -> None:
    prepared(db_url)
    with connect(db_url) as store:
        service.create_counterparty(db=store, actor=ANNA, values={**VALUES, "name": "Contested AB"})
        for round_ in range(scale(2, 10)):
            version = service.get_record(store, actor=ANNA, kind="counterparties", record_id="C00001")[
                "version"
            ]
            outcomes = race(
                scale(3, 6),
                lambda n, v=version, r=round_: service.update_counterparty(
                    db=store,
                    actor=ANNA,
                    counterparty_id="C00001",
                    changes={"city": f"City {r}-{n}"},
                    expected_version=v,
                ),
            )
            wins = [o for o in outcomes if isinstance(o, dict)]
            assert len(wins) == 1 and all(isinstance(o, ConflictError) for o in outcomes if o not in wins), (
                outcomes
            )
            final = service.get_record(store, actor=ANNA, kind="counterparties", record_id="C00001")
            assert (final["city"], final["version"]) == (wins[0]["city"], version + 1)


SCRIPT = """
import sys
from clientbase.registry import service
from clientbase.registry.access import Actor
from clientbase.store import connect
with connect(sys.argv[1]) as store:
    for k in range(int(sys.argv[3])):
        values = {"roles": "customer", "status": "active", "country": "SE", "payment_days": 30, "name": f"P{sys.argv[2]}-{k} AB"}
        print(service.create_counterparty(db=store, actor=Actor("M01", "manager"), values=values)["counterparty_id"])
"""


@pytest.mark.postgres
def test_creators_in_several_processes_never_collide(pg_url: str) -> None:
    import subprocess

    prepared(pg_url)
    count, each = scale(2, 4), scale(5, 30)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT, pg_url, str(n), str(each)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for n in range(count)
    ]
    made = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()
        made += out.decode().split()
    assert len(made) == len(set(made)) == count * each


APPLY = """
import sys, time
from pathlib import Path
from clientbase.imports import batch
from clientbase.registry.access import Actor
from clientbase.imports.plan import plan_import
from clientbase.store import connect
url, sheet, ready, go = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
with connect(url) as store:
    plan = plan_import(store, path=sheet, actor=Actor("M01", "manager"))
    ready.touch()
    while not go.exists():
        time.sleep(0.01)
    print(batch.apply(store, plan).new)
"""


@pytest.mark.postgres
def test_two_spreadsheet_applies_at_once_both_create_their_records(pg_url: str, tmp_path: Path) -> None:
    """Both dry runs are done, then both applies start at the same moment: each creates its records under
    new keys (the second waits for the first's keys), none dies on a duplicate key."""
    import subprocess

    prepared(pg_url)
    rows = scale(300, 2000)
    go = tmp_path / "go"
    processes = []
    for name in ("anna", "bo"):
        path = tmp_path / f"{name}.csv"
        path.write_text(
            "Firma;Land;Zahlungsziel\n" + "".join(f"{name} Firma {n} GmbH;DE;30\n" for n in range(rows))
        )
        command = [sys.executable, "-c", APPLY, pg_url, str(path), str(tmp_path / f"{name}.ready"), str(go)]
        processes.append(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    while not all((tmp_path / f"{name}.ready").exists() for name in ("anna", "bo")):
        assert all(p.poll() is None for p in processes), [p.communicate() for p in processes]
        time.sleep(0.05)
    go.touch()
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()[-2000:]
        assert int(out.decode().split()[-1]) == rows
    with connect(pg_url) as store:
        keys = store.table("counterparties").counterparty_id.to_pyarrow().to_pylist()
    assert len(keys) == len(set(keys)) == 2 * rows


LOAD = """
import sys, time
from pathlib import Path
from clientbase.errors import StaleRowsError
from clientbase.exchange import import_folder
from clientbase.store import connect
url, folder, ready, go = sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
with connect(url) as store:
    ready.touch()
    while not go.exists():
        time.sleep(0.01)
    try:
        import_folder(store, folder)
        print("loaded")
    except StaleRowsError as exc:
        print("conflict", exc.problems[0].rule)
"""


@pytest.mark.postgres
def test_two_import_folders_of_the_same_records_end_deterministically(pg_url: str, tmp_path: Path) -> None:
    """Both folders come from the same export and change the same record; both loads start at the same
    moment. Whichever locks first wins; the other finds the record changed after its file was written and
    says so, writing nothing, instead of silently replacing the first one's change."""
    import subprocess

    from clientbase.exchange import export_folder, import_folder

    with connect(pg_url) as store:
        import_folder(store, write_folder(tmp_path / "first"))
        export_folder(store, tmp_path / "export")
    folders = {}
    for city in ("Lund", "Malmö"):
        folder = tmp_path / city
        shutil.copytree(tmp_path / "export", folder)
        lines = (folder / "counterparties.csv").read_text().splitlines()
        cells = lines[1].split(",")
        cells[lines[0].split(",").index("city")] = city
        (folder / "counterparties.csv").write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n")
        folders[city] = folder
    for round_ in range(scale(1, 4)):
        go = tmp_path / f"go-{round_}"
        processes = {
            city: subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    LOAD,
                    pg_url,
                    str(folder),
                    str(tmp_path / f"{city}-{round_}"),
                    str(go),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for city, folder in folders.items()
        }
        while not all((tmp_path / f"{city}-{round_}").exists() for city in folders):
            time.sleep(0.05)
        go.touch()
        said = {}
        for city, process in processes.items():
            out, err = process.communicate(timeout=300)
            assert process.returncode == 0, err.decode()[-2000:]
            said[city] = out.decode().strip()
        with connect(pg_url) as store:
            row = (
                store.table("counterparties")
                .filter(lambda t: t.counterparty_id == "C1")
                .to_pyarrow()
                .to_pylist()[0]
            )
        if round_ == 0:
            winners = [city for city, words in said.items() if words == "loaded"]
            assert len(winners) == 1, said
            (loser,) = set(folders) - set(winners)
            assert "C1 was changed after this file was written" in said[loser]
            assert (row["city"], row["version"]) == (winners[0], 2)
        else:  # the base moved on: both folders are older than it now
            assert all(words.startswith("conflict") for words in said.values()), said


@pytest.mark.long
@pytest.mark.postgres
def test_an_analysis_overlapping_a_load_reads_the_state_before_or_after(pg_url: str, tmp_path: Path) -> None:
    """Issue 11.7: analyses running while import-folder commits each see one state, never a mix."""
    import threading as _threading

    from clientbase.analytics.run import analyze

    assert finished("demo", "--customers", "80", "--years", "2", "--seed", "4", "--db", pg_url)[0] == 0
    assert finished("export-folder", str(tmp_path / "x"), "--db", pg_url)[0] == 0
    # the load changes two tables the analysis reads in different queries: prices and activities
    for file, column, factor in (("order_lines.csv", "net_price", 0.5), ("activities.csv", "quantity", 2)):
        lines = (tmp_path / "x" / file).read_text().splitlines()
        at = lines[0].split(",").index(column)
        changed = [lines[0]]
        for line in lines[1:]:
            cells = line.split(",")
            cells[at] = f"{float(cells[at]) * factor:.3f}"
            changed.append(",".join(cells))
        (tmp_path / "x" / file).write_text("\n".join(changed) + "\n")

    def seen(store: object) -> tuple[object, object]:
        totals = analyze(store).totals.lines
        return totals["net_revenue"], totals["cost_to_serve"]

    with connect(pg_url) as store:
        before = seen(store)
        results: list[object] = []

        def keep_analysing(stop: _threading.Event) -> None:
            while not stop.is_set():
                results.append(seen(store))

        stop = _threading.Event()
        reader = _threading.Thread(target=keep_analysing, args=(stop,))
        reader.start()
        code, output = finished("import-folder", str(tmp_path / "x"), "--db", pg_url)
        stop.set()
        reader.join()
        assert code == 0, output
        after = seen(store)
    assert after != before and set(results) <= {before, after}, (before, after, results)
