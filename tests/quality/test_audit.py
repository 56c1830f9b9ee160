"""The quality audit on a small hand-made base whose scores are worked out by hand."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from clientbase import schema
from clientbase.cli.main import app
from clientbase.quality import Criteria, audit, save_snapshot, trend
from clientbase.store import Store, connect

AS_OF = dt.date(2026, 6, 30)
RECENT = dt.datetime(2026, 6, 20, 12, 0)  # 10 days before AS_OF: fresh
TRACKED = (
    "email",
    "phone",
    "address",
    "postcode",
    "city",
    "owner_id",
    "payment_days",
    "discount_pct",
    "credit_limit",
    "price_list",
)

GOOD = {
    "name": "Volvo Parts AB",
    "roles": "customer",
    "status": "active",
    "owner_id": "M1",
    "acquisition_channel": "trade_fair",
    "acquisition_mode": "targeted",
    "country": "SE",
    "region": "West",
    "city": "Göteborg",
    "postcode": "405 08",
    "address": "Gropegårdsgatan 2",
    "industry": "automotive",
    "size_band": "large",
    "segment": "oem",
    "payment_days": 30,
    "discount_pct": Decimal("5"),
    "credit_limit": Decimal("10000"),
    "price_list": "standard",
    "tax_id": "SE556012579001",
    "registration_id": "5560125790",
    "email": "info@volvo.se",
    "phone": "+4631660000",
    "website": "https://volvo.se",
    "created_at": dt.date(2020, 1, 1),
    "version": 1,
}


def _base(store: Store) -> None:
    empty = {c.name: None for c in schema.counterparties.c}
    q2 = {
        **empty,
        "counterparty_id": "Q2",
        "name": "Beta GmbH",
        "roles": "customer",
        "status": "active",
        "owner_id": "M2",
        "country": "DE",
        "city": "Berlin",
        "postcode": "10115",
        "address": "Hauptstr. 1",
        "industry": "retail",
        "size_band": "small",
        "segment": "shops",
        "payment_days": 30,
        "discount_pct": Decimal("5"),
        "email": "not-an-email",
        "created_at": AS_OF - dt.timedelta(days=1000),
        "version": 1,
    }
    q3 = {
        **GOOD,
        "counterparty_id": "Q3",
        "name": "Gamma AB",
        "payment_days": 10,
        "discount_pct": Decimal("0"),
        # the valid VAT and organisation numbers of another Swedish company
        "tax_id": "SE556036079301",
        "registration_id": "5560360793",
    }
    with store.begin() as conn:
        conn.execute(
            sa.insert(schema.managers),
            [
                {"manager_id": "M1", "name": "Anna", "role": "manager", "active": True},
                {"manager_id": "M2", "name": "Ben", "role": "manager", "active": True},
            ],
        )
        conn.execute(sa.insert(schema.counterparties), [{**GOOD, "counterparty_id": "Q1"}, q2, q3])
        conn.execute(
            sa.insert(schema.field_verification),
            [
                {
                    "table_name": "counterparties",
                    "record_id": rid,
                    "field_name": f,
                    "verified_at": RECENT,
                    "verified_by": "M1",
                    "source": "ui",
                }
                for rid in ("Q1", "Q3")
                for f in TRACKED
            ],
        )
        day = AS_OF - dt.timedelta(days=30)
        for rid in ("Q1", "Q3"):
            conn.execute(
                sa.insert(schema.orders).values(order_id=f"O{rid}", counterparty_id=rid, order_date=day)
            )
            conn.execute(
                sa.insert(schema.order_lines).values(
                    order_id=f"O{rid}",
                    line_no=1,
                    counterparty_id=rid,
                    order_date=day,
                    product_id="P",
                    quantity=1,
                    list_price=Decimal("100"),
                    net_price=Decimal("95"),
                    unit_cost=Decimal("60"),
                )
            )
            conn.execute(
                sa.insert(schema.invoices).values(
                    invoice_id=f"F{rid}",
                    counterparty_id=rid,
                    order_id=f"O{rid}",
                    issue_date=day,
                    due_date=day + dt.timedelta(days=30),
                    amount=Decimal("95"),
                )
            )


@pytest.fixture
def store(db_url: str) -> Any:
    with connect(db_url) as s:
        _base(s)
        yield s


def test_scores_by_hand(store: Store) -> None:
    report = audit(store, as_of=AS_OF)
    scores = {r.counterparty_id: r for r in report.records}
    # Q1: complete, valid, fresh, unique, consistent
    assert scores["Q1"].score == 100.0
    assert scores["Q1"].issues == []
    # Q2: 6 required fields (weight 2) + 10 recommended (weight 1) = 22; phone, tax_id and registration_id
    # missing -> completeness 19/22; 14 filled fields, the e-mail invalid -> validity 13/14; 7 tracked
    # fields all older than their maximum age -> freshness 0; active without any order -> consistency 0.5
    q2 = scores["Q2"]
    assert q2.parts["completeness"] == pytest.approx(19 / 22, abs=1e-4)
    assert q2.parts["validity"] == pytest.approx(13 / 14, abs=1e-4)
    assert q2.parts["freshness"] == 0.0
    assert q2.parts["consistency"] == 0.5
    expected = 100 * (0.30 * 19 / 22 + 0.25 * 13 / 14 + 0.20 * 0 + 0.15 * 1 + 0.10 * 0.5)
    assert q2.score == pytest.approx(expected, abs=0.05)  # 69.1
    kinds = sorted((i["field"], i["kind"]) for i in q2.issues)
    assert (
        ("email", "invalid") in kinds
        and ("phone", "missing") in kinds
        and ("status", "inconsistent") in kinds
    )
    assert sum(1 for _f, k in kinds if k == "stale") == 7
    # Q3: agreed 10 days and 0 % but invoices give 30 days and lines 5 % off -> two contradictions -> 90
    q3 = scores["Q3"]
    assert q3.parts["consistency"] == 0.0
    assert q3.score == 90.0
    assert {i["field"] for i in q3.issues} == {"payment_days", "discount_pct"}


def test_rollups_and_work_lists(store: Store) -> None:
    report = audit(store, as_of=AS_OF)
    managers = {m["manager_id"]: m for m in report.by_manager}
    assert managers["M1"]["score"] == 95.0  # (100 + 90) / 2
    assert managers["M1"]["records"] == 2
    assert managers["M1"]["inconsistent"] == 2
    assert managers["M2"]["score"] == pytest.approx(69.1, abs=0.05)
    assert report.overall_score == pytest.approx((100 + 90 + 69.1) / 3, abs=0.06)
    phone = next(f for f in report.by_field if f["field"] == "phone")
    assert phone["completeness"] == pytest.approx(2 / 3, abs=1e-4)  # filled in Q1 and Q3, wanted in all three
    assert phone["freshness"] == 1.0
    # work list: Q3 (value 95 + 1) x (100 - 90) = 960 first for M1; Q1 has nothing to fix
    assert [w["counterparty_id"] for w in report.work_lists["M1"]] == ["Q3"]
    assert report.work_lists["M1"][0]["priority"] == 960.0
    assert [w["counterparty_id"] for w in report.work_lists["M2"]] == ["Q2"]


def test_snapshots_make_a_trend(store: Store) -> None:
    report = audit(store, as_of=AS_OF, duplicates=False)
    save_snapshot(store, report, at=dt.datetime(2026, 6, 1))
    save_snapshot(store, report, at=dt.datetime(2026, 6, 30))
    points = trend(store)
    assert [p["taken_at"] for p in points] == [dt.datetime(2026, 6, 1), dt.datetime(2026, 6, 30)]
    assert float(points[0]["score"]) == pytest.approx(report.overall_score, abs=0.05)
    assert len(trend(store, scope="manager", key="M2")) == 2


def test_weights_must_add_up() -> None:
    with pytest.raises(ValueError, match="add up to 1"):
        Criteria(weights={"completeness": 1.0, "validity": 0.5})


def test_cli_json_has_the_promised_keys(db_url: str) -> None:
    if not db_url.startswith("duckdb"):
        pytest.skip("the CLI is exercised once, on DuckDB")
    with connect(db_url) as s:
        _base(s)
    result = CliRunner().invoke(app, ["quality", "--db", db_url, "--json", "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert {"overall_score", "by_manager", "by_field", "issues"} <= set(doc)
    assert {"manager_id", "score", "records", "issues"} <= set(doc["by_manager"][0])
    assert {"field", "completeness", "validity", "freshness"} <= set(doc["by_field"][0])
    assert {"counterparty_id", "field", "kind", "detail"} <= set(doc["issues"][0])
    bad = CliRunner().invoke(app, ["quality", "--db", db_url, "--as-of", "yesterday"])
    assert bad.exit_code == 1
    assert "YYYY-MM-DD" in bad.output
