"""The targeting services on the hand-made company: who sees what, and the cohort-rates fallback when the
history is too short, with numbers worked out on paper (``example.py``)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from clientbase.errors import NotFoundError, PermissionDeniedError
from clientbase.registry.access import Actor
from clientbase.store import Store, connect
from clientbase.targeting.service import export_targets, prospect_score, targets
from tests.targeting import example

HEAD, MANAGER, ANALYST = Actor("M1", "head"), Actor("M2", "manager"), Actor("M3", "analyst")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with connect(f"duckdb:///{tmp_path_factory.mktemp('t')}/x.duckdb") as s:
        example.load(s)
        yield s


def _targets(store: Store, actor: Actor, **kw: object) -> dict[str, object]:
    return targets(store=store, actor=actor, as_of=example.AS_OF, since=example.SINCE, **kw)  # type: ignore[arg-type]


def test_too_little_history_falls_back_to_the_cohort_rates_and_says_so(store: Store) -> None:
    doc = _targets(store, HEAD)
    assert doc["method"] == "cohort_rates"
    assert "4 labelled prospects (needs 300)" in str(doc["reason"])
    validation = doc["validation"]
    assert {"auc", "brier", "top_decile_lift", "cutoff"} <= set(validation)  # type: ignore[arg-type]
    assert validation["auc"] is None and "too little history" in validation["reason"]  # type: ignore[index]
    # horizon: the 95th percentile of 15 and 29 days, in whole months of 30 days
    assert doc["horizon_days"] == 30


def test_the_fallback_scores_are_the_cohort_rates(store: Store) -> None:
    (d,) = _targets(store, HEAD)["prospects"]  # type: ignore[misc]
    assert d["counterparty_id"] == "D"
    # too few prospects per channel-mode pair and per mode: everyone's figures. Won within 30 days: A and
    # C of 4 (0.5); 12 months of A 360.00 and of C -20.00 (170.00 each); cost per prospect (130 + 70 + 20 +
    # 0) / 4 = 55.00; expected value 0.5 x 170 - 55 = 30.00
    assert d["p_convert"] == 0.5
    assert d["expected_contribution"] == Decimal("170.00")
    assert d["expected_cost"] == Decimal("55.00")
    assert d["expected_value"] == Decimal("30.00")
    assert (d["rank"], d["owner_rank"], d["owner_id"]) == (1, 1, "M1")


def test_a_manager_sees_only_their_own_prospects(store: Store) -> None:
    assert _targets(store, MANAGER)["prospects"] == []  # M2's B was given up, A is a customer
    assert [p["counterparty_id"] for p in _targets(store, ANALYST)["prospects"]] == ["D"]  # type: ignore[attr-defined]
    with pytest.raises(PermissionDeniedError, match="sees only their own prospects"):
        _targets(store, MANAGER, owner="M1")
    assert _targets(store, HEAD, owner="M2")["prospects"] == []


def test_the_prospect_card_and_what_it_may_not_see(store: Store) -> None:
    card = prospect_score(store=store, actor=HEAD, counterparty_id="D", as_of=example.AS_OF)
    assert str(card["expected_value"]) == "30.00"
    assert card["factors"] == []  # everyone gets everyone's rates: nothing differs from the average
    with pytest.raises(NotFoundError):
        prospect_score(store=store, actor=MANAGER, counterparty_id="D", as_of=example.AS_OF)
    with pytest.raises(NotFoundError):
        prospect_score(store=store, actor=HEAD, counterparty_id="A", as_of=example.AS_OF)  # a customer


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_list_exports_for_a_campaign(store: Store, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"list{suffix}"
    result = export_targets(store=store, actor=HEAD, path=path, as_of=example.AS_OF)
    assert result["rows"] == 1 and path.exists()
    if suffix == ".csv":
        with path.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert rows[0]["counterparty_id"] == "D" and rows[0]["expected_value"] == "30.00"
        assert rows[0]["name"] == "Company D"
    else:
        from python_calamine import CalamineWorkbook

        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("prospects").to_python()
        assert sheet[0][:2] == ["rank", "counterparty_id"] and sheet[1][1] == "D"


def test_a_list_needs_a_known_format(store: Store, tmp_path: Path) -> None:
    from clientbase.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match=r"\.xlsx or \.csv"):
        export_targets(store=store, actor=HEAD, path=tmp_path / "list.pdf", as_of=example.AS_OF)
