"""RFM scores and groups, ABC, XYZ and the nine-box on small examples worked out by hand; the same on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import ibis
import pyarrow as pa
import pytest

from clientbase.analytics import segments as seg
from clientbase.errors import ConfigurationError
from clientbase.store import connect

d = dt.date

# ten customers: days since the last purchase, number of purchases, money spent
TEN = {
    "id": list("abcdefghij"),
    "days_since_last": [5, 10, 20, 40, 60, 90, 120, 200, 300, 400],
    "purchases": [12, 9, 1, 8, 3, 2, 10, 1, 4, 1],
    "monetary": [900, 800, 700, 600, 500, 400, 300, 200, 100, 0],
}


def _scores(table: ibis.Table) -> list[dict[str, Any]]:
    return list(seg.rfm_scores(table).order_by("id").to_pyarrow().to_pylist())


def test_quintiles_on_ten_customers() -> None:
    rows = _scores(ibis.memtable(TEN))
    # score = 1 + floor(5 x (customers strictly worse) / 10): two customers per score without ties
    assert [r["r_score"] for r in rows] == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert [r["m_score"] for r in rows] == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    # purchases 1,1,1 tie at the bottom (0 worse: score 1); 2 has 3 worse: 1 + floor(1.5) = 2; 3: 1 + 2 = 3;
    # 4: 1 + floor(2.5) = 3; 8: 4; 9: 1 + floor(3.5) = 4; 10: 5; 12: 1 + floor(4.5) = 5
    assert [r["f_score"] for r in rows] == [5, 4, 1, 4, 3, 2, 5, 1, 3, 1]
    assert [r["rfm_segment"] for r in rows] == [
        "Champions",  # R5 F5
        "Champions",  # R5 F4
        "Promising",  # R4 F1
        "Loyal",  # R4 F4
        "Needs attention",  # R3 F3
        "Needs attention",  # R3 F2
        "Cannot lose",  # R2 F5
        "Hibernating",  # R2 F1
        "At risk",  # R1 F3
        "Lost",  # R1 F1
    ]


def test_ties_share_one_score() -> None:
    table = ibis.memtable(
        {"id": list("abcde"), "days_since_last": [7] * 5, "purchases": [1, 1, 1, 1, 9], "monetary": [1] * 5}
    )
    rows = _scores(table)
    assert {r["r_score"] for r in rows} == {1}  # all tied: nobody is worse than anybody
    assert [r["f_score"] for r in rows] == [1, 1, 1, 1, 5]  # 1 + floor(5 x 4 / 5) = 5


@pytest.mark.parametrize(
    ("r", "f", "segment"),
    [
        (5, 5, "Champions"),
        (5, 4, "Champions"),
        (4, 5, "Loyal"),
        (3, 4, "Loyal"),
        (5, 2, "Potential loyalists"),
        (4, 3, "Potential loyalists"),
        (5, 1, "New"),
        (4, 1, "Promising"),
        (3, 1, "Needs attention"),
        (3, 3, "Needs attention"),
        (2, 3, "At risk"),
        (1, 4, "At risk"),
        (1, 5, "Cannot lose"),
        (2, 5, "Cannot lose"),
        (2, 2, "Hibernating"),
        (1, 1, "Lost"),
        (1, 2, "Lost"),
    ],
)
def test_segment_rule(r: int, f: int, segment: str) -> None:
    t = ibis.memtable({"r": [r], "f": [f]})
    assert t.select(s=seg.rfm_segment(t.r, t.f)).to_pyarrow()["s"].to_pylist() == [segment]


def test_every_cell_of_the_grid_has_exactly_one_group() -> None:
    cells = [(r, f) for _, rs, fs in seg.SEGMENT_RULES for r in rs for f in fs]
    assert sorted(cells) == [(r, f) for r in range(1, 6) for f in range(1, 6)]


FIVE = {"counterparty_id": ["C1", "C2", "C3", "C4", "C5", "C6"], "v": [50, 25, 12, 8, 5, -10]}


def _abc(values: dict[str, list[Any]], **kwargs: Any) -> list[dict[str, Any]]:
    t = seg.abc_classes(ibis.memtable(values), value_col="v", **kwargs)
    return list(t.order_by("counterparty_id").to_pyarrow().to_pylist())


def test_abc_on_five_customers_with_known_shares() -> None:
    rows = _abc(FIVE)
    # positive total 100; cumulative share before each: 0, 50, 75, 87, 95 -> A below 80, B below 95, else C
    assert [r["abc"] for r in rows] == ["A", "A", "A", "B", "C", "C"]
    assert [r["abc_share"] for r in rows[:5]] == [0.5, 0.75, 0.87, 0.95, 1.0]
    assert [r["abc_loss_making"] for r in rows] == [False] * 5 + [True]


def test_abc_thresholds_are_configurable() -> None:
    rows = _abc(FIVE, thresholds=seg.AbcThresholds(a=Decimal("0.5"), b=Decimal("0.3")))
    assert [r["abc"] for r in rows] == ["A", "B", "B", "C", "C", "C"]
    with pytest.raises(ConfigurationError, match=r"a=0\.9, b=0\.2"):
        seg.AbcThresholds(a=Decimal("0.9"), b=Decimal("0.2"))


def test_abc_ties_are_broken_by_id() -> None:
    # equal values: the lower id comes first whatever the row order; with A up to 40 %, X is A (0 % before it)
    # and Y is B (50 % before it, below 40 % + 15 %)
    rows = _abc(
        {"counterparty_id": ["Y", "X"], "v": [10, 10]}, thresholds=seg.AbcThresholds(a=Decimal("0.4"))
    )
    assert [(r["counterparty_id"], r["abc"]) for r in rows] == [("X", "A"), ("Y", "B")]


def _monthly(customer: str, amounts: list[int], day: int = 3) -> list[dict[str, Any]]:
    return [
        {"counterparty_id": customer, "order_date": d(2024, m + 1, day), "v": v}
        for m, v in enumerate(amounts)
        if v
    ]


XYZ_ROWS = [
    *_monthly("steady", [100, 110, 90, 100]),  # mean 100, variance (0+100+100+0)/4 = 50: CV 7.07 %
    *_monthly("wavy", [100, 180, 20, 100]),  # variance (0+6400+6400+0)/4 = 3200: CV 56.6 %
    *_monthly("lumpy", [200, 0, 0, 0]),  # mean 50, variance (22500+3 x 2500)/4 = 7500: CV 173 %
    {"counterparty_id": "lumpy", "order_date": d(2023, 12, 31), "v": 1000},  # before the window
    {"counterparty_id": "split", "order_date": d(2024, 1, 2), "v": 60},  # two rows in one month
    {"counterparty_id": "split", "order_date": d(2024, 1, 30), "v": 40},
    *_monthly("split", [0, 100, 100, 100]),
    *_monthly("returns", [50, -80, 0, 0]),  # net demand -30: no positive mean, CV undefined
]


def test_xyz_by_coefficient_of_variation() -> None:
    t = ibis.memtable(pa.Table.from_pylist(XYZ_ROWS))
    r = seg.xyz_classes(t, amount_col="v", as_of=d(2024, 4, 30), months=4).to_pyarrow().to_pylist()
    got = {row["counterparty_id"]: row for row in r}
    assert got["steady"]["demand_cv"] == pytest.approx(50**0.5 / 100)
    assert got["wavy"]["demand_cv"] == pytest.approx(3200**0.5 / 100)
    assert got["lumpy"]["demand_cv"] == pytest.approx(7500**0.5 / 50)
    assert got["split"]["demand_cv"] == pytest.approx(0.0)
    assert got["returns"]["demand_cv"] is None
    assert {c: row["xyz"] for c, row in got.items()} == {
        "steady": "X",
        "wavy": "Y",
        "lumpy": "Z",
        "split": "X",
        "returns": "Z",
    }
    # the inventory textbooks' 10 % / 25 %: the wavy customer is Z, the lumpy one Y under 50 % / 200 %
    textbook = seg.xyz_classes(
        t, amount_col="v", as_of=d(2024, 4, 30), months=4, thresholds=seg.XyzThresholds(0.10, 0.25)
    )
    assert {row["counterparty_id"]: row["xyz"] for row in textbook.to_pyarrow().to_pylist()}["wavy"] == "Z"
    wide = seg.xyz_classes(
        t, amount_col="v", as_of=d(2024, 4, 30), months=4, thresholds=seg.XyzThresholds(0.5, 2.0)
    )
    assert {row["counterparty_id"]: row["xyz"] for row in wide.to_pyarrow().to_pylist()}["lumpy"] == "Y"


def test_xyz_window_is_whole_calendar_months() -> None:
    assert seg.xyz_window(d(2024, 6, 15)) == (d(2023, 6, 1), d(2024, 5, 31))
    assert seg.xyz_window(d(2024, 6, 30)) == (d(2023, 7, 1), d(2024, 6, 30))
    assert seg.xyz_window(d(2024, 3, 1), months=2) == (d(2024, 1, 1), d(2024, 2, 29))
    with pytest.raises(ConfigurationError):
        seg.xyz_window(d(2024, 3, 1), months=1)


def test_nine_box_and_the_list_that_matters() -> None:
    t = ibis.memtable(
        {
            "id": [1, 2, 3, 4],
            "abc_revenue": ["A", "A", "B", "A"],
            "abc_profit": ["A", "C", "C", "B"],
            "xyz": ["X", "Z", "Z", "X"],
        }
    )
    counts = {r["cell"]: r["customers"] for r in seg.abc_xyz_matrix(t).to_pyarrow().to_pylist()}
    assert seg.nine_box(counts) == {
        "AX": 2,
        "AY": 0,
        "AZ": 1,
        "BX": 0,
        "BY": 0,
        "BZ": 1,
        "CX": 0,
        "CY": 0,
        "CZ": 0,
    }
    assert seg.a_revenue_c_profit(t).to_pyarrow()["id"].to_pylist() == [2]


def test_same_segments_on_every_engine(db_url: str) -> None:
    """The window functions (rank, running sums) give the same classes on DuckDB and PostgreSQL."""
    with connect(db_url) as store:
        con = store.ibis
        ten = con.create_table("seg_ten", pa.table(TEN), overwrite=True)
        five = con.create_table(
            "seg_five",
            pa.table(
                {
                    "counterparty_id": FIVE["counterparty_id"],
                    "v": pa.array([Decimal(v) for v in FIVE["v"]], pa.decimal128(18, 2)),
                }
            ),
            overwrite=True,
        )
        xyz = con.create_table("seg_xyz", pa.Table.from_pylist(XYZ_ROWS), overwrite=True)
        scored = seg.rfm_scores(ten).order_by("id").to_pyarrow().to_pylist()
        abc = seg.abc_classes(five, value_col="v").order_by("counterparty_id").to_pyarrow().to_pylist()
        xyz_rows = (
            seg.xyz_classes(xyz, amount_col="v", as_of=d(2024, 4, 30), months=4).to_pyarrow().to_pylist()
        )
    assert scored == _scores(ibis.memtable(TEN))
    assert [r["abc"] for r in abc] == ["A", "A", "A", "B", "C", "C"]
    assert {r["counterparty_id"]: r["xyz"] for r in xyz_rows} == {
        "steady": "X",
        "wavy": "Y",
        "lumpy": "Z",
        "split": "X",
        "returns": "Z",
    }


@pytest.mark.spark
@pytest.mark.slow
def test_same_segments_on_spark(spark: Any) -> None:
    from pyspark.sql import types as T

    con = ibis.pyspark.connect(spark)
    spark.createDataFrame(pa.table(TEN).to_pandas()).createOrReplaceTempView("seg_ten")
    schema = T.StructType(
        [T.StructField("counterparty_id", T.StringType()), T.StructField("v", T.DecimalType(18, 2))]
    )
    five = [(c, Decimal(v)) for c, v in zip(FIVE["counterparty_id"], FIVE["v"], strict=True)]
    spark.createDataFrame(five, schema=schema).createOrReplaceTempView("seg_five")
    xyz_schema = T.StructType(
        [
            T.StructField("counterparty_id", T.StringType()),
            T.StructField("order_date", T.DateType()),
            T.StructField("v", T.LongType()),
        ]
    )
    rows = [(r["counterparty_id"], r["order_date"], r["v"]) for r in XYZ_ROWS]
    spark.createDataFrame(rows, schema=xyz_schema).createOrReplaceTempView("seg_xyz")
    scored = seg.rfm_scores(con.table("seg_ten")).order_by("id").to_pyarrow().to_pylist()
    abc = seg.abc_classes(con.table("seg_five"), value_col="v").order_by("counterparty_id").to_pyarrow()
    xyz = seg.xyz_classes(con.table("seg_xyz"), amount_col="v", as_of=d(2024, 4, 30), months=4).to_pyarrow()
    assert scored == _scores(ibis.memtable(TEN))
    assert abc["abc"].to_pylist() == ["A", "A", "A", "B", "C", "C"]
    assert dict(zip(xyz["counterparty_id"].to_pylist(), xyz["xyz"].to_pylist(), strict=True)) == {
        "steady": "X",
        "wavy": "Y",
        "lumpy": "Z",
        "split": "X",
        "returns": "Z",
    }
