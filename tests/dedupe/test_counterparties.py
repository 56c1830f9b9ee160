"""Duplicates among the database's counterparties: clusters with reasons; rejected pairs stay away."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from clientbase import schema
from clientbase.cli.main import app
from clientbase.dedupe.review import decide, review_queue
from clientbase.dedupe.synthetic import planted_companies
from clientbase.store import connect


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, str]]:
    url = f"duckdb:///{tmp_path_factory.mktemp('dup') / 'base.duckdb'}"
    records, truth = planted_companies(400, seed=5)
    rows = records.to_pylist()
    with connect(url) as store, store.begin() as conn:
        conn.execute(sa.insert(schema.managers).values(manager_id="H", name="Head", role="head", active=True))
        conn.execute(
            sa.insert(schema.counterparties),
            [
                {
                    **r,
                    "counterparty_id": r.pop("id"),
                    "roles": "customer",
                    "status": "active",
                    "created_at": dt.date(2024, 1, 1),
                    "version": 1,
                }
                for r in rows
            ],
        )
    entity = dict(zip(truth["id"].to_pylist(), truth["entity_id"].to_pylist(), strict=True))
    return url, entity


def test_duplicates_json_lists_true_clusters_with_explanations(db: tuple[str, dict[str, str]]) -> None:
    url, entity = db
    result = CliRunner().invoke(app, ["duplicates", "--db", url, "--json"])
    assert result.exit_code == 0, result.output
    clusters = json.loads(result.output)["clusters"]
    assert len(clusters) >= 35  # 40 planted duplicates
    for c in clusters:
        ids = [m["counterparty_id"] for m in c["members"]]
        assert len({entity[i] for i in ids}) == 1  # every cluster is one planted company
        pair = c["pairs"][0]
        assert pair["match_probability"] >= 0.9
        assert {f["field"] for f in pair["fields"]} >= {"name", "tax_id", "phone", "place"}


def test_a_rejected_pair_never_comes_back(db: tuple[str, dict[str, str]]) -> None:
    url, _entity = db
    with connect(url) as store:
        queue = review_queue(store)
        first = queue[0]
        decide(store, a=first["id_r"], b=first["id_l"], decision="rejected", actor_id="H")
        again = review_queue(store)
    assert (first["id_l"], first["id_r"]) not in {(p["id_l"], p["id_r"]) for p in again}
    result = CliRunner().invoke(app, ["duplicates", "--db", url, "--json"])
    pairs = {(p["id_l"], p["id_r"]) for c in json.loads(result.output)["clusters"] for p in c["pairs"]}
    assert (first["id_l"], first["id_r"]) not in pairs


def test_cli_merge_and_unmerge(db: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    url, _entity = db
    runner = CliRunner()
    with connect(url) as store:
        pair = review_queue(store)[0]
    out = runner.invoke(app, ["merge", pair["id_l"], pair["id_r"], "--as", "H", "--db", url, "--json"])
    assert out.exit_code == 0, out.output
    merge_id = json.loads(out.output)["merge_id"]
    listed = runner.invoke(app, ["merges", "--db", url, "--json"])
    assert json.loads(listed.output)["merges"][0]["merge_id"] == merge_id
    out = runner.invoke(app, ["unmerge", merge_id, "--as", "H", "--db", url])
    assert out.exit_code == 0, out.output
    out = runner.invoke(app, ["unmerge", merge_id, "--as", "H", "--db", url])
    assert out.exit_code == 5  # ConflictError: undone already
